// Host mounts (`-v HOST:GUEST[:ro]`, `--mount type=bind,…`; DESIGN §5, §0.4, §0.8, §0.15) as the
// guest's tree sees them. In: the run's mounts, each with a HostFs (node/mount-adapter.ts on Node,
// the only code that touches the host's files). Out: a directory node linked into the tree at each
// target whose children come from the host, live, one name at a time.
//
// Confinement is by construction: the host is only ever asked about ONE name inside a directory
// handle the adapter opened itself (never a path), it never follows a symlink (lstat, O_NOFOLLOW),
// and a symlink it reports becomes a symlink node of the tree, whose target the tree resolves inside
// the guest's root like every other. `..` from a mounted directory goes to its parent node in the
// tree (the mount point's parent at the top), never to the host's parent. So a symlink to `/etc` or
// `../..`, a symlink swapped in between a lookup and an open (the open refuses to follow it), or a
// directory renamed while the guest walks it, cannot name a host file outside the mount.
//
// Every use of a mount is an audit event: reads (open for reading, listing) and writes (open for
// writing, create, remove, rename, link, symlink, times), with the host path and the `-v` grant; a
// write to a read-only mount is refused with EROFS and recorded as a denial.
import { Tree, type DirNode, type DirSource, type FileNode, type SymlinkNode, type VNode } from '@boxer/vfs';
import type { AuditEvent } from './audit.js';
import { checkMountTarget } from './grants.js';
import { Errno, fail } from './errno.js';

/** What the host reports about one entry (lstat) or open file (fstat). */
export interface HostStat {
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** Permission bits (`mode & 0o7777`). */
  mode: number;
  nlink: number;
  ino: bigint;
  /** The host filesystem holding it (a mount may span several). */
  dev: bigint;
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface HostOpenFlags {
  read: boolean;
  write: boolean;
  create: boolean;
  excl: boolean;
  trunc: boolean;
}

/** Times for setTimes: a time in ns, `now`, or `keep` (leave it as it is). */
export type HostTime = bigint | 'now' | 'keep';

/**
 * One mount's host directory, as handles and single names. `dir` arguments are handles this object
 * returned (from `root()` or `openDir()`); `name` is one path component (never `.`, `..`, or holding
 * `/`). Nothing follows a symlink. Failures throw WasiError with the errno the host gave.
 */
export interface HostFs {
  /** Opens the mount's source directory. */
  root(): number;
  lstat(dir: number, name: string): HostStat | undefined;
  list(dir: number): string[];
  openDir(dir: number, name: string): number;
  /** Opens a regular file (EISDIR for a directory, EACCES for a device, FIFO or socket). */
  openFile(dir: number, name: string, flags: HostOpenFlags): number;
  fstat(handle: number): HostStat;
  /** Reads into `into` from `position`; returns the bytes read (0 at the end). */
  read(handle: number, into: Uint8Array, position: number): number;
  write(handle: number, from: Uint8Array, position: number): number;
  truncate(handle: number, size: number): void;
  sync(handle: number): void;
  close(handle: number): void;
  mkdir(dir: number, name: string): void;
  rmdir(dir: number, name: string): void;
  unlink(dir: number, name: string): void;
  rename(fromDir: number, fromName: string, toDir: number, toName: string): void;
  link(fromDir: number, fromName: string, toDir: number, toName: string): void;
  symlink(target: string, dir: number, name: string): void;
  readlink(dir: number, name: string): string;
  /** Sets the times of the entry `name` (not following a symlink), or of an open file when `name` is undefined. */
  setTimes(handle: number, name: string | undefined, atime: HostTime, mtime: HostTime): void;
  /** Closes every handle still open. */
  closeAll(): void;
}

export interface MountSpec {
  /** Absolute guest path. */
  target: string;
  readonly: boolean;
  /** The host directory, for audit records and messages. */
  source: string;
  fs: HostFs;
}

/** Directory handles a mount keeps open between calls (beyond these, least recently used are closed). */
const OPEN_DIRS = 256;

/** What a node of a mount is on the host: the directory it was last found in, its name, its stat. */
export interface HostRef {
  dir: HostDir;
  name: string;
  stat: HostStat;
}

export class Mount {
  /** Nodes by host inode, so that a file reached twice (or through hard links) is one node. */
  private readonly nodes = new Map<string, VNode>();
  private readonly refs = new WeakMap<VNode, HostRef>();
  /** Open directory handles, least recently used first. */
  private readonly lru = new Map<HostDir, true>();
  readonly root: DirNode;
  readonly rootDir: HostDir;
  readonly grant: string;
  /** Whether the run looked into the mount at all, and whether it changed anything in it (for --learn). */
  read = false;
  wrote = false;
  /** Where the mount is linked, and what the tree had there before (restored by detachMounts). */
  place: Covered | undefined;

  constructor(readonly spec: MountSpec, readonly tree: Tree, readonly dev: bigint, private readonly emit: ((e: AuditEvent) => void) | undefined) {
    this.grant = `-v ${spec.source}:${spec.target}${spec.readonly ? ':ro' : ''}`;
    this.root = tree.makeDir({ mode: 0o755 });
    this.rootDir = new HostDir(this, this.root, undefined, '', '');
    this.root.source = this.rootDir;
    const st = spec.fs.fstat(this.rootDir.handle());
    applyMeta(this.root, st);
    this.refs.set(this.root, { dir: this.rootDir, name: '', stat: st });
  }

  /** The node for an entry the host reported, reusing the one already made for that inode. */
  nodeFor(dir: HostDir, name: string, stat: HostStat): VNode {
    // NOTE: an inode number is unique only within one host filesystem, and a mount may span several.
    const key = `${stat.type}:${stat.dev}:${stat.ino}`;
    let node = this.nodes.get(key);
    if (node === undefined) {
      const meta = { mode: stat.mode, mtime: stat.mtimeNs };
      if (stat.type === 'dir') {
        const made = this.tree.makeDir(meta);
        made.source = new HostDir(this, made, dir, name, join(dir.rel, name));
        node = made;
      } else if (stat.type === 'symlink') {
        node = this.tree.makeSymlink(this.spec.fs.readlink(dir.handle(), name), meta);
      } else {
        node = this.tree.makeFile(undefined, meta);
      }
      this.nodes.set(key, node);
    } else if (node.kind === 'symlink') {
      // NOTE: a symlink's target can change while its inode stays (rename over it makes a new inode,
      // but a host may also reuse one): read it again on every lookup.
      node.target = this.spec.fs.readlink(dir.handle(), name);
    }
    applyMeta(node, stat);
    if (node.kind === 'dir') {
      node.parent = dir.node;
      const hd = node.source as HostDir;
      hd.moved(dir, name, stat);
    }
    this.refs.set(node, { dir, name, stat });
    return node;
  }

  /** Where `node` is on the host, when it belongs to this mount. */
  refOf(node: VNode): HostRef | undefined {
    return this.refs.get(node);
  }

  /** Records an audit event for `rel` (a path inside the mount). */
  audit(op: 'fs.read' | 'fs.write', rel: string, decision: 'allow' | 'deny'): void {
    this.emit?.({ op, resource: join(this.spec.source, rel), decision, grant: this.grant });
  }

  /** Refuses a write on a read-only mount (EROFS), recording the denial; records an allowed write otherwise. */
  writing(rel: string): void {
    if (this.spec.readonly) {
      this.audit('fs.write', rel, 'deny');
      fail(Errno.ROFS);
    }
    this.wrote = true;
    this.audit('fs.write', rel, 'allow');
  }

  used(dir: HostDir): void {
    this.lru.delete(dir);
    this.lru.set(dir, true);
  }

  /**
   * Closes the least recently used directory handles past OPEN_DIRS. Called between host calls only
   * (never while a call holds a handle), skipping the root and directories `keep` says a guest
   * descriptor holds.
   */
  trim(keep: (node: DirNode) => boolean): void {
    if (this.lru.size <= OPEN_DIRS) return;
    for (const dir of this.lru.keys()) {
      if (this.lru.size <= OPEN_DIRS) break;
      if (dir === this.rootDir || keep(dir.node)) continue;
      dir.release();
      this.lru.delete(dir);
    }
  }

  close(): void {
    this.spec.fs.closeAll();
  }
}

/** A directory of a mount: the DirSource of its node, and the host operations on its entries. */
export class HostDir implements DirSource {
  private fd: number | undefined;

  constructor(
    readonly mount: Mount,
    readonly node: DirNode,
    private parent: HostDir | undefined,
    private name: string,
    /** Path inside the mount, for audit records ('' at the top). */
    public rel: string,
  ) {}

  /** The host handle, opened on first use (through the parent's handle and this directory's name). */
  handle(): number {
    if (this.fd === undefined) this.fd = this.parent === undefined ? this.mount.spec.fs.root() : this.mount.spec.fs.openDir(this.parent.handle(), this.name);
    this.mount.used(this);
    return this.fd;
  }

  /**
   * The directory was found again as `name` in `parent` (it may have been renamed). A handle opened
   * earlier that no longer holds this inode (the old directory was removed and its number reused)
   * is dropped, to be opened again by name.
   */
  moved(parent: HostDir, name: string, stat: HostStat): void {
    this.parent = parent;
    this.name = name;
    this.rel = join(parent.rel, name);
    if (this.fd === undefined) return;
    const held = this.mount.spec.fs.fstat(this.fd);
    if (held.ino !== stat.ino || held.dev !== stat.dev) this.release();
  }

  release(): void {
    if (this.fd === undefined) return;
    this.mount.spec.fs.close(this.fd);
    this.fd = undefined;
  }

  lookup(name: string): VNode | undefined {
    this.mount.read = true;
    const stat = this.mount.spec.fs.lstat(this.handle(), name);
    return stat === undefined ? undefined : this.mount.nodeFor(this, name, stat);
  }

  list(): string[] {
    this.mount.read = true;
    this.mount.audit('fs.read', this.rel, 'allow');
    return this.mount.spec.fs.list(this.handle());
  }

  /** Opens the regular file `name` (creating it with `create`), auditing the access. */
  open(name: string, flags: HostOpenFlags): HostFile {
    const rel = join(this.rel, name);
    if (flags.write || flags.create || flags.trunc) this.mount.writing(rel);
    else this.mount.audit('fs.read', rel, 'allow');
    this.mount.read = true;
    const fs = this.mount.spec.fs;
    const handle = fs.openFile(this.handle(), name, flags);
    try {
      const stat = fs.fstat(handle);
      const node = this.mount.nodeFor(this, name, stat) as FileNode;
      return new HostFile(this.mount, handle, node);
    } catch (e) {
      fs.close(handle);
      throw e;
    }
  }

  mkdir(name: string): void {
    this.mount.writing(join(this.rel, name));
    this.mount.spec.fs.mkdir(this.handle(), name);
  }

  rmdir(name: string): void {
    this.mount.writing(join(this.rel, name));
    this.mount.spec.fs.rmdir(this.handle(), name);
  }

  unlink(name: string): void {
    this.mount.writing(join(this.rel, name));
    this.mount.spec.fs.unlink(this.handle(), name);
  }

  symlink(target: string, name: string): void {
    this.mount.writing(join(this.rel, name));
    this.mount.spec.fs.symlink(target, this.handle(), name);
  }

  /** Renames `name` here to `toName` in `to`, which must be in the same mount (EXDEV otherwise). */
  rename(name: string, to: HostDir, toName: string): void {
    if (to.mount !== this.mount) fail(Errno.XDEV);
    this.mount.writing(join(this.rel, name));
    this.mount.writing(join(to.rel, toName));
    this.mount.spec.fs.rename(this.handle(), name, to.handle(), toName);
  }

  /** Makes `toName` in `to` another name of the entry `name` here (same mount, EXDEV otherwise). */
  link(name: string, to: HostDir, toName: string): void {
    if (to.mount !== this.mount) fail(Errno.XDEV);
    this.mount.writing(join(to.rel, toName));
    this.mount.spec.fs.link(this.handle(), name, to.handle(), toName);
  }

  setTimes(name: string, atime: HostTime, mtime: HostTime): void {
    this.mount.writing(join(this.rel, name));
    this.mount.spec.fs.setTimes(this.handle(), name, atime, mtime);
  }

  /** Sets this directory's own times (through its handle: the top of a mount has no name to use). */
  setOwnTimes(atime: HostTime, mtime: HostTime): void {
    this.mount.writing(this.rel);
    this.mount.spec.fs.setTimes(this.handle(), undefined, atime, mtime);
  }
}

/** A regular file of a mount opened by the guest. */
export class HostFile {
  constructor(readonly mount: Mount, private readonly handle: number, readonly node: FileNode) {}

  private get fs(): HostFs {
    return this.mount.spec.fs;
  }

  read(into: Uint8Array, position: number): number {
    return this.fs.read(this.handle, into, position);
  }

  write(from: Uint8Array, position: number): number {
    return this.fs.write(this.handle, from, position);
  }

  /** The file's stat now (and the node's size and times brought up to date with it). */
  stat(): HostStat {
    const stat = this.fs.fstat(this.handle);
    applyMeta(this.node, stat);
    const ref = this.mount.refOf(this.node);
    if (ref) ref.stat = stat;
    return stat;
  }

  size(): number {
    return this.stat().size;
  }

  truncate(size: number): void {
    this.fs.truncate(this.handle, size);
    this.node.size = size;
  }

  sync(): void {
    this.fs.sync(this.handle);
  }

  setTimes(atime: HostTime, mtime: HostTime): void {
    const ref = this.mount.refOf(this.node);
    this.mount.writing(ref ? join(ref.dir.rel, ref.name) : '');
    this.fs.setTimes(this.handle, undefined, atime, mtime);
  }

  close(): void {
    this.fs.close(this.handle);
  }
}

/** Links every mount into the tree (shadowing what the image has there, as a bind mount does). */
export function attachMounts(tree: Tree, specs: readonly MountSpec[], emit?: (e: AuditEvent) => void): Mount[] {
  const mounts: Mount[] = [];
  const overlap = mountOverlap(specs.map((s) => s.target));
  if (overlap) throw new RangeError(`mount target ${overlap.target} is ${overlap.same ? 'the same path as' : 'inside'} the mount at ${overlap.other}; mount separate directories at separate paths`);
  specs.forEach((spec, i) => {
    const mount = new Mount(spec, tree, BigInt(2 + i), emit);
    mount.place = cover(tree, spec.target, mount.root);
    mounts.push(mount);
  });
  return mounts;
}

/**
 * Takes the mounts out of the tree again, putting back what they covered (before the tree is kept
 * with --persist: a mount's files are the host's, not the box's).
 */
export function detachMounts(tree: Tree, mounts: readonly Mount[]): void {
  for (const m of [...mounts].reverse()) {
    if (!m.place) continue;
    uncover(tree, m.place);
    m.place = undefined;
  }
}

/** A directory node laid over a guest path (a mount, a tmpfs), and what the path held before. */
export interface Covered {
  parent: DirNode;
  name: string;
  cover: DirNode;
  shadowed: VNode | undefined;
}

/**
 * Lays `node` over the absolute guest path `target`, as a mount does: missing parents are made,
 * what the path held is unlinked and kept in the result for `uncover`.
 */
export function cover(tree: Tree, target: string, node: DirNode): Covered {
  checkMountTarget(target);
  const path = target.replace(/\/+$/, '');
  const cut = path.lastIndexOf('/');
  const parent = tree.mkdirp(cut === 0 ? '/' : path.slice(0, cut), { mode: 0o755 });
  const name = path.slice(cut + 1);
  const shadowed = parent.entries.get(name);
  if (shadowed) tree.unlinkEntry(parent, name);
  tree.link(parent, name, node);
  return { parent, name, cover: node, shadowed };
}

/** Undoes `cover`: takes the node away (if still linked there) and links back what it covered. */
export function uncover(tree: Tree, c: Covered): void {
  if (c.parent.entries.get(c.name) === c.cover) tree.unlinkEntry(c.parent, c.name);
  if (c.shadowed && !c.parent.entries.has(c.name)) tree.link(c.parent, c.name, c.shadowed);
}

/** The first mount target that is the same as, or inside, another one (mounts are not nested). */
export function mountOverlap(targets: readonly string[]): { target: string; other: string; same: boolean } | undefined {
  const paths = targets.map((t) => t.replace(/\/+$/, ''));
  for (let i = 0; i < paths.length; i++) {
    const j = paths.findIndex((u, k) => k !== i && (paths[i] === u || paths[i]!.startsWith(`${u}/`)));
    if (j >= 0) return { target: paths[i]!, other: paths[j]!, same: paths[i] === paths[j] };
  }
  return undefined;
}

/** The mount and host reference of a node, when it lives in one of `mounts`. */
export function hostRefOf(mounts: readonly Mount[], node: VNode): HostRef | undefined {
  for (const m of mounts) {
    const ref = m.refOf(node);
    if (ref) return ref;
  }
  return undefined;
}

/** The HostDir behind a directory node, when it is (in) a mount. */
export function hostDirOf(node: DirNode): HostDir | undefined {
  return node.source instanceof HostDir ? node.source : undefined;
}

function applyMeta(node: VNode, stat: HostStat): void {
  node.mode = stat.mode;
  node.mtime = stat.mtimeNs;
  if (node.kind === 'file') {
    node.size = stat.size;
    node.nlink = stat.nlink;
  } else if (node.kind === 'symlink') {
    (node as SymlinkNode).nlink = stat.nlink;
  }
}

function join(a: string, b: string): string {
  return a === '' ? b : b === '' ? a : `${a}/${b}`;
}

