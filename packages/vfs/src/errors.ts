// POSIX-style errors raised by tree operations. The runtime maps `code` to a WASI errno; the build maps
// it to a diagnostic naming the Dockerfile line.

export type ErrnoCode =
  | 'ENOENT' | 'ENOTDIR' | 'EISDIR' | 'EEXIST' | 'ENOTEMPTY' | 'ELOOP' | 'EINVAL' | 'EBUSY'
  | 'ENAMETOOLONG' | 'EACCES' | 'EPERM' | 'EXDEV' | 'ENOSPC' | 'EFBIG' | 'EBADF' | 'ENOTCAPABLE';

export class VfsError extends Error {
  readonly code: ErrnoCode;
  readonly path: string;
  constructor(code: ErrnoCode, path: string) {
    super(`${code}: ${path}`);
    this.name = 'VfsError';
    this.code = code;
    this.path = path;
  }
}
