// boxer: the JS API (build, run, inspect) under the CLI.
import { useNodeSha256 } from '@boxer/runtime';

// NOTE: digests (snapshots, stores, pulled blobs) with node:crypto rather than the portable default.
useNodeSha256();
export { build } from './api/build.js';
export type { BuildOptions, BuildResult } from './api/build.js';
export { run } from './api/run.js';
export type { RunOptions } from './api/run.js';
export { inspect } from './api/inspect.js';
export { check } from './api/check.js';
export { push, pull, boxArtifact, writeOciLayout, defaultCacheDir, WASM_CONFIG_MEDIA_TYPE, WASM_LAYER_MEDIA_TYPE } from './api/artifact.js';
export type { RemoteOptions, ArtifactParts } from './api/artifact.js';
export type { CheckOptions, DockerfileCheck } from './api/check.js';
export type { InspectResult, InspectedFile } from './api/inspect.js';
export { VERSION } from './version.js';
export { BoxerError, InternalError, formatDiagnostic } from '@boxer/diagnostics';
export type { Diagnostic } from '@boxer/diagnostics';
export type { RunResult } from '@boxer/runtime';
export type { BoxManifest } from '@boxer/bundle';
