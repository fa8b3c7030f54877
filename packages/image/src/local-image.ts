/// <reference types="node" />
// Shared part of the local image readers: the result type, blob stores over a host directory or an
// unpacked archive (an in-memory Tree), digest-verified blob reads, and manifest selection in an OCI
// index by tag, digest and platform. In: a store and a reference. Out: a LocalImage whose layers open
// (and verify) their blob only when flatten() reaches them.
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { BoxerError } from '@boxer/diagnostics';
import type { LayerSource } from '@boxer/layers';
import { fileContent, type Tree } from '@boxer/vfs';
import * as d from './local-diagnostics.js';
import type { OciImageConfig } from './oci-config.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface LocalImage {
  /** The image config blob (OCI image-spec config.md), as parsed JSON. */
  config: OciImageConfig;
  /** Layers, lowest first; each verifies its blob digest when opened. */
  layers: LayerSource[];
  /** Digest of the selected manifest (absent for a docker-archive, which has none). */
  digest?: string;
  /** Digest of the config blob (the Docker "image ID"). */
  configDigest: string;
  /** Platform of the selected manifest, when the index or config names one. */
  platform?: Platform;
}

export interface LocalImageOptions {
  /**
   * Platform to pick from an index, `os/arch[/variant]`. Without it: `wasi/wasm` when present, else
   * `linux/amd64`, else the only manifest.
   */
  platform?: string;
}

/** Files of an image layout or archive by relative path (`index.json`, `blobs/sha256/…`). */
export interface BlobStore {
  /** What the store is, for diagnostics (`oci layout /x`, `docker-archive x.tar`). */
  readonly name: string;
  /** The file's bytes, or undefined when it does not exist. */
  read(rel: string): Promise<Uint8Array | undefined>;
}

/** Largest JSON document (index, manifest, config) read, bytes (containerd uses 4 MiB for manifests). */
const MAX_JSON = 4 * 1024 * 1024;

/**
 * A store over a host directory. No symlink is followed below `dir` (DESIGN §0.15): `blobs/<alg>`
 * must be real directories and every file is opened with O_NOFOLLOW.
 */
export function directoryStore(dir: string, name = `OCI layout ${dir}`): BlobStore {
  const checked = new Map<string, boolean>();
  async function realDir(rel: string): Promise<boolean> {
    let ok = checked.get(rel);
    if (ok === undefined) {
      try {
        ok = (await lstat(join(dir, rel))).isDirectory();
      } catch {
        ok = false;
      }
      checked.set(rel, ok);
    }
    return ok;
  }
  return {
    name,
    async read(rel) {
      const parts = rel.split('/');
      for (let i = 1; i < parts.length; i++) if (!(await realDir(parts.slice(0, i).join('/')))) return undefined;
      let fh;
      try {
        fh = await open(join(dir, rel), constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return undefined;
        if (code === 'ELOOP') throw new BoxerError(d.badLayout(name, `${rel} is a symlink, which is not followed`));
        throw new BoxerError(d.badLayout(name, `${rel}: ${(e as Error).message}`));
      }
      try {
        if (!(await fh.stat()).isFile()) throw new BoxerError(d.badLayout(name, `${rel} is not a regular file`));
        return new Uint8Array(await fh.readFile());
      } finally {
        await fh.close();
      }
    },
  };
}

/** A store over an archive already unpacked (safely, in memory) into a Tree; symlinks resolve inside it. */
export function treeStore(tree: Tree, name: string): BlobStore {
  return {
    name,
    async read(rel) {
      let node;
      try {
        node = tree.tryGet(`/${rel}`);
      } catch {
        node = undefined;
      }
      return node?.kind === 'file' ? fileContent(node) : undefined;
    },
  };
}

const DIGEST = /^(sha256|sha512):([a-f0-9]+)$/;

/** `sha256:<hex>` of `bytes` (or sha512 when `alg` says so). */
export function digestBytes(bytes: Uint8Array, alg = 'sha256'): string {
  return `${alg}:${createHash(alg).update(bytes).digest('hex')}`;
}

/** Checks that `digest` is a well-formed sha256/sha512 digest and returns its algorithm and hex. */
export function parseDigest(store: BlobStore, digest: unknown): [alg: string, hex: string] {
  const m = typeof digest === 'string' ? DIGEST.exec(digest) : null;
  if (!m || m[2]!.length !== (m[1] === 'sha256' ? 64 : 128)) throw new BoxerError(d.badLayout(store.name, `invalid digest ${JSON.stringify(digest)}`));
  return [m[1]!, m[2]!];
}

/** Reads `blobs/<alg>/<hex>` and checks its size (when given) and digest. */
export async function readBlob(store: BlobStore, desc: { digest?: unknown; size?: unknown }, what: string): Promise<Uint8Array> {
  const [alg, hex] = parseDigest(store, desc.digest);
  const bytes = await store.read(`blobs/${alg}/${hex}`);
  if (!bytes) throw new BoxerError(d.badLayout(store.name, `${what} blob ${alg}:${hex} is missing`));
  if (typeof desc.size === 'number' && bytes.length !== desc.size) throw new BoxerError(d.digestMismatch(store.name, what, `${desc.size} bytes`, `${bytes.length}`));
  const actual = digestBytes(bytes, alg);
  if (actual !== `${alg}:${hex}`) throw new BoxerError(d.digestMismatch(store.name, what, `${alg}:${hex}`, actual));
  return bytes;
}

export function parseJson(store: BlobStore, bytes: Uint8Array | undefined, what: string): Record<string, unknown> {
  if (!bytes) throw new BoxerError(d.badLayout(store.name, `${what} is missing`));
  if (bytes.length > MAX_JSON) throw new BoxerError(d.badLayout(store.name, `${what} is larger than ${MAX_JSON} bytes`));
  let v: unknown;
  try {
    v = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new BoxerError(d.badLayout(store.name, `${what} is not JSON: ${(e as Error).message}`));
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new BoxerError(d.badLayout(store.name, `${what} is not a JSON object`));
  return v as Record<string, unknown>;
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const REF_NAME = 'org.opencontainers.image.ref.name';

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

function descriptors(store: BlobStore, index: Record<string, unknown>, what: string): Descriptor[] {
  const list = index.manifests;
  if (!Array.isArray(list)) throw new BoxerError(d.badLayout(store.name, `${what} has no "manifests" list`));
  return list.filter((m): m is Descriptor => !!m && typeof m === 'object' && typeof (m as Descriptor).digest === 'string');
}

function platformString(p: Platform | undefined): string {
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : 'unknown';
}

function parsePlatform(s: string): Platform {
  const [os = '', architecture = '', variant] = s.split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

function matches(p: Platform | undefined, want: Platform): boolean {
  return !!p && p.os === want.os && p.architecture === want.architecture && (!want.variant || p.variant === want.variant);
}

/** Picks one descriptor among platform-tagged ones: the requested platform, else wasi/wasm, else linux/amd64. */
function pickPlatform(store: BlobStore, list: Descriptor[], options: LocalImageOptions): Descriptor {
  if (options.platform) {
    const want = parsePlatform(options.platform);
    const hit = list.find((m) => matches(m.platform, want));
    if (hit) return hit;
    if (list.length === 1 && !list[0]!.platform) return list[0]!;
    throw new BoxerError(d.platformNotFound(store.name, options.platform, list.map((m) => platformString(m.platform))));
  }
  if (list.length === 1) return list[0]!;
  const withPlatform = list.filter((m) => m.platform);
  if (withPlatform.length === 0) return list[0]!;
  for (const want of [{ os: 'wasi', architecture: 'wasm' }, { os: 'linux', architecture: 'amd64' }]) {
    const hit = withPlatform.find((m) => matches(m.platform, want));
    if (hit) return hit;
  }
  throw new BoxerError(d.platformNotFound(store.name, 'wasi/wasm or linux/amd64', withPlatform.map((m) => platformString(m.platform))));
}

/**
 * Reads the image `ref` (a tag from `org.opencontainers.image.ref.name`, or a manifest digest; by
 * default the only or first manifest) from an OCI layout held by `store`, descending through nested
 * indexes by platform.
 */
export async function readLayout(store: BlobStore, ref: string | undefined, options: LocalImageOptions): Promise<LocalImage> {
  const marker = parseJson(store, await store.read('oci-layout'), 'oci-layout');
  if (typeof marker.imageLayoutVersion !== 'string') throw new BoxerError(d.badLayout(store.name, 'oci-layout has no imageLayoutVersion'));
  const index = parseJson(store, await store.read('index.json'), 'index.json');
  let list = descriptors(store, index, 'index.json');
  if (ref !== undefined && ref !== '') {
    const byDigest = DIGEST.test(ref);
    const hit = list.filter((m) => (byDigest ? m.digest === ref : m.annotations?.[REF_NAME] === ref));
    if (hit.length === 0) throw new BoxerError(d.refNotFound(store.name, ref, list.map((m) => m.annotations?.[REF_NAME]).filter((n): n is string => !!n)));
    list = hit;
  }
  if (list.length === 0) throw new BoxerError(d.badLayout(store.name, 'index.json lists no manifests'));
  // Without a ref, "the first manifest" unless the entries are per-platform.
  let desc = ref === undefined && list.every((m) => !m.platform) ? list[0]! : pickPlatform(store, list, options);
  for (let depth = 0; ; depth++) {
    if (depth > 4) throw new BoxerError(d.badLayout(store.name, 'indexes nest deeper than 4 levels'));
    const bytes = await readBlob(store, desc, `manifest ${desc.digest}`);
    const doc = parseJson(store, bytes, `manifest ${desc.digest}`);
    const type = typeof doc.mediaType === 'string' ? doc.mediaType : desc.mediaType;
    if ((type && INDEX_TYPES.has(type)) || (Array.isArray(doc.manifests) && !doc.layers)) {
      desc = pickPlatform(store, descriptors(store, doc, `index ${desc.digest}`), options);
      continue;
    }
    return imageFromManifest(store, desc, doc);
  }
}

async function imageFromManifest(store: BlobStore, desc: Descriptor, manifest: Record<string, unknown>): Promise<LocalImage> {
  const configDesc = manifest.config as Descriptor | undefined;
  if (!configDesc || typeof configDesc !== 'object') throw new BoxerError(d.badLayout(store.name, `manifest ${desc.digest} has no config`));
  const config = parseJson(store, await readBlob(store, configDesc, 'image config'), 'image config') as OciImageConfig;
  const layerDescs = manifest.layers;
  if (!Array.isArray(layerDescs)) throw new BoxerError(d.badLayout(store.name, `manifest ${desc.digest} has no layers list`));
  const layers = layerDescs.map((l: Descriptor, i): LayerSource => {
    parseDigest(store, l?.digest);
    return { digest: l.digest, mediaType: l.mediaType, open: () => readBlob(store, l, `layer ${i + 1}`) };
  });
  checkDiffIds(store, config, layers.length);
  const platform = desc.platform ?? (typeof config.os === 'string' && typeof config.architecture === 'string'
    ? { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }
    : undefined);
  return { config, layers, digest: desc.digest, configDigest: (configDesc as Descriptor).digest, ...(platform ? { platform } : {}) };
}

/** The config's `rootfs.diff_ids` must list one entry per layer. */
export function checkDiffIds(store: BlobStore, config: OciImageConfig, layers: number): void {
  const ids = config.rootfs?.diff_ids;
  if (Array.isArray(ids) && ids.length !== layers) throw new BoxerError(d.badLayout(store.name, `the config lists ${ids.length} layer diff_ids but the manifest ${layers} layers`));
}
