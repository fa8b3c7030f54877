// The snapshot codec (box format v1, DESIGN §3). In: a Tree. Out: two byte strings, an index (canonical
// JSON: every path with its type, mode, owner, mtime, link target or content digest and data range) and
// a data blob holding each distinct file content once. Decoding builds a Tree whose files are zero-copy
// views into the data blob; writes then copy (see tree.ts). Decoding validates everything, since a box
// may be hostile: the index is untrusted input.
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BoxerError } from '@boxer/diagnostics';
import { canonicalJson } from './json.js';
import { compareNames, fileContent, Tree, type DirNode, type FileNode, type NodeMeta, type SymlinkNode, type VNode } from './tree.js';
import { invalidSnapshot } from './diagnostics.js';

export const SNAPSHOT_VERSION = 1;

export type SnapshotEntry =
  | (EntryBase & { type: 'dir' })
  | (EntryBase & { type: 'file'; size: number; offset: number; digest: string })
  | (EntryBase & { type: 'symlink'; target: string })
  | (EntryBase & { type: 'hardlink'; link: string });

interface EntryBase {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  /** Nanoseconds since the epoch, as a decimal string (exact beyond 2^53). */
  mtime: string;
}

export interface SnapshotIndex {
  version: number;
  entries: SnapshotEntry[];
}

export interface EncodedSnapshot {
  /** Canonical JSON of the SnapshotIndex, UTF-8. */
  index: Uint8Array;
  /** Distinct file contents, concatenated in first-use order. */
  data: Uint8Array;
  /**
   * `sha256:<hex>` of `index`. The index names every file's content digest, so checking those
   * (decodeSnapshot's `verifyContent`, `boxer inspect`, the runtime for the program it starts)
   * extends it to the data.
   */
  digest: string;
  stats: SnapshotStats;
}

export interface SnapshotStats {
  files: number;
  dirs: number;
  symlinks: number;
  hardlinks: number;
  /** Sum of file sizes as the guest sees them. */
  bytes: number;
  /** Size of the data blob after deduplication. */
  dataBytes: number;
}

let sha256Hex = (bytes: Uint8Array): string => bytesToHex(sha256(bytes));

/**
 * Replaces the SHA-256 used by digestOf (and so by the snapshot codec) with a faster one of the
 * platform, e.g. node:crypto's (the portable default is @noble/hashes, several times slower). The
 * replacement must return the lowercase hex of the same digest; a test checks Node's against it.
 */
export function useSha256(hex: (bytes: Uint8Array) => string): void {
  sha256Hex = hex;
}

export function digestOf(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}

export function encodeSnapshot(tree: Tree): EncodedSnapshot {
  const entries: SnapshotEntry[] = [];
  const firstPath = new Map<VNode, string>();
  const blobs = new Map<string, { offset: number; bytes: Uint8Array }>();
  let dataLength = 0;
  const stats: SnapshotStats = { files: 0, dirs: 0, symlinks: 0, hardlinks: 0, bytes: 0, dataBytes: 0 };
  for (const [path, node] of tree.walk()) {
    const base = { path, mode: node.mode & 0o7777, uid: node.uid, gid: node.gid, mtime: node.mtime.toString() };
    const seen = firstPath.get(node);
    if (seen !== undefined) {
      entries.push({ ...base, type: 'hardlink', link: seen });
      stats.hardlinks++;
      continue;
    }
    if (node.kind !== 'dir') firstPath.set(node, path);
    if (node.kind === 'dir') {
      entries.push({ ...base, type: 'dir' });
      stats.dirs++;
    } else if (node.kind === 'symlink') {
      entries.push({ ...base, type: 'symlink', target: node.target });
      stats.symlinks++;
    } else {
      const bytes = fileContent(node);
      const digest = digestOf(bytes);
      let blob = blobs.get(digest);
      if (!blob) {
        blob = { offset: dataLength, bytes };
        blobs.set(digest, blob);
        dataLength += bytes.length;
      }
      entries.push({ ...base, type: 'file', size: node.size, offset: blob.offset, digest });
      stats.files++;
      stats.bytes += node.size;
    }
  }
  const data = new Uint8Array(dataLength);
  for (const { offset, bytes } of blobs.values()) data.set(bytes, offset);
  stats.dataBytes = dataLength;
  const index = new TextEncoder().encode(canonicalJson({ version: SNAPSHOT_VERSION, entries } satisfies SnapshotIndex));
  return { index, data, digest: digestOf(index), stats };
}

export interface DecodeOptions {
  /** Recompute every file's digest against the index (`boxer inspect` does; a run checks only its program). @default false */
  verifyContent?: boolean;
}

/** Parses and validates an index. Throws BoxerError BOX_SNAPSHOT_INVALID on anything malformed. */
export function parseSnapshotIndex(index: Uint8Array): SnapshotIndex {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(index));
  } catch (e) {
    throw new BoxerError(invalidSnapshot(`the index is not UTF-8 JSON (${(e as Error).message})`));
  }
  if (!isObject(parsed) || !Array.isArray(parsed.entries) || typeof parsed.version !== 'number') {
    throw new BoxerError(invalidSnapshot('the index has no version or entries'));
  }
  if (parsed.version !== SNAPSHOT_VERSION) {
    throw new BoxerError(invalidSnapshot(`snapshot version ${parsed.version} is not supported (this boxer reads ${SNAPSHOT_VERSION})`, 'upgrade boxer to read this box'));
  }
  return parsed as unknown as SnapshotIndex;
}

/** Builds a Tree from a snapshot. File contents are views into `data` (never copied here). */
export function decodeSnapshot(index: Uint8Array | SnapshotIndex, data: Uint8Array, options: DecodeOptions = {}): Tree {
  const parsed = index instanceof Uint8Array ? parseSnapshotIndex(index) : index;
  const tree = new Tree();
  const linkable = new Map<string, FileNode | SymlinkNode>();
  // The last name seen in each directory: names must increase within a directory (the encoder's
  // depth-first, per-directory sorted order; a global path order would put /app.wasm before /app/x).
  const lastChild = new Map<DirNode, string>();
  for (let i = 0; i < parsed.entries.length; i++) {
    const e = parsed.entries[i] as SnapshotEntry;
    const bad = (why: string): never => {
      throw new BoxerError(invalidSnapshot(`entry ${i} (${JSON.stringify(isObject(e) ? e.path : e)}): ${why}`));
    };
    if (!isObject(e) || typeof e.path !== 'string') bad('not an entry with a path');
    const meta = checkMeta(e as unknown as Record<string, unknown>, bad);
    if (e.path === '/') {
      if (i !== 0 || e.type !== 'dir') bad('the root must be the first entry and a directory');
      Object.assign(tree.root, meta);
      continue;
    }
    if (!isCanonicalPath(e.path)) bad('the path is not absolute and normalized');
    const cut = e.path.lastIndexOf('/');
    const parentPath = cut === 0 ? '/' : e.path.slice(0, cut);
    const name = e.path.slice(cut + 1);
    const parentNode = parentPath === '/' ? tree.root : lookupExact(tree, parentPath);
    if (!parentNode || parentNode.kind !== 'dir') bad(`its parent ${parentPath} is not a directory in the snapshot`);
    const parent = parentNode as DirNode;
    const last = lastChild.get(parent);
    if (last !== undefined && compareNames(name, last) <= 0) bad('entries are not sorted and unique');
    lastChild.set(parent, name);
    switch (e.type) {
      case 'dir':
        tree.link(parent, name, tree.makeDir(meta));
        break;
      case 'symlink':
        if (typeof e.target !== 'string' || e.target.includes('\0')) bad('the symlink target is not a string');
        const link = tree.makeSymlink(e.target, meta);
        tree.link(parent, name, link);
        linkable.set(e.path, link);
        break;
      case 'file': {
        if (!isSize(e.size) || !isSize(e.offset) || e.offset + e.size > data.length) bad('its data range lies outside the data section');
        const bytes = data.subarray(e.offset, e.offset + e.size);
        if (options.verifyContent && digestOf(bytes) !== e.digest) bad(`its content does not match ${e.digest}`);
        const file = tree.makeFile(bytes, meta);
        if (typeof e.digest === 'string') file.digest = e.digest;
        tree.link(parent, name, file);
        linkable.set(e.path, file);
        break;
      }
      case 'hardlink': {
        const target = typeof e.link === 'string' ? linkable.get(e.link) : undefined;
        if (!target) bad('the hard link names no earlier file or symlink');
        tree.link(parent, name, target!);
        break;
      }
      default:
        bad(`unknown type ${JSON.stringify((e as { type: unknown }).type)}`);
    }
  }
  return tree;
}

function checkMeta(e: Record<string, unknown>, bad: (why: string) => never): NodeMeta {
  const { mode, uid, gid, mtime } = e;
  if (!isInt(mode) || mode < 0 || mode > 0o7777) bad('bad mode');
  if (!isInt(uid) || uid < 0 || uid > 0xffffffff || !isInt(gid) || gid < 0 || gid > 0xffffffff) bad('bad uid/gid');
  if (typeof mtime !== 'string' || !/^-?\d{1,20}$/.test(mtime)) bad('bad mtime');
  return { mode: mode as number, uid: uid as number, gid: gid as number, mtime: BigInt(mtime as string) };
}

function lookupExact(tree: Tree, path: string): VNode | undefined {
  let cur: VNode = tree.root;
  for (const comp of path.slice(1).split('/')) {
    if (cur.kind !== 'dir') return undefined;
    const next = cur.entries.get(comp);
    if (!next) return undefined;
    cur = next;
  }
  return cur;
}

function isCanonicalPath(p: string): boolean {
  if (!p.startsWith('/') || p.endsWith('/') || p.includes('\0')) return false;
  return p.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}
function isSize(v: unknown): v is number {
  return isInt(v) && v >= 0;
}
