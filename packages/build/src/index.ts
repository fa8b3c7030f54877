export { buildImage, DEFAULT_PATH } from './execute.js';
export type { BuildImageOptions, BuildImageResult } from './execute.js';
export { loadContext, readIgnoreFile, parseIgnoreFile } from './context.js';
export type { LoadContextOptions, LoadedContext } from './context.js';
export { copyInto, matchSource, cleanPath, CopyError } from './copy.js';
export type { CopyOptions, CopyFailure } from './copy.js';
export { hasWildcards, matchComponent } from './match.js';
export * as diagnostics from './diagnostics.js';
