// Bounds-checked access to a guest's linear memory. In: guest pointers and lengths (u32) from host
// calls. Out: values read from or written to memory, or a GuestFault (the guest gets EFAULT) when
// any byte lies outside the memory as it is *now*: memory can grow between calls, so the views are
// rebuilt whenever `memory.buffer` changes.
import { Errno, WasiError } from './errno.js';

/** A guest pointer or length outside linear memory. */
export class GuestFault extends WasiError {
  constructor() {
    super(Errno.FAULT);
    this.name = 'GuestFault';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class GuestMemory {
  private memory: WebAssembly.Memory | undefined;
  private buffer: ArrayBufferLike | undefined;
  private view = new DataView(new ArrayBuffer(0));
  private u8 = new Uint8Array(0);

  bind(memory: WebAssembly.Memory): void {
    this.memory = memory;
    this.buffer = undefined;
  }

  get bound(): boolean {
    return this.memory !== undefined;
  }

  /** Rebuilds the views if memory grew (its buffer was replaced). Called at every host call. */
  refresh(): void {
    const memory = this.memory;
    if (!memory) throw new Error('a WASI function was called before start()/initialize() bound the memory');
    if (memory.buffer !== this.buffer) {
      this.buffer = memory.buffer;
      this.view = new DataView(this.buffer);
      this.u8 = new Uint8Array(this.buffer);
    }
  }

  /**
   * Throws GuestFault unless `[ptr, ptr + len)` lies inside memory. `ptr` is taken as u32 (an i32
   * argument may arrive negative); `len` may be any non-negative number (e.g. count * 8) or an i32.
   */
  check(ptr: number, len: number): void {
    if ((ptr >>> 0) + u32len(len) > this.u8.length) throw new GuestFault();
  }

  u8At(ptr: number): number {
    this.check(ptr, 1);
    return this.u8[ptr >>> 0]!;
  }
  u16At(ptr: number): number {
    this.check(ptr, 2);
    return this.view.getUint16(ptr >>> 0, true);
  }
  u32At(ptr: number): number {
    this.check(ptr, 4);
    return this.view.getUint32(ptr >>> 0, true);
  }
  u64At(ptr: number): bigint {
    this.check(ptr, 8);
    return this.view.getBigUint64(ptr >>> 0, true);
  }
  setU8(ptr: number, v: number): void {
    this.check(ptr, 1);
    this.u8[ptr >>> 0] = v;
  }
  setU16(ptr: number, v: number): void {
    this.check(ptr, 2);
    this.view.setUint16(ptr >>> 0, v, true);
  }
  setU32(ptr: number, v: number): void {
    this.check(ptr, 4);
    this.view.setUint32(ptr >>> 0, v >>> 0, true);
  }
  setU64(ptr: number, v: bigint): void {
    this.check(ptr, 8);
    this.view.setBigUint64(ptr >>> 0, BigInt.asUintN(64, v), true);
  }

  /** A live view of guest bytes (valid until the next call into the guest; copy to keep). */
  bytes(ptr: number, len: number): Uint8Array {
    this.check(ptr, len);
    return this.u8.subarray(ptr >>> 0, (ptr >>> 0) + u32len(len));
  }

  /** Copies `data` into guest memory at `ptr`. */
  write(ptr: number, data: Uint8Array): void {
    this.check(ptr, data.length);
    this.u8.set(data, ptr >>> 0);
  }

  /** A UTF-8 string from guest memory; EILSEQ when it is not valid UTF-8. */
  string(ptr: number, len: number): string {
    const bytes = this.bytes(ptr, len);
    try {
      // NOTE: decoding a view of a SharedArrayBuffer throws in browsers; copy first then.
      return decoder.decode(this.buffer instanceof ArrayBuffer ? bytes : bytes.slice());
    } catch {
      throw new WasiError(Errno.ILSEQ);
    }
  }

  /**
   * The iovec array at `ptr` (`count` entries of {buf u32, len u32}), each buffer bounds-checked.
   * Checked before the call does anything, so that a bad iovec never half-completes a read.
   */
  iovecs(ptr: number, count: number): { ptr: number; len: number }[] {
    this.check(ptr, (count >>> 0) * 8);
    const out: { ptr: number; len: number }[] = [];
    for (let i = 0; i < count >>> 0; i++) {
      const p = this.view.getUint32((ptr >>> 0) + i * 8, true);
      const len = this.view.getUint32((ptr >>> 0) + i * 8 + 4, true);
      this.check(p, len);
      out.push({ ptr: p, len });
    }
    return out;
  }
}

function u32len(len: number): number {
  return len < 0 ? len >>> 0 : len;
}
