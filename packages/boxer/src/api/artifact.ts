// Boxes as OCI artifacts (DESIGN §0.7, CNCF Wasm OCI artifact layout): one layer `application/wasm`
// holding the box bytes unchanged, config `application/vnd.wasm.config.v0+json`, boxer's manifest
// summarised in annotations. push/pull through a registry, or an OCI image layout on disk.
// In: box bytes or a reference. Out: the same bytes at the other end (a pulled box is byte-identical).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BoxerError } from '@boxer/diagnostics';
import { readBox } from '@boxer/bundle';
import { artifactManifest, loadDockerCredentials, parseReference, pullManifestAndBlobs, pushArtifact, type RegistryOptions } from '@boxer/registry';
import { canonicalJson, digestOf } from '@boxer/vfs';
import { notABoxArtifact } from '../diagnostics.js';

export const WASM_CONFIG_MEDIA_TYPE = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER_MEDIA_TYPE = 'application/wasm';

export interface ArtifactParts {
  configMediaType: string;
  config: Uint8Array;
  layers: { mediaType: string; bytes: Uint8Array; annotations?: Record<string, string> }[];
  annotations: Record<string, string>;
}

/** The artifact for a box. Deterministic: no creation time, canonical JSON. */
export function boxArtifact(box: Uint8Array, file = 'the box'): ArtifactParts {
  const { manifest } = readBox(box, { file });
  const layerDigest = digestOf(box);
  // CNCF wasm config v0: architecture "wasm", os "wasip1", the digests of the wasm layers.
  const config = new TextEncoder().encode(canonicalJson({ architecture: 'wasm', os: 'wasip1', layerDigests: [layerDigest], ...(manifest.author ? { author: manifest.author } : {}) }));
  const annotations: Record<string, string> = {
    'dev.boxer.format': manifest.formatVersion,
    'dev.boxer.snapshot.digest': manifest.snapshot.digest,
    'dev.boxer.version': manifest.boxer,
  };
  if (manifest.config.Entrypoint) annotations['dev.boxer.entrypoint'] = JSON.stringify(manifest.config.Entrypoint);
  const title = manifest.config.Labels?.['org.opencontainers.image.title'];
  if (title) annotations['org.opencontainers.image.title'] = title;
  return { configMediaType: WASM_CONFIG_MEDIA_TYPE, config, layers: [{ mediaType: WASM_LAYER_MEDIA_TYPE, bytes: box }], annotations };
}

/** `$XDG_CACHE_HOME/boxer`, else `~/.cache/boxer`. */
export function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'boxer');
}

export interface RemoteOptions {
  /** @default defaultCacheDir() */
  cacheDir?: string;
  insecureRegistries?: string[];
  signal?: AbortSignal;
}

async function registryOptions(options: RemoteOptions): Promise<RegistryOptions> {
  return {
    credentials: await loadDockerCredentials(),
    ...(options.insecureRegistries ? { insecureRegistries: options.insecureRegistries } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

export async function push(box: Uint8Array, ref: string, options: RemoteOptions = {}): Promise<{ reference: string; digest: string }> {
  const parts = boxArtifact(box);
  const r = await pushArtifact(ref, { ...parts, ...(await registryOptions(options)) });
  return { reference: r.reference, digest: r.digest };
}

/** Pulls a box through the cache and returns its bytes, checked to be a box. */
export async function pull(ref: string, options: RemoteOptions = {}): Promise<{ box: Uint8Array; digest: string; reference: string }> {
  const pulled = await pullManifestAndBlobs(ref, { cacheDir: options.cacheDir ?? defaultCacheDir(), platform: { os: 'wasip1', architecture: 'wasm' }, ...(await registryOptions(options)) });
  const layer = pulled.layers.find((l) => l.mediaType === WASM_LAYER_MEDIA_TYPE);
  if (!layer) throw new BoxerError(notABoxArtifact(ref, pulled.layers.map((l) => l.mediaType)));
  const box = new Uint8Array(await readFile(layer.path));
  readBox(box, { file: ref });
  return { box, digest: pulled.digest, reference: pulled.reference };
}

/** True when `arg` names an image reference rather than a box file (it is not a path to a .wasm). */
export function looksLikeReference(arg: string): boolean {
  if (arg.endsWith('.wasm') || arg.startsWith('.') || arg.startsWith('/') || arg.includes('\\')) return false;
  try {
    const r = parseReference(arg);
    // A bare word ("hello") is a path more often than an image: only refs with a registry host or a
    // tag/digest count.
    return arg.includes('/') || r.tag !== undefined && arg.includes(':') || r.digest !== undefined;
  } catch {
    return false;
  }
}

/**
 * Writes the box as an OCI image layout: a directory, or a tar of one when `dest` ends in `.tar`
 * (`-o type=oci,dest=…`). Deterministic: same box, same bytes.
 */
export async function writeOciLayout(box: Uint8Array, dest: string, tag = 'latest'): Promise<void> {
  const parts = boxArtifact(box);
  const manifest = artifactManifest(parts);
  const enc = new TextEncoder();
  const blobs = new Map<string, Uint8Array>([[digestOf(parts.config), parts.config], [digestOf(box), box], [digestOf(manifest), manifest]]);
  const index = enc.encode(canonicalJson({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digestOf(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': tag } }],
  }));
  const files: [string, Uint8Array][] = [
    ['oci-layout', enc.encode('{"imageLayoutVersion":"1.0.0"}')],
    ['index.json', index],
    ...[...blobs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([d, b]): [string, Uint8Array] => [`blobs/sha256/${d.slice('sha256:'.length)}`, b]),
  ];
  if (dest.endsWith('.tar')) {
    const { writeTar } = await import('./tar.js');
    const tmp = `${dest}.${process.pid}.tmp`;
    await writeFile(tmp, await writeTar(files));
    await rename(tmp, dest);
    return;
  }
  for (const [name, bytes] of files) {
    await mkdir(join(dest, name, '..'), { recursive: true });
    await writeFile(join(dest, name), bytes);
  }
}
