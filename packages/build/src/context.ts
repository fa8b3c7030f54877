// Loads a build context (a host directory) into an in-memory Tree, honouring .dockerignore.
// In: a directory path and ignore patterns. Out: a Tree whose root is the context root.
//
// The host is read with lstat/readdir only: a symlink in the context is copied as a symlink (data),
// never followed on the host (DESIGN §0.15); COPY then resolves it inside the context tree, which is
// what BuildKit does. Sockets, FIFOs and devices are skipped with a warning. Everything is read up
// front (like the classic Docker builder sending its context); a byte budget bounds it.
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ignore } from './ignore.js';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { Tree, type DirNode } from '@boxer/vfs';
import { contextNotFound, contextTooLarge, contextUnreadable, contextSpecialFile } from './diagnostics.js';

export interface LoadContextOptions {
  /** .dockerignore patterns, in file order. */
  ignorePatterns?: readonly string[];
  /** Refuse contexts larger than this many bytes of file data. @default 4 GiB */
  maxBytes?: number;
}

export interface LoadedContext {
  tree: Tree;
  /** Files read and their total size. */
  files: number;
  bytes: number;
  warnings: Diagnostic[];
}

/** Reads the .dockerignore that applies to `dockerfilePath` in `contextDir` (Docker's rule: `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`). */
export function readIgnoreFile(contextDir: string, dockerfilePath?: string): string[] {
  const candidates = dockerfilePath ? [`${dockerfilePath}.dockerignore`] : [];
  candidates.push(join(contextDir, '.dockerignore'));
  for (const file of candidates) {
    let text: string;
    try {
      text = new TextDecoder().decode(readNoFollow(file));
    } catch {
      continue;
    }
    return parseIgnoreFile(text);
  }
  return [];
}

/** Docker's .dockerignore reader: one pattern per line, `#` comments, surrounding space trimmed. */
export function parseIgnoreFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Throws BUILD_CONTEXT_NOT_FOUND unless `dir` is a directory (checked before any step runs). The
 * directory the user named may itself be reached through a symlink; nothing inside it is followed.
 */
export function checkContextDir(dir: string): Stats {
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw new BoxerError(contextNotFound(dir, e));
  }
  if (!st.isDirectory()) throw new BoxerError(contextNotFound(dir));
  return st;
}

export function loadContext(dir: string, options: LoadContextOptions = {}): LoadedContext {
  const st = checkContextDir(dir);
  const patterns = options.ignorePatterns ?? [];
  const ig = ignore().add([...patterns]);
  const hasExceptions = patterns.some((p) => p.startsWith('!'));
  const maxBytes = options.maxBytes ?? 4 * 1024 ** 3;
  const tree = new Tree({ mode: st.mode & 0o7777 });
  const result: LoadedContext = { tree, files: 0, bytes: 0, warnings: [] };
  const fail = (path: string, e: unknown): never => {
    throw e instanceof BoxerError ? e : new BoxerError(contextUnreadable(path, e));
  };

  // NOTE: every directory is opened (O_NOFOLLOW) and then read through its descriptor, so swapping a
  // directory for a symlink after it was checked cannot redirect the walk to a host path: on Linux
  // children are reached as /proc/self/fd/<dir fd>/<name>, which names the opened directory itself.
  const walk = (dirFd: number, hostDir: string, rel: string, into: DirNode): void => {
    const base = PROC_FD ? `/proc/self/fd/${dirFd}` : hostDir;
    let names: string[];
    try {
      names = readdirSync(base).sort();
    } catch (e) {
      return fail(hostDir, e);
    }
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const hostPath = join(hostDir, name);
      const child = `${base}/${name}`;
      let ls: Stats;
      try {
        ls = lstatSync(child);
      } catch (e) {
        return fail(hostPath, e);
      }
      const ignored = ig.ignores(relPath);
      const meta = { mode: ls.mode & 0o7777, uid: 0, gid: 0, mtime: 0n };
      if (ls.isDirectory()) {
        if (ignored && !hasExceptions) continue;
        const sub = tree.makeDir(meta);
        const fd = openChecked(child, hostPath, ls, constants.O_DIRECTORY);
        try {
          walk(fd, hostPath, relPath, sub);
        } finally {
          closeSync(fd);
        }
        // An ignored directory is kept only as the parent of re-included entries.
        if (!ignored || sub.entries.size > 0) tree.link(into, name, sub);
        continue;
      }
      if (ignored) continue;
      if (ls.isSymbolicLink()) {
        let target: string;
        try {
          target = readlinkSync(child);
        } catch (e) {
          return fail(hostPath, e);
        }
        tree.link(into, name, tree.makeSymlink(target, meta));
      } else if (ls.isFile()) {
        result.bytes += ls.size;
        if (result.bytes > maxBytes) throw new BoxerError(contextTooLarge(dir, maxBytes));
        const fd = openChecked(child, hostPath, ls, constants.O_NONBLOCK);
        let bytes: Uint8Array;
        try {
          bytes = readAll(fd);
        } catch (e) {
          return fail(hostPath, e);
        } finally {
          closeSync(fd);
        }
        tree.link(into, name, tree.makeFile(bytes, meta, true));
        result.files++;
      } else {
        result.warnings.push(contextSpecialFile(relPath));
      }
    }
  };
  const rootFd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    walk(rootFd, dir, '', tree.root);
  } finally {
    closeSync(rootFd);
  }
  return result;
}

/** Whether children can be reached relative to an open directory (Linux's /proc/self/fd). */
const PROC_FD = existsSync('/proc/self/fd');

/**
 * Opens `path` without following a final symlink and checks that it is still the entry `expected`
 * described (same device and inode): a swap between lstat and open is refused, not followed.
 */
function openChecked(path: string, hostPath: string, expected: Stats, flags: number): number {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | flags);
  } catch (e) {
    throw new BoxerError(contextUnreadable(hostPath, e));
  }
  const now = fstatSync(fd);
  if (now.dev !== expected.dev || now.ino !== expected.ino || now.isDirectory() !== expected.isDirectory()) {
    closeSync(fd);
    throw new BoxerError(contextUnreadable(hostPath, Object.assign(new Error('it changed while the context was read'), { code: 'ECHANGED' })));
  }
  return fd;
}

function readAll(fd: number): Uint8Array {
  const size = fstatSync(fd).size;
  const buf = new Uint8Array(size);
  let off = 0;
  while (off < size) {
    const n = readSync(fd, buf, off, size - off, off);
    if (n === 0) break;
    off += n;
  }
  return off === size ? buf : buf.subarray(0, off);
}

/** Reads a regular file with O_NOFOLLOW, so a symlink in its place is refused. */
function readNoFollow(path: string): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    return readAll(fd);
  } finally {
    closeSync(fd);
  }
}
