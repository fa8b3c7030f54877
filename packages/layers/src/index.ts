// @boxer/layers: tar archives and image layers → an in-memory Tree, safely.
export { extractTar, relativeName } from './extract.js';
export type { ExtractOptions, ExtractResult, ExtractLimits } from './extract.js';
export { sniffCompression, looksLikeTar, decompress, bytesStream } from './compression.js';
export type { Compression } from './compression.js';
export * as diagnostics from './diagnostics.js';
