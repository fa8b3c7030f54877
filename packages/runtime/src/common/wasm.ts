// What the runtime checks and changes in a guest module before the engine sees it (DESIGN §0.2).
// In: the module's bytes. Out: `checkPreview1Imports()` refuses an import of `wasi_snapshot_preview1`
// that the host does not provide with exactly that signature (the engine links any JS function to
// any signature, and a mismatch would surface later as a TypeError inside the host);
// `limitMemory()` returns a copy whose memories (defined or imported) have their maximum lowered to
// the memory limit, so `memory.grow` past it fails in the guest (-1) as on any engine.
// Both read only the type, import and memory sections, through @boxer/bundle's section walk; the
// engine validates everything else when it compiles the result.
import { concatBytes, decodeU32, encodeU32, sections, WasmFormatError } from '@boxer/bundle';

export { WasmFormatError };

export const WASI_MODULE = 'wasi_snapshot_preview1';
export const PAGE_SIZE = 65536;
/** Pages a 32-bit memory can have (4 GiB). */
export const MAX_PAGES = 65536;

const I32 = 0x7f;
const I64 = 0x7e;

type Sig = readonly [params: string, results: string];

/**
 * Every preview1 function and its core signature, `i` = i32, `I` = i64. Taken from wasi-libc's
 * `libc-bottom-half/sources/__wasilibc_real.c` (WebAssembly/wasi-libc, generated from
 * wasi_snapshot_preview1.witx): the `__imported_wasi_snapshot_preview1_*` declarations.
 */
export const PREVIEW1_SIGNATURES: Readonly<Record<string, Sig>> = {
  args_get: ['ii', 'i'],
  args_sizes_get: ['ii', 'i'],
  environ_get: ['ii', 'i'],
  environ_sizes_get: ['ii', 'i'],
  clock_res_get: ['ii', 'i'],
  clock_time_get: ['iIi', 'i'],
  fd_advise: ['iIIi', 'i'],
  fd_allocate: ['iII', 'i'],
  fd_close: ['i', 'i'],
  fd_datasync: ['i', 'i'],
  fd_fdstat_get: ['ii', 'i'],
  fd_fdstat_set_flags: ['ii', 'i'],
  fd_fdstat_set_rights: ['iII', 'i'],
  fd_filestat_get: ['ii', 'i'],
  fd_filestat_set_size: ['iI', 'i'],
  fd_filestat_set_times: ['iIIi', 'i'],
  fd_pread: ['iiiIi', 'i'],
  fd_prestat_get: ['ii', 'i'],
  fd_prestat_dir_name: ['iii', 'i'],
  fd_pwrite: ['iiiIi', 'i'],
  fd_read: ['iiii', 'i'],
  fd_readdir: ['iiiIi', 'i'],
  fd_renumber: ['ii', 'i'],
  fd_seek: ['iIii', 'i'],
  fd_sync: ['i', 'i'],
  fd_tell: ['ii', 'i'],
  fd_write: ['iiii', 'i'],
  path_create_directory: ['iii', 'i'],
  path_filestat_get: ['iiiii', 'i'],
  path_filestat_set_times: ['iiiiIIi', 'i'],
  path_link: ['iiiiiii', 'i'],
  path_open: ['iiiiiIIii', 'i'],
  path_readlink: ['iiiiii', 'i'],
  path_remove_directory: ['iii', 'i'],
  path_rename: ['iiiiii', 'i'],
  path_symlink: ['iiiii', 'i'],
  path_unlink_file: ['iii', 'i'],
  poll_oneoff: ['iiii', 'i'],
  proc_exit: ['i', ''],
  proc_raise: ['i', 'i'],
  sched_yield: ['', 'i'],
  random_get: ['ii', 'i'],
  sock_accept: ['iii', 'i'],
  sock_recv: ['iiiiii', 'i'],
  sock_send: ['iiiii', 'i'],
  sock_shutdown: ['ii', 'i'],
};

/** A module the runtime refuses; the message completes "… is not a valid WebAssembly program: ". */
export class ModuleRefused extends Error {}
/** A module refused for one of its `wasi_snapshot_preview1` imports. */
export class ImportRefused extends ModuleRefused {}

/** A module whose memory minimum is above the limit. */
export class MemoryTooSmall extends Error {
  constructor(readonly minimumPages: number, readonly limitPages: number) {
    super(`the module needs ${minimumPages} pages of memory, the limit allows ${limitPages}`);
  }
}

const SECTION_TYPE = 1;
const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;

const decoder = new TextDecoder('utf-8', { fatal: true });

/** A cursor over one section's payload. */
class Reader {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}
  get done(): boolean {
    return this.at >= this.bytes.length;
  }
  byte(): number {
    if (this.at >= this.bytes.length) throw new WasmFormatError('section ends early');
    return this.bytes[this.at++]!;
  }
  u32(): number {
    const [value, next] = decodeU32(this.bytes, this.at);
    this.at = next;
    return value;
  }
  /** Skips a signed LEB128 of at most `maxBytes` bytes (a heap type index). */
  skipLeb(maxBytes: number): void {
    for (let i = 0; i < maxBytes; i++) if ((this.byte() & 0x80) === 0) return;
    throw new WasmFormatError('LEB128 integer too long');
  }
  name(): string {
    const len = this.u32();
    if (this.at + len > this.bytes.length) throw new WasmFormatError('name runs past its section');
    try {
      return decoder.decode(this.bytes.subarray(this.at, (this.at += len)));
    } catch {
      throw new WasmFormatError('name is not UTF-8');
    }
  }
  /** A value type; numeric types as their byte, reference types as 'r'. */
  valType(): string {
    const b = this.byte();
    if (b === I32) return 'i';
    if (b === I64) return 'I';
    if (b === 0x7d) return 'f';
    if (b === 0x7c) return 'F';
    if (b === 0x7b) return 'v';
    // NOTE: (ref null? ht) with a heap type index (function references / GC).
    if (b === 0x63 || b === 0x64) {
      this.skipLeb(5);
      return 'r';
    }
    if (b >= 0x69 && b <= 0x74) return 'r';
    throw new WasmFormatError(`unknown value type 0x${b.toString(16)}`);
  }
}

interface Limits {
  flags: number;
  min: number;
  max: number | undefined;
  /** Byte range of the limits inside the payload. */
  start: number;
  end: number;
}

function readLimits(r: Reader, what: string): Limits {
  const start = r.at;
  const flags = r.byte();
  // NOTE: bit 0 = has maximum, bit 1 = shared (threads), bit 2 = 64-bit (memory64).
  if (flags & ~0x07) throw new WasmFormatError(`unknown ${what} limits flags 0x${flags.toString(16)}`);
  if (flags & 0x04) throw new ModuleRefused(`it uses a 64-bit ${what}, which boxer does not run`);
  const min = r.u32();
  const max = flags & 0x01 ? r.u32() : undefined;
  return { flags, min, max, start, end: r.at };
}

function skipTableType(r: Reader): void {
  const t = r.valType();
  if (t !== 'r') throw new WasmFormatError('table element type is not a reference type');
  readLimits(r, 'table');
}

interface Import {
  module: string;
  name: string;
  kind: number;
  /** Function imports: the type index. */
  type?: number;
  /** Memory imports: the limits. */
  limits?: Limits;
}

interface Parsed {
  types: (Sig | undefined)[];
  imports: Import[];
  /** Where each section lies in the module: [start of its id byte, end of its payload). */
  spans: { id: number; start: number; end: number; payload: Uint8Array }[];
}

function parse(bytes: Uint8Array): Parsed {
  const types: (Sig | undefined)[] = [];
  const imports: Import[] = [];
  const spans: Parsed['spans'] = [];
  let offset = 8;
  for (const s of sections(bytes)) {
    const end = s.payload.byteOffset - bytes.byteOffset + s.payload.length;
    spans.push({ id: s.id, start: offset, end, payload: s.payload });
    offset = end;
    if (s.id === SECTION_TYPE) {
      const r = new Reader(s.payload);
      for (let n = r.u32(), i = 0; i < n; i++) {
        const form = r.byte();
        // NOTE: only plain function types (0x60). Engines that run boxer's guests do not enable
        // the GC proposal's rec groups and subtypes; a module with them is refused, not guessed at.
        if (form !== 0x60) throw new ModuleRefused(`its type section uses form 0x${form.toString(16)}, which boxer cannot check`);
        let params = '';
        for (let k = r.u32(), j = 0; j < k; j++) params += r.valType();
        let results = '';
        for (let k = r.u32(), j = 0; j < k; j++) results += r.valType();
        types.push([params, results]);
      }
    } else if (s.id === SECTION_IMPORT) {
      const r = new Reader(s.payload);
      for (let n = r.u32(), i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0x00) imports.push({ module, name, kind, type: r.u32() });
        else if (kind === 0x01) {
          skipTableType(r);
          imports.push({ module, name, kind });
        } else if (kind === 0x02) imports.push({ module, name, kind, limits: readLimits(r, 'memory') });
        else if (kind === 0x03) {
          r.valType();
          r.byte();
          imports.push({ module, name, kind });
        } else if (kind === 0x04) {
          r.byte();
          r.u32();
          imports.push({ module, name, kind });
        } else throw new WasmFormatError(`unknown import kind 0x${kind.toString(16)}`);
      }
    }
  }
  return { types, imports, spans };
}

const KIND_NAMES = ['function', 'table', 'memory', 'global', 'tag'];
const show = (sig: Sig): string => `(${[...sig[0]].map(typeName).join(', ')}) -> (${[...sig[1]].map(typeName).join(', ')})`;
function typeName(c: string): string {
  return ({ i: 'i32', I: 'i64', f: 'f32', F: 'f64', v: 'v128', r: 'ref' } as Record<string, string>)[c] ?? c;
}

/**
 * Throws ModuleRefused naming the first `wasi_snapshot_preview1` import that is not a preview1
 * function with its exact signature. Imports from other modules are left to the engine's linker.
 */
export function checkPreview1Imports(bytes: Uint8Array): void {
  const { types, imports } = parse(bytes);
  for (const imp of imports) {
    if (imp.module !== WASI_MODULE) continue;
    const label = `${WASI_MODULE}.${imp.name}`;
    const want = PREVIEW1_SIGNATURES[imp.name];
    if (!Object.hasOwn(PREVIEW1_SIGNATURES, imp.name) || !want) throw new ImportRefused(`it imports ${JSON.stringify(label)}, which is not a WASI preview1 function`);
    if (imp.kind !== 0x00) throw new ImportRefused(`it imports ${JSON.stringify(label)} as a ${KIND_NAMES[imp.kind] ?? 'non-function'}; preview1 defines it as a function ${show(want)}`);
    const got = types[imp.type!];
    if (!got) throw new WasmFormatError(`import ${label} names type ${imp.type}, which does not exist`);
    if (got[0] !== want[0] || got[1] !== want[1]) {
      throw new ImportRefused(`it imports ${JSON.stringify(label)} with the signature ${show(got)}; preview1 defines ${show(want)}`);
    }
  }
}

/**
 * A copy of the module whose every memory (defined or imported) has a maximum of at most
 * `limitPages`; throws MemoryTooSmall when a memory's minimum is above it. A module without
 * memories is returned as it is.
 */
export function limitMemory(bytes: Uint8Array, limitPages: number): Uint8Array {
  if (!Number.isInteger(limitPages) || limitPages < 0 || limitPages > MAX_PAGES) throw new RangeError(`not a page count: ${limitPages}`);
  const { spans } = parse(bytes);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let changed = false;
  for (const span of spans) {
    let payload: Uint8Array | undefined;
    if (span.id === SECTION_MEMORY) payload = patchMemorySection(span.payload, limitPages);
    else if (span.id === SECTION_IMPORT) payload = patchImportSection(span.payload, limitPages);
    if (payload) {
      changed = true;
      parts.push(Uint8Array.of(span.id, ...encodeU32(payload.length)), payload);
    } else {
      parts.push(bytes.subarray(span.start, span.end));
    }
  }
  if (!changed) return bytes;
  return concatBytes(parts);
}

function capped(l: Limits, limitPages: number): number[] {
  if (l.min > limitPages) throw new MemoryTooSmall(l.min, limitPages);
  const max = l.max === undefined ? limitPages : Math.min(l.max, limitPages);
  return [l.flags | 0x01, ...encodeU32(l.min), ...encodeU32(max)];
}

/** The memory section with each memory's limits capped. */
function patchMemorySection(payload: Uint8Array, limitPages: number): Uint8Array {
  const r = new Reader(payload);
  const n = r.u32();
  const out: number[] = [...encodeU32(n)];
  for (let i = 0; i < n; i++) out.push(...capped(readLimits(r, 'memory'), limitPages));
  if (!r.done) throw new WasmFormatError('memory section has trailing bytes');
  return Uint8Array.from(out);
}

/** The import section with each memory import's limits capped, or undefined when it has none. */
function patchImportSection(payload: Uint8Array, limitPages: number): Uint8Array | undefined {
  const r = new Reader(payload);
  const pieces: Uint8Array[] = [];
  let copied = 0;
  for (let n = r.u32(), i = 0; i < n; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) r.u32();
    else if (kind === 0x01) skipTableType(r);
    else if (kind === 0x02) {
      const l = readLimits(r, 'memory');
      pieces.push(payload.subarray(copied, l.start), Uint8Array.from(capped(l, limitPages)));
      copied = l.end;
    } else if (kind === 0x03) {
      r.valType();
      r.byte();
    } else if (kind === 0x04) {
      r.byte();
      r.u32();
    } else throw new WasmFormatError(`unknown import kind 0x${kind.toString(16)}`);
  }
  if (pieces.length === 0) return undefined;
  pieces.push(payload.subarray(copied));
  return concatBytes(pieces);
}
