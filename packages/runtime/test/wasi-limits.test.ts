// WasiHost's own limits: the output limit (stdout + stderr) and the writable-layer limit
// (maxWriteBytes), and that no call allocates host memory in proportion to what the guest asks for.
//
// Expected values are boxer's accounting, not a native run's: Linux's tmpfs allocates lazily (an
// ftruncate to 2 GiB succeeds and costs nothing until written), boxer's layer holds file bytes in
// memory, so growth is charged when it happens; what a full disk answers (short write, then ENOSPC,
// write(2)) is Linux's.
import { describe, expect, it } from 'vitest';
import { Tree } from '@boxer/vfs';
import { WasiHost, type WasiHostOptions } from '../src/common/wasi.js';
import { Errno } from '../src/common/errno.js';
import { OFlags } from '../src/common/abi.js';
import { EXIT_OUTPUT_LIMIT } from '../src/common/exit-codes.js';
import { enc, runWasi, tinyModule } from './wasi-helpers.js';

type Call = (...args: (number | bigint)[]) => number;
const ALL = (1n << 30n) - 1n;
const MiB = 1024 * 1024;

/** A host over a tiny module whose memory the test grows to `pages`; returns the imports and helpers. */
function setup(options: Partial<WasiHostOptions> & { pages?: number } = {}) {
  const chunks: { fd: number; bytes: Uint8Array }[] = [];
  const host = new WasiHost({
    args: ['prog'],
    env: [],
    stdout: (b) => chunks.push({ fd: 1, bytes: b }),
    stderr: (b) => chunks.push({ fd: 2, bytes: b }),
    ...options,
    tree: options.tree ?? new Tree(),
  });
  const instance = new WebAssembly.Instance(tinyModule(), host.imports() as WebAssembly.Imports);
  host.initialize(instance);
  const memory = instance.exports.memory as WebAssembly.Memory;
  memory.grow((options.pages ?? 2) - 1);
  const w = host.imports().wasi_snapshot_preview1 as unknown as Record<string, Call>;
  const dv = (): DataView => new DataView(memory.buffer);
  const RET = 8;
  const IOVS = 64;
  const STR = 4096;
  /** Writes `count` iovecs at IOVS, each [ptr, len]. */
  const iovs = (list: [number, number][]): number => {
    list.forEach(([p, l], i) => {
      dv().setUint32(IOVS + i * 8, p, true);
      dv().setUint32(IOVS + i * 8 + 4, l, true);
    });
    return list.length;
  };
  const open = (path: string, oflags = OFlags.CREAT): number => {
    const b = enc(path);
    new Uint8Array(memory.buffer).set(b, STR);
    const e = w.path_open!(3, 1, STR, b.length, oflags, ALL, ALL, 0, RET);
    if (e !== 0) throw new Error(`path_open ${path}: ${e}`);
    return dv().getUint32(RET, true);
  };
  /** fd_write of `len` bytes from guest address 0x10000 (as many iovecs as `parts`). */
  const write = (fd: number, len: number, parts = 1): [number, number] => {
    const n = iovs(Array.from({ length: parts }, () => [0x10000, len / parts] as [number, number]));
    const e = w.fd_write!(fd, IOVS, n, RET);
    return [e, dv().getUint32(RET, true)];
  };
  const unlink = (path: string): number => {
    const b = enc(path);
    new Uint8Array(memory.buffer).set(b, STR);
    return w.path_unlink_file!(3, STR, b.length);
  };
  const rename = (from: string, to: string): number => {
    const a = enc(from);
    const b = enc(to);
    new Uint8Array(memory.buffer).set(a, STR);
    new Uint8Array(memory.buffer).set(b, STR + 256);
    return w.path_rename!(3, STR, a.length, 3, STR + 256, b.length);
  };
  const link = (from: string, to: string): number => {
    const a = enc(from);
    const b = enc(to);
    new Uint8Array(memory.buffer).set(a, STR);
    new Uint8Array(memory.buffer).set(b, STR + 256);
    return w.path_link!(3, 0, STR, a.length, 3, STR + 256, b.length);
  };
  return { host, w, memory, chunks, iovs, open, write, unlink, rename, link, RET, IOVS };
}

describe('the output limit (maxOutputBytes, stdout + stderr)', () => {
  it('passes on exactly the limit, then stops the guest with RUNTIME_OUTPUT_LIMIT and exit 153', () => {
    const r = runWasi('flood', { args: ['0', '10000'], maxOutputBytes: 100_000 });
    expect(r.code).toBe(EXIT_OUTPUT_LIMIT);
    expect(r.stdout.length).toBe(100_000);
    // The guest never got to print "flood: done" nor a write error: it was stopped inside fd_write.
    expect(r.stderr).toBe('');
  });

  it('counts stderr with stdout, allows a write that ends exactly at the limit, and stays stopped', () => {
    const { host, w, write, chunks, RET } = setup({ maxOutputBytes: 300 });
    expect(write(1, 200)).toEqual([0, 200]);
    expect(write(2, 100)).toEqual([0, 100]);
    expect(host.stopped).toBeUndefined();
    expect(write(2, 0)).toEqual([0, 0]);
    expect(() => write(1, 1)).toThrow();
    expect(host.stopped?.code).toBe('RUNTIME_OUTPUT_LIMIT');
    // Every later call (even one a guest makes after catching the stop) stops it again.
    expect(() => w.fd_fdstat_get!(1, RET)).toThrow();
    expect(() => w.proc_exit!(0)).toThrow();
    expect(chunks.reduce((n, c) => n + c.bytes.length, 0)).toBe(300);
  });

  it('never allocates more than a 64 KiB chunk per sink call, whatever the iovecs add up to', () => {
    // 64 iovecs of 16 MiB each ask for 1 GiB in one fd_write; the limit lets 1 MiB + 5 bytes through.
    const { host, iovs, w, chunks, IOVS, RET } = setup({ pages: 256 + 2, maxOutputBytes: MiB + 5 });
    const n = iovs(Array.from({ length: 64 }, () => [0x10000, 16 * MiB] as [number, number]));
    expect(() => w.fd_write!(1, IOVS, n, RET)).toThrow();
    expect(host.stopped?.code).toBe('RUNTIME_OUTPUT_LIMIT');
    expect(chunks.reduce((s, c) => s + c.bytes.length, 0)).toBe(MiB + 5);
    expect(Math.max(...chunks.map((c) => c.bytes.length))).toBeLessThanOrEqual(65536);
    // Each chunk is its own buffer (a sink may keep or transfer it).
    expect(new Set(chunks.map((c) => c.bytes.buffer)).size).toBe(chunks.length);
    expect(chunks.every((c) => c.bytes.byteOffset === 0 && c.bytes.byteLength === c.bytes.buffer.byteLength)).toBe(true);
  });

  it('gathers small iovecs into one chunk', () => {
    const { write, chunks } = setup();
    expect(write(1, 12, 3)).toEqual([0, 12]);
    expect(chunks.map((c) => c.bytes.length)).toEqual([12]);
  });
});

describe('the writable-layer limit (maxWriteBytes)', () => {
  it('a guest asking for 2 GiB (ftruncate, pwrite far out, a write loop) fills up as tmpfs size=8m does', () => {
    const r = runWasi('fill', { args: ['/'], maxWriteBytes: 8 * MiB });
    // Expected: the same program built natively, run on Linux in a tmpfs mounted with size=8m (the
    // e2e test limits.test.ts runs that comparison live): a sparse ftruncate and a far pwrite take
    // no room, the write loop fills the layer exactly, a short symlink needs no data block, and
    // unlinking the full file gives its bytes back.
    expect(r.stdout.split('\n')).toEqual([
      'ftruncate-big: ok',
      'pwrite-far: ok',
      `write-loop: ${8 * MiB} ENOSPC`,
      'symlink: ok',
      'unlink-write: 1048576',
      '',
    ]);
    expect(r.code).toBe(0);
  });

  it('a write that does not fit is short; nothing is written past the limit', () => {
    const { open, write, host } = setup({ pages: 32, maxWriteBytes: 1000 });
    const fd = open('a');
    expect(write(fd, 600)).toEqual([0, 600]);
    expect(write(fd, 600)).toEqual([0, 400]);
    expect(write(fd, 1)).toEqual([Errno.NOSPC, 400]);
    expect(host.usage.writeBytes).toBe(1000);
  });

  it('one fd_write of 1 GiB of iovecs to a file writes what fits without a gather buffer', () => {
    const { iovs, open, w, IOVS, RET, memory, host } = setup({ pages: 256 + 2, maxWriteBytes: MiB });
    const fd = open('big');
    const n = iovs(Array.from({ length: 64 }, () => [0x10000, 16 * MiB] as [number, number]));
    expect(w.fd_write!(fd, IOVS, n, RET)).toBe(0);
    expect(new DataView(memory.buffer).getUint32(RET, true)).toBe(MiB);
    expect(host.usage.writeBytes).toBe(MiB);
  });

  it('an unlinked file keeps its bytes charged until its last descriptor closes', () => {
    const { open, write, unlink, w } = setup({ pages: 32, maxWriteBytes: 4096 });
    const a = open('a');
    expect(write(a, 4096)).toEqual([0, 4096]);
    expect(unlink('a')).toBe(0);
    const b = open('b');
    expect(write(b, 1)[0]).toBe(Errno.NOSPC);
    expect(w.fd_close!(a)).toBe(0);
    expect(write(b, 4096)).toEqual([0, 4096]);
  });

  it('shrinking a file and renaming over one give bytes back; hard links cost nothing more', () => {
    const { open, write, w, host, rename, link } = setup({ pages: 32, maxWriteBytes: 4096 });
    const a = open('a');
    expect(write(a, 4096)).toEqual([0, 4096]);
    expect(w.fd_filestat_set_size!(a, 1024n)).toBe(0);
    expect(host.usage.writeBytes).toBe(1024);
    expect(w.fd_filestat_set_size!(a, 8192n)).toBe(Errno.NOSPC);
    expect(w.fd_allocate!(a, 0n, 4096n)).toBe(0);
    expect(host.usage.writeBytes).toBe(4096);
    expect(w.fd_close!(a)).toBe(0);
    expect(link('a', 'a2')).toBe(0);
    expect(host.usage.writeBytes).toBe(4096);
    const b = open('b');
    expect(write(b, 1)[0]).toBe(Errno.NOSPC);
    expect(w.fd_close!(b)).toBe(0);
    // b replaces a, but a2 still names a's bytes; once b also replaces a2 they are given back.
    expect(rename('b', 'a')).toBe(0);
    expect(host.usage.writeBytes).toBe(4096);
    expect(rename('a', 'a2')).toBe(0);
    expect(host.usage.writeBytes).toBe(0);
  });

  it('overwriting a file of the box in place is free; growing it past its size is charged', () => {
    const tree = new Tree();
    tree.writeFile('/data', new Uint8Array(1000).fill(1));
    const { open, w, iovs, IOVS, RET, host, memory } = setup({ tree, pages: 32, maxWriteBytes: 10 });
    const fd = open('data', 0);
    const n = iovs([[0x10000, 4096]]);
    expect(w.fd_pwrite!(fd, IOVS, iovs([[0x10000, 1000]]), 0n, RET)).toBe(0);
    expect(host.usage.writeBytes).toBe(0);
    // 5 bytes overwrite the end, 10 more grow it to the limit; the write is short (15 of 4096).
    expect(w.fd_pwrite!(fd, IOVS, n, 995n, RET)).toBe(0);
    expect(new DataView(memory.buffer).getUint32(RET, true)).toBe(15);
    expect(host.usage.writeBytes).toBe(10);
    expect(w.fd_pwrite!(fd, IOVS, n, 1010n, RET)).toBe(Errno.NOSPC);
  });

  it('a large file grows a page at a time: a write past its last page needs a whole free page', () => {
    const tree = new Tree();
    tree.writeFile('/data', new Uint8Array(2 * MiB).fill(1));
    const { open, w, iovs, IOVS, RET, host, memory } = setup({ tree, pages: 32, maxWriteBytes: 64 * 1024 });
    const fd = open('data', 0);
    const n = iovs([[0x10000, 4096]]);
    // In place, inside pages the file holds: free.
    expect(w.fd_pwrite!(fd, IOVS, n, BigInt(MiB), RET)).toBe(0);
    expect(host.usage.writeBytes).toBe(0);
    // Past the end: one new page (64 KiB), which just fits; the next page does not.
    expect(w.fd_pwrite!(fd, IOVS, n, BigInt(2 * MiB), RET)).toBe(0);
    expect(new DataView(memory.buffer).getUint32(RET, true)).toBe(4096);
    expect(host.usage.writeBytes).toBe(64 * 1024);
    expect(w.fd_pwrite!(fd, IOVS, n, BigInt(2 * MiB + 64 * 1024), RET)).toBe(Errno.NOSPC);
  });

  it('overwriting a large file of the box in place needs no room at all', () => {
    const tree = new Tree();
    tree.writeFile('/data', new Uint8Array(2 * MiB).fill(1));
    const { open, w, iovs, IOVS, RET, host, memory } = setup({ tree, pages: 32, maxWriteBytes: 1 });
    const fd = open('data', 0);
    expect(w.fd_pwrite!(fd, IOVS, iovs([[0x10000, 4096]]), BigInt(MiB + 100), RET)).toBe(0);
    expect(new DataView(memory.buffer).getUint32(RET, true)).toBe(4096);
    expect(host.usage.writeBytes).toBe(0);
  });
});

describe('the entry budget', () => {
  it('charges a symlink one entry per 256 bytes of its target, per name, and gives the same back', () => {
    // maxWriteBytes 4096: 16 entries of ENTRY_COST (256) bytes.
    const { w, memory, host } = setup({ pages: 32, maxWriteBytes: 4096 });
    const symlink = (target: string, name: string): number => {
      const t = enc(target);
      const p = enc(name);
      new Uint8Array(memory.buffer).set(t, 0x8000);
      new Uint8Array(memory.buffer).set(p, 0x9000);
      return w.path_symlink!(0x8000, t.length, 3, 0x9000, p.length);
    };
    const long = 'x'.repeat(1000); // 1 + floor(1000 / 256) = 4 entries
    expect(symlink(long, 'a')).toBe(0);
    expect(symlink(long, 'b')).toBe(0);
    expect(symlink(long, 'c')).toBe(0);
    expect(symlink(long, 'd')).toBe(0);
    expect(symlink('short', 'e')).toBe(Errno.NOSPC);
    expect(host.usage.writeBytes).toBe(0);
  });
});
