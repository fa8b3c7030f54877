// Snapshot + image config + grants → the box bytes (DESIGN §3). Pure: nothing is written here.
// Layout: header, `boxer.manifest`, `boxer.snapshot.index`, the stub's sections, `boxer.snapshot.data`
// (largest last, so readers of the manifest and index stop early). Same input, same bytes.
import { canonicalJson, type EncodedSnapshot } from '@boxer/vfs';
import type { ImageConfig } from '@boxer/image';
import { FORMAT_VERSION, DEFAULT_LIMITS, SECTION_DATA, SECTION_INDEX, SECTION_MANIFEST, type BoxLimits, type BoxManifest, type BuildStep } from './manifest.js';
import { STUB_BASE64 } from './stub.generated.js';
import { concatBytes, customSection, sections } from './wasm.js';

export interface BundleInput {
  snapshot: EncodedSnapshot;
  config: ImageConfig;
  author?: string;
  bases: BoxManifest['bases'];
  steps: BuildStep[];
  provenance: Record<string, number>;
  /** Default limits recorded in the box; the runtime's flags override them. */
  limits?: Partial<BoxLimits>;
  /** The boxer version to record. */
  boxerVersion: string;
}

export interface BundleResult {
  box: Uint8Array;
  manifest: BoxManifest;
}

let stubSections: Uint8Array | undefined;
/** The stub module's bytes without its 8-byte header. */
function stubBody(): Uint8Array {
  if (!stubSections) {
    const bytes = base64ToBytes(STUB_BASE64);
    // NOTE: keep the stub's `name` section out of boxes; a box's only custom sections are boxer's.
    const parts: Uint8Array[] = [];
    let offset = 8;
    for (const s of sections(bytes)) {
      const end = s.payload.byteOffset - bytes.byteOffset + s.payload.length;
      if (s.id !== 0) parts.push(bytes.subarray(offset, end));
      offset = end;
    }
    stubSections = concatBytes(parts);
  }
  return stubSections;
}

export function bundle(input: BundleInput): BundleResult {
  const config = input.config;
  const manifest: BoxManifest = {
    formatVersion: FORMAT_VERSION,
    boxer: input.boxerVersion,
    config,
    ...(input.author !== undefined ? { author: input.author } : {}),
    requested: {
      ports: Object.keys(config.ExposedPorts ?? {}).sort(),
      volumes: Object.keys(config.Volumes ?? {}).sort(),
    },
    limits: { ...DEFAULT_LIMITS, ...input.limits },
    bases: input.bases,
    snapshot: { digest: input.snapshot.digest, ...input.snapshot.stats },
    steps: input.steps,
    provenance: input.provenance,
  };
  const manifestBytes = new TextEncoder().encode(canonicalJson(manifest));
  const box = concatBytes([
    Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00),
    ...customSection(SECTION_MANIFEST, manifestBytes),
    ...customSection(SECTION_INDEX, input.snapshot.index),
    stubBody(),
    ...customSection(SECTION_DATA, input.snapshot.data),
  ]);
  return { box, manifest };
}


function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
