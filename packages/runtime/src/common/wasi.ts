// The WASI preview1 host over boxer's in-memory tree (DESIGN §5). In: a Tree, argv, env, stdio
// callbacks and a Wasm instance. Out: `imports()` for instantiation and `start()`, which runs
// `_start` and returns the guest's exit code.
//
// The guest's filesystem is the tree and nothing else: one preopen, fd 3 named "/", is the tree's
// root, and every path resolves inside the tree with chroot semantics (`..` at the root stays there,
// absolute symlink targets restart at the root). No host path exists anywhere in this module, and it
// imports nothing from `node:` (it runs in browsers too). File writes go through `writeAt`/`truncate`,
// so snapshot bytes (views into a box) are copied before the first write and never modified.
//
// Every guest pointer and length is bounds-checked against the memory as it is at the call; a bad
// one returns EFAULT. Errno values follow the preview1 spec, and where it leaves a choice, Linux
// (the tests compare with the same C program run natively).
//
// Limits: stdout + stderr together may carry `maxOutputBytes`; a write past it passes on what fits
// and stops the guest (`stopped` says why; start() returns EXIT_OUTPUT_LIMIT). The file data the
// guest adds to the tree (growth past a file's size when the run first touched it, and symlink
// targets) may total `maxWriteBytes`; past it writes are short and then fail with ENOSPC, as on a
// full disk. Data of a file that no name and no descriptor reaches any more is given back. No call
// allocates more host memory than these limits and a fixed chunk allow, whatever the guest asks.
import {
  Tree, VfsError, digestOf, fileContent, writeAt, truncate, PATH_MAX,
  type DirNode, type FileNode, type SymlinkNode, type VNode, type Resolved,
} from '@boxer/vfs';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { DEFAULT_LIMITS } from '@boxer/bundle';
import {
  ClockId, DIR_RIGHTS, EventType, FDFLAGS_ALL, FILE_RIGHTS, FdFlags, FileType, FstFlags,
  LOOKUP_SYMLINK_FOLLOW, OFlags, PREOPENTYPE_DIR, Rights, STDIN_RIGHTS, STDOUT_RIGHTS, Size,
  SUBCLOCK_ABSTIME, Whence,
} from './abi.js';
import { resolveClock, type ResolvedClock, type WasiClock } from './clock.js';
import { Errno, WasiError, errnoFromVfs, fail } from './errno.js';
import { FdTable, type DirEntry, type FdEntry, type FileEntry, type StdioEntry } from './fd-table.js';
import { GuestMemory } from './memory.js';
import { notExecutable, outputLimit, tamperedFile } from './diagnostics.js';
import { EXIT_OUTPUT_LIMIT } from './exit-codes.js';
import { attachMounts, detachMounts, hostDirOf, hostRefOf, type HostFile, type HostTime, type Mount, type MountSpec } from './mounts.js';
import type { AuditEvent } from './audit.js';

export type { WasiClock } from './clock.js';

export interface WasiHostOptions {
  /** The guest's whole filesystem; the host changes it in place (copy-on-write per file). */
  tree: Tree;
  /** argv, including argv[0]. */
  args: string[];
  /** The environment as `K=V` strings, in the order the guest sees them. */
  env: string[];
  /** Reads stdin synchronously: the next chunk, or null at end of input. @default always end of input */
  stdin?: () => Uint8Array | null;
  /**
   * Receives what the guest writes to stdout, in chunks of at most 64 KiB: each a fresh buffer the
   * callee may keep (or transfer). It may block (e.g. `Atomics.wait` for backpressure).
   */
  stdout: (bytes: Uint8Array) => void;
  /** Receives what the guest writes to stderr, like `stdout`. */
  stderr: (bytes: Uint8Array) => void;
  /**
   * Bytes the guest may write to stdout and stderr together. The write that crosses it passes on
   * what fits, then the guest is stopped: `stopped` holds a RUNTIME_OUTPUT_LIMIT diagnostic and
   * start() returns EXIT_OUTPUT_LIMIT (153). @default 64 MiB
   */
  maxOutputBytes?: number;
  /**
   * Bytes of file data the guest may add to the tree: what files grow past their size when the run
   * first touched them (writes, ftruncate, fd_allocate) plus symlink targets. Past it a write is
   * short, then ENOSPC. Data of removed files is given back once no descriptor holds them.
   * @default 1 GiB
   */
  maxWriteBytes?: number;
  /** Descriptors are numbered below this; opening more fails with EMFILE. At least 4. @default 1024 */
  maxFds?: number;
  /** Clock, CPU-time and sleep overrides (tests pin them). */
  clock?: WasiClock;
  /** Which stdio descriptors report as terminals (isatty). @default none */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Fills a buffer of at most 65536 bytes with random bytes. @default globalThis.crypto.getRandomValues */
  random?: (buffer: Uint8Array) => void;
  /** Largest size a file may reach through the guest's writes, in bytes (EFBIG past it). @default 2**31 - 1 */
  maxFileSize?: number;
  /**
   * Host directories linked into the tree at their targets (see mounts.ts): their entries come from
   * the host, live, confined to the mount. Bytes written to them count against maxWriteBytes too.
   */
  mounts?: readonly MountSpec[];
  /** Receives an audit event for every use of a mount. */
  onAudit?: (event: AuditEvent) => void;
  /** Receives problems found while the guest runs (a file of the box that fails its digest). */
  onDiagnostic?: (diagnostic: Diagnostic) => void;
}

/** proc_exit unwinds the guest with this; start() turns it into the exit code. */
class ProcExit {
  constructor(readonly code: number) {}
}

/**
 * A limit stopped the guest: thrown through it from the host call that crossed the limit, and again
 * from every later host call (a guest that catches it with wasm exception handling cannot go on
 * doing I/O).
 */
class GuestStop {
  constructor(readonly code: number, readonly diagnostic: Diagnostic) {}
}

/** What the host charges a file or symlink against maxWriteBytes. */
interface Growth {
  /** Size when the run first touched it (0 for what the guest created). */
  base: number;
  /** Bytes charged now. */
  charged: number;
}

const encoder = new TextEncoder();
const DEFAULT_MAX_FILE_SIZE = 2 ** 31 - 1;
const RANDOM_CHUNK = 65536;
/** Largest buffer handed to a stdout/stderr sink. */
const OUTPUT_CHUNK = 65536;
/** A file whose buffer is this much larger than its content after a truncate gets a smaller one. */
const SHRINK_SLACK = 65536;
const DIR_SIZE = 4096n;
/**
 * Host memory one directory entry the guest adds to the tree stands for (its node, map slot and
 * name). Entries have their own budget, maxWriteBytes / ENTRY_COST, as tmpfs has `nr_inodes` beside
 * `size`: a guest making empty files or directories in a loop gets ENOSPC at it, like on a tmpfs
 * out of inodes, instead of growing the host's heap without bound; file data keeps all of
 * maxWriteBytes, so a full layer behaves as a full tmpfs of that size.
 */
export const ENTRY_COST = 256;
/** st_dev of every node: the tree is one filesystem. */
const DEV = 1n;
const EMPTY = new Uint8Array(0);

type Fn = (...args: never[]) => number | void;

export class WasiHost {
  private readonly tree: Tree;
  private readonly mem = new GuestMemory();
  private readonly fds: FdTable;
  private readonly clock: ResolvedClock;
  private readonly args: Uint8Array[];
  private readonly env: Uint8Array[];
  private readonly options: WasiHostOptions;
  private readonly maxFileSize: number;
  private readonly maxOutputBytes: number;
  private readonly maxWriteBytes: number;
  private outputUsed = 0;
  private writeUsed = 0;
  /** Entries the run added to the tree, net of those it removed (see ENTRY_COST). */
  private entriesAdded = 0;
  private readonly growth = new WeakMap<FileNode | SymlinkNode, Growth>();
  private stop: GuestStop | undefined;
  private readonly importObject: { wasi_snapshot_preview1: Record<string, Fn> };
  private stdinPending: Uint8Array = EMPTY;
  private readonly atimes = new WeakMap<VNode, bigint>();
  private readonly ctimes = new WeakMap<VNode, bigint>();
  private started = false;
  private readonly mounts: Mount[];
  /** Files of the box whose bytes were checked against their digest (each once, at its first open). */
  private readonly verified = new WeakSet<FileNode>();

  constructor(options: WasiHostOptions) {
    const maxFds = options.maxFds ?? 1024;
    if (!Number.isInteger(maxFds) || maxFds < 4) throw new RangeError(`maxFds must be an integer of at least 4 (stdio and the preopen), got ${maxFds}`);
    this.options = options;
    this.tree = options.tree;
    this.fds = new FdTable(maxFds);
    this.clock = resolveClock(options.clock);
    this.maxFileSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
    this.maxOutputBytes = byteLimit('maxOutputBytes', options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes);
    this.maxWriteBytes = byteLimit('maxWriteBytes', options.maxWriteBytes ?? DEFAULT_LIMITS.maxWriteBytes);
    this.args = options.args.map((a) => cString(a));
    this.env = options.env.map((e) => cString(e));
    const tty = options.tty ?? {};
    this.fds.set(0, stdio(0, tty.stdin ?? false));
    this.fds.set(1, stdio(1, tty.stdout ?? false));
    this.fds.set(2, stdio(2, tty.stderr ?? false));
    this.fds.set(3, { kind: 'dir', node: this.tree.root, preopen: '/', rightsBase: DIR_RIGHTS, rightsInheriting: DIR_RIGHTS | FILE_RIGHTS, fdflags: 0 });
    this.mounts = attachMounts(this.tree, options.mounts ?? [], options.onAudit);
    this.importObject = { wasi_snapshot_preview1: this.makeImports() };
  }

  /** The import object to instantiate a preview1 module with (the same object on every call). */
  imports(): { wasi_snapshot_preview1: Record<string, Fn> } {
    return this.importObject;
  }

  /**
   * Runs the command's `_start` and returns its exit code: the value given to proc_exit, or 0 when
   * `_start` returns, or EXIT_OUTPUT_LIMIT when a limit stopped it (see `stopped`). A trap (or an
   * exception thrown by a stdio callback) propagates as an Error.
   */
  start(instance: WebAssembly.Instance): number {
    const start = this.bind(instance);
    if (typeof start !== 'function') throw new BoxerError(notExecutable(this.options.args[0] ?? 'the module', 'it exports no `_start` function (it is not a WASI command)'));
    try {
      (start as () => void)();
    } catch (e) {
      if (this.stop) return this.stop.code;
      if (e instanceof ProcExit) return e.code;
      throw e;
    } finally {
      this.closeMounts();
    }
    return this.stop ? this.stop.code : 0;
  }

  /** Closes every host handle of the mounts (start() does it when the guest ends). */
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

  /** Why a limit stopped the guest, if one did (a RUNTIME_OUTPUT_LIMIT diagnostic). */
  get stopped(): Diagnostic | undefined {
    return this.stop?.diagnostic;
  }

  /** Bytes written to stdout and stderr so far, and bytes charged against maxWriteBytes now. */
  get usage(): { outputBytes: number; writeBytes: number } {
    return { outputBytes: this.outputUsed, writeBytes: this.writeUsed };
  }

  /**
   * Binds a reactor's memory and runs its `_initialize` if it has one, so that its exports can be
   * called afterwards (WASI reactors; also how tests drive host calls directly).
   */
  initialize(instance: WebAssembly.Instance): void {
    this.bind(instance);
    const init = instance.exports._initialize;
    if (typeof init === 'function') (init as () => void)();
  }

  private bind(instance: WebAssembly.Instance): unknown {
    if (this.started) throw new Error('this WasiHost already ran a module; make one host per instance');
    const memory = instance.exports.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new BoxerError(notExecutable(this.options.args[0] ?? 'the module', 'it exports no memory named `memory`'));
    this.started = true;
    this.mem.bind(memory);
    return instance.exports._start;
  }

  // ---- the import table ----------------------------------------------------------------------

  private makeImports(): Record<string, Fn> {
    const calls: Record<string, Fn> = {
      args_get: (argv: number, buf: number) => this.putStrings(this.args, argv, buf),
      args_sizes_get: (count: number, size: number) => this.putSizes(this.args, count, size),
      environ_get: (environ: number, buf: number) => this.putStrings(this.env, environ, buf),
      environ_sizes_get: (count: number, size: number) => this.putSizes(this.env, count, size),
      clock_res_get: (id: number, out: number) => this.clockResGet(id, out),
      clock_time_get: (id: number, _precision: bigint, out: number) => this.clockTimeGet(id, out),
      fd_advise: (fd: number, _offset: bigint, _len: bigint, advice: number) => this.fdAdvise(fd, advice),
      fd_allocate: (fd: number, offset: bigint, len: bigint) => this.fdAllocate(fd, offset, len),
      fd_close: (fd: number) => this.fdClose(fd),
      fd_datasync: (fd: number) => this.fdSync(fd, Rights.FD_DATASYNC),
      fd_fdstat_get: (fd: number, out: number) => this.fdFdstatGet(fd, out),
      fd_fdstat_set_flags: (fd: number, flags: number) => this.fdFdstatSetFlags(fd, flags),
      fd_fdstat_set_rights: (fd: number, base: bigint, inheriting: bigint) => this.fdFdstatSetRights(fd, base, inheriting),
      fd_filestat_get: (fd: number, out: number) => this.fdFilestatGet(fd, out),
      fd_filestat_set_size: (fd: number, size: bigint) => this.fdFilestatSetSize(fd, size),
      fd_filestat_set_times: (fd: number, atim: bigint, mtim: bigint, flags: number) => this.fdFilestatSetTimes(fd, atim, mtim, flags),
      fd_pread: (fd: number, iovs: number, n: number, offset: bigint, out: number) => this.fdRead(fd, iovs, n, out, offset),
      fd_prestat_get: (fd: number, out: number) => this.fdPrestatGet(fd, out),
      fd_prestat_dir_name: (fd: number, buf: number, len: number) => this.fdPrestatDirName(fd, buf, len),
      fd_pwrite: (fd: number, iovs: number, n: number, offset: bigint, out: number) => this.fdWrite(fd, iovs, n, out, offset),
      fd_read: (fd: number, iovs: number, n: number, out: number) => this.fdRead(fd, iovs, n, out),
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, out: number) => this.fdReaddir(fd, buf, len, cookie, out),
      fd_renumber: (from: number, to: number) => this.fdRenumber(from, to),
      fd_seek: (fd: number, offset: bigint, whence: number, out: number) => this.fdSeek(fd, offset, whence, out),
      fd_sync: (fd: number) => this.fdSync(fd, Rights.FD_SYNC),
      fd_tell: (fd: number, out: number) => this.fdSeek(fd, 0n, Whence.CUR, out, Rights.FD_TELL),
      fd_write: (fd: number, iovs: number, n: number, out: number) => this.fdWrite(fd, iovs, n, out),
      path_create_directory: (fd: number, path: number, len: number) => this.pathCreateDirectory(fd, path, len),
      path_filestat_get: (fd: number, flags: number, path: number, len: number, out: number) => this.pathFilestatGet(fd, flags, path, len, out),
      path_filestat_set_times: (fd: number, flags: number, path: number, len: number, atim: bigint, mtim: bigint, fst: number) =>
        this.pathFilestatSetTimes(fd, flags, path, len, atim, mtim, fst),
      path_link: (oldFd: number, oldFlags: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) =>
        this.pathLink(oldFd, oldFlags, oldPath, oldLen, newFd, newPath, newLen),
      path_open: (fd: number, dirflags: number, path: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number) =>
        this.pathOpen(fd, dirflags, path, len, oflags, base, inheriting, fdflags, out),
      path_readlink: (fd: number, path: number, len: number, buf: number, bufLen: number, out: number) => this.pathReadlink(fd, path, len, buf, bufLen, out),
      path_remove_directory: (fd: number, path: number, len: number) => this.pathRemoveDirectory(fd, path, len),
      path_rename: (fd: number, oldPath: number, oldLen: number, newFd: number, newPath: number, newLen: number) =>
        this.pathRename(fd, oldPath, oldLen, newFd, newPath, newLen),
      path_symlink: (oldPath: number, oldLen: number, fd: number, newPath: number, newLen: number) => this.pathSymlink(oldPath, oldLen, fd, newPath, newLen),
      path_unlink_file: (fd: number, path: number, len: number) => this.pathUnlinkFile(fd, path, len),
      poll_oneoff: (subs: number, events: number, n: number, out: number) => this.pollOneoff(subs, events, n, out),
      proc_exit: (code: number) => {
        if (this.stop) throw this.stop;
        throw new ProcExit(code >>> 0);
      },
      // NOTE: preview1 deprecates proc_raise and wasi-libc never calls it (raise() is emulated in
      // libwasi-emulated-signal); there is no signal delivery to emulate, so it is refused.
      proc_raise: () => Errno.NOSYS,
      sched_yield: () => Errno.SUCCESS,
      random_get: (buf: number, len: number) => this.randomGet(buf, len),
      // NOTE: preview1 has no way to create a socket and boxer preopens none, so every descriptor
      // that exists is not a socket (ENOTSOCK) and any other is EBADF.
      sock_accept: (fd: number) => this.notSocket(fd),
      sock_recv: (fd: number) => this.notSocket(fd),
      sock_send: (fd: number) => this.notSocket(fd),
      sock_shutdown: (fd: number) => this.notSocket(fd),
    };
    const wrapped: Record<string, Fn> = {};
    for (const [name, fn] of Object.entries(calls)) {
      wrapped[name] = (...args: never[]) => {
        if (this.stop) throw this.stop;
        // NOTE: a module's start function runs before start() binds memory; a WASI call from it
        // fails like one on wasmtime (a trap), not as an error of the host.
        if (!this.mem.bound) throw new WebAssembly.RuntimeError(`WASI function ${name} called before _start (from the module's start function)`);
        try {
          this.mem.refresh();
          if (this.mounts.length > 0) for (const m of this.mounts) m.trim((node) => this.fds.holds(node));
          return fn(...args) ?? Errno.SUCCESS;
        } catch (e) {
          if (e instanceof WasiError) return e.errno;
          if (e instanceof VfsError) return errnoFromVfs(e);
          throw e;
        }
      };
    }
    wrapped.proc_exit = calls.proc_exit!;
    return wrapped;
  }

  // ---- args, environ, clocks, random -----------------------------------------------------------

  private putSizes(strings: Uint8Array[], countPtr: number, sizePtr: number): void {
    this.mem.check(countPtr, 4);
    this.mem.check(sizePtr, 4);
    this.mem.setU32(countPtr, strings.length);
    this.mem.setU32(sizePtr, strings.reduce((n, s) => n + s.length, 0));
  }

  private putStrings(strings: Uint8Array[], ptrs: number, buf: number): void {
    this.mem.check(ptrs, strings.length * 4);
    this.mem.check(buf, strings.reduce((n, s) => n + s.length, 0));
    let at = buf >>> 0;
    strings.forEach((s, i) => {
      this.mem.setU32((ptrs >>> 0) + i * 4, at);
      this.mem.write(at, s);
      at += s.length;
    });
  }

  private clockNow(id: number): bigint {
    switch (id) {
      case ClockId.REALTIME: return this.clock.realtime();
      case ClockId.MONOTONIC: return this.clock.monotonic();
      case ClockId.PROCESS_CPUTIME_ID:
      case ClockId.THREAD_CPUTIME_ID: return this.clock.cputime();
      default: return fail(Errno.INVAL);
    }
  }

  private clockResGet(id: number, out: number): void {
    this.mem.check(out, 8);
    this.clockNow(id);
    this.mem.setU64(out, this.clock.resolution);
  }

  private clockTimeGet(id: number, out: number): void {
    this.mem.check(out, 8);
    this.mem.setU64(out, this.clockNow(id));
  }

  private randomGet(buf: number, len: number): void {
    const target = this.mem.bytes(buf, len);
    const random = this.options.random ?? defaultRandom();
    if (!random) fail(Errno.NOSYS);
    const chunk = new Uint8Array(Math.min(RANDOM_CHUNK, target.length));
    for (let at = 0; at < target.length; at += RANDOM_CHUNK) {
      const part = chunk.subarray(0, Math.min(RANDOM_CHUNK, target.length - at));
      random(part);
      target.set(part, at);
    }
  }

  private notSocket(fd: number): number {
    this.fds.get(fd);
    return Errno.NOTSOCK;
  }

  // ---- descriptors -----------------------------------------------------------------------------

  private need(entry: FdEntry, right: bigint): void {
    if ((entry.rightsBase & right) === 0n) fail(Errno.NOTCAPABLE);
  }

  private dirFd(fd: number, right: bigint): DirEntry {
    const entry = this.fds.get(fd);
    if (entry.kind !== 'dir') fail(Errno.NOTDIR);
    this.need(entry, right);
    return entry;
  }

  private fdAdvise(fd: number, advice: number): void {
    const entry = this.fds.get(fd);
    if (advice < 0 || advice > 5) fail(Errno.INVAL);
    if (entry.kind === 'stdio') fail(Errno.SPIPE);
    this.need(entry, Rights.FD_ADVISE);
  }

  private fdAllocate(fd: number, offset: bigint, len: bigint): void {
    const entry = this.fds.get(fd);
    // NOTE: Linux's order (vfs_fallocate): len 0 is EINVAL, then no write access is EBADF, then a
    // pipe is ESPIPE. A directory is EBADF whatever the length (wasi-testsuite dir_fd_op_failures).
    if (entry.kind === 'dir') fail(Errno.BADF);
    if (BigInt.asUintN(64, len) === 0n) fail(Errno.INVAL);
    if (entry.kind === 'stdio') fail(entry.stream === 0 ? Errno.BADF : Errno.SPIPE);
    if ((entry.rightsBase & Rights.FD_ALLOCATE) === 0n) fail(Errno.BADF);
    const end = BigInt.asUintN(64, offset) + BigInt.asUintN(64, len);
    if (end > BigInt(this.maxFileSize)) fail(Errno.FBIG);
    if (Number(end) > this.sizeOf(entry)) this.resize(entry.node, Number(end), entry.host);
  }

  private fdClose(fd: number): void {
    const entry = this.fds.close(fd);
    if (entry.kind === 'file') this.closeFile(entry);
  }

  private fdRenumber(from: number, to: number): void {
    const replaced = this.fds.tryGet(to);
    this.fds.renumber(from, to);
    if (replaced?.kind === 'file' && from !== to) this.closeFile(replaced);
  }

  private closeFile(entry: FileEntry): void {
    entry.host?.close();
    this.release(entry.node);
  }

  private fdSync(fd: number, right: bigint): void {
    const entry = this.fds.get(fd);
    if (entry.kind === 'stdio') fail(Errno.INVAL);
    this.need(entry, right);
    if (entry.kind === 'file') entry.host?.sync();
  }

  /** A file's size now (asked of the host for a file in a mount). */
  private sizeOf(entry: FileEntry): number {
    return entry.host ? entry.host.size() : entry.node.size;
  }

  private fdFdstatGet(fd: number, out: number): void {
    this.mem.check(out, Size.FDSTAT);
    const entry = this.fds.get(fd);
    this.mem.setU8(out, entryFileType(entry));
    this.mem.setU8(out + 1, 0);
    this.mem.setU16(out + 2, entry.fdflags);
    this.mem.setU32(out + 4, 0);
    this.mem.setU64(out + 8, entry.rightsBase);
    this.mem.setU64(out + 16, entry.rightsInheriting);
  }

  private fdFdstatSetFlags(fd: number, flags: number): void {
    const entry = this.fds.get(fd);
    if (flags & ~FDFLAGS_ALL) fail(Errno.INVAL);
    this.need(entry, Rights.FD_FDSTAT_SET_FLAGS);
    entry.fdflags = flags;
  }

  private fdFdstatSetRights(fd: number, base: bigint, inheriting: bigint): void {
    const entry = this.fds.get(fd);
    base = BigInt.asUintN(64, base);
    inheriting = BigInt.asUintN(64, inheriting);
    if ((base & ~entry.rightsBase) !== 0n || (inheriting & ~entry.rightsInheriting) !== 0n) fail(Errno.NOTCAPABLE);
    entry.rightsBase = base;
    entry.rightsInheriting = inheriting;
  }

  private fdFilestatGet(fd: number, out: number): void {
    this.mem.check(out, Size.FILESTAT);
    const entry = this.fds.get(fd);
    this.need(entry, Rights.FD_FILESTAT_GET);
    if (entry.kind === 'stdio') {
      this.mem.bytes(out, Size.FILESTAT).fill(0);
      this.mem.setU8(out + 16, entryFileType(entry));
      this.mem.setU64(out + 24, 1n);
      return;
    }
    if (entry.kind === 'file') entry.host?.stat();
    this.writeFilestat(out, entry.node);
  }

  private fdFilestatSetSize(fd: number, size: bigint): void {
    const entry = this.fds.get(fd);
    // NOTE: Linux's ftruncate(2) answers EINVAL both for a descriptor that is not a regular file
    // and for one not open for writing; wasi-libc passes the errno through unchanged.
    if (entry.kind !== 'file' || (entry.rightsBase & Rights.FD_FILESTAT_SET_SIZE) === 0n) fail(Errno.INVAL);
    size = BigInt.asUintN(64, size);
    if (size > BigInt(this.maxFileSize)) fail(Errno.FBIG);
    this.resize(entry.node, Number(size), entry.host);
  }

  private fdFilestatSetTimes(fd: number, atim: bigint, mtim: bigint, flags: number): void {
    const entry = this.fds.get(fd);
    this.need(entry, Rights.FD_FILESTAT_SET_TIMES);
    checkFstFlags(flags);
    if (entry.kind === 'stdio') return;
    if (entry.kind === 'file' && entry.host) {
      entry.host.setTimes(...hostTimes(atim, mtim, flags));
      return;
    }
    this.setTimes(entry.node, atim, mtim, flags);
  }

  private fdPrestatGet(fd: number, out: number): void {
    this.mem.check(out, Size.PRESTAT);
    const entry = this.fds.get(fd);
    if (entry.kind !== 'dir' || entry.preopen === undefined) fail(Errno.BADF);
    this.mem.setU32(out, PREOPENTYPE_DIR);
    this.mem.setU32(out + 4, encoder.encode(entry.preopen).length);
  }

  private fdPrestatDirName(fd: number, buf: number, len: number): void {
    const entry = this.fds.get(fd);
    if (entry.kind !== 'dir' || entry.preopen === undefined) fail(Errno.BADF);
    const name = encoder.encode(entry.preopen);
    this.mem.check(buf, len);
    if ((len >>> 0) < name.length) fail(Errno.NAMETOOLONG);
    this.mem.write(buf, name);
  }

  /** fd_read and (with `offset`) fd_pread. */
  private fdRead(fd: number, iovsPtr: number, count: number, out: number, offset?: bigint): void {
    const iovs = this.mem.iovecs(iovsPtr, count);
    this.mem.check(out, 4);
    const entry = this.fds.get(fd);
    if (entry.kind === 'dir') fail(Errno.ISDIR);
    if (entry.kind === 'stdio') {
      if (offset !== undefined) fail(Errno.SPIPE);
      if ((entry.rightsBase & Rights.FD_READ) === 0n || entry.stream !== 0) fail(Errno.BADF);
      this.mem.setU32(out, this.readStdin(iovs));
      return;
    }
    if ((entry.rightsBase & Rights.FD_READ) === 0n) fail(Errno.BADF);
    if (offset !== undefined) this.need(entry, Rights.FD_SEEK);
    if (entry.host) {
      this.mem.setU32(out, this.readHost(entry, entry.host, iovs, offset));
      return;
    }
    const content = fileContent(entry.node);
    let at = offset === undefined ? entry.position : clampOffset(offset);
    let total = 0;
    for (const iov of iovs) {
      if (at >= content.length) break;
      const part = content.subarray(at, at + iov.len);
      this.mem.write(iov.ptr, part);
      at += part.length;
      total += part.length;
      if (part.length < iov.len) break;
    }
    if (offset === undefined) entry.position = at;
    this.mem.setU32(out, total);
  }

  /** fd_read/fd_pread of a file in a mount: straight from the host file into guest memory. */
  private readHost(entry: FileEntry, host: HostFile, iovs: { ptr: number; len: number }[], offset?: bigint): number {
    let at = offset === undefined ? entry.position : clampOffset(offset);
    let total = 0;
    for (const iov of iovs) {
      if (iov.len === 0) continue;
      const n = host.read(this.mem.bytes(iov.ptr, iov.len), at);
      at += n;
      total += n;
      if (n < iov.len) break;
    }
    if (offset === undefined) entry.position = at;
    return total;
  }

  private readStdin(iovs: { ptr: number; len: number }[]): number {
    const want = iovs.reduce((n, v) => n + v.len, 0);
    if (want === 0) return 0;
    if (this.stdinPending.length === 0) {
      const chunk = this.options.stdin?.() ?? null;
      if (chunk === null || chunk.length === 0) return 0;
      this.stdinPending = chunk.slice();
    }
    let total = 0;
    for (const iov of iovs) {
      const part = this.stdinPending.subarray(0, iov.len);
      this.mem.write(iov.ptr, part);
      this.stdinPending = this.stdinPending.subarray(part.length);
      total += part.length;
      if (this.stdinPending.length === 0) break;
    }
    return total;
  }

  /** fd_write and (with `offset`) fd_pwrite. */
  private fdWrite(fd: number, iovsPtr: number, count: number, out: number, offset?: bigint): void {
    const iovs = this.mem.iovecs(iovsPtr, count);
    this.mem.check(out, 4);
    const entry = this.fds.get(fd);
    if (entry.kind === 'stdio' && offset !== undefined) fail(Errno.SPIPE);
    if (entry.kind === 'dir' || (entry.rightsBase & Rights.FD_WRITE) === 0n) fail(Errno.BADF);
    const length = iovs.reduce((n, v) => n + v.len, 0);
    if (entry.kind === 'stdio') {
      if (entry.stream === 0) fail(Errno.BADF);
      this.mem.setU32(out, this.writeOutput(entry.stream, iovs, length));
      return;
    }
    if (offset !== undefined) this.need(entry, Rights.FD_SEEK);
    const file = entry.node;
    const host = entry.host;
    // NOTE: like Linux, O_APPEND wins over pwrite's offset (POSIX leaves it open).
    const append = (entry.fdflags & FdFlags.APPEND) !== 0;
    if (host) host.stat();
    const pos = append ? file.size : offset === undefined ? entry.position : clampOffset(offset);
    let written = 0;
    if (length > 0) {
      if (pos + length > this.maxFileSize) fail(Errno.FBIG);
      // NOTE: as on a full disk, a write that does not fit is short and the next one fails with
      // ENOSPC (write(2)); nothing is allocated before the limit is checked.
      const growth = this.growthOf(file);
      const room = Math.max(file.size, growth.base) + (this.maxWriteBytes - this.writeUsed);
      const n = Math.min(length, room - pos);
      if (n <= 0) fail(Errno.NOSPC);
      try {
        // NOTE: straight from guest memory into the file, one iovec at a time: no gather buffer.
        for (const iov of iovs) {
          const take = Math.min(iov.len, n - written);
          if (take > 0) {
            if (host) {
              const done = host.write(this.mem.bytes(iov.ptr, take), pos + written);
              written += done;
              if (done < take) break;
              continue;
            }
            writeAt(file, pos + written, this.mem.bytes(iov.ptr, take));
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
    }
    if (offset === undefined) entry.position = pos + written;
    this.mem.setU32(out, written);
  }

  /**
   * Passes what the guest wrote to stdout/stderr on to the sink in chunks of at most OUTPUT_CHUNK
   * bytes, up to the output limit; past it, stops the guest. Returns the bytes passed on.
   */
  private writeOutput(stream: 1 | 2, iovs: { ptr: number; len: number }[], length: number): number {
    const sink = stream === 1 ? this.options.stdout : this.options.stderr;
    const n = Math.min(length, this.maxOutputBytes - this.outputUsed);
    let left = n;
    let chunk: Uint8Array | undefined;
    let fill = 0;
    for (const iov of iovs) {
      for (let at = 0; at < iov.len && left > 0;) {
        chunk ??= new Uint8Array(Math.min(OUTPUT_CHUNK, left));
        const take = Math.min(iov.len - at, chunk.length - fill);
        chunk.set(this.mem.bytes(iov.ptr + at, take), fill);
        fill += take;
        at += take;
        if (fill === chunk.length) {
          left -= fill;
          this.outputUsed += fill;
          sink(chunk);
          chunk = undefined;
          fill = 0;
        }
      }
      if (left === 0) break;
    }
    if (n < length) {
      this.stop = new GuestStop(EXIT_OUTPUT_LIMIT, outputLimit(this.maxOutputBytes));
      throw this.stop;
    }
    return n;
  }

  private fdSeek(fd: number, offset: bigint, whence: number, out: number, right: bigint = Rights.FD_SEEK): void {
    this.mem.check(out, 8);
    const entry = this.fds.get(fd);
    if (entry.kind === 'stdio') fail(Errno.SPIPE);
    if (entry.kind === 'dir') fail(Errno.BADF);
    // NOTE: fd_tell and a seek by 0 from CUR only read the offset: FD_TELL or FD_SEEK will do.
    const tellOnly = right === Rights.FD_TELL || (whence === Whence.CUR && offset === 0n);
    if (tellOnly) {
      if ((entry.rightsBase & (Rights.FD_TELL | Rights.FD_SEEK)) === 0n) fail(Errno.NOTCAPABLE);
    } else {
      this.need(entry, Rights.FD_SEEK);
    }
    const base = whence === Whence.SET ? 0n : whence === Whence.CUR ? BigInt(entry.position) : whence === Whence.END ? BigInt(this.sizeOf(entry)) : fail(Errno.INVAL);
    const next = base + BigInt.asIntN(64, offset);
    if (next < 0n) fail(Errno.INVAL);
    if (next > BigInt(Number.MAX_SAFE_INTEGER)) fail(Errno.OVERFLOW);
    entry.position = Number(next);
    this.mem.setU64(out, next);
  }

  private fdReaddir(fd: number, buf: number, len: number, cookie: bigint, out: number): void {
    this.mem.check(buf, len);
    this.mem.check(out, 4);
    const entry = this.fds.get(fd);
    if (entry.kind !== 'dir') fail(Errno.NOTDIR);
    this.need(entry, Rights.FD_READDIR);
    cookie = BigInt.asUintN(64, cookie);
    // NOTE: cookie n means "continue at the n-th entry" of a listing frozen at the last read from
    // cookie 0 (`.`, `..`, then the names sorted). Names removed since are skipped and names added
    // since are not returned, which POSIX allows; an rm -r loop that unlinks while it reads thus
    // sees every entry exactly once.
    if (cookie === 0n || entry.listing === undefined) entry.listing = this.tree.readdir(entry.node);
    const listing = entry.listing;
    const dir = entry.node;
    const size = len >>> 0;
    let used = 0;
    for (let i = cookie > BigInt(listing.length + 2) ? listing.length + 2 : Number(cookie); i < listing.length + 2 && used < size; i++) {
      const name = i === 0 ? '.' : i === 1 ? '..' : listing[i - 2]!;
      const node = i === 0 ? dir : i === 1 ? dir.parent : this.child(dir, name);
      if (!node) continue;
      const nameBytes = encoder.encode(name);
      const record = new Uint8Array(Size.DIRENT + nameBytes.length);
      const rv = new DataView(record.buffer);
      rv.setBigUint64(0, BigInt(i + 1), true);
      rv.setBigUint64(8, BigInt(node.ino), true);
      rv.setUint32(16, nameBytes.length, true);
      rv.setUint8(20, nodeFileType(node));
      record.set(nameBytes, Size.DIRENT);
      // NOTE: the last record may be cut short; the guest sees bufused == buf_len and re-reads.
      const n = Math.min(record.length, size - used);
      // NOTE: straight into guest memory (checked above): no host buffer as large as buf_len.
      this.mem.write((buf >>> 0) + used, record.subarray(0, n));
      used += n;
    }
    this.mem.setU32(out, used);
  }

  // ---- paths -------------------------------------------------------------------------------------

  /** The path argument: UTF-8, no NUL, relative (an absolute path is a capability error in WASI). */
  private pathArg(ptr: number, len: number): string {
    if ((len >>> 0) >= PATH_MAX) {
      // NOTE: refused before decoding, so that no path makes the host build a string as large as
      // guest memory; the errno is the one the decoded path would get.
      const bytes = this.mem.bytes(ptr, len);
      if (bytes.includes(0)) fail(Errno.INVAL);
      if (bytes[0] === 0x2f) fail(Errno.NOTCAPABLE);
      fail(Errno.NAMETOOLONG);
    }
    const path = this.mem.string(ptr, len);
    if (path.includes('\0')) fail(Errno.INVAL);
    if (path.startsWith('/')) fail(Errno.NOTCAPABLE);
    return path;
  }

  private resolveAt(dir: DirEntry, path: string, follow: boolean): Resolved {
    return this.tree.resolve(path, { cwd: dir.node, follow });
  }

  /**
   * Resolves a path whose last component a call creates or removes: trailing slashes are cut
   * (and reported), the last component is not followed. `dots` is set when it is `.` or `..`.
   */
  private resolveLast(dir: DirEntry, path: string): Resolved & { trailing: boolean; dots: '' | '.' | '..' } {
    const trimmed = path.replace(/\/+$/, '');
    if (trimmed === '') fail(Errno.NOENT);
    const last = trimmed.slice(trimmed.lastIndexOf('/') + 1);
    const r = this.tree.resolve(trimmed, { cwd: dir.node, follow: false });
    return { ...r, trailing: trimmed.length !== path.length, dots: last === '.' || last === '..' ? last : '' };
  }

  private pathCreateDirectory(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_CREATE_DIRECTORY);
    const r = this.resolveLast(dir, this.pathArg(pathPtr, len));
    if (r.dots || r.node) fail(Errno.EXIST);
    const host = hostDirOf(r.parent);
    if (host) return host.mkdir(r.name);
    this.addEntry();
    const now = this.clock.realtime();
    this.tree.link(r.parent, r.name, this.tree.makeDir({ mode: 0o755, mtime: now }));
    this.touch(r.parent, now);
  }

  private pathFilestatGet(fd: number, flags: number, pathPtr: number, len: number, out: number): void {
    this.mem.check(out, Size.FILESTAT);
    const dir = this.dirFd(fd, Rights.PATH_FILESTAT_GET);
    const r = this.resolveAt(dir, this.pathArg(pathPtr, len), (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    this.writeFilestat(out, r.node ?? fail(Errno.NOENT));
  }

  private pathFilestatSetTimes(fd: number, flags: number, pathPtr: number, len: number, atim: bigint, mtim: bigint, fst: number): void {
    const dir = this.dirFd(fd, Rights.PATH_FILESTAT_SET_TIMES);
    checkFstFlags(fst);
    const r = this.resolveAt(dir, this.pathArg(pathPtr, len), (flags & LOOKUP_SYMLINK_FOLLOW) !== 0);
    const node = r.node ?? fail(Errno.NOENT);
    const ref = hostRefOf(this.mounts, node);
    if (ref) {
      if (ref.name === '') return ref.dir.setOwnTimes(...hostTimes(atim, mtim, fst));
      return ref.dir.setTimes(ref.name, ...hostTimes(atim, mtim, fst));
    }
    this.setTimes(node, atim, mtim, fst);
  }

  private pathLink(oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): void {
    const from = this.dirFd(oldFd, Rights.PATH_LINK_SOURCE);
    const to = this.dirFd(newFd, Rights.PATH_LINK_TARGET);
    const oldPath = this.pathArg(oldPtr, oldLen);
    const newPath = this.pathArg(newPtr, newLen);
    const source = this.resolveAt(from, oldPath, (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0).node ?? fail(Errno.NOENT);
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
    this.addEntry();
    this.tree.link(r.parent, r.name, source);
    const now = this.clock.realtime();
    this.ctimes.set(source, now);
    this.touch(r.parent, now);
  }

  private pathOpen(fd: number, dirflags: number, pathPtr: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number): void {
    this.mem.check(out, 4);
    const dir = this.dirFd(fd, Rights.PATH_OPEN);
    const path = this.pathArg(pathPtr, len);
    if (fdflags & ~FDFLAGS_ALL || oflags & ~0xf) fail(Errno.INVAL);
    // NOTE: Linux (since 6.4) refuses O_CREAT|O_DIRECTORY with EINVAL before looking at the path.
    if ((oflags & (OFlags.CREAT | OFlags.DIRECTORY)) === (OFlags.CREAT | OFlags.DIRECTORY)) fail(Errno.INVAL);
    const creat = (oflags & OFlags.CREAT) !== 0;
    const excl = (oflags & OFlags.EXCL) !== 0;
    const directory = (oflags & OFlags.DIRECTORY) !== 0;
    const trunc = (oflags & OFlags.TRUNC) !== 0;
    if (creat) this.need(dir, Rights.PATH_CREATE_FILE);
    if (trunc) this.need(dir, Rights.PATH_FILESTAT_SET_SIZE);
    // NOTE: as in Linux's open(2), descriptor space is checked before anything is created.
    if (!this.fds.hasFree()) fail(Errno.MFILE);
    // NOTE: O_CREAT|O_EXCL never follows a final symlink (open(2)).
    const follow = (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0 && !(creat && excl);
    if (creat && path.endsWith('/')) {
      // NOTE: open(2) with O_CREAT refuses a trailing slash with EISDIR once the parent resolved.
      this.resolveLast(dir, path);
      fail(Errno.ISDIR);
    }
    const r = this.resolveAt(dir, path, follow);
    base = BigInt.asUintN(64, base) & dir.rightsInheriting;
    inheriting = BigInt.asUintN(64, inheriting) & dir.rightsInheriting;
    const hostParent = hostDirOf(r.parent);
    if (hostParent && r.name !== '.' && (r.node === undefined || r.node.kind === 'file')) {
      if (r.node === undefined && !creat) fail(Errno.NOENT);
      if (r.node === undefined && directory) fail(Errno.INVAL);
      if (r.node !== undefined && creat && excl) fail(Errno.EXIST);
      if (r.node !== undefined && directory) fail(Errno.NOTDIR);
      const write = (base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n;
      const host = hostParent.open(r.name, { read: (base & Rights.FD_READ) !== 0n, write, create: creat, excl, trunc });
      const hostEntry: FileEntry = { kind: 'file', node: host.node, host, position: 0, rightsBase: base & FILE_RIGHTS, rightsInheriting: inheriting, fdflags };
      this.mem.setU32(out, this.fds.add(hostEntry));
      return;
    }
    let node = r.node;
    if (node === undefined) {
      if (!creat) fail(Errno.NOENT);
      if (directory) fail(Errno.INVAL);
      this.addEntry();
      const now = this.clock.realtime();
      node = this.tree.makeFile(EMPTY, { mode: 0o644, mtime: now });
      this.tree.link(r.parent, r.name, node);
      this.touch(r.parent, now);
    } else {
      if (creat && excl) fail(Errno.EXIST);
      // NOTE: Linux's do_open order: O_CREAT on a directory is EISDIR, O_DIRECTORY on anything else
      // (a final symlink that was not followed too) is ENOTDIR, and only then a symlink is ELOOP.
      if (creat && node.kind === 'dir') fail(Errno.ISDIR);
      if (directory && node.kind !== 'dir') fail(Errno.NOTDIR);
      if (node.kind === 'symlink') fail(Errno.LOOP);
    }
    let entry: FdEntry;
    if (node.kind === 'dir') {
      // NOTE: asking for write rights on a directory is EISDIR like open(dir, O_WRONLY), unless the
      // caller said OFLAGS_DIRECTORY: then it wants the directory and the file-only rights are dropped
      // (some callers pass every right).
      if (trunc || (!directory && (base & Rights.FD_WRITE) !== 0n)) fail(Errno.ISDIR);
      entry = { kind: 'dir', node, rightsBase: base & DIR_RIGHTS, rightsInheriting: inheriting, fdflags };
    } else {
      this.verify(node, dir.preopen === '/' ? `/${path}` : path);
      if (trunc && node.size > 0) {
        this.resize(node, 0);
      }
      entry = { kind: 'file', node, position: 0, rightsBase: base & FILE_RIGHTS, rightsInheriting: inheriting, fdflags } satisfies FileEntry;
    }
    this.mem.setU32(out, this.fds.add(entry));
  }

  private pathReadlink(fd: number, pathPtr: number, len: number, buf: number, bufLen: number, out: number): void {
    this.mem.check(buf, bufLen);
    this.mem.check(out, 4);
    // NOTE: readlink(2) refuses a buffer of 0 bytes with EINVAL before resolving the path.
    if ((bufLen >>> 0) === 0) fail(Errno.INVAL);
    const dir = this.dirFd(fd, Rights.PATH_READLINK);
    const node = this.resolveAt(dir, this.pathArg(pathPtr, len), false).node ?? fail(Errno.NOENT);
    if (node.kind !== 'symlink') fail(Errno.INVAL);
    // NOTE: like readlink(2), a short buffer gets a truncated target and no error.
    const target = encoder.encode(node.target).subarray(0, bufLen >>> 0);
    this.mem.write(buf, target);
    this.mem.setU32(out, target.length);
  }

  private pathRemoveDirectory(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_REMOVE_DIRECTORY);
    const r = this.resolveLast(dir, this.pathArg(pathPtr, len));
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
    this.removeEntry();
    this.touch(r.parent);
  }

  private pathRename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): void {
    const from = this.dirFd(fd, Rights.PATH_RENAME_SOURCE);
    const to = this.dirFd(newFd, Rights.PATH_RENAME_TARGET);
    const a = this.resolveLast(from, this.pathArg(oldPtr, oldLen));
    const b = this.resolveLast(to, this.pathArg(newPtr, newLen));
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
    this.tree.rename(a.parent, a.name, b.parent, b.name);
    if (b.node && b.node !== node) {
      this.release(b.node);
      this.removeEntry();
    }
    const now = this.clock.realtime();
    this.ctimes.set(node, now);
    this.touch(a.parent, now);
    this.touch(b.parent, now);
  }

  private pathSymlink(oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number): void {
    // NOTE: symlink(2) refuses a target of PATH_MAX bytes or more (checked before decoding it).
    if ((oldLen >>> 0) >= PATH_MAX) {
      this.mem.check(oldPtr, oldLen);
      fail(Errno.NAMETOOLONG);
    }
    const target = this.mem.string(oldPtr, oldLen);
    const dir = this.dirFd(fd, Rights.PATH_SYMLINK);
    const r = this.resolveLast(dir, this.pathArg(newPtr, newLen));
    if (target.includes('\0')) fail(Errno.INVAL);
    if (target === '') fail(Errno.NOENT);
    if (r.dots || r.node) fail(Errno.EXIST);
    if (r.trailing) fail(Errno.NOENT);
    const host = hostDirOf(r.parent);
    if (host) return host.symlink(target, r.name);
    const cost = oldLen >>> 0;
    if (cost > this.maxWriteBytes - this.writeUsed) fail(Errno.NOSPC);
    this.addEntry();
    const now = this.clock.realtime();
    const link = this.tree.makeSymlink(target, { mode: 0o777, mtime: now });
    this.tree.link(r.parent, r.name, link);
    this.growth.set(link, { base: 0, charged: cost });
    this.writeUsed += cost;
    this.touch(r.parent, now);
  }

  private pathUnlinkFile(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_UNLINK_FILE);
    const r = this.resolveLast(dir, this.pathArg(pathPtr, len));
    if (r.dots) fail(Errno.ISDIR);
    const node = r.node ?? fail(Errno.NOENT);
    if (node.kind === 'dir') fail(Errno.ISDIR);
    if (r.trailing) fail(Errno.NOTDIR);
    const host = hostDirOf(r.parent);
    if (host) return host.unlink(r.name);
    this.tree.unlinkEntry(r.parent, r.name);
    this.removeEntry();
    this.release(node);
    const now = this.clock.realtime();
    this.ctimes.set(node, now);
    this.touch(r.parent, now);
  }

  // ---- poll ----------------------------------------------------------------------------------

  private pollOneoff(inPtr: number, outPtr: number, count: number, neventsPtr: number): void {
    count >>>= 0;
    if (count === 0) fail(Errno.INVAL);
    this.mem.check(inPtr, count * Size.SUBSCRIPTION);
    this.mem.check(outPtr, count * Size.EVENT);
    this.mem.check(neventsPtr, 4);
    interface Ev { userdata: bigint; error: number; type: number; nbytes: bigint }
    const ready: Ev[] = [];
    const timers: { userdata: bigint; deadline: bigint }[] = [];
    const monoNow = this.clock.monotonic();
    for (let i = 0; i < count; i++) {
      const at = (inPtr >>> 0) + i * Size.SUBSCRIPTION;
      const userdata = this.mem.u64At(at);
      const type = this.mem.u8At(at + 8);
      if (type === EventType.CLOCK) {
        const id = this.mem.u32At(at + 16);
        const timeout = this.mem.u64At(at + 24);
        const abs = (this.mem.u16At(at + 40) & SUBCLOCK_ABSTIME) !== 0;
        let now: bigint;
        try {
          now = this.clockNow(id);
        } catch {
          ready.push({ userdata, error: Errno.INVAL, type, nbytes: 0n });
          continue;
        }
        timers.push({ userdata, deadline: monoNow + (abs ? timeout - now : timeout) });
      } else if (type === EventType.FD_READ || type === EventType.FD_WRITE) {
        const fd = this.mem.u32At(at + 16);
        ready.push({ userdata, type, ...this.readiness(fd, type) });
      } else {
        ready.push({ userdata, error: Errno.INVAL, type, nbytes: 0n });
      }
    }
    if (ready.length === 0 && timers.length > 0) {
      const first = timers.reduce((m, t) => (t.deadline < m ? t.deadline : m), timers[0]!.deadline);
      // NOTE: a few tries absorb an early wake-up; a sleep that cannot block returns at once and
      // the timer fires early rather than spinning.
      for (let tries = 0; tries < 3; tries++) {
        const left = first - this.clock.monotonic();
        if (left <= 0n) break;
        this.clock.sleep(left);
      }
      const now = this.clock.monotonic();
      for (const t of timers) if (t.deadline <= now || t.deadline === first) ready.push({ userdata: t.userdata, error: 0, type: EventType.CLOCK, nbytes: 0n });
    } else {
      for (const t of timers) if (t.deadline <= monoNow) ready.push({ userdata: t.userdata, error: 0, type: EventType.CLOCK, nbytes: 0n });
    }
    ready.forEach((ev, i) => {
      const at = (outPtr >>> 0) + i * Size.EVENT;
      this.mem.bytes(at, Size.EVENT).fill(0);
      this.mem.setU64(at, ev.userdata);
      this.mem.setU16(at + 8, ev.error);
      this.mem.setU8(at + 10, ev.type);
      this.mem.setU64(at + 16, ev.nbytes);
    });
    this.mem.setU32(neventsPtr, ready.length);
  }

  /** Whether `fd` is ready for reading or writing now. Everything here is always ready. */
  private readiness(fd: number, type: number): { error: number; nbytes: bigint } {
    const entry = this.fds.tryGet(fd);
    if (!entry) return { error: Errno.BADF, nbytes: 0n };
    const right = type === EventType.FD_READ ? Rights.FD_READ : Rights.FD_WRITE;
    // NOTE: like Linux's poll (DEFAULT_POLLMASK for files without a poll method), a regular file or
    // a directory is ready for reading and for writing whatever it was opened for.
    if (entry.kind === 'dir') return { error: 0, nbytes: 0n };
    if (entry.kind === 'stdio' && (entry.rightsBase & right) === 0n) return { error: Errno.BADF, nbytes: 0n };
    if (entry.kind === 'stdio') return { error: 0, nbytes: type === EventType.FD_READ ? BigInt(this.stdinPending.length) : 0n };
    const left = type === EventType.FD_READ ? Math.max(0, this.sizeOf(entry) - entry.position) : 0;
    return { error: 0, nbytes: BigInt(left) };
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private writeFilestat(out: number, node: VNode): void {
    const ref = hostRefOf(this.mounts, node);
    if (ref) {
      // NOTE: what the host said at the lookup (or fstat) that produced `node`, just now; the top of
      // a mount is never looked up by name, so it is asked afresh.
      if (ref.name === '') ref.stat = ref.dir.mount.spec.fs.fstat(ref.dir.handle());
      const st = ref.stat;
      this.mem.setU64(out, ref.dir.mount.dev);
      this.mem.setU64(out + 8, BigInt(node.ino));
      this.mem.setU8(out + 16, st.type === 'other' ? FileType.UNKNOWN : nodeFileType(node));
      this.mem.bytes(out + 17, 7).fill(0);
      this.mem.setU64(out + 24, BigInt(st.nlink));
      this.mem.setU64(out + 32, BigInt(node.kind === 'file' ? node.size : st.size));
      this.mem.setU64(out + 40, st.atimeNs);
      this.mem.setU64(out + 48, node.mtime);
      this.mem.setU64(out + 56, st.ctimeNs);
      return;
    }
    const mtime = node.mtime;
    let nlink: bigint;
    let size: bigint;
    if (node.kind === 'dir') {
      let subdirs = 0;
      for (const child of node.entries.values()) if (child.kind === 'dir') subdirs++;
      nlink = BigInt(2 + subdirs);
      size = DIR_SIZE;
    } else if (node.kind === 'file') {
      nlink = BigInt(node.nlink);
      size = BigInt(node.size);
    } else {
      nlink = BigInt(node.nlink);
      size = BigInt(encoder.encode(node.target).length);
    }
    this.mem.setU64(out, DEV);
    this.mem.setU64(out + 8, BigInt(node.ino));
    this.mem.setU8(out + 16, nodeFileType(node));
    this.mem.bytes(out + 17, 7).fill(0);
    this.mem.setU64(out + 24, nlink);
    this.mem.setU64(out + 32, size);
    this.mem.setU64(out + 40, this.atimes.get(node) ?? mtime);
    this.mem.setU64(out + 48, mtime);
    this.mem.setU64(out + 56, this.ctimes.get(node) ?? mtime);
  }

  private setTimes(node: VNode, atim: bigint, mtim: bigint, flags: number): void {
    const now = this.clock.realtime();
    if (flags & FstFlags.ATIM) this.atimes.set(node, BigInt.asUintN(64, atim));
    else if (flags & FstFlags.ATIM_NOW) this.atimes.set(node, now);
    if (flags & FstFlags.MTIM) node.mtime = BigInt.asUintN(64, mtim);
    else if (flags & FstFlags.MTIM_NOW) node.mtime = now;
    this.ctimes.set(node, now);
  }

  /** Marks a node modified now (mtime and ctime). */
  private touch(node: VNode, now = this.clock.realtime()): void {
    node.mtime = now;
    this.ctimes.set(node, now);
  }

  /**
   * Sets a file's size through the tree (copy-on-write) or, for a file in a mount, on the host;
   * ENOSPC when the growth does not fit in maxWriteBytes or the host cannot allocate it.
   */
  private resize(file: FileNode, size: number, host?: HostFile): void {
    if (host) host.stat();
    const growth = this.growthOf(file);
    const more = Math.max(0, size - growth.base) - growth.charged;
    if (more > this.maxWriteBytes - this.writeUsed) fail(Errno.NOSPC);
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

  /**
   * Checks a file of the box against the digest its index records, the first time the guest opens
   * it (the index is covered by the manifest; the bytes are not, until checked). A mismatch is EIO
   * and a RUNTIME_TAMPERED_FILE diagnostic.
   */
  private verify(file: FileNode, path: string): void {
    if (file.digest === undefined || this.verified.has(file)) return;
    if (digestOf(fileContent(file)) !== file.digest) {
      this.options.onDiagnostic?.(tamperedFile(path, file.digest));
      fail(Errno.IO);
    }
    this.verified.add(file);
  }

  /** The child `name` of a directory (asked of the host in a mount; a failing lookup is no child). */
  private child(dir: DirNode, name: string): VNode | undefined {
    if (!dir.source) return dir.entries.get(name);
    try {
      return dir.source.lookup(name);
    } catch (e) {
      if (e instanceof WasiError) return undefined;
      throw e;
    }
  }

  /** Whether `node` is the top directory of a mount (which, like a mount point, cannot be removed or moved). */
  private isMountRoot(node: VNode): boolean {
    return this.mounts.some((m) => m.root === node);
  }

  // ---- maxWriteBytes -------------------------------------------------------------------------

  /** Counts one new directory entry (ENOSPC when the entry budget, see ENTRY_COST, is used up). */
  private addEntry(): void {
    if ((this.entriesAdded + 1) * ENTRY_COST > this.maxWriteBytes) fail(Errno.NOSPC);
    this.entriesAdded++;
  }

  /**
   * Gives back one entry. The count never goes below zero: removing the image's own entries makes
   * room only for as many new ones, so the tree never holds more than the image plus the budget.
   */
  private removeEntry(): void {
    if (this.entriesAdded > 0) this.entriesAdded--;
  }

  /** The accounting record of a file or symlink; call it before changing the node's size. */
  private growthOf(node: FileNode): Growth {
    let g = this.growth.get(node);
    if (!g) {
      g = { base: node.size, charged: 0 };
      this.growth.set(node, g);
    }
    return g;
  }

  /** Brings `growth` up to date with the file's size now. */
  private charge(file: FileNode, growth: Growth): void {
    const charged = Math.max(0, file.size - growth.base);
    this.writeUsed += charged - growth.charged;
    growth.charged = charged;
  }

  /** Gives back what `node` was charged once no name and no descriptor reaches it. */
  private release(node: VNode): void {
    if (node.kind === 'dir' || node.nlink > 0) return;
    if (node.kind === 'file' && this.fds.holds(node)) return;
    const g = this.growth.get(node);
    if (!g) return;
    this.writeUsed -= g.charged;
    this.growth.delete(node);
  }
}

// ---- helpers -------------------------------------------------------------------------------------

function stdio(stream: 0 | 1 | 2, tty: boolean): StdioEntry {
  return { kind: 'stdio', stream, tty, rightsBase: stream === 0 ? STDIN_RIGHTS : STDOUT_RIGHTS, rightsInheriting: 0n, fdflags: stream === 0 ? 0 : FdFlags.APPEND };
}

function cString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

function nodeFileType(node: VNode): number {
  return node.kind === 'file' ? FileType.REGULAR_FILE : node.kind === 'dir' ? FileType.DIRECTORY : FileType.SYMBOLIC_LINK;
}

function entryFileType(entry: FdEntry): number {
  // NOTE: a terminal is a character device; other stdio (pipes, files the embedder feeds) is
  // UNKNOWN, which wasi-libc's isatty() reads as "not a terminal", as wasmtime reports it.
  if (entry.kind === 'stdio') return entry.tty ? FileType.CHARACTER_DEVICE : FileType.UNKNOWN;
  return nodeFileType(entry.node);
}

/** fd/path_filestat_set_times arguments as host times. */
function hostTimes(atim: bigint, mtim: bigint, flags: number): [HostTime, HostTime] {
  const a: HostTime = flags & FstFlags.ATIM ? BigInt.asUintN(64, atim) : flags & FstFlags.ATIM_NOW ? 'now' : 'keep';
  const m: HostTime = flags & FstFlags.MTIM ? BigInt.asUintN(64, mtim) : flags & FstFlags.MTIM_NOW ? 'now' : 'keep';
  return [a, m];
}

function checkFstFlags(flags: number): void {
  if (flags & ~0xf) fail(Errno.INVAL);
  if ((flags & FstFlags.ATIM && flags & FstFlags.ATIM_NOW) || (flags & FstFlags.MTIM && flags & FstFlags.MTIM_NOW)) fail(Errno.INVAL);
}

/** A u64 file offset as a number; offsets past 2^53 read nothing, so they are clamped there. */
function clampOffset(offset: bigint): number {
  const o = BigInt.asUintN(64, offset);
  return o > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(o);
}

function byteLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of bytes, got ${value}`);
  return value;
}

function defaultRandom(): ((buffer: Uint8Array) => void) | undefined {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  const get = crypto?.getRandomValues;
  return get ? (b) => void get.call(crypto, b) : undefined;
}
