// build(): Dockerfile + context → box bytes (+ optional write). The orchestration under `boxer build`.
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BoxerError } from '@boxer/diagnostics';
import type { Diagnostic } from '@boxer/diagnostics';
import type { Emit } from '@boxer/events';
import { buildImage, readIgnoreFile, diagnostics as buildDiagnostics } from '@boxer/build';
import { bundle, type BoxManifest } from '@boxer/bundle';
import { encodeSnapshot } from '@boxer/vfs';
import { VERSION } from '../version.js';
import { badSourceDateEpoch } from '../diagnostics.js';
import { parseOutput, type OutputSpec } from './output.js';
import { defaultCacheDir, writeOciLayout } from './artifact.js';
import { loadDockerCredentials } from '@boxer/registry';

export interface BuildOptions {
  /** Build context directory. @default '.' */
  context?: string;
  /** Dockerfile path. @default `<context>/Dockerfile` */
  file?: string;
  /** Dockerfile text; when set, `file` is only its display name. */
  dockerfileText?: string;
  buildArgs?: Record<string, string>;
  /** Stage to build. @default the last */
  target?: string;
  /** Where to write: a path or a `type=…,dest=…` spec (DESIGN §0.1). Nothing is written when absent. */
  output?: string;
  /** Hosts `ADD <url>` may reach: true for any, or `host[:port]` entries. @default none (offline) */
  allowNet?: boolean | string[];
  /** Blob cache for images pulled by FROM. @default $XDG_CACHE_HOME/boxer */
  cacheDir?: string;
  /** Platform to pick from multi-platform images after `wasi/wasm`, `os/arch[/variant]`. @default linux/amd64 */
  platform?: string;
  /** Registries reached over plain HTTP (127.0.0.1 and localhost always are). */
  insecureRegistries?: string[];
  /** Timestamp for created files, seconds. @default process.env.SOURCE_DATE_EPOCH ?? 0 */
  sourceDateEpoch?: number;
  emit?: Emit;
}

export interface BuildResult {
  box: Uint8Array;
  manifest: BoxManifest;
  warnings: Diagnostic[];
  /** The file written, when `output` was given. */
  output?: string;
}

export async function build(options: BuildOptions = {}): Promise<BuildResult> {
  const context = resolve(options.context ?? '.');
  const dockerfilePath = options.file !== undefined ? resolve(options.file) : join(context, 'Dockerfile');
  const displayName = options.file ?? (options.context ? join(options.context, 'Dockerfile') : 'Dockerfile');
  const out: OutputSpec | undefined = options.output !== undefined ? parseOutput(options.output) : undefined;
  let text = options.dockerfileText;
  if (text === undefined) {
    try {
      text = await readFile(dockerfilePath, 'utf8');
    } catch (e) {
      throw new BoxerError(buildDiagnostics.dockerfileNotFound(displayName, e));
    }
  }
  const emit = options.emit;
  emit?.({ type: 'stage', stage: 'build', status: 'start' });
  const image = await buildImage({
    dockerfile: { text, file: displayName },
    contextDir: context,
    ignorePatterns: readIgnoreFile(context, options.file !== undefined ? dockerfilePath : undefined),
    ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}),
    ...(options.target !== undefined ? { target: options.target } : {}),
    sourceDateEpoch: options.sourceDateEpoch ?? sourceDateEpochFromEnv(),
    ...(options.allowNet !== undefined ? { allowNet: options.allowNet } : {}),
    images: {
      cacheDir: options.cacheDir ?? defaultCacheDir(),
      credentials: await loadDockerCredentials(),
      ...(options.platform ? { platform: options.platform } : {}),
      ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    },
    ...(emit ? { emit } : {}),
  });
  emit?.({ type: 'stage', stage: 'build', status: 'end' });
  emit?.({ type: 'stage', stage: 'snapshot', status: 'start' });
  const snapshot = encodeSnapshot(image.tree);
  emit?.({ type: 'stage', stage: 'snapshot', status: 'end' });
  const { box, manifest } = bundle({
    snapshot,
    config: image.config,
    ...(image.author !== undefined ? { author: image.author } : {}),
    bases: image.bases,
    steps: image.steps,
    provenance: image.provenance,
    boxerVersion: VERSION,
  });
  const result: BuildResult = { box, manifest, warnings: image.warnings };
  if (out) {
    if (out.type === 'oci') await writeOciLayout(box, out.dest, out.tag);
    else await writeAtomic(out.dest, box);
    result.output = out.dest;
  }
  return result;
}

function sourceDateEpochFromEnv(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  if (v === undefined || v === '') return 0;
  if (!/^\d+$/.test(v)) {
    throw new BoxerError(badSourceDateEpoch(v));
  }
  return Number(v);
}

/** Writes via a temporary file and rename, so a reader never sees half a box. */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
