// Pulling: reference → manifest (through an index, by platform) → config and layer blobs in the
// content-addressed cache. Every manifest and blob is checked against its digest before it is kept.
// In: a reference and `PullOptions`. Out: `PulledImage` / `PulledManifest` naming files in the cache.
import { createHash } from 'node:crypto';
import { open, readFile, writeFile } from 'node:fs/promises';
import { BoxerError } from '@boxer/diagnostics';
import { blobPath, cachedSize, commit, discardTemp, tempPathFor } from './cache.js';
import { RepositoryClient, type RegistryOptions } from './client.js';
import { badManifest, blobNotFound, digestMismatch, manifestNotFound } from './diagnostics.js';
import { MANIFEST_ACCEPT, parseManifest, selectPlatform, type Descriptor, type ImageManifest, type Platform } from './manifest.js';
import { parseReference, type ImageReference } from './reference.js';

export interface PullOptions extends RegistryOptions {
  /** Cache directory; blobs land in `<cacheDir>/blobs/sha256/<hex>`. */
  cacheDir: string;
  /** Platform picked from an index after `wasi/wasm`. @default { os: 'linux', architecture: 'amd64' } */
  platform?: Platform;
}

/** A blob in the cache. */
export interface CachedBlob {
  digest: string;
  mediaType: string;
  /** Bytes. */
  size: number;
  /** The file in the cache. */
  path: string;
  annotations?: Record<string, string>;
}

/** A manifest and every blob it names, fetched and verified. */
export interface PulledManifest {
  /** The canonical reference that was pulled. */
  reference: string;
  /** Digest of the manifest (not of the index it was picked from). */
  digest: string;
  mediaType: string;
  /** The manifest's JSON. */
  manifest: object;
  /** The manifest's exact bytes (their sha256 is `digest`). */
  manifestBytes: Uint8Array;
  /** Digest of the index the manifest was selected from, when the reference named an index. */
  indexDigest?: string;
  config: CachedBlob;
  layers: CachedBlob[];
}

/** A pulled image: its manifest, its parsed config, and its layers in the cache. */
export interface PulledImage {
  reference: string;
  /** Manifest digest. */
  digest: string;
  manifest: object;
  /** The image config JSON (OCI image config, or the Wasm artifact config). */
  config: object;
  configDigest: string;
  layers: { digest: string; mediaType: string; size: number; path: string }[];
}

/** Largest manifest accepted (containerd's limit). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Progress events are sent at most once per this many bytes (and at the end). */
const PROGRESS_STEP = 256 * 1024;

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function readLimited(res: Response, limit: number, what: string, ref: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BoxerError(badManifest(ref, `${what} is ${declared} bytes, more than the ${limit} allowed`));
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > limit) {
        await res.body.cancel().catch(() => undefined);
        throw new BoxerError(badManifest(ref, `${what} is more than the ${limit} bytes allowed`));
      }
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks);
}

/** Fetches a manifest by tag or digest and verifies it; by-digest manifests come from the cache when present. */
async function fetchManifest(client: RepositoryClient, cacheDir: string, reference: string, expected?: Descriptor | string): Promise<{ bytes: Uint8Array; contentType?: string; digest: string }> {
  const ref = client.ref.canonical;
  const expectedDigest = typeof expected === 'string' ? expected : expected?.digest;
  if (expectedDigest && /^sha256:[a-f0-9]{64}$/.test(expectedDigest)) {
    const path = blobPath(cacheDir, expectedDigest);
    const cached = await readFile(path).catch(() => undefined);
    if (cached && sha256(cached) === expectedDigest) return { bytes: cached, digest: expectedDigest };
  }
  const res = await client.request(`/manifests/${reference}`, { headers: { accept: MANIFEST_ACCEPT }, what: `manifest request for ${ref}` });
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    throw new BoxerError(manifestNotFound(reference.startsWith('sha256:') ? `${client.ref.name}@${reference}` : ref, client.ref.domain));
  }
  if (res.status === 401 || res.status === 403) await client.unauthorized(res);
  if (!res.ok) await client.unexpected(res, `manifest request for ${ref}`);
  const bytes = await readLimited(res, MAX_MANIFEST_BYTES, 'the manifest', ref);
  const digest = sha256(bytes);
  if (expectedDigest && digest !== expectedDigest) throw new BoxerError(digestMismatch(ref, 'the manifest', expectedDigest, digest));
  const header = res.headers.get('docker-content-digest');
  if (!expectedDigest && header && header.startsWith('sha256:') && header !== digest) throw new BoxerError(digestMismatch(ref, 'the manifest', header, digest));
  if (typeof expected === 'object' && bytes.length !== expected.size) throw new BoxerError(digestMismatch(ref, 'the manifest size', `${expected.size} bytes`, `${bytes.length} bytes`));
  // NOTE: a verified manifest is content-addressed too; by-digest pulls then need no request.
  const final = blobPath(cacheDir, digest);
  const temp = await tempPathFor(final);
  await writeFile(temp, bytes);
  await commit(temp, final);
  const contentType = res.headers.get('content-type') ?? undefined;
  return contentType === undefined ? { bytes, digest } : { bytes, contentType, digest };
}

/** Downloads a blob into the cache (unless it is there), streaming, verifying digest and size. */
async function fetchBlob(client: RepositoryClient, cacheDir: string, desc: Descriptor, emit: RegistryOptions['emit']): Promise<CachedBlob> {
  const ref = client.ref.canonical;
  const final = blobPath(cacheDir, desc.digest);
  const out: CachedBlob = { digest: desc.digest, mediaType: desc.mediaType, size: desc.size, path: final };
  if (desc.annotations) out.annotations = desc.annotations;
  if ((await cachedSize(final)) === desc.size) {
    emit?.({ type: 'progress', stage: 'pull', id: desc.digest, current: desc.size, total: desc.size });
    return out;
  }
  const res = await client.request(`/blobs/${desc.digest}`, { what: `download of blob ${desc.digest}` });
  if (res.status === 404) {
    await res.body?.cancel().catch(() => undefined);
    throw new BoxerError(blobNotFound(ref, desc.digest));
  }
  if (res.status === 401 || res.status === 403) await client.unauthorized(res);
  if (!res.ok) await client.unexpected(res, `download of blob ${desc.digest}`);
  const temp = await tempPathFor(final);
  const file = await open(temp, 'w');
  const hash = createHash('sha256');
  let current = 0;
  let reported = 0;
  let ok = false;
  try {
    emit?.({ type: 'progress', stage: 'pull', id: desc.digest, current: 0, total: desc.size });
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        current += chunk.length;
        if (current > desc.size) {
          await res.body.cancel().catch(() => undefined);
          throw new BoxerError(digestMismatch(ref, `blob ${desc.digest}`, `${desc.size} bytes`, `more than ${desc.size} bytes`));
        }
        hash.update(chunk);
        await file.write(chunk);
        if (current - reported >= PROGRESS_STEP) {
          reported = current;
          emit?.({ type: 'progress', stage: 'pull', id: desc.digest, current, total: desc.size });
        }
      }
    }
    await file.close();
    const digest = `sha256:${hash.digest('hex')}`;
    if (current !== desc.size) throw new BoxerError(digestMismatch(ref, `blob ${desc.digest}`, `${desc.size} bytes`, `${current} bytes`));
    if (digest !== desc.digest) throw new BoxerError(digestMismatch(ref, `blob ${desc.digest}`, desc.digest, digest));
    await commit(temp, final);
    ok = true;
    if (reported !== current || current === 0) emit?.({ type: 'progress', stage: 'pull', id: desc.digest, current, total: desc.size });
    return out;
  } finally {
    if (!ok) {
      await file.close().catch(() => undefined);
      await discardTemp(temp);
    }
  }
}

/** Resolves a reference to one image manifest (through an index by platform), verified. */
async function resolveManifest(client: RepositoryClient, cacheDir: string, platform: Platform | undefined): Promise<{ digest: string; bytes: Uint8Array; json: object; manifest: ImageManifest; indexDigest?: string }> {
  const ref = client.ref;
  let { bytes, contentType, digest } = await fetchManifest(client, cacheDir, ref.digest ?? ref.tag!, ref.digest);
  let { json, parsed } = parseManifest(ref.canonical, bytes, contentType);
  let indexDigest: string | undefined;
  // NOTE: an index inside an index is allowed one level deep (as containerd does in practice).
  for (let depth = 0; parsed.kind === 'index'; depth++) {
    if (depth >= 2) throw new BoxerError(badManifest(ref.canonical, 'indexes nest more than two levels deep'));
    indexDigest ??= digest;
    const chosen = selectPlatform(ref.canonical, parsed, platform);
    ({ bytes, contentType, digest } = await fetchManifest(client, cacheDir, chosen.digest, chosen));
    ({ json, parsed } = parseManifest(ref.canonical, bytes, contentType ?? chosen.mediaType));
  }
  const out: { digest: string; bytes: Uint8Array; json: object; manifest: ImageManifest; indexDigest?: string } = { digest, bytes, json, manifest: parsed };
  if (indexDigest !== undefined) out.indexDigest = indexDigest;
  return out;
}

/**
 * Fetches a manifest (picking from an index by platform) and every blob it names into the cache,
 * byte for byte: what `pushArtifact` wrote comes back unchanged. Config bytes are not interpreted.
 * @throws BoxerError with a `REGISTRY_*` code; rejects with `signal.reason` when aborted.
 */
export async function pullManifestAndBlobs(ref: string | ImageReference, options: PullOptions): Promise<PulledManifest> {
  const parsedRef = typeof ref === 'string' ? parseReference(ref) : ref;
  // NOTE: the first failing blob cancels its siblings, and the pull settles only after every download
  // has cleaned up its temp file, so a rejected pull leaves no work running behind it.
  const inner = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, inner.signal]) : inner.signal;
  const client = new RepositoryClient(parsedRef, { ...options, signal }, 'pull');
  const emit = options.emit;
  emit?.({ type: 'stage', stage: 'pull', status: 'start' });
  const started = Date.now();
  const resolved = await resolveManifest(client, options.cacheDir, options.platform);
  const config = await fetchBlob(client, options.cacheDir, resolved.manifest.config, emit);
  const settled = await Promise.allSettled(
    resolved.manifest.layers.map((d) =>
      fetchBlob(client, options.cacheDir, d, emit).catch((e: unknown) => {
        inner.abort(e);
        throw e;
      }),
    ),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw options.signal?.aborted ? options.signal.reason : inner.signal.reason;
  const layers = settled.map((r) => (r as PromiseFulfilledResult<CachedBlob>).value);
  emit?.({ type: 'stage', stage: 'pull', status: 'end', durationMs: Date.now() - started });
  const out: PulledManifest = { reference: parsedRef.canonical, digest: resolved.digest, mediaType: resolved.manifest.mediaType, manifest: resolved.json, manifestBytes: resolved.bytes, config, layers };
  if (resolved.indexDigest !== undefined) out.indexDigest = resolved.indexDigest;
  return out;
}

/**
 * Pulls an image into the cache: resolves the reference (Docker normalization), picks `wasi/wasm`
 * or `options.platform` from an index, and fetches config and layers, verifying every digest.
 * @throws BoxerError with a `REGISTRY_*` code; rejects with `signal.reason` when aborted.
 */
export async function pullImage(ref: string | ImageReference, options: PullOptions): Promise<PulledImage> {
  const pulled = await pullManifestAndBlobs(ref, options);
  let config: unknown;
  try {
    config = JSON.parse(await readFile(pulled.config.path, 'utf8'));
  } catch {
    throw new BoxerError(badManifest(pulled.reference, `the config blob ${pulled.config.digest} is not JSON`));
  }
  if (typeof config !== 'object' || config === null) throw new BoxerError(badManifest(pulled.reference, `the config blob ${pulled.config.digest} is not a JSON object`));
  return {
    reference: pulled.reference,
    digest: pulled.digest,
    manifest: pulled.manifest,
    config,
    configDigest: pulled.config.digest,
    layers: pulled.layers.map(({ digest, mediaType, size, path }) => ({ digest, mediaType, size, path })),
  };
}
