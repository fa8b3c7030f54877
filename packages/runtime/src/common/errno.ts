// WASI preview1 errno values and the errors the host raises internally. In: a failure inside a host
// call (a VfsError from the tree, a bad guest pointer, a WasiError). Out: the errno the guest gets.
// Numbering is the preview1 `errno` enum of witx/typenames.witx (wasi_snapshot_preview1).
import { VfsError, type ErrnoCode } from '@boxer/vfs';

export const Errno = {
  SUCCESS: 0, '2BIG': 1, ACCES: 2, ADDRINUSE: 3, ADDRNOTAVAIL: 4, AFNOSUPPORT: 5, AGAIN: 6, ALREADY: 7,
  BADF: 8, BADMSG: 9, BUSY: 10, CANCELED: 11, CHILD: 12, CONNABORTED: 13, CONNREFUSED: 14, CONNRESET: 15,
  DEADLK: 16, DESTADDRREQ: 17, DOM: 18, DQUOT: 19, EXIST: 20, FAULT: 21, FBIG: 22, HOSTUNREACH: 23,
  IDRM: 24, ILSEQ: 25, INPROGRESS: 26, INTR: 27, INVAL: 28, IO: 29, ISCONN: 30, ISDIR: 31, LOOP: 32,
  MFILE: 33, MLINK: 34, MSGSIZE: 35, MULTIHOP: 36, NAMETOOLONG: 37, NETDOWN: 38, NETRESET: 39,
  NETUNREACH: 40, NFILE: 41, NOBUFS: 42, NODEV: 43, NOENT: 44, NOEXEC: 45, NOLCK: 46, NOLINK: 47,
  NOMEM: 48, NOMSG: 49, NOPROTOOPT: 50, NOSPC: 51, NOSYS: 52, NOTCONN: 53, NOTDIR: 54, NOTEMPTY: 55,
  NOTRECOVERABLE: 56, NOTSOCK: 57, NOTSUP: 58, NOTTY: 59, NXIO: 60, OVERFLOW: 61, OWNERDEAD: 62,
  PERM: 63, PIPE: 64, PROTO: 65, PROTONOSUPPORT: 66, PROTOTYPE: 67, RANGE: 68, ROFS: 69, SPIPE: 70,
  SRCH: 71, STALE: 72, TIMEDOUT: 73, TXTBSY: 74, XDEV: 75, NOTCAPABLE: 76,
} as const;

export type ErrnoName = keyof typeof Errno;

/** The name of an errno value (`44` → `"NOENT"`), for messages and tests. */
export function errnoName(errno: number): ErrnoName | undefined {
  return (Object.keys(Errno) as ErrnoName[]).find((k) => Errno[k] === errno);
}

/** A host call failing with `errno`; caught at the import boundary and returned to the guest. */
export class WasiError extends Error {
  readonly errno: number;
  constructor(errno: number) {
    super(`wasi errno ${errnoName(errno) ?? errno}`);
    this.name = 'WasiError';
    this.errno = errno;
  }
}

/** Throws WasiError(errno). Typed `never` so that callers can use it in expressions. */
export function fail(errno: number): never {
  throw new WasiError(errno);
}

const FROM_VFS: Record<ErrnoCode, number> = {
  ENOENT: Errno.NOENT, ENOTDIR: Errno.NOTDIR, EISDIR: Errno.ISDIR, EEXIST: Errno.EXIST,
  ENOTEMPTY: Errno.NOTEMPTY, ELOOP: Errno.LOOP, EINVAL: Errno.INVAL, EBUSY: Errno.BUSY,
  ENAMETOOLONG: Errno.NAMETOOLONG, EACCES: Errno.ACCES, EPERM: Errno.PERM, EXDEV: Errno.XDEV,
  ENOSPC: Errno.NOSPC, EFBIG: Errno.FBIG, EBADF: Errno.BADF, ENOTCAPABLE: Errno.NOTCAPABLE,
};

/** The errno for a tree error. */
export function errnoFromVfs(e: VfsError): number {
  return FROM_VFS[e.code] ?? Errno.IO;
}
