// Applies an image's layers in order into one in-memory Tree with OCI/Docker layer semantics.
// In: layer sources, lowest first (as a manifest lists them), each opened only when its turn comes.
// Out: the flattened tree and the warnings (devices, FIFOs left out). Whiteouts, opaque directories,
// hard links within and across layers, symlinks (stored, never followed while extracting), modes,
// owners and mtimes are handled by the core in apply.ts; the limits here span all layers together,
// so a bomb split over many layers is stopped as early as one in a single layer.
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { Tree, type NodeMeta } from '@boxer/vfs';
import { applyArchive, DEFAULT_LIMITS, type ExtractLimits } from './apply.js';
import { unsupportedCompression } from './diagnostics.js';

/** Compression suffixes of layer media types (`…tar+gzip`) that the sniffer can decode. */
const KNOWN_SUFFIXES = new Set(['gzip', 'zstd', 'bzip2', 'xz']);

/** One layer blob: a tar, optionally gzip/zstd/bzip2/xz-compressed (sniffed from the bytes). */
export interface LayerSource {
  /** Digest of the blob as the manifest names it; used in diagnostics. Verifying it is the reader's job. */
  digest?: string;
  /**
   * Media type from the manifest. Compression is sniffed from the content; a `+<suffix>` other than
   * gzip, zstd, bzip2 or xz is refused up front (LAYERS_UNSUPPORTED_COMPRESSION).
   */
  mediaType?: string;
  /** The blob's bytes. Called once, when the layer's turn comes. */
  open(): ReadableStream<Uint8Array> | Uint8Array | Promise<ReadableStream<Uint8Array> | Uint8Array>;
}

export interface FlattenOptions {
  /** Limits over all layers together (ratio: per layer). @default see ExtractLimits */
  limits?: ExtractLimits;
  /** Metadata of the root directory before any layer sets it. @default 0755 root:root, mtime 0 */
  rootMeta?: Partial<NodeMeta>;
  /** Called with each guest path a layer writes, and the layer's 0-based index. */
  onPath?: (path: string, layer: number) => void;
  signal?: AbortSignal;
}

export interface FlattenResult {
  tree: Tree;
  warnings: Diagnostic[];
  /** Number of layers applied. */
  layers: number;
  /** Tar entries read, whiteouts included. */
  entries: number;
  /** Bytes of file content written. */
  bytes: number;
}

/** Flattens `layers` (lowest first) into a new Tree. Throws BoxerError at the first layer that cannot be applied. */
export async function flatten(layers: Iterable<LayerSource> | AsyncIterable<LayerSource>, options: FlattenOptions = {}): Promise<FlattenResult> {
  const tree = new Tree(options.rootMeta);
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const budget = { entries: 0, bytes: 0 };
  const warnings: Diagnostic[] = [];
  let index = 0;
  for await (const layer of layers) {
    options.signal?.throwIfAborted();
    const i = index++;
    const name = layerName(i, layer.digest);
    const suffix = /\+([a-z0-9.-]+)$/i.exec(layer.mediaType ?? '')?.[1];
    if (suffix && !KNOWN_SUFFIXES.has(suffix)) throw new BoxerError(unsupportedCompression(name, suffix));
    const onPath = options.onPath;
    await applyArchive(tree, await layer.open(), {
      name,
      at: '/',
      limits,
      onPath: onPath && ((p) => onPath(p, i)),
      layer: true,
      budget,
      warnings,
      signal: options.signal,
    });
  }
  return { tree, warnings, layers: index, entries: budget.entries, bytes: budget.bytes };
}

/** `layer 2 (sha256:0123456789ab)`: 1-based, as `docker history` counts from the base. */
function layerName(index: number, digest?: string): string {
  return digest ? `layer ${index + 1} (${digest.slice(0, 19)})` : `layer ${index + 1}`;
}
