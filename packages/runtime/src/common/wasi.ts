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
// The filesystem semantics (path operations, mounts, the write and entry budgets, times) are
// GuestFs's (guest-fs.ts), shared with the preview2 host; this module decodes the preview1 calls,
// checks rights and descriptors, and writes the answers into guest memory.
//
// Limits: stdout + stderr together may carry `maxOutputBytes`; a write past it passes on what fits
// and stops the guest (`stopped` says why; start() returns EXIT_OUTPUT_LIMIT). The file data the
// guest adds to the tree (growth past a file's size when the run first touched it, and symlink
// targets) may total `maxWriteBytes`; past it writes are short and then fail with ENOSPC, as on a
// full disk. Data of a file that no name and no descriptor reaches any more is given back. No call
// allocates more host memory than these limits and a fixed chunk allow, whatever the guest asks.
import { Tree, VfsError, PATH_MAX, type VNode } from '@boxer/vfs';
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
import { notExecutable, outputLimit } from './diagnostics.js';
import { EXIT_OUTPUT_LIMIT } from './exit-codes.js';
import type { HostTime, MountSpec } from './mounts.js';
import { clampOffset, GuestFs, type Filestat } from './guest-fs.js';
import type { AuditEvent } from './audit.js';

export type { WasiClock } from './clock.js';
export { ENTRY_COST } from './guest-fs.js';

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
   * Whether `stdin()` would return at once with data (`data`), return null (`ended`) or block
   * (`waiting`), without reading: poll_oneoff reports stdin by it (EPIPE at the end, a hangup, as
   * Linux's poll does for a pipe whose writer closed). @default `data` (every read returns at once)
   */
  stdinState?: () => 'data' | 'waiting' | 'ended';
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

const encoder = new TextEncoder();
const RANDOM_CHUNK = 65536;
/** Largest buffer handed to a stdout/stderr sink. */
const OUTPUT_CHUNK = 65536;
const EMPTY = new Uint8Array(0);

type Fn = (...args: never[]) => number | void;

export class WasiHost {
  private readonly mem = new GuestMemory();
  private readonly fds: FdTable;
  private readonly clock: ResolvedClock;
  private readonly args: Uint8Array[];
  private readonly env: Uint8Array[];
  private readonly options: WasiHostOptions;
  private readonly maxOutputBytes: number;
  private outputUsed = 0;
  /** The guest's filesystem: the tree, the mounts, the write budget (shared with the preview2 host). */
  private readonly fs: GuestFs;
  private stop: GuestStop | undefined;
  private readonly importObject: { wasi_snapshot_preview1: Record<string, Fn> };
  private stdinPending: Uint8Array = EMPTY;
  private started = false;

  constructor(options: WasiHostOptions) {
    const maxFds = options.maxFds ?? 1024;
    if (!Number.isInteger(maxFds) || maxFds < 4) throw new RangeError(`maxFds must be an integer of at least 4 (stdio and the preopen), got ${maxFds}`);
    this.options = options;
    this.fds = new FdTable(maxFds);
    this.clock = resolveClock(options.clock);
    this.maxOutputBytes = byteLimit('maxOutputBytes', options.maxOutputBytes ?? DEFAULT_LIMITS.maxOutputBytes);
    this.args = options.args.map((a) => cString(a));
    this.env = options.env.map((e) => cString(e));
    const tty = options.tty ?? {};
    this.fds.set(0, stdio(0, tty.stdin ?? false));
    this.fds.set(1, stdio(1, tty.stdout ?? false));
    this.fds.set(2, stdio(2, tty.stderr ?? false));
    this.fds.set(3, { kind: 'dir', node: options.tree.root, preopen: '/', rightsBase: DIR_RIGHTS, rightsInheriting: DIR_RIGHTS | FILE_RIGHTS, fdflags: 0 });
    this.fs = new GuestFs({
      tree: options.tree,
      realtime: () => this.clock.realtime(),
      ...(options.maxWriteBytes !== undefined ? { maxWriteBytes: options.maxWriteBytes } : {}),
      ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
      ...(options.mounts ? { mounts: options.mounts } : {}),
      ...(options.onAudit ? { onAudit: options.onAudit } : {}),
      ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
      holds: (node) => this.fds.holds(node),
    });
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
    this.fs.closeMounts();
  }

  /** What the run did with each mount: looked into it, wrote to it (for --learn). */
  mountUsage(): { target: string; source: string; read: boolean; wrote: boolean }[] {
    return this.fs.mountUsage();
  }

  /** Takes the mounts out of the tree, putting back what they covered (for --persist). */
  detachMounts(): void {
    this.fs.detachMounts();
  }

  /** Why a limit stopped the guest, if one did (a RUNTIME_OUTPUT_LIMIT diagnostic). */
  get stopped(): Diagnostic | undefined {
    return this.stop?.diagnostic;
  }

  /** Bytes written to stdout and stderr so far, and bytes charged against maxWriteBytes now. */
  get usage(): { outputBytes: number; writeBytes: number } {
    return { outputBytes: this.outputUsed, writeBytes: this.fs.writeBytes };
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
          if (this.fs.mounts.length > 0) this.fs.trim();
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
    if (end > BigInt(this.fs.maxFileSize)) fail(Errno.FBIG);
    if (Number(end) > this.sizeOf(entry)) this.fs.resize(entry.node, Number(end), entry.host);
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
    this.fs.closed(entry.node, entry.host);
  }

  private fdSync(fd: number, right: bigint): void {
    const entry = this.fds.get(fd);
    if (entry.kind === 'stdio') fail(Errno.INVAL);
    this.need(entry, right);
    if (entry.kind === 'file') entry.host?.sync();
  }

  /** A file's size now (asked of the host for a file in a mount). */
  private sizeOf(entry: FileEntry): number {
    return this.fs.sizeOf(entry.node, entry.host);
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
    this.writeFilestat(out, this.fs.stat(entry.node, entry.kind === 'file' ? entry.host : undefined));
  }

  private fdFilestatSetSize(fd: number, size: bigint): void {
    const entry = this.fds.get(fd);
    // NOTE: Linux's ftruncate(2) answers EINVAL both for a descriptor that is not a regular file
    // and for one not open for writing; wasi-libc passes the errno through unchanged.
    if (entry.kind !== 'file' || (entry.rightsBase & Rights.FD_FILESTAT_SET_SIZE) === 0n) fail(Errno.INVAL);
    this.fs.setSize(entry.node, entry.host, size);
  }

  private fdFilestatSetTimes(fd: number, atim: bigint, mtim: bigint, flags: number): void {
    const entry = this.fds.get(fd);
    this.need(entry, Rights.FD_FILESTAT_SET_TIMES);
    checkFstFlags(flags);
    if (entry.kind === 'stdio') return;
    this.fs.setTimes(entry.node, entry.kind === 'file' ? entry.host : undefined, ...hostTimes(atim, mtim, flags));
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
    const at = offset === undefined ? entry.position : clampOffset(offset);
    // NOTE: straight from the file (or the host file of a mount) into guest memory.
    const total = this.fs.read(entry.node, entry.host, at, iovs.map((v) => this.mem.bytes(v.ptr, v.len)));
    if (offset === undefined) entry.position = at + total;
    this.mem.setU32(out, total);
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
    // NOTE: like Linux, O_APPEND wins over pwrite's offset (POSIX leaves it open). Straight from
    // guest memory into the file, one iovec at a time: no gather buffer.
    const at = (entry.fdflags & FdFlags.APPEND) !== 0 ? 'append' : offset === undefined ? entry.position : clampOffset(offset);
    const { pos, written } = this.fs.write(entry.node, entry.host, at, iovs.map((v) => this.mem.bytes(v.ptr, v.len)));
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
    if (cookie === 0n || entry.listing === undefined) entry.listing = this.fs.list(entry.node);
    const listing = entry.listing;
    const dir = entry.node;
    const size = len >>> 0;
    let used = 0;
    for (let i = cookie > BigInt(listing.length + 2) ? listing.length + 2 : Number(cookie); i < listing.length + 2 && used < size; i++) {
      const name = i === 0 ? '.' : i === 1 ? '..' : listing[i - 2]!;
      const node = i === 0 ? dir : i === 1 ? dir.parent : this.fs.child(dir, name);
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

  private pathCreateDirectory(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_CREATE_DIRECTORY);
    this.fs.createDirectory(dir.node, this.pathArg(pathPtr, len));
  }

  private pathFilestatGet(fd: number, flags: number, pathPtr: number, len: number, out: number): void {
    this.mem.check(out, Size.FILESTAT);
    const dir = this.dirFd(fd, Rights.PATH_FILESTAT_GET);
    this.writeFilestat(out, this.fs.statAt(dir.node, this.pathArg(pathPtr, len), (flags & LOOKUP_SYMLINK_FOLLOW) !== 0));
  }

  private pathFilestatSetTimes(fd: number, flags: number, pathPtr: number, len: number, atim: bigint, mtim: bigint, fst: number): void {
    const dir = this.dirFd(fd, Rights.PATH_FILESTAT_SET_TIMES);
    checkFstFlags(fst);
    this.fs.setTimesAt(dir.node, this.pathArg(pathPtr, len), (flags & LOOKUP_SYMLINK_FOLLOW) !== 0, ...hostTimes(atim, mtim, fst));
  }

  private pathLink(oldFd: number, oldFlags: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): void {
    const from = this.dirFd(oldFd, Rights.PATH_LINK_SOURCE);
    const to = this.dirFd(newFd, Rights.PATH_LINK_TARGET);
    const oldPath = this.pathArg(oldPtr, oldLen);
    const newPath = this.pathArg(newPtr, newLen);
    this.fs.link(from.node, oldPath, (oldFlags & LOOKUP_SYMLINK_FOLLOW) !== 0, to.node, newPath);
  }

  private pathOpen(fd: number, dirflags: number, pathPtr: number, len: number, oflags: number, base: bigint, inheriting: bigint, fdflags: number, out: number): void {
    this.mem.check(out, 4);
    const dir = this.dirFd(fd, Rights.PATH_OPEN);
    const path = this.pathArg(pathPtr, len);
    if (fdflags & ~FDFLAGS_ALL || oflags & ~0xf) fail(Errno.INVAL);
    // NOTE: Linux (since 6.4) refuses O_CREAT|O_DIRECTORY with EINVAL before looking at the path
    // (GuestFs.open checks it too, for the preview2 host; here it comes before the rights checks).
    if ((oflags & (OFlags.CREAT | OFlags.DIRECTORY)) === (OFlags.CREAT | OFlags.DIRECTORY)) fail(Errno.INVAL);
    const creat = (oflags & OFlags.CREAT) !== 0;
    const excl = (oflags & OFlags.EXCL) !== 0;
    const directory = (oflags & OFlags.DIRECTORY) !== 0;
    const trunc = (oflags & OFlags.TRUNC) !== 0;
    if (creat) this.need(dir, Rights.PATH_CREATE_FILE);
    if (trunc) this.need(dir, Rights.PATH_FILESTAT_SET_SIZE);
    // NOTE: as in Linux's open(2), descriptor space is checked before anything is created.
    if (!this.fds.hasFree()) fail(Errno.MFILE);
    base = BigInt.asUintN(64, base) & dir.rightsInheriting;
    inheriting = BigInt.asUintN(64, inheriting) & dir.rightsInheriting;
    // NOTE: with OFLAGS_DIRECTORY a caller asking for write rights wants the directory, and the
    // file-only rights are dropped (some callers pass every right); a mount's file opens for writing
    // when any right that changes it is asked for.
    const opened = this.fs.open(dir.node, path, {
      follow: (dirflags & LOOKUP_SYMLINK_FOLLOW) !== 0, creat, excl, directory, trunc,
      read: (base & Rights.FD_READ) !== 0n,
      write: (base & Rights.FD_WRITE) !== 0n,
      modify: (base & (Rights.FD_WRITE | Rights.FD_ALLOCATE | Rights.FD_FILESTAT_SET_SIZE)) !== 0n,
      label: dir.preopen === '/' ? `/${path}` : path,
    });
    const entry: FdEntry = opened.node.kind === 'dir'
      ? { kind: 'dir', node: opened.node, rightsBase: base & DIR_RIGHTS, rightsInheriting: inheriting, fdflags }
      : { kind: 'file', node: opened.node, ...(opened.host ? { host: opened.host } : {}), position: 0, rightsBase: base & FILE_RIGHTS, rightsInheriting: inheriting, fdflags };
    this.mem.setU32(out, this.fds.add(entry));
  }

  private pathReadlink(fd: number, pathPtr: number, len: number, buf: number, bufLen: number, out: number): void {
    this.mem.check(buf, bufLen);
    this.mem.check(out, 4);
    // NOTE: readlink(2) refuses a buffer of 0 bytes with EINVAL before resolving the path.
    if ((bufLen >>> 0) === 0) fail(Errno.INVAL);
    const dir = this.dirFd(fd, Rights.PATH_READLINK);
    // NOTE: like readlink(2), a short buffer gets a truncated target and no error.
    const target = encoder.encode(this.fs.readlink(dir.node, this.pathArg(pathPtr, len))).subarray(0, bufLen >>> 0);
    this.mem.write(buf, target);
    this.mem.setU32(out, target.length);
  }

  private pathRemoveDirectory(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_REMOVE_DIRECTORY);
    this.fs.removeDirectory(dir.node, this.pathArg(pathPtr, len));
  }

  private pathRename(fd: number, oldPtr: number, oldLen: number, newFd: number, newPtr: number, newLen: number): void {
    const from = this.dirFd(fd, Rights.PATH_RENAME_SOURCE);
    const to = this.dirFd(newFd, Rights.PATH_RENAME_TARGET);
    const oldPath = this.pathArg(oldPtr, oldLen);
    this.fs.rename(from.node, oldPath, to.node, this.pathArg(newPtr, newLen));
  }

  private pathSymlink(oldPtr: number, oldLen: number, fd: number, newPtr: number, newLen: number): void {
    // NOTE: symlink(2) refuses a target of PATH_MAX bytes or more (checked before decoding it).
    if ((oldLen >>> 0) >= PATH_MAX) {
      this.mem.check(oldPtr, oldLen);
      fail(Errno.NAMETOOLONG);
    }
    const target = this.mem.string(oldPtr, oldLen);
    const dir = this.dirFd(fd, Rights.PATH_SYMLINK);
    this.fs.symlink(target, dir.node, this.pathArg(newPtr, newLen));
  }

  private pathUnlinkFile(fd: number, pathPtr: number, len: number): void {
    const dir = this.dirFd(fd, Rights.PATH_UNLINK_FILE);
    this.fs.unlinkFile(dir.node, this.pathArg(pathPtr, len));
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
    /** Subscriptions to stdin while no input has arrived yet (`-i` with a writer that is slow). */
    const waitingStdin: bigint[] = [];
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
        const r = this.readiness(fd, type);
        if (r === 'waiting') waitingStdin.push(userdata);
        else ready.push({ userdata, type, ...r });
      } else {
        ready.push({ userdata, error: Errno.INVAL, type, nbytes: 0n });
      }
    }
    if (ready.length === 0 && timers.length === 0 && waitingStdin.length > 0) {
      // NOTE: only stdin to wait for: block in a read until input (or its end) arrives.
      const chunk = this.options.stdin?.() ?? null;
      if (chunk && chunk.length > 0) this.stdinPending = chunk.slice();
      for (const userdata of waitingStdin) ready.push({ userdata, error: this.stdinPending.length === 0 ? Errno.PIPE : 0, type: EventType.FD_READ, nbytes: BigInt(this.stdinPending.length) });
    } else if (ready.length === 0 && timers.length > 0) {
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

  /**
   * Whether `fd` is ready for reading or writing now: files, directories and stdout/stderr always
   * are; stdin when input is there, or at its end (EPIPE, which wasi-libc's poll() reports as
   * POLLHUP alone, as Linux does for a pipe whose writer closed), else `waiting`.
   */
  private readiness(fd: number, type: number): { error: number; nbytes: bigint } | 'waiting' {
    const entry = this.fds.tryGet(fd);
    if (!entry) return { error: Errno.BADF, nbytes: 0n };
    const right = type === EventType.FD_READ ? Rights.FD_READ : Rights.FD_WRITE;
    // NOTE: like Linux's poll (DEFAULT_POLLMASK for files without a poll method), a regular file or
    // a directory is ready for reading and for writing whatever it was opened for.
    if (entry.kind === 'dir') return { error: 0, nbytes: 0n };
    if (entry.kind === 'stdio' && (entry.rightsBase & right) === 0n) return { error: Errno.BADF, nbytes: 0n };
    if (entry.kind === 'stdio') {
      if (type !== EventType.FD_READ || entry.stream !== 0) return { error: 0, nbytes: 0n };
      if (this.stdinPending.length > 0) return { error: 0, nbytes: BigInt(this.stdinPending.length) };
      const state = this.options.stdin ? (this.options.stdinState?.() ?? 'data') : 'ended';
      if (state === 'ended') return { error: Errno.PIPE, nbytes: 0n };
      if (state === 'waiting') return 'waiting';
      // NOTE: input is there: take it now, so that nbytes says how much a read gets.
      const chunk = this.options.stdin!();
      if (chunk === null || chunk.length === 0) return { error: Errno.PIPE, nbytes: 0n };
      this.stdinPending = chunk.slice();
      return { error: 0, nbytes: BigInt(this.stdinPending.length) };
    }
    const left = type === EventType.FD_READ ? Math.max(0, this.sizeOf(entry) - entry.position) : 0;
    return { error: 0, nbytes: BigInt(left) };
  }

  // ---- nodes ---------------------------------------------------------------------------------

  private writeFilestat(out: number, st: Filestat): void {
    this.mem.setU64(out, st.dev);
    this.mem.setU64(out + 8, st.ino);
    this.mem.setU8(out + 16, st.type === 'file' ? FileType.REGULAR_FILE : st.type === 'dir' ? FileType.DIRECTORY : st.type === 'symlink' ? FileType.SYMBOLIC_LINK : FileType.UNKNOWN);
    this.mem.bytes(out + 17, 7).fill(0);
    this.mem.setU64(out + 24, st.nlink);
    this.mem.setU64(out + 32, st.size);
    this.mem.setU64(out + 40, st.atim);
    this.mem.setU64(out + 48, st.mtim);
    this.mem.setU64(out + 56, st.ctim);
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

function byteLimit(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number of bytes, got ${value}`);
  return value;
}

function defaultRandom(): ((buffer: Uint8Array) => void) | undefined {
  const crypto = (globalThis as { crypto?: { getRandomValues?: (b: Uint8Array) => Uint8Array } }).crypto;
  const get = crypto?.getRandomValues;
  return get ? (b) => void get.call(crypto, b) : undefined;
}
