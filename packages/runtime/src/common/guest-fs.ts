// The guest's filesystem semantics, shared by the preview1 host (wasi.ts) and the preview2 host
// (p2/filesystem.ts): path operations over the Tree and the mounts, with Linux's answers, and the
// limits that go with them. In: directory nodes and relative paths (the callers decode guest memory
// or canonical-ABI strings and check rights/flags first). Out: nodes, host files of mounts, stats;
// failures throw WasiError with the errno Linux gives (the preview2 host maps errnos to its
// error-codes), or VfsError from the tree (callers map it the same way).
//
// Path resolution is the tree's, chroot-like (`..` at the root stays there, absolute symlink targets
// restart at the root). A mount (mounts.ts) is a directory node whose entries come from the host one
// name at a time; every call here that changes a directory checks `hostDirOf()` of the directory it
// changes and goes to the host through HostDir (confined, audited, EROFS on a read-only mount), and
// file I/O of a mount goes through its HostFile.
//
// Limits, as a tmpfs of size=maxWriteBytes: the memory the guest's file data takes beyond what each
// file held when the run first touched it may total `maxWriteBytes`; past it writes are short and
// then fail with ENOSPC, as on a full disk. Large files are paged (@boxer/vfs), so a sparse file (a
// far pwrite, a large ftruncate) takes only the pages written, as on tmpfs. Directory entries the
// run adds (symlinks included: tmpfs keeps short targets in the inode) have their own budget,
// maxWriteBytes / ENTRY_COST. Data of a file that no name and no descriptor reaches any more is
// given back (`holds` says which nodes a descriptor of the guest still reaches). Files may not grow
// past `maxFileSize` (EFBIG).
import {
  Tree, VfsError, allocatedBytes, digestOf, fileContent, readAt, writeAt, truncate, DENSE_LIMIT, PAGE_SIZE,
  type DirNode, type FileNode, type SymlinkNode, type VNode, type Resolved,
} from '@boxer/vfs';
import type { Diagnostic } from '@boxer/diagnostics';
import { DEFAULT_LIMITS } from '@boxer/bundle';
import { Errno, WasiError, errnoFromVfs, fail } from './errno.js';
import { tamperedFile } from './diagnostics.js';
import { attachMounts, detachMounts, hostDirOf, hostRefOf, type HostFile, type HostTime, type Mount, type MountSpec } from './mounts.js';
import type { AuditEvent } from './audit.js';

export interface GuestFsOptions {
  /** The guest's whole filesystem; changed in place (copy-on-write per file). */
  tree: Tree;
  /** Wall-clock time in ns (for mtimes and ctimes). */
  realtime: () => bigint;
  /** @default DEFAULT_LIMITS.maxWriteBytes */
  maxWriteBytes?: number;
  /** Largest size a file may reach through the guest's writes, in bytes (EFBIG past it). @default 2**31 - 1 */
  maxFileSize?: number;
  /** Host directories linked into the tree at their targets (mounts.ts). */
  mounts?: readonly MountSpec[];
  /** Receives an audit event for every use of a mount. */
  onAudit?: (event: AuditEvent) => void;
  /** Receives problems found while the guest runs (a file of the box that fails its digest). */
  onDiagnostic?: (diagnostic: Diagnostic) => void;
  /** Whether a descriptor of the guest still reaches `node` (see `holds`). @default none does */
  holds?: (node: FileNode | DirNode) => boolean;
}

/** What a stat of a node answers (times in ns since the epoch). */
export interface Filestat {
  dev: bigint;
  ino: bigint;
  /** `unknown` for what a mount's host holds that is neither (a device, a FIFO, a socket). */
  type: 'file' | 'dir' | 'symlink' | 'unknown';
  nlink: bigint;
  size: bigint;
  atim: bigint;
  mtim: bigint;
  ctim: bigint;
}

export interface OpenRequest {
  /** Follow a symlink in the last component (ignored with `creat && excl`, as open(2) does). */
  follow: boolean;
  creat: boolean;
  excl: boolean;
  /** O_DIRECTORY. */
  directory: boolean;
  trunc: boolean;
  /** The descriptor reads data (opens a mount's file for reading). */
  read: boolean;
  /** The descriptor writes data (O_WRONLY/O_RDWR: a directory refuses it with EISDIR). */
  write: boolean;
  /** The descriptor may change the file (write, allocate, set its size: a mount's file opens for writing). */
  modify: boolean;
  /** The guest path, for a RUNTIME_TAMPERED_FILE diagnostic. */
  label: string;
}

/** An opened node: a directory, or a file (with its host file when it is in a mount). */
export type Opened = { node: DirNode; host?: undefined } | { node: FileNode; host: HostFile | undefined };

/** What the host charges a file or symlink against maxWriteBytes. */
interface Growth {
  /** Bytes the file held when the run first touched it (allocatedBytes; 0 for what the guest created). */
  base: number;
  /** Bytes charged now. */
  charged: number;
}

/**
 * Host memory one directory entry the guest adds to the tree stands for (its node, map slot and
 * name). Entries have their own budget, maxWriteBytes / ENTRY_COST, as tmpfs has `nr_inodes` beside
 * `size`: a guest making empty files or directories in a loop gets ENOSPC at it, like on a tmpfs
 * out of inodes, instead of growing the host's heap without bound; file data keeps all of
 * maxWriteBytes, so a full layer behaves as a full tmpfs of that size.
 */
export const ENTRY_COST = 256;
/** Largest file offset a JS number holds exactly (Linux's tmpfs allows 2^63 - 1; boxer stops here, EFBIG). */
const DEFAULT_MAX_FILE_SIZE = Number.MAX_SAFE_INTEGER;
/** A file whose buffer is this much larger than its content after a truncate gets a smaller one. */
const SHRINK_SLACK = 65536;
const DIR_SIZE = 4096n;
/** st_dev of every node of the tree: the tree is one filesystem. */
const DEV = 1n;
const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();

export class GuestFs {
  readonly tree: Tree;
  readonly maxWriteBytes: number;
  readonly maxFileSize: number;
  readonly mounts: Mount[];
  /** Whether a descriptor of the guest still reaches a node (its data stays charged until none does). */
  holds: (node: FileNode | DirNode) => boolean;
  private readonly now: () => bigint;
  private readonly onDiagnostic: ((d: Diagnostic) => void) | undefined;
  private writeUsed = 0;
  /** Entries the run added to the tree, net of those it removed (see ENTRY_COST). */
  private entriesAdded = 0;
  private readonly growth = new WeakMap<FileNode | SymlinkNode, Growth>();
  private readonly atimes = new WeakMap<VNode, bigint>();
  private readonly ctimes = new WeakMap<VNode, bigint>();
  /** Directories removed while a descriptor still held them (see `live`). */
  private readonly dead = new WeakSet<DirNode>();
  /** Files of the box whose bytes were checked against their digest (each once, at its first open). */
  private readonly verified = new WeakSet<FileNode>();

  constructor(o: GuestFsOptions) {
    this.tree = o.tree;
    this.now = o.realtime;
    this.maxWriteBytes = byteLimit('maxWriteBytes', o.maxWriteBytes ?? DEFAULT_LIMITS.maxWriteBytes);
    this.maxFileSize = o.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.onDiagnostic = o.onDiagnostic;
    this.holds = o.holds ?? (() => false);
    this.mounts = attachMounts(this.tree, o.mounts ?? [], o.onAudit);
  }

  /** Bytes charged against maxWriteBytes now. */
  get writeBytes(): number {
    return this.writeUsed;
  }

  // ---- mounts ----------------------------------------------------------------------------------

  /** Closes directory handles of the mounts past their budget (call between host calls). */
  trim(): void {
    for (const m of this.mounts) m.trim((node) => this.holds(node));
  }

  /** Closes every host handle of the mounts (when the guest has ended). */
  closeMounts(): void {
    for (const m of this.mounts) m.close();
  }

  /** What the run did with each mount: looked into it, wrote to it (for --learn). */
  mountUsage(): { target: string; source: string; read: boolean; wrote: boolean }[] {
    return this.mounts.map((m) => ({ target: m.spec.target, source: m.spec.source, read: m.read, wrote: m.wrote }));
  }

  /** Takes the mounts out of the tree, putting back what they covered (for --persist). */
  detachMounts(): void {
    detachMounts(this.tree, this.mounts);
  }

  // ---- paths -------------------------------------------------------------------------------------

  resolveAt(dir: DirNode, path: string, follow: boolean): Resolved {
    return this.tree.resolve(path, { cwd: dir, follow });
  }

  /**
   * Resolves a path whose last component a call creates or removes: trailing slashes are cut
   * (and reported), the last component is not followed. `dots` is set when it is `.` or `..`.
   */
  resolveLast(dir: DirNode, path: string): Resolved & { trailing: boolean; dots: '' | '.' | '..' } {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '') fail(Errno.NOENT);
    const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
    const r = this.tree.resolve(trimmed, { cwd: dir, follow: false });
    return { ...r, trailing: trimmed.length !== path.length, dots: last === '.' || last === '..' ? last : '' };
  }

  createDirectory(dir: DirNode, path: string): void {
    const r = this.resolveLast(dir, path);
    if (r.dots || r.node) fail(Errno.EXIST);
    const host = hostDirOf(r.parent);
    if (host) return host.mkdir(r.name);
    this.live(r.parent);
    this.addEntry();
    const now = this.now();
    this.tree.link(r.parent, r.name, this.tree.makeDir({ mode: 0o755, mtime: now }));
    this.touch(r.parent, now);
  }

  statAt(dir: DirNode, path: string, follow: boolean): Filestat {
    return this.stat(this.resolveAt(dir, path, follow).node ?? fail(Errno.NOENT));
  }

  /** The node `path` names (ENOENT when there is none). */
  nodeAt(dir: DirNode, path: string, follow: boolean): VNode {
    return this.resolveAt(dir, path, follow).node ?? fail(Errno.NOENT);
  }

  setTimesAt(dir: DirNode, path: string, follow: boolean, atime: HostTime, mtime: HostTime): void {
    const node = this.resolveAt(dir, path, follow).node ?? fail(Errno.NOENT);
    const ref = hostRefOf(this.mounts, node);
    if (ref) {
      if (ref.name === '') return ref.dir.setOwnTimes(atime, mtime);
      return ref.dir.setTimes(ref.name, atime, mtime);
    }
    this.setTimes(node, undefined, atime, mtime);
  }

  link(from: DirNode, oldPath: string, follow: boolean, to: DirNode, newPath: string): void {
    const source = this.resolveAt(from, oldPath, follow).node ?? fail(Errno.NOENT);
    if (source.kind === 'dir') fail(Errno.PERM);
    if (oldPath.endsWith('/')) fail(Errno.NOTDIR);
    const r = this.resolveLast(to, newPath);
    if (r.dots || r.node) fail(Errno.EXIST);
    if (r.trailing) fail(Errno.NOENT);
    const sourceRef = hostRefOf(this.mounts, source);
    const targetDir = hostDirOf(r.parent);
    if (sourceRef || targetDir) {
      // NOTE: a hard link never crosses a mount's edge (link(2) across filesystems is EXDEV).
      if (!sourceRef || !targetDir) fail(Errno.XDEV);
      return sourceRef.dir.link(sourceRef.name, targetDir, r.name);
    }
    this.live(r.parent);
    // NOTE: each name of a symlink takes its full share (unlinking any name gives it back).
    this.addEntry(entriesOf(source));
    this.tree.link(r.parent, r.name, source);
    const now = this.now();
    this.ctimes.set(source, now);
    this.touch(r.parent, now);
  }

  /**
   * openat(2) after the caller's own checks (rights, flags, descriptor space): creates the file with
   * `creat`, refuses what Linux refuses in Linux's order, truncates with `trunc`, checks a box file's
   * digest at its first open.
   */
  open(dir: DirNode, path: string, o: OpenRequest): Opened {
    // NOTE: Linux (since 6.4) refuses O_CREAT|O_DIRECTORY with EINVAL before looking at the path.
    if (o.creat && o.directory) fail(Errno.INVAL);
    // NOTE: O_CREAT|O_EXCL never follows a final symlink (open(2)).
    const follow = o.follow && !(o.creat && o.excl);
    if (o.creat && path.endsWith('/')) {
      // NOTE: open(2) with O_CREAT refuses a trailing slash with EISDIR once the parent resolved.
      this.resolveLast(dir, path);
      fail(Errno.ISDIR);
    }
    const r = this.resolveAt(dir, path, follow);
    const hostParent = hostDirOf(r.parent);
    if (hostParent && r.name !== '.' && (r.node === undefined || r.node.kind === 'file')) {
      if (r.node === undefined && !o.creat) fail(Errno.NOENT);
      if (r.node === undefined && o.directory) fail(Errno.INVAL);
      if (r.node !== undefined && o.creat && o.excl) fail(Errno.EXIST);
      if (r.node !== undefined && o.directory) fail(Errno.NOTDIR);
      const host = hostParent.open(r.name, { read: o.read, write: o.modify, create: o.creat, excl: o.excl, trunc: o.trunc });
      return { node: host.node, host };
    }
    let node = r.node;
    if (node === undefined) {
      if (!o.creat) fail(Errno.NOENT);
      if (o.directory) fail(Errno.INVAL);
      this.live(r.parent);
      this.addEntry();
      const now = this.now();
      node = this.tree.makeFile(EMPTY, { mode: 0o644, mtime: now });
      this.tree.link(r.parent, r.name, node);
      this.touch(r.parent, now);
    } else {
      if (o.creat && o.excl) fail(Errno.EXIST);
      // NOTE: Linux's do_open order: O_CREAT on a directory is EISDIR, O_DIRECTORY on anything else
      // (a final symlink that was not followed too) is ENOTDIR, and only then a symlink is ELOOP.
      if (o.creat && node.kind === 'dir') fail(Errno.ISDIR);
      if (o.directory && node.kind !== 'dir') fail(Errno.NOTDIR);
      if (node.kind === 'symlink') fail(Errno.LOOP);
    }
    if (node.kind === 'dir') {
      // NOTE: asking to write a directory is EISDIR like open(dir, O_WRONLY), with O_DIRECTORY too
      // (wasi-testsuite path_open_preopen.rs: FD_READ|FD_WRITE with OFLAGS_DIRECTORY is EISDIR).
      if (o.trunc || o.write) fail(Errno.ISDIR);
      return { node };
    }
    this.verify(node, o.label);
    if (o.trunc && node.size > 0) this.resize(node, 0);
    return { node, host: undefined };
  }

  readlink(dir: DirNode, path: string): string {
    const node = this.resolveAt(dir, path, false).node ?? fail(Errno.NOENT);
    if (node.kind !== 'symlink') fail(Errno.INVAL);
    return node.target;
  }

  removeDirectory(dir: DirNode, path: string): void {
    const r = this.resolveLast(dir, path);
    // NOTE: rmdir(2): "." is EINVAL, ".." is ENOTEMPTY.
    if (r.dots === '.') fail(Errno.INVAL);
    if (r.dots === '..') fail(Errno.NOTEMPTY);
    const node = r.node ?? fail(Errno.NOENT);
    if (node.kind !== 'dir') fail(Errno.NOTDIR);
    if (node === this.tree.root || this.isMountRoot(node)) fail(Errno.BUSY);
    const host = hostDirOf(r.parent);
    if (host) return host.rmdir(r.name);
    if (node.entries.size > 0) fail(Errno.NOTEMPTY);
    this.tree.unlinkEntry(r.parent, r.name);
    this.dead.add(node);
    this.removeEntry();
    this.touch(r.parent);
  }

  rename(from: DirNode, oldPath: string, to: DirNode, newPath: string): void {
    const a = this.resolveLast(from, oldPath);
    const b = this.resolveLast(to, newPath);
    // NOTE: rename(2) refuses "." and ".." on either side with EBUSY.
    if (a.dots || b.dots) fail(Errno.BUSY);
    const node = a.node ?? fail(Errno.NOENT);
    if ((a.trailing || b.trailing) && node.kind !== 'dir') fail(Errno.NOTDIR);
    if (this.isMountRoot(node) || (b.node && this.isMountRoot(b.node))) fail(Errno.BUSY);
    const hostFrom = hostDirOf(a.parent);
    const hostTo = hostDirOf(b.parent);
    if (hostFrom || hostTo) {
      if (!hostFrom || !hostTo) fail(Errno.XDEV);
      return hostFrom.rename(a.name, hostTo, b.name);
    }
    this.live(b.parent);
    this.tree.rename(a.parent, a.name, b.parent, b.name);
    if (b.node && b.node !== node) {
      if (b.node.kind === 'dir') this.dead.add(b.node);
      this.release(b.node);
      this.removeEntry(entriesOf(b.node));
    }
    const now = this.now();
    this.ctimes.set(node, now);
    this.touch(a.parent, now);
    this.touch(b.parent, now);
  }

  /** symlinkat(2); `target` is what the guest gave (at most PATH_MAX bytes; it takes an entry of the budget). */
  symlink(target: string, dir: DirNode, path: string): void {
    const r = this.resolveLast(dir, path);
    if (target.includes('\0')) fail(Errno.INVAL);
    if (target === '') fail(Errno.NOENT);
    if (r.dots || r.node) fail(Errno.EXIST);
    if (r.trailing) fail(Errno.NOENT);
    const host = hostDirOf(r.parent);
    if (host) return host.symlink(target, r.name);
    this.live(r.parent);
    this.addEntry(symlinkEntries(target));
    const now = this.now();
    const link = this.tree.makeSymlink(target, { mode: 0o777, mtime: now });
    this.tree.link(r.parent, r.name, link);
    this.touch(r.parent, now);
  }

  unlinkFile(dir: DirNode, path: string): void {
    const r = this.resolveLast(dir, path);
    if (r.dots) fail(Errno.ISDIR);
    const node = r.node ?? fail(Errno.NOENT);
    if (node.kind === 'dir') fail(Errno.ISDIR);
    if (r.trailing) fail(Errno.NOTDIR);
    const host = hostDirOf(r.parent);
    if (host) return host.unlink(r.name);
    this.tree.unlinkEntry(r.parent, r.name);
    this.removeEntry(entriesOf(node));
    this.release(node);
    const now = this.now();
    this.ctimes.set(node, now);
    this.touch(r.parent, now);
  }

  // ---- directories ---------------------------------------------------------------------------

  /** The names of a directory now, sorted (asked of the host in a mount). */
  list(dir: DirNode): string[] {
    return this.tree.readdir(dir);
  }

  /** The child `name` of a directory (asked of the host in a mount; a failing lookup is no child). */
  child(dir: DirNode, name: string): VNode | undefined {
    if (!dir.source) return dir.entries.get(name);
    try {
      return dir.source.lookup(name);
    } catch (e) {
      if (e instanceof WasiError) return undefined;
      throw e;
    }
  }

  // ---- file data -------------------------------------------------------------------------------

  /** A file's size now (asked of the host for a file in a mount). */
  sizeOf(file: FileNode, host: HostFile | undefined): number {
    return host ? host.size() : file.size;
  }

  /**
   * Reads from `at` into each of `into` in turn (straight from the host file in a mount); stops at
   * the end of the file or at a short read. Returns the bytes read.
   */
  read(file: FileNode, host: HostFile | undefined, at: number, into: readonly Uint8Array[]): number {
    let total = 0;
    if (host) {
      for (const part of into) {
        if (part.length === 0) continue;
        const n = host.read(part, at);
        at += n;
        total += n;
        if (n < part.length) break;
      }
      return total;
    }
    for (const part of into) {
      const n = readAt(file, at, part);
      at += n;
      total += n;
      if (n < part.length) break;
    }
    return total;
  }

  /**
   * Writes `from` (in order) at `at`, or at the end of the file with 'append' (which, like Linux's
   * O_APPEND, wins over any offset). As on a full disk, a write that does not fit in maxWriteBytes
   * is short and the next one fails with ENOSPC; nothing is allocated before the limit is checked.
   * EFBIG past maxFileSize. Returns where the write started and how many bytes it wrote.
   */
  write(file: FileNode, host: HostFile | undefined, at: number | 'append', from: readonly Uint8Array[]): { pos: number; written: number } {
    const length = from.reduce((n, b) => n + b.length, 0);
    if (host) host.stat();
    const pos = at === 'append' ? file.size : at;
    let written = 0;
    if (length === 0) return { pos, written };
    if (pos + length > this.maxFileSize) fail(Errno.FBIG);
    const growth = this.growthOf(file);
    if (!host) return this.writeTree(file, growth, pos, length, from);
    const room = Math.max(file.size, growth.base) + (this.maxWriteBytes - this.writeUsed);
    const n = Math.min(length, room - pos);
    if (n <= 0) fail(Errno.NOSPC);
    try {
      // NOTE: straight from the caller's buffers (guest memory for preview1) into the file.
      for (const part of from) {
        const take = Math.min(part.length, n - written);
        if (take > 0) {
          if (host) {
            const done = host.write(part.subarray(0, take), pos + written);
            written += done;
            if (done < take) break;
            continue;
          }
          writeAt(file, pos + written, part.subarray(0, take));
        }
        written += take;
        if (written === n) break;
      }
    } catch (e) {
      if (!(e instanceof RangeError) && !(host && e instanceof WasiError && written > 0)) throw e;
      if (written === 0) fail(Errno.NOSPC);
    } finally {
      if (host) file.size = Math.max(file.size, pos + written);
      this.charge(file, growth);
    }
    this.touch(file);
    return { pos, written };
  }

  /**
   * write() into a file of the tree, a page at a time: each step is taken only as far as the memory
   * it adds fits in what is left of maxWriteBytes (to the byte in a dense file, a whole page in a
   * paged one), so a write that does not fit is short (ENOSPC when not one byte fits) and nothing is
   * allocated past the limit.
   */
  private writeTree(file: FileNode, growth: Growth, pos: number, length: number, from: readonly Uint8Array[]): { pos: number; written: number } {
    let written = 0;
    try {
      outer: for (const part of from) {
        for (let off = 0; off < part.length;) {
          const at = pos + written;
          let step = Math.min(part.length - off, PAGE_SIZE - (at % PAGE_SIZE));
          const room = this.maxWriteBytes - this.writeUsed;
          const added = this.addedBy(file, at, step);
          if (added > room) {
            // NOTE: a dense file takes what fits to the byte; a page is all or nothing.
            if (file.pages || at + step > DENSE_LIMIT) break outer;
            step -= added - room;
            if (step <= 0) break outer;
          }
          writeAt(file, at, part.subarray(off, off + step));
          off += step;
          written += step;
          this.charge(file, growth);
        }
      }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    this.charge(file, growth);
    if (written === 0 && length > 0) fail(Errno.NOSPC);
    this.touch(file);
    return { pos, written };
  }

  /** Memory a write of `length` bytes at `at` (within one page) adds to the file (an upper bound). */
  private addedBy(file: FileNode, at: number, length: number): number {
    const end = at + length;
    if (file.pages) return file.pages.has(Math.floor(at / PAGE_SIZE)) ? 0 : PAGE_SIZE;
    if (end <= DENSE_LIMIT) return Math.max(0, end - file.size);
    // NOTE: the file turns paged: its content is copied into whole pages, and the page at `at` is
    // new when it lies past them.
    const pages = Math.ceil(file.size / PAGE_SIZE);
    return pages * PAGE_SIZE - file.size + (Math.floor(at / PAGE_SIZE) >= pages ? PAGE_SIZE : 0);
  }

  /** ftruncate(2): EFBIG past maxFileSize, ENOSPC when the growth does not fit. */
  setSize(file: FileNode, host: HostFile | undefined, size: bigint): void {
    size = BigInt.asUintN(64, size);
    if (size > BigInt(this.maxFileSize)) fail(Errno.FBIG);
    this.resize(file, Number(size), host);
  }

  /**
   * Sets a file's size through the tree (copy-on-write) or, for a file in a mount, on the host;
   * ENOSPC when the growth does not fit in maxWriteBytes or the host cannot allocate it.
   */
  resize(file: FileNode, size: number, host?: HostFile): void {
    if (host) host.stat();
    const growth = this.growthOf(file);
    // NOTE: a paged file grows by a hole, allocating nothing (tmpfs); a dense one by real bytes.
    const after = host ? size : file.pages || size > DENSE_LIMIT ? Math.ceil(Math.min(size, file.size) / PAGE_SIZE) * PAGE_SIZE : size;
    const more = Math.max(0, after - growth.base) - growth.charged;
    if (size > file.size && more > this.maxWriteBytes - this.writeUsed) fail(Errno.NOSPC);
    if (host) {
      host.truncate(size);
      this.charge(file, growth);
      return;
    }
    try {
      truncate(file, size);
    } catch (e) {
      if (e instanceof RangeError) fail(Errno.NOSPC);
      throw e;
    }
    // NOTE: truncate() keeps a private buffer's capacity; give it back when a file shrinks a lot,
    // or a guest could hold maxWriteBytes many times over by growing and truncating files in turn.
    if (file.owned && file.data.length - file.size > SHRINK_SLACK && file.data.length > 2 * file.size) file.data = file.data.slice(0, file.size);
    this.charge(file, growth);
    this.touch(file);
  }

  /** A descriptor of `node` was closed: its host file is closed, its data given back if nothing reaches it. */
  closed(node: FileNode | DirNode, host: HostFile | undefined): void {
    host?.close();
    this.release(node);
  }

  // ---- metadata ----------------------------------------------------------------------------------

  /** The stat of a node (of an open mount file: asked of the host first). */
  stat(node: VNode, host?: HostFile): Filestat {
    host?.stat();
    const ref = hostRefOf(this.mounts, node);
    if (ref) {
      // NOTE: what the host said at the lookup (or fstat) that produced `node`, just now; the top of
      // a mount is never looked up by name, so it is asked afresh.
      if (ref.name === '') ref.stat = ref.dir.mount.spec.fs.fstat(ref.dir.handle());
      const st = ref.stat;
      return {
        dev: ref.dir.mount.dev,
        ino: BigInt(node.ino),
        type: this.kindOf(node),
        nlink: BigInt(st.nlink),
        size: BigInt(node.kind === 'file' ? node.size : st.size),
        atim: st.atimeNs,
        mtim: node.mtime,
        ctim: st.ctimeNs,
      };
    }
    let nlink: bigint;
    let size: bigint;
    if (node.kind === 'dir') {
      let subdirs = 0;
      for (const child of node.entries.values()) if (child.kind === 'dir') subdirs++;
      // NOTE: a directory removed while a descriptor holds it has no links left (Linux: nlink 0).
      nlink = this.dead.has(node) ? 0n : BigInt(2 + subdirs);
      size = DIR_SIZE;
    } else if (node.kind === 'file') {
      nlink = BigInt(node.nlink);
      size = BigInt(node.size);
    } else {
      nlink = BigInt(node.nlink);
      size = BigInt(utf8Length(node.target));
    }
    const mtim = node.mtime;
    return { dev: DEV, ino: BigInt(node.ino), type: node.kind, nlink, size, atim: this.atimes.get(node) ?? mtim, mtim, ctim: this.ctimes.get(node) ?? mtim };
  }

  /** What a node is, as stat reports it (`unknown` for what a mount's host holds that is neither). */
  kindOf(node: VNode): Filestat['type'] {
    return hostRefOf(this.mounts, node)?.stat.type === 'other' ? 'unknown' : node.kind;
  }

  /** futimens(2) of an open node: on the host for an open file of a mount, in the tree otherwise. */
  setTimes(node: VNode, host: HostFile | undefined, atime: HostTime, mtime: HostTime): void {
    if (host) return host.setTimes(atime, mtime);
    const now = this.now();
    if (atime !== 'keep') this.atimes.set(node, atime === 'now' ? now : BigInt.asUintN(64, atime));
    if (mtime !== 'keep') node.mtime = mtime === 'now' ? now : BigInt.asUintN(64, mtime);
    this.ctimes.set(node, now);
  }

  /** Marks a node modified now (mtime and ctime). */
  private touch(node: VNode, now = this.now()): void {
    node.mtime = now;
    this.ctimes.set(node, now);
  }

  /**
   * Checks a file of the box against the digest its index records, the first time the guest opens
   * it (the index is covered by the manifest; the bytes are not, until checked). A mismatch is EIO
   * and a RUNTIME_TAMPERED_FILE diagnostic.
   */
  private verify(file: FileNode, path: string): void {
    if (file.digest === undefined || this.verified.has(file)) return;
    if (digestOf(fileContent(file)) !== file.digest) {
      this.onDiagnostic?.(tamperedFile(path, file.digest));
      fail(Errno.IO);
    }
    this.verified.add(file);
  }

  /** Whether `node` is the top directory of a mount (which, like a mount point, cannot be removed or moved). */
  /**
   * Refuses to create anything in a directory that was removed while a descriptor held it: Linux
   * answers ENOENT for openat(O_CREAT), mkdirat, symlinkat, linkat and renameat into it.
   */
  private live(dir: DirNode): void {
    if (this.dead.has(dir)) fail(Errno.NOENT);
  }

  private isMountRoot(node: VNode): boolean {
    return this.mounts.some((m) => m.root === node);
  }

  // ---- maxWriteBytes -------------------------------------------------------------------------

  /** Counts `n` new directory entries (ENOSPC when the entry budget, see ENTRY_COST, is used up). */
  private addEntry(n = 1): void {
    if ((this.entriesAdded + n) * ENTRY_COST > this.maxWriteBytes) fail(Errno.NOSPC);
    this.entriesAdded += n;
  }

  /**
   * Gives back one entry. The count never goes below zero: removing the image's own entries makes
   * room only for as many new ones, so the tree never holds more than the image plus the budget.
   */
  private removeEntry(n = 1): void {
    this.entriesAdded = Math.max(0, this.entriesAdded - n);
  }

  /** The accounting record of a file; call it before changing the node's size. */
  private growthOf(node: FileNode): Growth {
    let g = this.growth.get(node);
    if (!g) {
      g = { base: allocatedBytes(node), charged: 0 };
      this.growth.set(node, g);
    }
    return g;
  }

  /** Brings `growth` up to date with the memory the file holds now. */
  private charge(file: FileNode, growth: Growth): void {
    const charged = Math.max(0, allocatedBytes(file) - growth.base);
    this.writeUsed += charged - growth.charged;
    growth.charged = charged;
  }

  /** Gives back what `node` was charged once no name and no descriptor reaches it. */
  private release(node: VNode): void {
    if (node.kind === 'dir' || node.nlink > 0) return;
    if (node.kind === 'file' && this.holds(node)) return;
    const g = this.growth.get(node);
    if (!g) return;
    this.writeUsed -= g.charged;
    this.growth.delete(node);
  }
}

/** A u64 file offset as a number; offsets past 2^53 read nothing (files stop there), so they are clamped to it. */
export function clampOffset(offset: bigint): number {
  const o = BigInt.asUintN(64, offset);
  return o > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(o);
}

/** The errno of a failure inside a filesystem call, or undefined when it is not one (a bug, a trap). */
export function errnoOf(e: unknown): number | undefined {
  if (e instanceof WasiError) return e.errno;
  if (e instanceof VfsError) return errnoFromVfs(e);
  return undefined;
}

/**
 * Entries of the budget a symlink takes: one, plus one per ENTRY_COST bytes of its target (up to
 * PATH_MAX), so that targets cannot hold more host memory than the budget stands for.
 */
function symlinkEntries(target: string): number {
  return 1 + Math.floor(utf8Length(target) / ENTRY_COST);
}

/** Entries of the budget a node takes (see symlinkEntries). */
function entriesOf(node: VNode): number {
  return node.kind === 'symlink' ? symlinkEntries(node.target) : 1;
}

function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return encoder.encode(s).length;
  return s.length;
}

function byteLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of bytes, got ${value}`);
  return value;
}
