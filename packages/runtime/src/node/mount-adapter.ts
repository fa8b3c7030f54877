// The one door from a run to the host's files (DESIGN §0.8): a HostFs over one mounted host
// directory, used inside the worker that holds the guest (§0.9; synchronous node:fs is fine there).
// In: handles it opened and single names. Out: host stats, bytes and changes, or WasiError.
//
// Every entry is reached as /proc/self/fd/<directory handle>/<name>: the kernel resolves the magic
// link to the directory the handle holds (not to a path, so renaming or swapping any ancestor
// changes nothing), then looks up the one name in it. Every open uses O_NOFOLLOW (a final symlink is
// ELOOP, never followed) and O_NONBLOCK (a FIFO planted in the mount cannot block the guest's
// thread), and what was opened is checked with fstat before use. Calls that take a name never follow
// a final symlink by themselves (lstat, readlink, mkdir, unlink, rmdir, rename, symlink, link,
// lutimes). This needs Linux's /proc; elsewhere mounts are refused (see `mountsSupported`).
import {
  closeSync, constants, existsSync, fstatSync, fsyncSync, ftruncateSync, futimesSync, linkSync, lstatSync,
  lutimesSync, mkdirSync, openSync, readSync, readdirSync, readlinkSync, realpathSync, renameSync, rmdirSync,
  statSync, symlinkSync, unlinkSync, writeSync, type BigIntStats,
} from 'node:fs';
import { resolve } from 'node:path';
import { BoxerError } from '@boxer/diagnostics';
import { mountFailed } from '../common/diagnostics.js';
import type { MountGrant } from '../common/grants.js';
import { Errno, WasiError } from '../common/errno.js';
import { mountOverlap, type HostFs, type HostOpenFlags, type HostStat, type HostTime } from '../common/mounts.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;

/** Whether this host can confine a mount (it has /proc/self/fd). */
export function mountsSupported(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/fd');
}

export class NodeHostFs implements HostFs {
  private readonly handles = new Set<number>();

  /** `source` is the host directory, already resolved to a real path by the main thread. */
  constructor(private readonly source: string) {}

  root(): number {
    return this.track(() => openSync(this.source, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  }

  lstat(dir: number, name: string): HostStat | undefined {
    try {
      return toStat(lstatSync(this.at(dir, name), { bigint: true }));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toWasi(e);
    }
  }

  list(dir: number): string[] {
    return call(() => readdirSync(`/proc/self/fd/${this.own(dir)}`));
  }

  openDir(dir: number, name: string): number {
    const path = this.at(dir, name);
    return this.track(() => openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  }

  openFile(dir: number, name: string, flags: HostOpenFlags): number {
    const path = this.at(dir, name);
    let mode = flags.write ? (flags.read ? O_RDWR : O_WRONLY) : O_RDONLY;
    if (flags.create) mode |= O_CREAT;
    if (flags.excl) mode |= O_EXCL;
    // NOTE: O_TRUNC waits until the entry is known to be a regular file (a FIFO or device never is).
    const fd = this.track(() => openSync(path, mode | O_NOFOLLOW | O_NONBLOCK, 0o644));
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw new WasiError(Errno.ISDIR);
      if (!st.isFile()) throw new WasiError(Errno.ACCES);
      if (flags.trunc && st.size > 0) ftruncateSync(fd, 0);
    } catch (e) {
      this.close(fd);
      throw toWasi(e);
    }
    return fd;
  }

  fstat(handle: number): HostStat {
    return call(() => toStat(fstatSync(this.own(handle), { bigint: true })));
  }

  read(handle: number, into: Uint8Array, position: number): number {
    return call(() => readSync(this.own(handle), into, 0, into.length, position));
  }

  write(handle: number, from: Uint8Array, position: number): number {
    return call(() => writeSync(this.own(handle), from, 0, from.length, position));
  }

  truncate(handle: number, size: number): void {
    call(() => ftruncateSync(this.own(handle), size));
  }

  sync(handle: number): void {
    call(() => fsyncSync(this.own(handle)));
  }

  close(handle: number): void {
    if (!this.handles.delete(handle)) return;
    closeSync(handle);
  }

  mkdir(dir: number, name: string): void {
    call(() => mkdirSync(this.at(dir, name), 0o755));
  }

  rmdir(dir: number, name: string): void {
    call(() => rmdirSync(this.at(dir, name)));
  }

  unlink(dir: number, name: string): void {
    call(() => unlinkSync(this.at(dir, name)));
  }

  rename(fromDir: number, fromName: string, toDir: number, toName: string): void {
    call(() => renameSync(this.at(fromDir, fromName), this.at(toDir, toName)));
  }

  link(fromDir: number, fromName: string, toDir: number, toName: string): void {
    // NOTE: link(2) on Linux does not follow a symlink named by its first argument.
    call(() => linkSync(this.at(fromDir, fromName), this.at(toDir, toName)));
  }

  symlink(target: string, dir: number, name: string): void {
    call(() => symlinkSync(target, this.at(dir, name)));
  }

  readlink(dir: number, name: string): string {
    return call(() => readlinkSync(this.at(dir, name)));
  }

  setTimes(handle: number, name: string | undefined, atime: HostTime, mtime: HostTime): void {
    call(() => {
      const current = name === undefined ? fstatSync(this.own(handle), { bigint: true }) : lstatSync(this.at(handle, name), { bigint: true });
      const a = seconds(atime, current.atimeNs);
      const m = seconds(mtime, current.mtimeNs);
      if (name === undefined) futimesSync(this.own(handle), a, m);
      else lutimesSync(this.at(handle, name), a, m);
    });
  }

  closeAll(): void {
    for (const fd of this.handles) closeSync(fd);
    this.handles.clear();
  }

  /** The /proc path of `name` inside the directory handle `dir`. */
  private at(dir: number, name: string): string {
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) throw new WasiError(Errno.INVAL);
    return `/proc/self/fd/${this.own(dir)}/${name}`;
  }

  /** Refuses a handle this adapter did not open (or already closed): never reach another descriptor. */
  private own(handle: number): number {
    if (!this.handles.has(handle)) throw new Error(`mount adapter: handle ${handle} is not one of this mount's (boxer bug)`);
    return handle;
  }

  private track(open: () => number): number {
    const fd = call(open);
    this.handles.add(fd);
    return fd;
  }
}

function call<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toWasi(e);
  }
}

function toWasi(e: unknown): unknown {
  if (e instanceof WasiError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (typeof code !== 'string' || !code.startsWith('E')) return e;
  const errno = (Errno as Record<string, number>)[code.slice(1)];
  return new WasiError(errno ?? Errno.IO);
}

function toStat(st: BigIntStats): HostStat {
  const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
  return {
    type,
    size: type === 'file' || type === 'dir' || type === 'symlink' ? Number(st.size) : 0,
    mode: Number(st.mode) & 0o7777,
    nlink: Number(st.nlink),
    ino: st.ino,
    dev: st.dev,
    atimeNs: st.atimeNs,
    mtimeNs: st.mtimeNs,
    ctimeNs: st.ctimeNs,
  };
}

/** A time for utimes (seconds, fractional), from a HostTime and the current value. */
function seconds(t: HostTime, current: bigint): number | Date {
  if (t === 'now') return new Date();
  const ns = t === 'keep' ? current : t;
  return Number(ns / 1000n) / 1e6;
}

/** A mount as the worker receives it: the host directory already resolved to a real path. */
export type ResolvedMount = { type: 'bind'; source: string; target: string; readonly: boolean; grant: string } | { type: 'tmpfs'; target: string };

/**
 * On the main thread, before the worker starts: resolves each bind mount's host directory (relative
 * to `cwd`; the operator's own path may pass through symlinks, as with docker) and checks it is a
 * directory. Throws BoxerError RUNTIME_MOUNT_FAILED naming the grant.
 */
export function resolveMounts(mounts: readonly MountGrant[], cwd: string): ResolvedMount[] {
  const out: ResolvedMount[] = [];
  for (const m of mounts) {
    if (m.type === 'tmpfs') {
      out.push({ type: 'tmpfs', target: m.target });
      continue;
    }
    const grant = `-v ${m.source}:${m.target}${m.readonly ? ':ro' : ''}`;
    if (!mountsSupported()) throw new BoxerError(mountFailed(grant, `this host has no /proc/self/fd, which boxer needs to confine a mount`, 'run on Linux, or copy the files into the box with COPY'));
    const abs = resolve(cwd, m.source);
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      throw new BoxerError(mountFailed(grant, `${abs} does not exist`, 'create the directory first, or fix the path (relative host paths start at the current directory)'));
    }
    if (!statSync(real).isDirectory()) throw new BoxerError(mountFailed(grant, `${real} is not a directory`, 'mount the directory that holds it (single files cannot be mounted yet)'));
    out.push({ type: 'bind', source: real, target: m.target, readonly: m.readonly ?? false, grant });
  }
  const overlap = mountOverlap(out.map((m) => m.target));
  if (overlap) throw new BoxerError(mountFailed(`at ${overlap.target}`, `it is ${overlap.same ? 'the same path as' : 'inside'} the mount at ${overlap.other}`, 'mount separate directories at separate guest paths'));
  return out;
}
