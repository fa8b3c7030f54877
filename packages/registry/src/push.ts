// Pushing: blobs by monolithic upload (HEAD, then POST + PUT ?digest=) and manifests by PUT, and on
// top of them an OCI artifact (the CNCF Wasm layout that `boxer push` uses). In: a reference, bytes,
// `RegistryOptions`. Out: the digests the registry now serves.
import { createHash } from 'node:crypto';
import { BoxerError } from '@boxer/diagnostics';
import { RepositoryClient, type RegistryOptions } from './client.js';
import { digestMismatch, requestFailed } from './diagnostics.js';
import { MEDIA_TYPES, type Descriptor } from './manifest.js';
import { parseReference, type ImageReference } from './reference.js';

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function toRef(ref: string | ImageReference): ImageReference {
  return typeof ref === 'string' ? parseReference(ref) : ref;
}

async function uploadBlob(client: RepositoryClient, bytes: Uint8Array, emit: RegistryOptions['emit']): Promise<string> {
  const digest = sha256(bytes);
  const head = await client.request(`/blobs/${digest}`, { method: 'HEAD', what: `check of blob ${digest}` });
  await head.body?.cancel().catch(() => undefined);
  if (head.ok) return digest;
  if (head.status !== 404 && head.status !== 401 && head.status !== 403) await client.unexpected(head, `check of blob ${digest}`);
  const start = await client.request('/blobs/uploads/', { method: 'POST', headers: { 'content-length': '0' }, what: `upload of blob ${digest}` });
  if (start.status === 401 || start.status === 403) await client.unauthorized(start);
  if (start.status !== 202) await client.unexpected(start, `upload of blob ${digest}`);
  await start.body?.cancel().catch(() => undefined);
  const location = start.headers.get('location');
  if (!location) throw new BoxerError(requestFailed(`upload of blob ${digest}`, client.base, 'the registry sent no Location for the upload', 1));
  const url = new URL(location, client.base);
  url.searchParams.set('digest', digest);
  const put = await client.request(url.href, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) }, body: bytes, what: `upload of blob ${digest}` });
  if (put.status === 401 || put.status === 403) await client.unauthorized(put);
  if (put.status !== 201 && put.status !== 204) await client.unexpected(put, `upload of blob ${digest}`);
  await put.body?.cancel().catch(() => undefined);
  emit?.({ type: 'progress', stage: 'pull', id: digest, current: bytes.length, total: bytes.length });
  return digest;
}

/**
 * Uploads one blob to the reference's repository (skipped when the registry already has it).
 * @returns its digest.
 */
export async function pushBlob(ref: string | ImageReference, bytes: Uint8Array, options: RegistryOptions = {}): Promise<{ digest: string; size: number }> {
  const client = new RepositoryClient(toRef(ref), options, 'pull,push');
  return { digest: await uploadBlob(client, bytes, options.emit), size: bytes.length };
}

/**
 * PUTs manifest bytes under the reference's tag (or digest). The blobs it names must be pushed first.
 * @throws BoxerError `REGISTRY_DIGEST_MISMATCH` when the registry reports another digest for the bytes.
 */
export async function pushManifest(ref: string | ImageReference, bytes: Uint8Array, mediaType: string, options: RegistryOptions = {}): Promise<{ digest: string; size: number }> {
  const parsed = toRef(ref);
  const client = new RepositoryClient(parsed, options, 'pull,push');
  const digest = sha256(bytes);
  const target = parsed.tag ?? parsed.digest!;
  if (parsed.digest && parsed.tag === undefined && parsed.digest !== digest) throw new BoxerError(digestMismatch(parsed.canonical, 'the manifest to push', parsed.digest, digest));
  const res = await client.request(`/manifests/${target}`, { method: 'PUT', headers: { 'content-type': mediaType }, body: bytes, what: `upload of the manifest of ${parsed.canonical}` });
  if (res.status === 401 || res.status === 403) await client.unauthorized(res);
  if (res.status !== 201 && res.status !== 200) await client.unexpected(res, `upload of the manifest of ${parsed.canonical}`);
  await res.body?.cancel().catch(() => undefined);
  const echoed = res.headers.get('docker-content-digest');
  if (echoed && echoed !== digest) throw new BoxerError(digestMismatch(parsed.canonical, 'the pushed manifest', digest, echoed));
  return { digest, size: bytes.length };
}

export interface ArtifactLayer {
  mediaType: string;
  bytes: Uint8Array;
  annotations?: Record<string, string>;
}

export interface PushArtifactOptions extends RegistryOptions {
  /** e.g. `application/vnd.wasm.config.v0+json` (CNCF Wasm artifact). */
  configMediaType: string;
  /** The config blob's exact bytes. */
  config: Uint8Array;
  /** Layers in order, e.g. one `application/wasm` layer holding the box. */
  layers: readonly ArtifactLayer[];
  /** Manifest annotations. */
  annotations?: Record<string, string>;
  /** OCI 1.1 `artifactType`; left out when not given (registries before OCI 1.1 ignore it). */
  artifactType?: string;
}

/** The OCI image manifest `pushArtifact` writes, as bytes (deterministic: same input, same digest). */
export function artifactManifest(options: Pick<PushArtifactOptions, 'configMediaType' | 'config' | 'layers' | 'annotations' | 'artifactType'>): Uint8Array {
  const layers: Descriptor[] = options.layers.map((l) => {
    const d: Descriptor = { mediaType: l.mediaType, digest: sha256(l.bytes), size: l.bytes.length };
    if (l.annotations && Object.keys(l.annotations).length) d.annotations = l.annotations;
    return d;
  });
  const manifest: Record<string, unknown> = { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest };
  if (options.artifactType) manifest.artifactType = options.artifactType;
  manifest.config = { mediaType: options.configMediaType, digest: sha256(options.config), size: options.config.length };
  manifest.layers = layers;
  if (options.annotations && Object.keys(options.annotations).length) manifest.annotations = options.annotations;
  return new TextEncoder().encode(JSON.stringify(manifest));
}

/**
 * Pushes an OCI artifact: the config and each layer as blobs, then the OCI image manifest under
 * the reference's tag. `pullManifestAndBlobs` returns the same bytes.
 * @returns the manifest digest and size.
 */
export async function pushArtifact(ref: string | ImageReference, options: PushArtifactOptions): Promise<{ reference: string; digest: string; size: number }> {
  const parsed = toRef(ref);
  const client = new RepositoryClient(parsed, options, 'pull,push');
  await uploadBlob(client, options.config, options.emit);
  for (const layer of options.layers) await uploadBlob(client, layer.bytes, options.emit);
  const bytes = artifactManifest(options);
  const { digest, size } = await pushManifest(parsed, bytes, MEDIA_TYPES.ociManifest, options);
  return { reference: parsed.canonical, digest, size };
}
