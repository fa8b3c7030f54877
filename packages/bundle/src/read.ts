// Box bytes → manifest + snapshot views, validating everything (a box is untrusted input).
// In: the bytes of a file the user named. Out: `OpenedBox`, whose index/data are views into `bytes`.
import { BoxerError } from '@boxer/diagnostics';
import { decodeSnapshot, digestOf, parseSnapshotIndex, type SnapshotIndex, type Tree } from '@boxer/vfs';
import { FORMAT_MAJOR, FORMAT_VERSION, SECTION_DATA, SECTION_INDEX, SECTION_MANIFEST, type BoxManifest } from './manifest.js';
import { malformed, notABox, notWasm, tooNew } from './diagnostics.js';
import { isWasmModule, sections, WasmFormatError } from './wasm.js';

export interface OpenedBox {
  manifest: BoxManifest;
  /** Parsed and validated snapshot index. */
  index: SnapshotIndex;
  /** View of the data section inside the box bytes (no copy). */
  data: Uint8Array;
  /** Builds a fresh tree for one run; its files are views into `data` until written. */
  tree(): Tree;
}

export interface ReadBoxOptions {
  /** Name used in diagnostics. @default 'the box' */
  file?: string;
}

export function readBox(bytes: Uint8Array, options: ReadBoxOptions = {}): OpenedBox {
  const file = options.file ?? 'the box';
  if (!isWasmModule(bytes)) throw new BoxerError(notWasm(file));
  let manifestBytes: Uint8Array | undefined;
  let indexBytes: Uint8Array | undefined;
  let data: Uint8Array | undefined;
  try {
    for (const s of sections(bytes)) {
      if (s.id !== 0) continue;
      const seen = s.name === SECTION_MANIFEST ? manifestBytes : s.name === SECTION_INDEX ? indexBytes : s.name === SECTION_DATA ? data : undefined;
      if (seen) throw new BoxerError(malformed(file, `section ${s.name} appears twice`));
      if (s.name === SECTION_MANIFEST) manifestBytes = s.payload;
      else if (s.name === SECTION_INDEX) indexBytes = s.payload;
      else if (s.name === SECTION_DATA) data = s.payload;
    }
  } catch (e) {
    if (e instanceof WasmFormatError) throw new BoxerError(malformed(file, e.message));
    throw e;
  }
  if (!manifestBytes) throw new BoxerError(notABox(file));
  if (!indexBytes || !data) throw new BoxerError(malformed(file, 'the snapshot sections are missing'));
  const manifest = parseManifest(manifestBytes, file);
  if (digestOf(indexBytes) !== manifest.snapshot.digest) {
    throw new BoxerError(malformed(file, `the snapshot index does not match the digest in the manifest (${manifest.snapshot.digest})`));
  }
  const index = namingFile(file, () => parseSnapshotIndex(indexBytes!));
  const dataView = data;
  return { manifest, index, data: dataView, tree: () => namingFile(file, () => decodeSnapshot(index, dataView)) };
}

/** Runs `fn`, putting the box's name in front of a snapshot diagnostic it raises. */
function namingFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BoxerError) throw new BoxerError(e.diagnostics.map((d) => ({ ...d, message: `${file}: ${d.message}` })));
    throw e;
  }
}

function parseManifest(bytes: Uint8Array, file: string): BoxManifest {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new BoxerError(malformed(file, `the manifest is not UTF-8 JSON (${(e as Error).message})`));
  }
  if (typeof m !== 'object' || m === null || typeof (m as BoxManifest).formatVersion !== 'string') {
    throw new BoxerError(malformed(file, 'the manifest has no formatVersion'));
  }
  const manifest = m as BoxManifest;
  const major = Number(manifest.formatVersion.split('.')[0]);
  if (!Number.isInteger(major)) throw new BoxerError(malformed(file, `bad formatVersion ${JSON.stringify(manifest.formatVersion)}`));
  if (major > FORMAT_MAJOR) throw new BoxerError(tooNew(file, manifest.formatVersion, FORMAT_VERSION));
  const c = manifest.config as unknown;
  const ok =
    typeof c === 'object' && c !== null &&
    Array.isArray((c as BoxManifest['config']).Env) && (c as BoxManifest['config']).Env.every((e) => typeof e === 'string') &&
    isStringArrayOrAbsent((c as BoxManifest['config']).Entrypoint) && isStringArrayOrAbsent((c as BoxManifest['config']).Cmd) &&
    typeof (c as BoxManifest['config']).WorkingDir === 'string' &&
    typeof manifest.snapshot === 'object' && manifest.snapshot !== null && typeof manifest.snapshot.digest === 'string';
  if (!ok) throw new BoxerError(malformed(file, 'the manifest lacks a valid config or snapshot digest'));
  return manifest;
}

function isStringArrayOrAbsent(v: unknown): boolean {
  return v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
}
