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
  /**
   * Builds a fresh tree for one run; its files are views into `data` until written. With
   * `verifyContent`, every file's bytes are checked against the digest the index records.
   */
  tree(options?: { verifyContent?: boolean }): Tree;
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
  return { manifest, index, data: dataView, tree: (options = {}) => namingFile(file, () => decodeSnapshot(index, dataView, options)) };
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
  const problem = checkManifest(manifest);
  if (problem) throw new BoxerError(malformed(file, `the manifest's ${problem}`));
  return manifest;
}

// ---- manifest schema ----------------------------------------------------------------------------
// Every field a reader touches is checked for its type, so a hostile manifest gets BOX_MALFORMED,
// never a crash in `inspect` or `run`. Returns what is wrong, or undefined.

type Check = (v: unknown) => boolean;
const str: Check = (v) => typeof v === 'string';
const nat: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const recordOf = (c: Check): Check => (v) => isPlainObject(v) && Object.values(v).every(c);
const optional = (c: Check): Check => (v) => v === undefined || v === null || c(v);
const empty: Check = (v) => isPlainObject(v) && Object.keys(v).length === 0;

const CONFIG: Record<string, Check> = {
  Env: arrayOf(str), Entrypoint: optional(arrayOf(str)), Cmd: optional(arrayOf(str)), WorkingDir: str,
  User: optional(str), ExposedPorts: optional(recordOf(empty)), Volumes: optional(recordOf(empty)),
  Labels: optional(recordOf(str)), StopSignal: optional(str), Healthcheck: optional(isPlainObject),
  Shell: optional(arrayOf(str)), OnBuild: optional(arrayOf(str)),
};
const SNAPSHOT: Record<string, Check> = { digest: str, files: nat, dirs: nat, symlinks: nat, hardlinks: nat, bytes: nat, dataBytes: nat };
const LIMITS: Record<string, Check> = { memoryBytes: nat, timeoutMs: nat, maxFds: nat, maxOutputBytes: nat, maxWriteBytes: nat };

function checkManifest(m: BoxManifest): string | undefined {
  const fields = (what: string, obj: unknown, spec: Record<string, Check>): string | undefined => {
    if (!isPlainObject(obj)) return `${what} is not an object`;
    for (const [k, check] of Object.entries(spec)) {
      if (!check((obj as Record<string, unknown>)[k])) return `${what}.${k} is missing or has the wrong type`;
    }
    return undefined;
  };
  return (
    (str(m.boxer) ? undefined : 'boxer version is missing') ??
    fields('config', m.config, CONFIG) ??
    (m.author === undefined || str(m.author) ? undefined : 'author is not a string') ??
    fields('requested', m.requested, { ports: arrayOf(str), volumes: arrayOf(str) }) ??
    fields('limits', m.limits, LIMITS) ??
    (arrayOf((b) => fields('', b, { stage: str, ref: str, digest: optional(str) }) === undefined)(m.bases) ? undefined : 'bases are malformed') ??
    fields('snapshot', m.snapshot, SNAPSHOT) ??
    (arrayOf((x) => fields('', x, { line: nat, text: str }) === undefined)(m.steps) ? undefined : 'steps are malformed') ??
    (recordOf((i) => nat(i) && (i as number) < m.steps.length)(m.provenance) ? undefined : 'provenance is malformed')
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
