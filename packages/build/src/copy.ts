// COPY/ADD from a source tree (the build context, an earlier stage, an image) into the stage tree,
// with BuildKit's rules: wildcard sources (Go path.Match per component), a directory source copies its
// contents, a trailing `/` (or several matched sources) makes the destination a directory, missing
// parents are created, the top-level source symlink is followed inside the source tree while symlinks
// below it are copied as links, `--exclude` patterns drop entries, `--parents` keeps the source's
// directories (after a `/./` pivot when there is one). File bytes are shared, not copied (the stage
// tree copies on write).
import { Tree, VfsError, type DirNode, type NodeMeta, type VNode } from '@boxer/vfs';
import { ignore } from './ignore.js';
import { hasWildcards, matchComponent } from './match.js';

export interface CopyOptions {
  /** Absolute working directory that a relative destination is resolved against. */
  workdir: string;
  /** Owner of everything copied (`--chown`, or root for the build context). @default keep the source's */
  owner?: { uid: number; gid: number };
  /** Mode of every copied file and directory from its source mode (`--chmod`). @default keep */
  chmod?: (mode: number, isDir: boolean) => number;
  /** mtime, in ns, of the copied entries. @default keep the source's */
  mtime?: bigint;
  /** mtime, in ns, of directories this copy has to create (SOURCE_DATE_EPOCH). */
  createdMtime: bigint;
  /** `--exclude` patterns (.dockerignore syntax), relative to each copied source. */
  exclude?: readonly string[];
  /** `--parents`: keep each source's directories under the destination. */
  parents?: boolean;
  /** Called with each destination path written. */
  onPath?: (path: string) => void;
}

export type CopyFailure =
  | { kind: 'source-not-found'; source: string }
  | { kind: 'dest-not-dir'; dest: string }
  | { kind: 'bad-pattern'; source: string; message: string };

export class CopyError extends Error {
  constructor(readonly failure: CopyFailure) {
    super(failure.kind);
  }
}

/** A source path matched in the source tree: its cleaned path and the node it names (symlinks followed). */
interface Match {
  path: string;
  node: VNode;
  /** The part of `path` that `--parents` keeps under the destination. */
  kept: string;
}

/** Expands one source (cleaned to be absolute in the source tree; may hold wildcards) to its matches. */
export function matchSource(src: Tree, source: string): Omit<Match, 'kept'>[] {
  const clean = cleanPath(source);
  if (!hasWildcards(clean)) {
    const node = tryGet(src, clean);
    return node ? [{ path: clean, node }] : [];
  }
  const parts = clean.split('/').filter(Boolean);
  let frontier: { path: string; dir: DirNode }[] = [{ path: '', dir: src.root }];
  const out: Omit<Match, 'kept'>[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const next: { path: string; dir: DirNode }[] = [];
    for (const { path, dir } of frontier) {
      const names = hasWildcards(part) ? src.readdir(dir).filter((n) => matchComponent(part, n)) : [unescape(part)];
      for (const name of names) {
        const p = `${path}/${name}`;
        const node = tryGet(src, p);
        if (!node) continue;
        if (last) out.push({ path: p, node });
        else if (node.kind === 'dir') next.push({ path: p, dir: node });
      }
    }
    frontier = next;
  }
  return out;
}

/**
 * Copies `sources` from `src` to `dest` in `dst`. Throws CopyError for the user's mistakes (the caller
 * turns them into diagnostics at the instruction's line) and VfsError for conflicts in the tree.
 */
export function copyInto(dst: Tree, src: Tree, sources: readonly string[], dest: string, options: CopyOptions): void {
  const destAbs = dest.startsWith('/') ? cleanPath(dest) : joinPath(options.workdir || '/', dest);
  const excluded = options.exclude && options.exclude.length > 0 ? ignore().add([...options.exclude]) : undefined;
  const matches: Match[] = [];
  for (const s of sources) {
    let found: Omit<Match, 'kept'>[];
    try {
      found = matchSource(src, s);
    } catch (e) {
      if (e instanceof SyntaxError) throw new CopyError({ kind: 'bad-pattern', source: s, message: e.message });
      throw e;
    }
    // An excluded file source is skipped as if it had not matched (BuildKit's copy filter).
    found = found.filter((m) => !(excluded && m.node.kind !== 'dir' && excluded.ignores(basename(m.path))));
    if (found.length === 0) throw new CopyError({ kind: 'source-not-found', source: s });
    const pivot = pivotOf(s);
    for (const m of found) matches.push({ ...m, kept: relativeTo(pivot, m.path) });
  }
  const destIsDir = /\/$|(^|\/)\.{1,2}$/.test(dest) || dest === '';
  // NOTE: counted on the matches, as Docker's builder does (`len(infos) > 1`): a wildcard that matches
  // one file copies like a plain source. "When using COPY with more than one source file, the
  // destination must be a directory and end with a /".
  const several = matches.length > 1;
  if (several && !destIsDir) throw new CopyError({ kind: 'dest-not-dir', dest });
  const created: Partial<NodeMeta> = { mode: 0o755, uid: options.owner?.uid ?? 0, gid: options.owner?.gid ?? 0, mtime: options.createdMtime };
  const mkdirs = (path: string): DirNode => dst.mkdirp(path, created);
  for (const m of matches) {
    if (m.node.kind === 'dir') {
      const targetPath = options.parents ? joinPath(destAbs, m.kept) : destAbs;
      const target = mkdirs(targetPath);
      options.onPath?.(targetPath);
      copyChildren(dst, m.node, target, targetPath, src, options, excluded, '');
      continue;
    }
    let targetPath: string;
    if (options.parents) {
      targetPath = joinPath(destAbs, m.kept);
      mkdirs(parentOf(targetPath));
    } else if (destIsDir || several || tryGet(dst, destAbs)?.kind === 'dir') {
      mkdirs(destAbs);
      targetPath = joinPath(destAbs, basename(m.path));
    } else {
      mkdirs(parentOf(destAbs));
      targetPath = destAbs;
    }
    placeLeaf(dst, targetPath, m.node, options);
  }
}

function copyChildren(
  dst: Tree, from: DirNode, into: DirNode, intoPath: string, src: Tree, options: CopyOptions,
  excluded: ReturnType<typeof ignore> | undefined, rel: string,
): void {
  for (const name of src.readdir(from)) {
    const child = from.entries.get(name)!;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (excluded?.ignores(child.kind === 'dir' ? `${childRel}/` : childRel) || excluded?.ignores(childRel)) continue;
    const path = joinPath(intoPath, name);
    if (child.kind === 'dir') {
      // NOTE: entries below the destination are never followed: a symlink (or file) where a directory
      // is copied is a conflict, as in BuildKit's fsutil copy ("cannot copy to non-directory"), so a
      // COPY cannot write through a link planted by an earlier step.
      const existing = into.entries.get(name);
      let dir: DirNode;
      if (existing === undefined) {
        dir = dst.makeDir(metaFor(child, options));
        dst.link(into, name, dir);
      } else if (existing.kind === 'dir') {
        dir = existing;
        // An existing directory takes the copied one's metadata (fsutil overwriteTargetMetadata).
        Object.assign(dir, metaFor(child, options));
      } else {
        throw new VfsError('ENOTDIR', path);
      }
      options.onPath?.(path);
      copyChildren(dst, child, dir, path, src, options, excluded, childRel);
    } else {
      placeLeaf(dst, path, child, options);
    }
  }
}

/** The metadata a copied node gets: its source's, with --chown/--chmod/mtime applied. */
function metaFor(node: VNode, options: CopyOptions): NodeMeta {
  return {
    mode: node.kind === 'symlink' ? 0o777 : options.chmod ? options.chmod(node.mode, node.kind === 'dir') : node.mode,
    uid: options.owner?.uid ?? node.uid,
    gid: options.owner?.gid ?? node.gid,
    mtime: options.mtime ?? node.mtime,
  };
}

/** Writes a file or symlink node at `path`, replacing a non-directory already there. */
function placeLeaf(dst: Tree, path: string, node: VNode, options: CopyOptions): void {
  if (node.kind === 'symlink') {
    dst.symlink(path, node.target, metaFor(node, options), { replace: true });
  } else if (node.kind === 'file') {
    const r = dst.resolve(path, { follow: false });
    if (r.node?.kind === 'dir') throw new VfsError('EISDIR', path);
    if (r.node) dst.unlinkEntry(r.parent, r.name);
    dst.link(r.parent, r.name, dst.makeFile(node.data.subarray(0, node.size), metaFor(node, options)));
  }
  options.onPath?.(path);
}

function tryGet(tree: Tree, path: string): VNode | undefined {
  try {
    return tree.tryGet(path);
  } catch (e) {
    if (e instanceof VfsError) return undefined;
    throw e;
  }
}

/** The `/./` pivot of a `--parents` source: the directory whose descendants' paths are kept. */
function pivotOf(source: string): string {
  // NOTE: a leading "./" is not a pivot ("./x/a.txt" keeps x/), so the search starts after it.
  const s = `/${source.replace(/^(\.\/)+/, '')}`;
  const i = s.indexOf('/./');
  return i > 0 ? cleanPath(s.slice(0, i)) : '/';
}

function relativeTo(base: string, path: string): string {
  if (base === '/') return path.slice(1);
  return path === base ? '' : path.slice(base.length + 1);
}

/** `path.Join("/", p)` of Go: absolute, `.`/`..` resolved lexically, `..` above the root dropped. */
export function cleanPath(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return `/${out.join('/')}`;
}

export function joinPath(a: string, b: string): string {
  return cleanPath(`${a}/${b}`);
}

function parentOf(p: string): string {
  return p.slice(0, p.lastIndexOf('/')) || '/';
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function unescape(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}
