// Unpacks one tar archive (optionally compressed) into a directory of an in-memory Tree: `ADD` of a
// local archive, and any other single archive. In: the archive as bytes or a stream, the tree and the
// guest directory to unpack at. Out: counts and warnings; the tree is changed in place. The work is
// done by the core in apply.ts, shared with flatten(); see there for what is refused and why.
import type { Diagnostic } from '@boxer/diagnostics';
import type { NodeMeta, Tree } from '@boxer/vfs';
import { applyArchive, DEFAULT_LIMITS, type ExtractLimits } from './apply.js';

export { relativeName } from './apply.js';
export type { ExtractLimits } from './apply.js';

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

/**
 * Unpacks `archive` into `tree` at `options.at`. Archive semantics: `.wh.` names are ordinary files
 * here (flatten() applies them), and a non-empty directory is never replaced. Throws BoxerError.
 */
export async function extractTar(tree: Tree, archive: Uint8Array | ReadableStream<Uint8Array>, options: ExtractOptions): Promise<ExtractResult> {
  const budget = { entries: 0, bytes: 0 };
  const warnings: Diagnostic[] = [];
  await applyArchive(tree, archive, {
    name: options.name,
    at: options.at ?? '/',
    owner: options.owner,
    createdMeta: options.createdMeta,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    onPath: options.onPath,
    layer: false,
    budget,
    warnings,
  });
  return { entries: budget.entries, bytes: budget.bytes, warnings };
}
