// Loads a build context (a host directory) into an in-memory Tree, honouring .dockerignore.
// In: a directory path and ignore patterns. Out: a Tree whose root is the context root.
//
// The host is read with lstat/readdir only: a symlink in the context is copied as a symlink (data),
// never followed on the host (DESIGN §0.15); COPY then resolves it inside the context tree, which is
// what BuildKit does. Sockets, FIFOs and devices are skipped with a warning. Everything is read up
// front (like the classic Docker builder sending its context); a byte budget bounds it.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
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
      text = readFileSync(file, 'utf8');
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

  const walk = (hostDir: string, rel: string, into: DirNode): void => {
    let names: string[];
    try {
      names = readdirSync(hostDir).sort();
    } catch (e) {
      throw new BoxerError(contextUnreadable(hostDir, e));
    }
    for (const name of names) {
      const relPath = rel === '' ? name : `${rel}/${name}`;
      const hostPath = join(hostDir, name);
      let ls;
      try {
        ls = lstatSync(hostPath);
      } catch (e) {
        throw new BoxerError(contextUnreadable(hostPath, e));
      }
      const ignored = ig.ignores(relPath);
      const meta = { mode: ls.mode & 0o7777, uid: 0, gid: 0, mtime: 0n };
      if (ls.isDirectory()) {
        if (ignored && !hasExceptions) continue;
        const sub = tree.makeDir(meta);
        walk(hostPath, relPath, sub);
        // An ignored directory is kept only as the parent of re-included entries.
        if (!ignored || sub.entries.size > 0) tree.link(into, name, sub);
        continue;
      }
      if (ignored) continue;
      if (ls.isSymbolicLink()) {
        let target: string;
        try {
          target = readlinkSync(hostPath);
        } catch (e) {
          throw new BoxerError(contextUnreadable(hostPath, e));
        }
        tree.link(into, name, tree.makeSymlink(target, meta));
      } else if (ls.isFile()) {
        result.bytes += ls.size;
        if (result.bytes > maxBytes) throw new BoxerError(contextTooLarge(dir, maxBytes));
        let bytes: Uint8Array;
        try {
          bytes = readNoFollow(hostPath);
        } catch (e) {
          throw new BoxerError(contextUnreadable(hostPath, e));
        }
        tree.link(into, name, tree.makeFile(bytes, meta, true));
        result.files++;
      } else {
        result.warnings.push(contextSpecialFile(relPath));
      }
    }
  };
  walk(dir, '', tree.root);
  return result;
}

/** Reads a regular file with O_NOFOLLOW, so a file swapped for a symlink after lstat is refused. */
function readNoFollow(path: string): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const size = fstatSync(fd).size;
    const buf = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    return off === size ? buf : buf.subarray(0, off);
  } finally {
    closeSync(fd);
  }
}
