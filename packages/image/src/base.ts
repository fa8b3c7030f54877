// Resolves the base of a stage (`FROM <ref>`) to a tree and an image config.
// In: the expanded image reference. Out: `ResolvedBase`. Today only `scratch` resolves; registry
// images, OCI layouts, archives and the Wasm base catalog raise a diagnostic naming the FROM line.
import { BoxerError, type SourceLocation } from '@boxer/diagnostics';
import { Tree } from '@boxer/vfs';
import { emptyConfig, type ImageConfig } from './config.js';
import { baseUnsupported } from './diagnostics.js';

export interface ResolvedBase {
  /** The reference as written after expansion (`scratch`, `docker.io/library/alpine:3.20`, …). */
  ref: string;
  /** Content digest of the base (manifest digest), absent for scratch. */
  digest?: string;
  tree: Tree;
  config: ImageConfig;
}

export interface ResolveBaseOptions {
  /** The FROM instruction, for diagnostics. */
  location?: SourceLocation;
}

export async function resolveBase(ref: string, options: ResolveBaseOptions = {}): Promise<ResolvedBase> {
  if (ref.toLowerCase() === 'scratch') return { ref: 'scratch', tree: new Tree(), config: emptyConfig() };
  throw new BoxerError(baseUnsupported(ref, options.location));
}
