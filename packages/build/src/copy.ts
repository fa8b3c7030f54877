// COPY/ADD from a source tree (the build context, later another stage or image) into the stage tree,
// with BuildKit's rules: wildcard sources (Go path.Match per component), a directory source copies its
// contents, a trailing `/` (or several sources) makes the destination a directory, missing parents are
// created, the top-level source symlink is followed inside the source tree while symlinks below it
// are copied as links. File bytes are shared, not copied (the stage tree copies on write).
import { Tree, VfsError, type DirNode, type NodeMeta, type VNode } from '@boxer/vfs';
import { hasWildcards, matchComponent } from './match.js';

export interface CopyOptions {
  /** Absolute working directory that a relative destination is resolved against. */
  workdir: string;
  /** Owner applied to everything copied and to created parents (`--chown`). @default root */
  uid?: number;
  gid?: number;
  /** Permission bits applied to every copied file and directory (`--chmod`). */
  chmod?: number;
  /** mtime, in ns, for every entry this copy creates (SOURCE_DATE_EPOCH). */
  mtime: bigint;
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
}

/** Expands one source (cleaned to be absolute in the source tree; may hold wildcards) to its matches. */
export function matchSource(src: Tree, source: string): Match[] {
  const clean = cleanPath(source);
  if (!hasWildcards(clean)) {
    let node: VNode | undefined;
    try {
      node = src.tryGet(clean);
    } catch (e) {
      if (e instanceof VfsError) node = undefined;
      else throw e;
    }
    return node ? [{ path: clean, node }] : [];
  }
  const parts = clean.split('/').filter(Boolean);
  let frontier: { path: string; dir: DirNode }[] = [{ path: '', dir: src.root }];
  const out: Match[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const next: { path: string; dir: DirNode }[] = [];
    for (const { path, dir } of frontier) {
      const names = hasWildcards(part) ? src.readdir(dir).filter((n) => matchComponent(part, n)) : [unescape(part)];
      for (const name of names) {
        const p = `${path}/${name}`;
        let node: VNode | undefined;
        try {
          node = src.tryGet(p);
        } catch (e) {
          if (!(e instanceof VfsError)) throw e;
        }
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
  const destAbs = dest.startsWith('/') ? dest : joinPath(options.workdir || '/', dest);
  const meta: Partial<NodeMeta> = { uid: options.uid ?? 0, gid: options.gid ?? 0, mtime: options.mtime };
  const matches: Match[] = [];
  for (const s of sources) {
    let found: Match[];
    try {
      found = matchSource(src, s);
    } catch (e) {
      if (e instanceof SyntaxError) throw new CopyError({ kind: 'bad-pattern', source: s, message: e.message });
      throw e;
    }
    if (found.length === 0) throw new CopyError({ kind: 'source-not-found', source: s });
    matches.push(...found);
  }
  const destIsDir = /\/$|(^|\/)\.{1,2}$/.test(dest) || dest === '';
  // NOTE: counted on the matches, as Docker's builder does (`len(infos) > 1`): a wildcard that matches
  // one file copies like a plain source. "When using COPY with more than one source file, the
  // destination must be a directory and end with a /".
  const several = matches.length > 1;
  if (several && !destIsDir) throw new CopyError({ kind: 'dest-not-dir', dest });
  const mkdirMeta = { ...meta, mode: 0o755 };
  for (const m of matches) {
    if (m.node.kind === 'dir') {
      const target = dst.mkdirp(destAbs, mkdirMeta);
      options.onPath?.(destAbs);
      copyChildren(dst, m.node, target, destAbs, src, options, meta);
      continue;
    }
    let targetPath = destAbs;
    const existing = dst.tryGet(destAbs);
    if (destIsDir || several || existing?.kind === 'dir') {
      dst.mkdirp(destAbs, mkdirMeta);
      targetPath = joinPath(destAbs, basename(m.path));
    } else {
      const parent = destAbs.slice(0, destAbs.lastIndexOf('/')) || '/';
      dst.mkdirp(parent, mkdirMeta);
    }
    placeLeaf(dst, targetPath, m.node, options, meta);
  }
}

function copyChildren(dst: Tree, from: DirNode, into: DirNode, intoPath: string, src: Tree, options: CopyOptions, meta: Partial<NodeMeta>): void {
  for (const name of src.readdir(from)) {
    const child = from.entries.get(name)!;
    const path = joinPath(intoPath, name);
    if (child.kind === 'dir') {
      const r = dst.resolve(name, { cwd: into, follow: true });
      let dir: DirNode;
      if (r.node?.kind === 'dir') {
        dir = r.node;
      } else {
        if (r.node) dst.unlinkEntry(r.parent, r.name);
        dir = dst.makeDir({ ...meta, mode: options.chmod ?? child.mode });
        dst.link(r.parent, r.name, dir);
      }
      options.onPath?.(path);
      copyChildren(dst, child, dir, path, src, options, meta);
    } else {
      placeLeaf(dst, path, child, options, meta);
    }
  }
}

/** Writes a file or symlink node at `path`, replacing a non-directory already there. */
function placeLeaf(dst: Tree, path: string, node: VNode, options: CopyOptions, meta: Partial<NodeMeta>): void {
  if (node.kind === 'symlink') {
    dst.symlink(path, node.target, { ...meta, mode: 0o777 }, { replace: true });
  } else if (node.kind === 'file') {
    const r = dst.resolve(path, { follow: false });
    if (r.node?.kind === 'dir') throw new VfsError('EISDIR', path);
    if (r.node) dst.unlinkEntry(r.parent, r.name);
    dst.link(r.parent, r.name, dst.makeFile(node.data.subarray(0, node.size), { ...meta, mode: options.chmod ?? node.mode }));
  }
  options.onPath?.(path);
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

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function unescape(part: string): string {
  return part.replace(/\\(.)/g, '$1');
}
