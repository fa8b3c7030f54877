// @boxer/layers: tar archives and image layers → an in-memory Tree, safely.
export { flatten } from './flatten.js';
export type { FlattenOptions, FlattenResult, LayerSource } from './flatten.js';
export { extractTar, relativeName } from './extract.js';
export type { ExtractOptions, ExtractResult, ExtractLimits } from './extract.js';
export { DEFAULT_LIMITS } from './apply.js';
export { sniffCompression, looksLikeTar, decompress, bytesStream, zstdWindowSize } from './compression.js';
export type { Compression, DecompressOptions } from './compression.js';
export * as diagnostics from './diagnostics.js';
