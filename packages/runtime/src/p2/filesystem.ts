// wasi:filesystem (types, preopens) for a preview2 guest, over the same GuestFs the preview1 host
// uses (common/guest-fs.ts): the tree with its chroot semantics, the mounts (`-v`, audited, EROFS on
// a read-only one → `read-only`), the write and entry budgets, times, and Linux's answer for every
// failure (an errno, mapped here to the wasi:filesystem error-code that the preview1 adapter and
// wasi-libc map back to the same errno). One preopen, `/`, is the tree's root. Absolute paths in an
// `*-at` call are refused (`not-permitted`), as the preview2 spec requires. Nothing here names a
// host path.
//
// Descriptors: a guest may hold at most `maxDescriptors` at once (the run's --max-fds), past it
// open-at fails with `insufficient-memory` (wasi:filesystem has no EMFILE; the preview1 adapter's
// own table answers ENOMEM when full too). jco calls a descriptor's Symbol.dispose when the guest
// drops it: its host file (in a mount) is closed, and the data of a file no name reaches any more
// is given back to the write budget.
//
// Advisory locks do not exist in wasi:filesystem 0.2; `advise` is accepted and ignored, as Linux may.
import { PATH_MAX, type DirNode, type FileNode, type VNode } from '@boxer/vfs';
import { Errno } from '../common/errno.js';
import { clampOffset, errnoOf, type Filestat, type GuestFs } from '../common/guest-fs.js';
import type { HostFile, HostTime } from '../common/mounts.js';
import { InputStream, IoError, OutputStream, type Reactor } from './io.js';

type ErrorCode = string;
type DescriptorType = 'directory' | 'regular-file' | 'symbolic-link' | 'unknown';
interface Datetime { seconds: bigint; nanoseconds: number }
type NewTimestamp = { tag: 'no-change' } | { tag: 'now' } | { tag: 'timestamp'; val: Datetime };
interface DescriptorFlags { read?: boolean; write?: boolean; mutateDirectory?: boolean; fileIntegritySync?: boolean; dataIntegritySync?: boolean; requestedWriteSync?: boolean }
interface PathFlags { symlinkFollow?: boolean }
interface OpenFlags { create?: boolean; directory?: boolean; exclusive?: boolean; truncate?: boolean }

/**
 * errno → wasi:filesystem error-code: the inverse of the preview1 adapter's mapping (wasmtime's
 * crates/wasi-preview1-component-adapter, `From<filesystem::ErrorCode> for Errno`), so that a guest
 * behind the adapter gets the errno Linux gives. ENOTCAPABLE (an absolute path, a path out of the
 * preopen) is `not-permitted`, as the spec says; EMFILE is `insufficient-memory` (no closer code).
 */
const ERROR_CODE: Record<number, ErrorCode> = {
  [Errno.ACCES]: 'access', [Errno.AGAIN]: 'would-block', [Errno.ALREADY]: 'already', [Errno.BADF]: 'bad-descriptor',
  [Errno.BUSY]: 'busy', [Errno.DEADLK]: 'deadlock', [Errno.DQUOT]: 'quota', [Errno.EXIST]: 'exist',
  [Errno.FBIG]: 'file-too-large', [Errno.ILSEQ]: 'illegal-byte-sequence', [Errno.INPROGRESS]: 'in-progress',
  [Errno.INTR]: 'interrupted', [Errno.INVAL]: 'invalid', [Errno.IO]: 'io', [Errno.ISDIR]: 'is-directory',
  [Errno.LOOP]: 'loop', [Errno.MLINK]: 'too-many-links', [Errno.MSGSIZE]: 'message-size',
  [Errno.NAMETOOLONG]: 'name-too-long', [Errno.NODEV]: 'no-device', [Errno.NOENT]: 'no-entry', [Errno.NOLCK]: 'no-lock',
  [Errno.NOMEM]: 'insufficient-memory', [Errno.MFILE]: 'insufficient-memory', [Errno.NFILE]: 'insufficient-memory',
  [Errno.NOSPC]: 'insufficient-space', [Errno.NOTSUP]: 'unsupported', [Errno.NOSYS]: 'unsupported',
  [Errno.NOTDIR]: 'not-directory', [Errno.NOTEMPTY]: 'not-empty', [Errno.NOTRECOVERABLE]: 'not-recoverable',
  [Errno.NOTTY]: 'no-tty', [Errno.NXIO]: 'no-such-device', [Errno.OVERFLOW]: 'overflow', [Errno.PERM]: 'not-permitted',
  [Errno.NOTCAPABLE]: 'not-permitted', [Errno.PIPE]: 'pipe', [Errno.ROFS]: 'read-only', [Errno.SPIPE]: 'invalid-seek',
  [Errno.TXTBSY]: 'text-file-busy', [Errno.XDEV]: 'cross-device',
};

/** The error-code for a failure of a filesystem call; anything else (a bug, a guest exit) passes through. */
function codeOf(e: unknown): unknown {
  const errno = errnoOf(e);
  return errno === undefined ? e : (ERROR_CODE[errno] ?? 'io');
}

/** A failure inside a stream's read or write, as the IoError wasi:io carries (its code for `filesystem-error-code`). */
function streamError(e: unknown): unknown {
  const code = codeOf(e);
  return typeof code === 'string' ? new IoError(`filesystem error: ${code}`, code) : code;
}

const DESCRIPTOR_TYPE: Record<Filestat['type'], DescriptorType> = { file: 'regular-file', dir: 'directory', symlink: 'symbolic-link', unknown: 'unknown' };
/** Largest chunk one read hands out (a short read is allowed; the guest asks again). */
const MAX_READ = 1024 * 1024;
const encoder = new TextEncoder();
const symbolDispose: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

function datetime(ns: bigint): Datetime {
  return { seconds: ns / 1_000_000_000n, nanoseconds: Number(ns % 1_000_000_000n) };
}

function hostTime(t: NewTimestamp): HostTime {
  if (t.tag === 'no-change') return 'keep';
  if (t.tag === 'now') return 'now';
  return t.val.seconds * 1_000_000_000n + BigInt(t.val.nanoseconds);
}

/** A path argument: no NUL (`invalid`), relative (`not-permitted`), shorter than PATH_MAX (`name-too-long`). */
function checkPath(path: string): string {
  if (path.includes('\0')) throw 'invalid';
  if (path.startsWith('/')) throw 'not-permitted';
  if (path.length >= PATH_MAX / 4 && encoder.encode(path).length >= PATH_MAX) throw 'name-too-long';
  return path;
}

export interface FilesystemOptions {
  /** The guest's filesystem (the run makes one and shares it with every instance of the component). */
  fs: GuestFs;
  /** Descriptors the guest may hold at once. @default 1024 */
  maxDescriptors?: number;
}

export interface FilesystemImports {
  imports: Record<string, Record<string, unknown>>;
  /** The instance is gone (a service's next request gets a new one): closes what its descriptors held. */
  dispose(): void;
}

export function filesystemImports(reactor: Reactor, o: FilesystemOptions): FilesystemImports {
  const fs = o.fs;
  const maxDescriptors = o.maxDescriptors ?? 1024;
  /** The descriptors the guest holds now, and how many of them reach each node. */
  const live = new Set<Descriptor>();
  const reaching = new Map<VNode, number>();
  fs.holds = (node) => reaching.has(node);

  /** Runs a filesystem call: mount handles trimmed first, failures thrown as their error-code. */
  const call = <T>(fn: () => T): T => {
    try {
      if (fs.mounts.length > 0) fs.trim();
      return fn();
    } catch (e) {
      throw codeOf(e);
    }
  };

  class DirectoryEntryStream {
    private i = 0;
    constructor(
      private readonly dir: DirNode,
      private readonly names: string[],
    ) {}

    readDirectoryEntry(): { type: DescriptorType; name: string } | undefined {
      return call(() => {
        // NOTE: as fd_readdir does, names removed since the listing are skipped.
        while (this.i < this.names.length) {
          const name = this.names[this.i++]!;
          const child = fs.child(this.dir, name);
          if (child) return { type: DESCRIPTOR_TYPE[fs.kindOf(child)], name };
        }
        return undefined;
      });
    }
  }

  class Descriptor {
    private closed = false;

    constructor(
      readonly node: DirNode | FileNode,
      private readonly flags: DescriptorFlags,
      private readonly host: HostFile | undefined,
      /** The guest's `/` (paths below it are named `/<path>` in diagnostics). */
      private readonly preopen: boolean,
    ) {
      live.add(this);
      reaching.set(node, (reaching.get(node) ?? 0) + 1);
    }

    /** Closes the descriptor (jco calls it through Symbol.dispose when the guest drops the handle). */
    close(): void {
      if (this.closed) return;
      this.closed = true;
      live.delete(this);
      const n = (reaching.get(this.node) ?? 1) - 1;
      if (n > 0) reaching.set(this.node, n);
      else reaching.delete(this.node);
      fs.closed(this.node, this.host);
    }

    private dir(): DirNode {
      if (this.closed) throw 'bad-descriptor';
      if (this.node.kind !== 'dir') throw 'not-directory';
      return this.node;
    }

    /** The open file; with `need`, EBADF unless the descriptor was opened for that (read(2), write(2)). */
    private file(need?: 'read' | 'write'): FileNode {
      if (this.closed) throw 'bad-descriptor';
      if (this.node.kind !== 'file') throw 'is-directory';
      if (need && !this.flags[need]) throw 'bad-descriptor';
      return this.node;
    }

    // NOTE: a stream of a file opened without read (write) still exists and is ready, and each read
    // (write) through it fails with bad-descriptor: so poll(2) behind the preview1 adapter, which
    // subscribes to these streams, finds a regular file ready whatever it was opened for, as Linux
    // does, and read(2)/write(2) still get EBADF.
    readViaStream(offset: bigint): InputStream {
      const file = call(() => this.file());
      let at = clampOffset(offset);
      return new InputStream(reactor, {
        read: (max) => {
          try {
            this.file('read');
            const left = fs.sizeOf(file, this.host) - at;
            if (left <= 0) return null;
            const buf = new Uint8Array(Math.min(max, left, MAX_READ));
            const n = fs.read(file, this.host, at, [buf]);
            at += n;
            return n === 0 ? null : buf.subarray(0, n);
          } catch (e) {
            throw streamError(e);
          }
        },
        ready: () => true,
      });
    }

    writeViaStream(offset: bigint): OutputStream {
      return this.stream(clampOffset(offset));
    }

    appendViaStream(): OutputStream {
      return this.stream('append');
    }

    private stream(start: number | 'append'): OutputStream {
      const file = call(() => this.file());
      let at = start;
      return new OutputStream(reactor, {
        write: (bytes) => {
          let written: number;
          try {
            this.file('write');
            const r = fs.write(file, this.host, at, [bytes]);
            if (at !== 'append') at = r.pos + r.written;
            written = r.written;
          } catch (e) {
            throw streamError(e);
          }
          // NOTE: a write that only partly fits the budget wrote what fitted, as write(2) does on a
          // full disk; a stream has no short count, so the rest is reported as the failure it is.
          if (written < bytes.length) throw new IoError('filesystem error: insufficient-space', 'insufficient-space');
        },
      });
    }

    advise(): void {
      if (this.closed) throw 'bad-descriptor';
    }

    syncData(): void {
      call(() => this.sync());
    }

    sync(): void {
      call(() => {
        if (this.closed) throw 'bad-descriptor';
        this.host?.sync();
      });
    }

    getFlags(): DescriptorFlags {
      if (this.closed) throw 'bad-descriptor';
      return this.flags;
    }

    getType(): DescriptorType {
      if (this.closed) throw 'bad-descriptor';
      return DESCRIPTOR_TYPE[fs.kindOf(this.node)];
    }

    setSize(size: bigint): void {
      call(() => {
        if (this.closed) throw 'bad-descriptor';
        // NOTE: Linux's ftruncate(2) answers EINVAL both for a descriptor that is not a regular
        // file and for one not open for writing.
        if (this.node.kind !== 'file' || !this.flags.write) throw 'invalid';
        fs.setSize(this.node, this.host, size);
      });
    }

    setTimes(atime: NewTimestamp, mtime: NewTimestamp): void {
      call(() => {
        if (this.closed) throw 'bad-descriptor';
        fs.setTimes(this.node, this.host, hostTime(atime), hostTime(mtime));
      });
    }

    read(length: bigint, offset: bigint): [Uint8Array, boolean] {
      return call(() => {
        const file = this.file('read');
        const at = clampOffset(offset);
        const size = fs.sizeOf(file, this.host);
        const buf = new Uint8Array(Math.max(0, Math.min(Number(length > BigInt(MAX_READ) ? BigInt(MAX_READ) : length), size - at)));
        const n = fs.read(file, this.host, at, [buf]);
        return [buf.subarray(0, n), at + n >= size];
      });
    }

    write(buffer: Uint8Array, offset: bigint): bigint {
      return call(() => BigInt(fs.write(this.file('write'), this.host, clampOffset(offset), [buffer]).written));
    }

    readDirectory(): DirectoryEntryStream {
      return call(() => {
        const dir = this.dir();
        return new DirectoryEntryStream(dir, fs.list(dir));
      });
    }

    stat() {
      return call(() => {
        if (this.closed) throw 'bad-descriptor';
        return descriptorStat(fs.stat(this.node, this.host));
      });
    }

    statAt(pathFlags: PathFlags, path: string) {
      return call(() => descriptorStat(fs.statAt(this.dir(), checkPath(path), pathFlags.symlinkFollow ?? false)));
    }

    setTimesAt(pathFlags: PathFlags, path: string, atime: NewTimestamp, mtime: NewTimestamp): void {
      call(() => fs.setTimesAt(this.dir(), checkPath(path), pathFlags.symlinkFollow ?? false, hostTime(atime), hostTime(mtime)));
    }

    linkAt(oldPathFlags: PathFlags, oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      call(() => fs.link(this.dir(), checkPath(oldPath), oldPathFlags.symlinkFollow ?? false, newDescriptor.dir(), checkPath(newPath)));
    }

    openAt(pathFlags: PathFlags, path: string, openFlags: OpenFlags, flags: DescriptorFlags): Descriptor {
      return call(() => {
        const dir = this.dir();
        checkPath(path);
        // NOTE: as in Linux's open(2), descriptor space is checked before anything is created.
        if (live.size >= maxDescriptors) throw 'insufficient-memory';
        const opened = fs.open(dir, path, {
          follow: pathFlags.symlinkFollow ?? false,
          creat: openFlags.create ?? false,
          excl: openFlags.exclusive ?? false,
          directory: openFlags.directory ?? false,
          trunc: openFlags.truncate ?? false,
          read: flags.read ?? false,
          write: flags.write ?? false,
          modify: flags.write ?? false,
          label: this.preopen ? `/${path}` : path,
        });
        return new Descriptor(opened.node, flags, opened.host, false);
      });
    }

    readlinkAt(path: string): string {
      return call(() => fs.readlink(this.dir(), checkPath(path)));
    }

    removeDirectoryAt(path: string): void {
      call(() => fs.removeDirectory(this.dir(), checkPath(path)));
    }

    renameAt(oldPath: string, newDescriptor: Descriptor, newPath: string): void {
      call(() => fs.rename(this.dir(), checkPath(oldPath), newDescriptor.dir(), checkPath(newPath)));
    }

    symlinkAt(oldPath: string, newPath: string): void {
      call(() => fs.symlink(oldPath, this.dir(), checkPath(newPath)));
    }

    unlinkFileAt(path: string): void {
      call(() => fs.unlinkFile(this.dir(), checkPath(path)));
    }

    createDirectoryAt(path: string): void {
      call(() => fs.createDirectory(this.dir(), checkPath(path)));
    }

    isSameObject(other: Descriptor): boolean {
      return other.node === this.node;
    }

    metadataHash(): { lower: bigint; upper: bigint } {
      return call(() => {
        if (this.closed) throw 'bad-descriptor';
        return hashOf(fs.stat(this.node));
      });
    }

    metadataHashAt(pathFlags: PathFlags, path: string): { lower: bigint; upper: bigint } {
      return call(() => hashOf(fs.stat(fs.nodeAt(this.dir(), checkPath(path), pathFlags.symlinkFollow ?? false))));
    }
  }
  (Descriptor.prototype as unknown as Record<symbol, () => void>)[symbolDispose] = function (this: Descriptor) {
    this.close();
  };

  return {
    imports: {
      'wasi:filesystem/types': {
        Descriptor,
        DirectoryEntryStream,
        // NOTE: a stream's failure carries its error-code (streamError); http errors carry objects.
        filesystemErrorCode: (err: IoError): ErrorCode | undefined => (typeof err?.payload === 'string' ? err.payload : undefined),
      },
      'wasi:filesystem/preopens': {
        // NOTE: a fresh descriptor each call: the guest owns (and may drop) each one it is given.
        getDirectories: (): [Descriptor, string][] => [[new Descriptor(fs.tree.root, { read: true, write: true, mutateDirectory: true }, undefined, true), '/']],
      },
    },
    dispose(): void {
      for (const d of [...live]) d.close();
    },
  };
}

function descriptorStat(st: Filestat) {
  return {
    type: DESCRIPTOR_TYPE[st.type],
    linkCount: st.nlink,
    size: st.size,
    dataAccessTimestamp: datetime(st.atim),
    dataModificationTimestamp: datetime(st.mtim),
    statusChangeTimestamp: datetime(st.ctim),
  };
}

function hashOf(st: Filestat): { lower: bigint; upper: bigint } {
  return { lower: st.ino, upper: st.dev };
}

