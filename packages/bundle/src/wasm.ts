// The few WebAssembly binary-format operations a box needs: LEB128, custom sections, and a walk over
// the sections of a module that hands back zero-copy views. Written by hand (about 80 lines) because
// `WebAssembly.Module.customSections` must compile the module and returns copies, and wasm tooling
// libraries (jco/wasm-tools, wabt) load megabytes of Wasm to do the same walk.

export const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d] as const;
export const WASM_VERSION = [0x01, 0x00, 0x00, 0x00] as const;

export function encodeU32(n: number): number[] {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`not a u32: ${n}`);
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export class WasmFormatError extends Error {}

/** Joins byte arrays into one new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads an unsigned LEB128 u32 at `offset`; returns [value, next offset]. */
export function decodeU32(bytes: Uint8Array, offset: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (let i = 0; i < 5; i++) {
    if (offset >= bytes.length) throw new WasmFormatError('truncated LEB128 integer');
    const b = bytes[offset++]!;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) {
      if (result > 0xffffffff) throw new WasmFormatError('LEB128 integer exceeds u32');
      return [result, offset];
    }
    shift += 7;
  }
  throw new WasmFormatError('LEB128 integer longer than 5 bytes');
}

/** A custom section (id 0) holding `name` and `payload`. */
export function customSection(name: string, payload: Uint8Array): Uint8Array[] {
  const nameBytes = new TextEncoder().encode(name);
  const nameLen = encodeU32(nameBytes.length);
  const size = nameLen.length + nameBytes.length + payload.length;
  return [Uint8Array.of(0, ...encodeU32(size), ...nameLen), nameBytes, payload];
}

export interface Section {
  id: number;
  /** Custom sections only. */
  name?: string;
  /** The section's content (after the name, for custom sections): a view into the module bytes. */
  payload: Uint8Array;
}

/** True when `bytes` start with the Wasm magic and version 1. */
export function isWasmModule(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && WASM_MAGIC.every((b, i) => bytes[i] === b) && WASM_VERSION.every((b, i) => bytes[4 + i] === b);
}

/** Walks the sections of a module. Throws WasmFormatError on any structural damage. */
export function* sections(bytes: Uint8Array): Generator<Section> {
  if (!isWasmModule(bytes)) throw new WasmFormatError('not a WebAssembly module (bad magic or version)');
  let offset = 8;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (offset < bytes.length) {
    const id = bytes[offset++]!;
    const [size, start] = decodeU32(bytes, offset);
    const end = start + size;
    if (end > bytes.length) throw new WasmFormatError(`section ${id} at byte ${offset - 1} runs past the end of the module`);
    if (id === 0) {
      const [nameLen, nameStart] = decodeU32(bytes, start);
      if (nameStart + nameLen > end) throw new WasmFormatError('custom section name runs past its section');
      let name: string;
      try {
        name = decoder.decode(bytes.subarray(nameStart, nameStart + nameLen));
      } catch {
        throw new WasmFormatError('custom section name is not UTF-8');
      }
      yield { id, name, payload: bytes.subarray(nameStart + nameLen, end) };
    } else {
      yield { id, payload: bytes.subarray(start, end) };
    }
    offset = end;
  }
}
