// Unpacks a tar archive (optionally compressed) into a directory of an in-memory Tree. In: the archive
// as bytes or a stream, the tree and the guest directory to unpack at. Out: counts and warnings; the
// tree is changed in place. Nothing touches the host filesystem.
//
// The archive is untrusted. Entry names are made relative (a leading `/` is dropped, as tar does) and
// `..` that would climb out of the extraction root is refused. Every path resolves inside the tree
// with its chroot semantics, so a symlink in the archive can at worst point elsewhere in the same
// tree, never outside it; an entry replaces a symlink in its last component instead of writing
// through it. Hard links must name a file already extracted. Devices, FIFOs and sockets are left out
// with a warning. Limits on entries, bytes, path length and compression ratio stop bombs early.
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { Tree, VfsError, type DirNode, type NodeMeta } from '@boxer/vfs';
import { bytesStream, decompress, sniffCompression } from './compression.js';
import * as d from './diagnostics.js';

export interface ExtractLimits {
  /** @default 1_000_000 */
  maxEntries?: number;
  /** Total bytes of file content after decompression. @default 8 GiB */
  maxBytes?: number;
  /** Longest entry name, bytes. @default 4096 */
  maxPathLength?: number;
  /** Decompressed ÷ compressed, checked once 16 MiB are out. @default 200 */
  maxRatio?: number;
}

export interface ExtractOptions {
  /** Name of the archive, for diagnostics. */
  name: string;
  /** Guest directory to unpack into (created if missing). @default '/' */
  at?: string;
  /** Owner for every entry instead of the archive's (`ADD --chown`). */
  owner?: { uid: number; gid: number };
  /** Metadata of directories created for `at`. */
  createdMeta?: Partial<NodeMeta>;
  limits?: ExtractLimits;
  /** Called with each guest path written. */
  onPath?: (path: string) => void;
}

export interface ExtractResult {
  entries: number;
  bytes: number;
  warnings: Diagnostic[];
}

const DEFAULTS: Required<ExtractLimits> = { maxEntries: 1_000_000, maxBytes: 8 * 1024 ** 3, maxPathLength: 4096, maxRatio: 200 };

export async function extractTar(tree: Tree, archive: Uint8Array | ReadableStream<Uint8Array>, options: ExtractOptions): Promise<ExtractResult> {
  const limits = { ...DEFAULTS, ...options.limits };
  const name = options.name;
  const root = tree.mkdirp(options.at ?? '/', options.createdMeta ?? {});
  const rootPath = (options.at ?? '/').replace(/\/+$/, '') || '';
  const result: ExtractResult = { entries: 0, bytes: 0, warnings: [] };

  // Sniff the compression from the first bytes, then count what goes in and what comes out.
  let input = archive instanceof Uint8Array ? bytesStream(archive) : archive;
  const reader = input.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array(0);
  let compressedIn = head.length;
  input = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.length) controller.enqueue(head);
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
  if (kind === 'zstd') throw new BoxerError(d.unsupportedCompression(name, 'zstd'));
  let plainOut = 0;
  const plain = decompress(input, kind).pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      plainOut += chunk.length;
      if (kind !== 'none' && plainOut > 16 * 1024 ** 2 && plainOut > compressedIn * limits.maxRatio) {
        throw new BoxerError(d.limitExceeded(name, `the compression ratio (${Math.round(plainOut / compressedIn)}:1)`, limits.maxRatio));
      }
      controller.enqueue(chunk);
    },
  }));

  const extract = tar.extract();
  const source = Readable.fromWeb(plain as import('node:stream/web').ReadableStream<Uint8Array>);
  source.on('error', (e) => extract.destroy(e));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const h = entry.header;
      if (++result.entries > limits.maxEntries) throw new BoxerError(d.limitExceeded(name, 'the number of entries', limits.maxEntries));
      if (Buffer.byteLength(h.name) > limits.maxPathLength) throw new BoxerError(d.limitExceeded(name, `the length of entry ${JSON.stringify(h.name.slice(0, 80))}…`, limits.maxPathLength));
      const rel = relativeName(h.name);
      if (rel === undefined) throw new BoxerError(d.pathEscape(name, h.name));
      const meta: NodeMeta = {
        mode: (h.mode ?? 0o644) & 0o7777,
        uid: options.owner?.uid ?? h.uid ?? 0,
        gid: options.owner?.gid ?? h.gid ?? 0,
        mtime: BigInt(Math.round((h.mtime?.getTime() ?? 0) * 1e6)),
      };
      const guestPath = `${rootPath}/${rel}`;
      if (rel === '') {
        if (h.type === 'directory') Object.assign(root, meta);
        entry.resume();
        continue;
      }
      const parentRel = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '';
      let parent: DirNode;
      try {
        parent = parentRel ? tree.mkdirp(parentRel, { mode: 0o755, mtime: meta.mtime }, { cwd: root }) : root;
      } catch (e) {
        throw asConflict(name, h.name, e);
      }
      const base = rel.slice(rel.lastIndexOf('/') + 1);
      switch (h.type) {
        case 'file':
        case 'contiguous-file': {
          const size = h.size ?? 0;
          if (result.bytes + size > limits.maxBytes) throw new BoxerError(d.limitExceeded(name, 'the total size of the files', limits.maxBytes));
          const data = new Uint8Array(size);
          let off = 0;
          for await (const chunk of entry as AsyncIterable<Uint8Array>) {
            if (off + chunk.length > size) throw new BoxerError(d.badArchive(name, `entry ${JSON.stringify(h.name)} holds more bytes than its header says`));
            data.set(chunk, off);
            off += chunk.length;
          }
          result.bytes += size;
          replace(tree, parent, base, tree.makeFile(data, meta, true), name, h.name);
          break;
        }
        case 'directory': {
          const existing = parent.entries.get(base);
          if (existing?.kind === 'dir') Object.assign(existing, meta);
          else replace(tree, parent, base, tree.makeDir(meta), name, h.name);
          entry.resume();
          break;
        }
        case 'symlink':
          replace(tree, parent, base, tree.makeSymlink(h.linkname ?? '', meta), name, h.name);
          entry.resume();
          break;
        case 'link': {
          const targetRel = relativeName(h.linkname ?? '');
          if (targetRel === undefined || targetRel === '') throw new BoxerError(d.badHardlink(name, h.name, h.linkname ?? '', 'points outside the archive root'));
          let target;
          try {
            target = tree.resolve(targetRel, { cwd: root, follow: false }).node;
          } catch {
            target = undefined;
          }
          if (!target) throw new BoxerError(d.badHardlink(name, h.name, h.linkname ?? '', 'names nothing extracted before it'));
          if (target.kind === 'dir') throw new BoxerError(d.badHardlink(name, h.name, h.linkname ?? '', 'names a directory'));
          replace(tree, parent, base, target, name, h.name);
          entry.resume();
          break;
        }
        case 'character-device':
        case 'block-device':
        case 'fifo':
          result.warnings.push(d.specialFile(name, h.name, h.type));
          entry.resume();
          continue;
        default:
          // pax/gnu extension headers are consumed by tar-stream; anything else is not a file system entry.
          result.warnings.push(d.specialFile(name, h.name, String(h.type)));
          entry.resume();
          continue;
      }
      options.onPath?.(guestPath);
    }
  } catch (e) {
    source.destroy();
    if (e instanceof BoxerError) throw e;
    throw new BoxerError(d.badArchive(name, (e as Error).message ?? String(e)));
  }
  return result;
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

/** Puts `node` at `parent/base`, replacing a non-directory (a symlink is replaced, never followed). */
function replace(tree: Tree, parent: DirNode, base: string, node: import('@boxer/vfs').VNode, name: string, entry: string): void {
  const existing = parent.entries.get(base);
  if (existing) {
    if (existing.kind === 'dir' && node.kind === 'dir') return;
    if (existing.kind === 'dir' && existing.entries.size > 0) throw new BoxerError(d.badArchive(name, `entry ${JSON.stringify(entry)} would replace a non-empty directory`));
    tree.unlinkEntry(parent, base);
  }
  try {
    tree.link(parent, base, node);
  } catch (e) {
    throw asConflict(name, entry, e);
  }
}

function asConflict(name: string, entry: string, e: unknown): BoxerError {
  if (e instanceof VfsError) return new BoxerError(d.badArchive(name, `entry ${JSON.stringify(entry)}: ${e.code}`));
  if (e instanceof BoxerError) return e;
  throw e;
}
