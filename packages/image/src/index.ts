export { resolveBase } from './base.js';
export type { ResolvedBase, ResolveBaseOptions } from './base.js';
export { emptyConfig, getEnv, setEnv } from './config.js';
export type { ImageConfig, HealthConfig } from './config.js';
export { IMAGE_BASE_UNSUPPORTED } from './diagnostics.js';
