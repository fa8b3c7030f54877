// The one entry-application core behind extractTar (ADD, archives) and flatten (image layers).
// In: a tar archive (bytes or stream, compression sniffed) and an ApplyContext saying where it goes
// and whether image-layer semantics apply. Out: the tree changed in place; counts go into the
// context's shared budget, warnings into its list. Nothing touches the host filesystem.
//
// The archive is untrusted. Entry names are made relative (a leading `/` is dropped, as tar does) and
// `..` that would climb out of the extraction root is refused. Every path resolves inside the tree
// with its chroot semantics, so a symlink in the archive can at worst point elsewhere in the same
// tree, never outside it; an entry replaces a symlink in its last component instead of writing
// through it. Hard links must name something already in the tree. Devices and FIFOs are left out
// with a warning. Limits on entries, bytes, path length, depth and compression ratio stop bombs early.
//
// Layer semantics (OCI image-spec layer.md "Whiteouts"; umoci's oci/layer/tar_extract.go is the
// reference for the edge cases): `.wh.<name>` removes `<name>` of lower layers, `.wh..wh..opq`
// removes the lower contents of its directory. Neither touches a path this layer already wrote (or
// an ancestor of one): whiteouts apply only to lower layers. A whiteout is never resolved through a
// symlink. A non-directory replaces a whole lower directory, as in an overlay.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { VfsError, type DirNode, type NodeMeta, type Tree, type VNode } from '@boxer/vfs';
import { bytesStream, decompress, sniffCompression, ZstdWindowError } from './compression.js';
import * as d from './diagnostics.js';

export interface ExtractLimits {
  /** Entries (all layers together, for flatten). @default 1_000_000 */
  maxEntries?: number;
  /** Total bytes of file content after decompression (all layers together, for flatten). @default 8 GiB */
  maxBytes?: number;
  /** Longest entry name, bytes. @default 4096 */
  maxPathLength?: number;
  /** Most path components in one entry name. @default 1024 */
  maxDepth?: number;
  /** Decompressed ÷ compressed, checked once 16 MiB are out. @default 200 */
  maxRatio?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<ExtractLimits>> = { maxEntries: 1_000_000, maxBytes: 8 * 1024 ** 3, maxPathLength: 4096, maxDepth: 1024, maxRatio: 200 };

/** @internal */
export interface ApplyContext {
  /** Name of the archive or layer, for diagnostics. */
  name: string;
  /** Guest directory to unpack into (created if missing). */
  at: string;
  owner?: { uid: number; gid: number };
  createdMeta?: Partial<NodeMeta>;
  limits: Required<ExtractLimits>;
  onPath?: (path: string) => void;
  /** Apply whiteouts and opaque markers, and let a non-directory replace a lower directory. */
  layer: boolean;
  /** Counters shared by every archive of one operation (flatten's limits span all layers). */
  budget: { entries: number; bytes: number };
  warnings: Diagnostic[];
  signal?: AbortSignal;
}

const WH = '.wh.';
const OPAQUE = '.wh..wh..opq';
/** Bytes out before the ratio is checked, so small well-compressed archives pass. */
const RATIO_GRACE = 16 * 1024 ** 2;
/** Files up to this size get their buffer up front; larger ones grow with the bytes that arrive. */
const PREALLOCATE = 16 * 1024 ** 2;

/** Applies one archive to `tree`. Throws BoxerError with the first problem that stops it. */
export async function applyArchive(tree: Tree, archive: Uint8Array | ReadableStream<Uint8Array>, ctx: ApplyContext): Promise<void> {
  const { name, limits } = ctx;
  const root = tree.mkdirp(ctx.at, ctx.createdMeta ?? {});
  const rootPath = ctx.at.replace(/\/+$/, '') || '';
  /** Paths (relative to root) this archive wrote, and their ancestors: the "upper" of a layer. */
  const upper = new Set<string>();

  // Sniff the compression from the first bytes, then count what goes in and what comes out.
  const reader = (archive instanceof Uint8Array ? bytesStream(archive) : archive).getReader();
  let first;
  try {
    first = await reader.read();
  } catch (e) {
    throw new BoxerError(d.badArchive(name, (e as Error).message ?? String(e)));
  }
  const head = first.value ?? new Uint8Array(0);
  let compressedIn = head.length;
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const { value, done } = await reader.read();
      if (done) return controller.close();
      compressedIn += value.length;
      controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  const kind = sniffCompression(head);
  let plainOut = 0;
  const checkRatio = (n: number): void => {
    plainOut += n;
    if (kind !== 'none' && plainOut > RATIO_GRACE && plainOut > compressedIn * limits.maxRatio) {
      throw new BoxerError(d.limitExceeded(name, `the compression ratio (${Math.round(plainOut / compressedIn)}:1)`, limits.maxRatio));
    }
  };
  // NOTE: zstd decodes synchronously inside a push, so it checks per block through onOutput; the
  // streaming decoders are checked chunk by chunk as the chunks come out.
  const plain = kind === 'zstd'
    ? decompress(input, kind, { onOutput: checkRatio })
    : decompress(input, kind).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        checkRatio(chunk.length);
        controller.enqueue(chunk);
      },
    }));

  const extract = tar.extract();
  const source = Readable.fromWeb(plain as import('node:stream/web').ReadableStream<Uint8Array>);
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      ctx.signal?.throwIfAborted();
      const h = entry.header;
      if (++ctx.budget.entries > limits.maxEntries) throw new BoxerError(d.limitExceeded(name, 'the number of entries', limits.maxEntries));
      if (Buffer.byteLength(h.name) > limits.maxPathLength) throw new BoxerError(d.limitExceeded(name, `the length of entry ${JSON.stringify(h.name.slice(0, 80))}…`, limits.maxPathLength));
      const rel = relativeName(h.name);
      if (rel === undefined) throw new BoxerError(d.pathEscape(name, h.name));
      if (rel !== '' && rel.split('/').length > limits.maxDepth) throw new BoxerError(d.limitExceeded(name, `the depth of entry ${JSON.stringify(h.name.slice(0, 80))}…`, limits.maxDepth));
      const meta: NodeMeta = {
        mode: (h.mode ?? 0o644) & 0o7777,
        uid: ctx.owner?.uid ?? h.uid ?? 0,
        gid: ctx.owner?.gid ?? h.gid ?? 0,
        mtime: BigInt(Math.round((h.mtime?.getTime() ?? 0) * 1e6)),
      };
      const guestPath = `${rootPath}/${rel}`;
      if (rel === '') {
        if (h.type === 'directory') Object.assign(root, meta);
        entry.resume();
        continue;
      }
      const cut = rel.lastIndexOf('/');
      const parentRel = cut === -1 ? '' : rel.slice(0, cut);
      const base = rel.slice(cut + 1);

      if (ctx.layer && base.startsWith(WH)) {
        entry.resume();
        applyWhiteout(tree, root, parentRel, base, upper, ctx, h.name);
        continue;
      }

      let parent: DirNode;
      try {
        parent = parentRel ? tree.mkdirp(parentRel, { mode: 0o755, mtime: meta.mtime }, { cwd: root }) : root;
      } catch (e) {
        throw asConflict(name, h.name, e);
      }
      switch (h.type) {
        case 'file':
        case 'contiguous-file': {
          const size = h.size ?? 0;
          if (ctx.budget.bytes + size > limits.maxBytes) throw new BoxerError(d.limitExceeded(name, 'the total size of the files', limits.maxBytes));
          const data = await readBody(entry as AsyncIterable<Uint8Array>, size, name, h.name);
          ctx.budget.bytes += size;
          replace(tree, parent, base, tree.makeFile(data, meta, true), ctx, h.name);
          break;
        }
        case 'directory': {
          const existing = parent.entries.get(base);
          if (existing?.kind === 'dir') Object.assign(existing, meta);
          else replace(tree, parent, base, tree.makeDir(meta), ctx, h.name);
          entry.resume();
          break;
        }
        case 'symlink':
          replace(tree, parent, base, tree.makeSymlink(h.linkname ?? '', meta), ctx, h.name);
          entry.resume();
          break;
        case 'link': {
          const target = hardlinkTarget(tree, root, h.name, h.linkname ?? '', name);
          replace(tree, parent, base, target, ctx, h.name);
          entry.resume();
          break;
        }
        case 'character-device':
        case 'block-device':
        case 'fifo':
          ctx.warnings.push(d.specialFile(name, h.name, h.type));
          entry.resume();
          continue;
        default:
          // pax/gnu extension headers are consumed by tar-stream; anything else is not a file system entry.
          ctx.warnings.push(d.specialFile(name, h.name, String(h.type)));
          entry.resume();
          continue;
      }
      if (ctx.layer) markUpper(upper, rel);
      ctx.onPath?.(guestPath);
    }
  } catch (e) {
    source.destroy();
    if (e instanceof BoxerError) throw e;
    if (e instanceof ZstdWindowError) throw new BoxerError(d.limitExceeded(name, `the zstd window (${e.window} bytes)`, e.limit));
    if ((e as Error)?.name === 'AbortError') throw e;
    throw new BoxerError(d.badArchive(name, (e as Error).message ?? String(e)));
  }
}

/** The entry name relative to the extraction root, or undefined when `..` climbs out of it. */
export function relativeName(raw: string): string | undefined {
  const out: string[] = [];
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(c);
  }
  return out.join('/');
}

async function readBody(entry: AsyncIterable<Uint8Array>, size: number, name: string, entryName: string): Promise<Uint8Array> {
  const tooMany = (): BoxerError => new BoxerError(d.badArchive(name, `entry ${JSON.stringify(entryName)} holds more bytes than its header says`));
  if (size <= PREALLOCATE) {
    const data = new Uint8Array(size);
    let off = 0;
    for await (const chunk of entry) {
      if (off + chunk.length > size) throw tooMany();
      data.set(chunk, off);
      off += chunk.length;
    }
    return data;
  }
  // NOTE: a header may claim gigabytes that never arrive; memory follows the bytes actually read.
  const chunks: Uint8Array[] = [];
  let got = 0;
  for await (const chunk of entry) {
    got += chunk.length;
    if (got > size) throw tooMany();
    chunks.push(chunk);
  }
  const data = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    data.set(c, off);
    off += c.length;
  }
  return data;
}

function hardlinkTarget(tree: Tree, root: DirNode, entry: string, linkname: string, name: string): VNode {
  const targetRel = relativeName(linkname);
  if (targetRel === undefined || targetRel === '') throw new BoxerError(d.badHardlink(name, entry, linkname, 'points outside the archive root'));
  let target: VNode | undefined;
  try {
    target = tree.resolve(targetRel, { cwd: root, follow: false }).node;
  } catch {
    target = undefined;
  }
  if (!target) throw new BoxerError(d.badHardlink(name, entry, linkname, 'names nothing extracted before it'));
  if (target.kind === 'dir') throw new BoxerError(d.badHardlink(name, entry, linkname, 'names a directory'));
  return target;
}

function markUpper(upper: Set<string>, rel: string): void {
  for (let p = rel; p !== '' && !upper.has(p); p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '') upper.add(p);
}

/**
 * `.wh.<name>` or `.wh..wh..opq` in `parentRel`. The parent is walked without following any symlink:
 * a whiteout names a path of the lower layers as it is, and one that would need a symlink to reach
 * it is refused rather than resolved (the resolved place is not the path the layer named).
 */
function applyWhiteout(tree: Tree, root: DirNode, parentRel: string, base: string, upper: Set<string>, ctx: ApplyContext, entry: string): void {
  const opaque = base === OPAQUE;
  const target = opaque ? '' : base.slice(WH.length);
  if (!opaque && (target === '' || target === '.' || target === '..' || target.startsWith(WH))) {
    throw new BoxerError(d.badWhiteout(ctx.name, entry, 'names no entry'));
  }
  let dir = root;
  let walked = '';
  for (const comp of parentRel === '' ? [] : parentRel.split('/')) {
    const next = dir.entries.get(comp);
    walked = walked ? `${walked}/${comp}` : comp;
    if (next === undefined || next.kind === 'file') return; // nothing below to remove
    if (next.kind === 'symlink') throw new BoxerError(d.badWhiteout(ctx.name, entry, `reaches its directory through the symlink ${JSON.stringify(walked)}`));
    dir = next;
  }
  if (opaque) {
    for (const child of [...dir.entries.keys()]) prune(tree, dir, child, parentRel ? `${parentRel}/${child}` : child, upper);
  } else {
    prune(tree, dir, target, parentRel ? `${parentRel}/${target}` : target, upper);
  }
}

/** Removes `dir/name` unless this layer wrote it; a directory this layer wrote into keeps only its upper paths. */
function prune(tree: Tree, dir: DirNode, name: string, rel: string, upper: Set<string>): void {
  const work: [DirNode, string, string][] = [[dir, name, rel]];
  while (work.length > 0) {
    const [at, n, r] = work.pop()!;
    const node = at.entries.get(n);
    if (node === undefined) continue;
    if (!upper.has(r)) {
      tree.unlinkEntry(at, n);
      continue;
    }
    if (node.kind === 'dir') for (const child of node.entries.keys()) work.push([node, child, `${r}/${child}`]);
  }
}

/**
 * Puts `node` at `parent/base`, replacing a non-directory (a symlink is replaced, never followed).
 * In an archive a non-empty directory is not replaced; in a layer it is, as an overlay hides it.
 */
function replace(tree: Tree, parent: DirNode, base: string, node: VNode, ctx: ApplyContext, entry: string): void {
  const existing = parent.entries.get(base);
  if (existing) {
    if (existing === node) return;
    if (existing.kind === 'dir' && node.kind === 'dir') return;
    if (existing.kind === 'dir' && existing.entries.size > 0 && !ctx.layer) throw new BoxerError(d.badArchive(ctx.name, `entry ${JSON.stringify(entry)} would replace a non-empty directory`));
    tree.unlinkEntry(parent, base);
  }
  try {
    tree.link(parent, base, node);
  } catch (e) {
    throw asConflict(ctx.name, entry, e);
  }
}

function asConflict(name: string, entry: string, e: unknown): BoxerError {
  if (e instanceof VfsError) return new BoxerError(d.badArchive(name, `entry ${JSON.stringify(entry)}: ${e.code}`));
  if (e instanceof BoxerError) return e;
  throw e;
}
