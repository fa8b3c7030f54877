// The guest's descriptor table. In: open/close/renumber requests from host calls. Out: numbered
// entries (stdio, files and directories of the tree) with their rights and flags. Numbers are
// handed out lowest-free-first like POSIX, below `max` (EMFILE past it, like RLIMIT_NOFILE).
import type { DirNode, FileNode } from '@boxer/vfs';
import { Errno, fail } from './errno.js';
import type { HostFile } from './mounts.js';

interface EntryBase {
  rightsBase: bigint;
  rightsInheriting: bigint;
  /** WASI fdflags (APPEND, DSYNC, NONBLOCK, RSYNC, SYNC). */
  fdflags: number;
}

export interface StdioEntry extends EntryBase {
  kind: 'stdio';
  /** 0 = stdin, 1 = stdout, 2 = stderr (what the entry is, whatever number it has now). */
  stream: 0 | 1 | 2;
  tty: boolean;
}

export interface FileEntry extends EntryBase {
  kind: 'file';
  node: FileNode;
  /** Byte offset of the next read or write. */
  position: number;
  /** The open host file, when the file is in a mount (its bytes are the host's, not `node.data`). */
  host?: HostFile;
}

export interface DirEntry extends EntryBase {
  kind: 'dir';
  node: DirNode;
  /** The guest-visible name when this is a preopened directory. */
  preopen?: string;
  /** Names of the directory as of the last fd_readdir from cookie 0; cookies index into it. */
  listing?: string[];
}

export type FdEntry = StdioEntry | FileEntry | DirEntry;

export class FdTable {
  private readonly entries: (FdEntry | undefined)[] = [];
  /** Descriptors are numbered 0 .. max-1. */
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** The entry for `fd`, or EBADF. */
  get(fd: number): FdEntry {
    return this.entries[fd] ?? fail(Errno.BADF);
  }

  tryGet(fd: number): FdEntry | undefined {
    return this.entries[fd];
  }

  /** Whether another descriptor can be opened (so a call can refuse before it changes anything). */
  hasFree(): boolean {
    return this.lowestFree() !== -1;
  }

  /** Stores `entry` under the lowest free number; EMFILE when all `max` numbers are taken. */
  add(entry: FdEntry): number {
    const fd = this.lowestFree();
    if (fd === -1) fail(Errno.MFILE);
    this.entries[fd] = entry;
    return fd;
  }

  /** Stores `entry` under `fd` (only for the initial stdio and preopens). */
  set(fd: number, entry: FdEntry): void {
    this.entries[fd] = entry;
  }

  close(fd: number): FdEntry {
    const entry = this.get(fd);
    this.entries[fd] = undefined;
    return entry;
  }

  /** Moves `from` onto `to`, closing what `to` held. Both must be open (EBADF), as in wasmtime. */
  renumber(from: number, to: number): void {
    const entry = this.get(from);
    this.get(to);
    if (from === to) return;
    this.entries[to] = entry;
    this.entries[from] = undefined;
  }

  /** Whether any descriptor refers to `node`. */
  holds(node: FileNode | DirNode): boolean {
    return this.entries.some((e) => e !== undefined && e.kind !== 'stdio' && e.node === node);
  }

  /** Open descriptor numbers, ascending. */
  open(): number[] {
    const out: number[] = [];
    this.entries.forEach((e, fd) => e && out.push(fd));
    return out;
  }

  private lowestFree(): number {
    const n = Math.min(this.entries.length, this.max);
    for (let fd = 0; fd < n; fd++) if (this.entries[fd] === undefined) return fd;
    return this.entries.length < this.max ? this.entries.length : -1;
  }
}
