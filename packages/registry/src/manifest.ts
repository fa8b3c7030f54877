// Manifest shapes (OCI image manifest/index, Docker schema 2 manifest/list), their validation, and
// platform selection in an index. Pure: bytes and JSON in, typed data or diagnostics out.
import { BoxerError } from '@boxer/diagnostics';
import { badManifest, noMatchingPlatform, unsupportedManifest } from './diagnostics.js';

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  wasmConfig: 'application/vnd.wasm.config.v0+json',
  wasmLayer: 'application/wasm',
} as const;

/** The `Accept` header for manifest requests. */
export const MANIFEST_ACCEPT: string = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  /** Bytes. */
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

function descriptor(ref: string, d: unknown, where: string): Descriptor {
  if (typeof d !== 'object' || d === null) throw new BoxerError(badManifest(ref, `${where} is not an object`));
  const o = d as Record<string, unknown>;
  if (typeof o.digest !== 'string' || !DIGEST.test(o.digest)) throw new BoxerError(badManifest(ref, `${where}.digest ${JSON.stringify(o.digest)} is not a sha256 digest`));
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw new BoxerError(badManifest(ref, `${where}.size is not a non-negative integer`));
  if (typeof o.mediaType !== 'string') throw new BoxerError(badManifest(ref, `${where}.mediaType is missing`));
  const out: Descriptor = { mediaType: o.mediaType, digest: o.digest, size: o.size };
  if (typeof o.platform === 'object' && o.platform !== null) {
    const p = o.platform as Record<string, unknown>;
    out.platform = { os: String(p.os ?? ''), architecture: String(p.architecture ?? '') };
    if (typeof p.variant === 'string') out.platform.variant = p.variant;
  }
  if (typeof o.annotations === 'object' && o.annotations !== null) out.annotations = o.annotations as Record<string, string>;
  return out;
}

/**
 * Parses manifest bytes; the media type comes from the JSON, else from the response's Content-Type.
 * @throws BoxerError `REGISTRY_BAD_MANIFEST` or `REGISTRY_UNSUPPORTED_MANIFEST`.
 */
export function parseManifest(ref: string, bytes: Uint8Array, contentType?: string): { json: object; parsed: ImageManifest | ImageIndex } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new BoxerError(badManifest(ref, 'it is not valid UTF-8 JSON'));
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new BoxerError(badManifest(ref, 'it is not a JSON object'));
  const o = json as Record<string, unknown>;
  const header = contentType?.split(';')[0]!.trim();
  let mediaType = typeof o.mediaType === 'string' ? o.mediaType : header && header !== 'application/json' && header !== 'application/octet-stream' ? header : '';
  if (!mediaType) mediaType = Array.isArray(o.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest;
  if (o.schemaVersion !== 2) throw new BoxerError(unsupportedManifest(ref, `${mediaType} (schemaVersion ${JSON.stringify(o.schemaVersion)})`));
  if (mediaType === MEDIA_TYPES.ociIndex || mediaType === MEDIA_TYPES.dockerList) {
    if (!Array.isArray(o.manifests)) throw new BoxerError(badManifest(ref, 'the index has no "manifests" list'));
    return { json: o, parsed: { kind: 'index', mediaType, manifests: o.manifests.map((d, i) => descriptor(ref, d, `manifests[${i}]`)) } };
  }
  if (mediaType === MEDIA_TYPES.ociManifest || mediaType === MEDIA_TYPES.dockerManifest) {
    if (!Array.isArray(o.layers)) throw new BoxerError(badManifest(ref, 'the manifest has no "layers" list'));
    const parsed: ImageManifest = { kind: 'manifest', mediaType, config: descriptor(ref, o.config, 'config'), layers: o.layers.map((d, i) => descriptor(ref, d, `layers[${i}]`)) };
    if (typeof o.annotations === 'object' && o.annotations !== null) parsed.annotations = o.annotations as Record<string, string>;
    return { json: o, parsed };
  }
  throw new BoxerError(unsupportedManifest(ref, mediaType));
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

const WASM_OS = new Set(['wasi', 'wasip1', 'wasip2']);

/** The default platform when none is asked for: Linux on amd64 (boxer uses a Linux image's files, not its code). */
export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/**
 * Picks the manifest of an index: a `wasi/wasm` entry first, then `wanted` (a variant, when given,
 * must match). Attestation entries (`unknown/unknown`) are never picked.
 * @throws BoxerError `REGISTRY_NO_MATCHING_PLATFORM` listing the platforms the index has.
 */
export function selectPlatform(ref: string, index: ImageIndex, wanted: Platform = DEFAULT_PLATFORM): Descriptor {
  const entries = index.manifests.filter((d) => d.platform && d.platform.os !== 'unknown');
  const wasm = entries.find((d) => WASM_OS.has(d.platform!.os) && d.platform!.architecture === 'wasm');
  if (wasm) return wasm;
  const match = entries.find((d) => d.platform!.os === wanted.os && d.platform!.architecture === wanted.architecture && (wanted.variant === undefined || d.platform!.variant === wanted.variant));
  if (match) return match;
  throw new BoxerError(noMatchingPlatform(ref, platformString(wanted), [...new Set(entries.map((d) => platformString(d.platform!)))]));
}
