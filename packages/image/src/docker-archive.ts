/// <reference types="node" />
// `docker save` / `skopeo copy … docker-archive:` tars as a FROM source. In: the archive's bytes or
// path and an optional RepoTag. Out: a LocalImage. The archive's manifest.json names a config file
// and layer tars (plain paths, possibly symlinks inside the archive, which resolve inside it); the
// config's digest must match its `<hex>.json` name when it has one, and each layer must hash to its
// `rootfs.diff_ids` entry (the digest of the uncompressed tar).
import { createHash } from 'node:crypto';
import { BoxerError } from '@boxer/diagnostics';
import { bytesStream, decompress, sniffCompression, type LayerSource } from '@boxer/layers';
import * as d from './local-diagnostics.js';
import { checkDiffIds, digestBytes, parseJson, treeStore, type LocalImage } from './local-image.js';
import type { OciImageConfig } from './oci-config.js';
import { unpackArchive } from './oci-layout.js';

export interface DockerArchiveOptions {
  /** Which image of a multi-image archive, by one of its RepoTags. @default the first */
  ref?: string;
}

/** Reads one image from a docker-archive tar (bytes or path). */
export async function readDockerArchive(tarBytesOrPath: Uint8Array | string, options: DockerArchiveOptions = {}): Promise<LocalImage> {
  const { tree, name } = await unpackArchive(tarBytesOrPath, 'docker-archive');
  const store = treeStore(tree, name);
  const bytes = await store.read('manifest.json');
  if (!bytes) throw new BoxerError(d.badLayout(name, 'manifest.json is missing (not a docker-archive)'));
  let list: unknown;
  try {
    list = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BoxerError(d.badLayout(name, `manifest.json is not JSON: ${(e as Error).message}`));
  }
  if (!Array.isArray(list) || list.length === 0) throw new BoxerError(d.badLayout(name, 'manifest.json lists no images'));
  type Entry = { Config?: unknown; RepoTags?: unknown; Layers?: unknown };
  const entries = list as Entry[];
  let entry = entries[0]!;
  if (options.ref) {
    const want = options.ref;
    const hit = entries.find((e) => Array.isArray(e.RepoTags) && e.RepoTags.some((t) => t === want || t === `docker.io/${want}` || t === `docker.io/library/${want}`));
    if (!hit) throw new BoxerError(d.refNotFound(name, want, entries.flatMap((e) => (Array.isArray(e.RepoTags) ? e.RepoTags.filter((t): t is string => typeof t === 'string') : []))));
    entry = hit;
  }
  if (typeof entry.Config !== 'string' || !Array.isArray(entry.Layers) || !entry.Layers.every((l) => typeof l === 'string')) {
    throw new BoxerError(d.badLayout(name, 'manifest.json entry needs "Config" and "Layers"'));
  }
  const configBytes = await store.read(entry.Config);
  const config = parseJson(store, configBytes, entry.Config) as OciImageConfig;
  const configDigest = digestBytes(configBytes!);
  // NOTE: the config file is named by its digest (`<hex>.json`, or `blobs/sha256/<hex>` since Docker 25).
  const named = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(entry.Config)?.[1];
  if (named && `sha256:${named}` !== configDigest) throw new BoxerError(d.digestMismatch(name, `config ${entry.Config}`, `sha256:${named}`, configDigest));
  const layerPaths = entry.Layers as string[];
  checkDiffIds(store, config, layerPaths.length);
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers = layerPaths.map((path, i): LayerSource => ({
    open: async () => {
      const blob = await store.read(path);
      if (!blob) throw new BoxerError(d.badLayout(name, `layer ${path} is missing`));
      const expected = diffIds[i];
      if (typeof expected === 'string') {
        const actual = await diffId(blob);
        if (actual !== expected) throw new BoxerError(d.digestMismatch(name, `layer ${i + 1} (${path})`, expected, actual));
      }
      return blob;
    },
    ...(typeof diffIds[i] === 'string' ? { digest: diffIds[i] } : {}),
  }));
  const platform = typeof config.os === 'string' && typeof config.architecture === 'string'
    ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
    : undefined;
  return { config, layers, configDigest, ...(platform ? { platform } : {}) };
}

/** sha256 of the uncompressed tar (a docker-archive's layers are plain tars, but some tools gzip them). */
async function diffId(blob: Uint8Array): Promise<string> {
  const kind = sniffCompression(blob.subarray(0, 8));
  if (kind === 'none') return digestBytes(blob);
  const hash = createHash('sha256');
  for await (const chunk of decompress(bytesStream(blob), kind) as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}

