// Test images made with the package's own push functions: small OCI (or Docker schema 2) images with
// two layers, and indexes over them. Nothing here reaches beyond 127.0.0.1.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MEDIA_TYPES, pushBlob, pushManifest, type Platform, type RegistryOptions } from '@boxer/registry';

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

export interface TestImage {
  digest: string;
  manifestBytes: Uint8Array;
  config: object;
  configBytes: Uint8Array;
  layers: Uint8Array[];
  platform: Platform;
}

/** Pushes an image (config + two layers + manifest) to `repo` (`host/name`) under `tag` (or only by digest). */
export async function pushTestImage(repo: string, tag: string | undefined, options: RegistryOptions & { platform?: Platform; docker?: boolean; layerSize?: number } = {}): Promise<TestImage> {
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const layers = [randomBytes(options.layerSize ?? 3000), Buffer.from(`layer two of ${repo} ${platform.os}/${platform.architecture}\n`)];
  const config = { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}), config: { Env: ['PATH=/usr/bin', `IMAGE=${repo}`], Cmd: ['/app.wasm'] }, rootfs: { type: 'layers', diff_ids: layers.map(sha256) } };
  const configBytes = Buffer.from(JSON.stringify(config));
  for (const b of [configBytes, ...layers]) await pushBlob(`${repo}:x`, b, options);
  const docker = options.docker === true;
  const manifest = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest,
    config: { mediaType: docker ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig, digest: sha256(configBytes), size: configBytes.length },
    layers: layers.map((l) => ({ mediaType: docker ? 'application/vnd.docker.image.rootfs.diff.tar' : 'application/vnd.oci.image.layer.v1.tar', digest: sha256(l), size: l.length })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
  const target = tag ? `${repo}:${tag}` : `${repo}@${sha256(manifestBytes)}`;
  const { digest } = await pushManifest(target, manifestBytes, manifest.mediaType, options);
  return { digest, manifestBytes, config, configBytes, layers, platform };
}

/** Pushes an index over already pushed images, plus an attestation-style `unknown/unknown` entry. */
export async function pushIndex(ref: string, images: TestImage[], options: RegistryOptions & { docker?: boolean } = {}): Promise<string> {
  const docker = options.docker === true;
  const index = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA_TYPES.dockerList : MEDIA_TYPES.ociIndex,
    manifests: [
      ...images.map((i) => ({ mediaType: docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest, digest: sha256(i.manifestBytes), size: i.manifestBytes.length, platform: i.platform })),
    ],
  };
  const bytes = Buffer.from(JSON.stringify(index));
  return (await pushManifest(ref, bytes, index.mediaType, options)).digest;
}

/** Files under `<cacheDir>/blobs/sha256`, temp files included. */
export function cacheFiles(cacheDir: string): string[] {
  try {
    return readdirSync(join(cacheDir, 'blobs', 'sha256')).sort();
  } catch {
    return [];
  }
}
