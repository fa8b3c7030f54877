// Resolves the base of a stage (`FROM <ref>`, or `COPY --from=<image>`) to a tree and an image config.
// In: the expanded reference. Out: `ResolvedBase`. Sources:
//   scratch                                the empty tree
//   oci-layout://PATH[:TAG|@DIGEST]        an OCI image layout directory
//   oci-archive://PATH[:TAG|@DIGEST]       a tar of an OCI image layout
//   docker-archive://PATH[:REPO:TAG]       `docker save` / skopeo docker-archive output
//   anything else                          a registry reference, normalised as Docker does
// PATHs are relative to the build context directory (so the Dockerfile means the same from any cwd).
// Layers are flattened in memory by @boxer/layers; nothing is written on the host but the blob cache.
import { isAbsolute, resolve } from 'node:path';
import { BoxerError, InternalError, type SourceLocation } from '@boxer/diagnostics';
import type { Emit } from '@boxer/events';
import { flatten, type LayerSource } from '@boxer/layers';
import { pullImage, type CredentialLookup } from '@boxer/registry';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { Tree } from '@boxer/vfs';
import { emptyConfig, type ImageConfig } from './config.js';
import { readDockerArchive } from './docker-archive.js';
import type { LocalImage } from './local-image.js';
import { imageConfigFromOci } from './oci-config.js';
import { readOciArchive, readOciLayout } from './oci-layout.js';

export interface ResolvedBase {
  /** The reference as written after expansion (`scratch`, `127.0.0.1:5000/app:v1`, `oci-layout://img:v1`). */
  ref: string;
  /** Content digest of the base (manifest digest; the config digest for a docker-archive), absent for scratch. */
  digest?: string;
  tree: Tree;
  config: ImageConfig;
}

export interface ResolveBaseOptions {
  /** The FROM (or COPY --from) instruction: every diagnostic raised here points at it. */
  location?: SourceLocation;
  /** Directory that relative local-image paths start from (the build context). @default process.cwd() */
  baseDir?: string;
  /** Blob cache for registry pulls. Required to pull from a registry. */
  cacheDir?: string;
  /** `os/arch[/variant]` to pick from an index after `wasi/wasm`. @default linux/amd64 */
  platform?: string;
  insecureRegistries?: readonly string[];
  credentials?: CredentialLookup;
  emit?: Emit;
  signal?: AbortSignal;
}

const LOCAL = /^(oci-layout|oci-archive|docker-archive):\/\/(.+)$/;

export async function resolveBase(ref: string, options: ResolveBaseOptions = {}): Promise<ResolvedBase> {
  if (ref.toLowerCase() === 'scratch') return { ref: 'scratch', tree: new Tree(), config: emptyConfig() };
  return withLocation(options.location, async () => {
    const image = await openImage(ref, options);
    const { tree } = await flatten(image.layers, options.signal ? { signal: options.signal } : {});
    return { ref, ...(image.digest ? { digest: image.digest } : {}), tree, config: imageConfigFromOci(image.config) };
  });
}

async function openImage(ref: string, options: ResolveBaseOptions): Promise<LocalImage> {
  const local = LOCAL.exec(ref);
  if (local) {
    const [, transport, rest] = local;
    const { path, reference } = splitLocal(rest!);
    const full = isAbsolute(path) ? path : resolve(options.baseDir ?? process.cwd(), path);
    const platform = options.platform ? { platform: options.platform } : {};
    if (transport === 'oci-layout') return readOciLayout(full, reference, platform);
    if (transport === 'oci-archive') return readOciArchive(full, reference, platform);
    return readDockerArchive(full, reference ? { ref: reference } : {});
  }
  if (!options.cacheDir) throw new InternalError('resolveBase needs a cacheDir to pull from a registry');
  const [os = 'linux', architecture = 'amd64', variant] = (options.platform ?? 'linux/amd64').split('/');
  const pulled = await pullImage(ref, {
    cacheDir: options.cacheDir,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
    ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const layers: LayerSource[] = pulled.layers.map((l) => ({
    digest: l.digest,
    mediaType: l.mediaType,
    // NOTE: the cache verified the blob when it was written; it is streamed from there.
    open: () => Readable.toWeb(createReadStream(l.path)) as unknown as ReadableStream<Uint8Array>,
  }));
  return { config: pulled.config as LocalImage['config'], layers, digest: pulled.digest, configDigest: pulled.configDigest };
}

/** `PATH[:TAG|@DIGEST]` — the reference is after the last `:` or `@` that follows the last `/`. */
function splitLocal(rest: string): { path: string; reference?: string } {
  const at = rest.indexOf('@', rest.lastIndexOf('/'));
  if (at > 0) return { path: rest.slice(0, at), reference: rest.slice(at + 1) };
  const slash = rest.lastIndexOf('/');
  const colon = rest.indexOf(':', slash + 1);
  if (colon <= 0) return { path: rest };
  // NOTE: everything after that colon is the reference, so a docker-archive's `repo:tag` stays whole.
  return { path: rest.slice(0, colon), reference: rest.slice(colon + 1) };
}

/** Puts `location` on every diagnostic that has none, so each names the FROM line. */
async function withLocation<T>(location: SourceLocation | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (location && e instanceof BoxerError) throw new BoxerError(e.diagnostics.map((x) => (x.location ? x : { ...x, location })));
    throw e;
  }
}
