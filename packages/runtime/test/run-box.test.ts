// runBox (Node host): output flow control between the guest's worker and the sinks, the output
// limit across the thread boundary, timeouts and aborts that do not wait for queued output, and the
// box's own limits applied when the caller gives none. Runs the built package (the worker is
// dist/node/worker.js): `npx tsc -b` first.
import { describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { runBox, runGuest, resolveLimits, LIMIT_CEILINGS } from '@boxer/runtime';
import { DEFAULT_LIMITS } from '@boxer/bundle';
import { fixture, makeBox, wat } from './box-helpers.js';

const MiB = 1024 * 1024;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const flood = makeBox(fixture('flood'));
const spin = makeBox(fixture('spin'));

describe('output flow control', () => {
  it('a flooding guest piped to a slow consumer keeps at most outputBuffer bytes in flight', async () => {
    let received = 0;
    const r = await runBox(flood, {
      args: [String(16 * MiB)],
      outputBuffer: 256 * 1024,
      stdout: async (b) => {
        // A consumer far slower than the guest: one turn of the event loop per 64 KiB.
        await tick();
        received += b.length;
      },
    });
    expect(r.exitCode).toBe(0);
    expect(received).toBe(16 * MiB);
    // The guest was held back: never more than the bound between it and the sink (not 16 MiB).
    expect(r.output.peakBufferedBytes).toBeGreaterThan(0);
    expect(r.output.peakBufferedBytes).toBeLessThanOrEqual(256 * 1024);
  });

  it('cuts a flood at the output limit with RUNTIME_OUTPUT_LIMIT and exit 153', async () => {
    let received = 0;
    const r = await runBox(flood, {
      limits: { maxOutputBytes: 3 * MiB + 1 },
      stdout: async (b) => {
        await tick();
        received += b.length;
      },
    });
    expect(r.exitCode).toBe(153);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RUNTIME_OUTPUT_LIMIT']);
    expect(received).toBe(3 * MiB + 1);
    expect(r.output.bytes).toBe(3 * MiB + 1);
    expect(r.output.peakBufferedBytes).toBeLessThanOrEqual(4 * MiB);
  });

  it('on timeout stops at once and drops queued output, even when the sink never finishes', async () => {
    let calls = 0;
    // NOTE: long enough for the worker to start and the guest to write its first chunk on a loaded
    // 2-core machine (at 300 ms the guest sometimes had not written yet).
    const r = await runBox(flood, {
      limits: { timeoutMs: 2500 },
      stdout: () => {
        calls++;
        return new Promise<void>(() => {});
      },
    });
    expect(r.exitCode).toBe(124);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['RUNTIME_TIMEOUT']);
    // The first chunk is still "being written"; nothing else reached the sink, and the guest was
    // held at the bound meanwhile.
    expect(calls).toBe(1);
    expect(r.output.peakBufferedBytes).toBeLessThanOrEqual(4 * MiB);
  });

  it('an abort stops the run at once and rejects with its reason', async () => {
    const stop = new AbortController();
    const reason = new Error('enough');
    let calls = 0;
    const run = runBox(flood, {
      signal: stop.signal,
      stdout: async () => {
        if (++calls === 3) stop.abort(reason);
        await tick();
      },
    });
    await expect(run).rejects.toBe(reason);
    expect(calls).toBe(3);
  });

  it('a sink that fails ends the run with its error', async () => {
    const broken = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    await expect(runBox(flood, { stdout: () => Promise.reject(broken) })).rejects.toBe(broken);
  });
});

describe("the box's own limits", () => {
  it('applies the manifest timeout when the caller gives none, and the caller\'s over it', async () => {
    const box = makeBox(fixture('spin'), { limits: { ...DEFAULT_LIMITS, timeoutMs: 300 } });
    const r = await runBox(box);
    expect(r.exitCode).toBe(124);
    expect(r.diagnostics[0]!.message).toContain('300 ms');
    const finite = await runBox(box, { args: ['1000'], limits: { timeoutMs: 30_000 } });
    expect(finite.exitCode).toBe(0);
    // A box without one runs unbounded (DEFAULT_LIMITS.timeoutMs = 0), as before.
    expect((await runBox(spin, { args: ['1000'] })).exitCode).toBe(0);
  });

  it('refuses an ill-typed or impossible manifest limit as a damaged box, and caps a large one', async () => {
    for (const maxFds of ['lots', 2, -1, 1.5]) {
      const box = makeBox(fixture('hello'), { limits: { ...DEFAULT_LIMITS, maxFds } });
      const e = await runBox(box).catch((x: unknown) => x);
      expect(e, String(maxFds)).toBeInstanceOf(BoxerError);
      expect((e as BoxerError).diagnostic.code).toBe('BOX_MALFORMED');
      expect((e as BoxerError).diagnostic.message).toContain('limits.maxFds');
    }
    const capped = resolveLimits({ ...DEFAULT_LIMITS, maxFds: 10 ** 9, memoryBytes: 2 ** 40, timeoutMs: 2 ** 40 }, undefined);
    expect(capped).toMatchObject({ maxFds: LIMIT_CEILINGS.maxFds, memoryBytes: 4 * 1024 ** 3, timeoutMs: 2 ** 31 - 1 });
  });

  it('refuses an override outside the host\'s range with a RangeError (not a worker crash)', async () => {
    await expect(runBox(flood, { limits: { maxFds: 2 } })).rejects.toThrow(RangeError);
    await expect(runBox(flood, { limits: { timeoutMs: 2 ** 31 } })).rejects.toThrow(RangeError);
    await expect(runBox(flood, { limits: { memoryBytes: 8 * 1024 ** 3 } })).rejects.toThrow(RangeError);
  });
});

describe('boxes in one process', () => {
  it('a spinning box and an allocating one are stopped by their limits while a third completes', async () => {
    // Grows its memory a page at a time for ever; when the limit refuses a page it aborts (a trap),
    // as a Rust or C++ program does on allocation failure.
    const hog = makeBox(await wat(`(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start")
        (loop $grow
          (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
          (br $grow))))`));
    const done: string[] = [];
    const spinning = runBox(spin, { limits: { timeoutMs: 2000 } }).then((r) => (done.push('spin'), r));
    const hogging = runBox(hog, { limits: { memoryBytes: 64 * MiB } }).then((r) => (done.push('hog'), r));
    let out = '';
    const third = runBox(makeBox(fixture('hello')), { args: ['neighbour'], stdout: (b) => void (out += new TextDecoder().decode(b)) }).then((r) => (done.push('hello'), r));
    const [s, h, t] = await Promise.all([spinning, hogging, third]);
    expect(t.exitCode).toBe(0);
    expect(out).toContain('neighbour');
    expect(h.exitCode).toBe(134);
    expect(h.diagnostics.map((d) => d.code)).toEqual(['RUNTIME_TRAP']);
    expect(s.exitCode).toBe(124);
    expect(s.diagnostics.map((d) => d.code)).toEqual(['RUNTIME_TIMEOUT']);
    // The third box did not wait for the spinning one: it finished while that one still ran.
    expect(done.indexOf('hello')).toBeLessThan(done.indexOf('spin'));
  });
});

describe('--persist and sparse files', () => {
  /** A guest that makes /big and sets its size (a hole: no bytes written). */
  const sparse = async (size: bigint): Promise<Uint8Array> => makeBox(await wat(`(module
    (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_filestat_set_size" (func $size (param i32 i64) (result i32)))
    (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "big")
    (func (export "_start")
      (if (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 3) (i32.const 1) (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 32)) (then (call $exit (i32.const 2))))
      (call $exit (call $size (i32.load (i32.const 32)) (i64.const ${size})))))`));

  it('refuses to keep a tree whose sparse files outgrow the write limit (a store holds every byte)', async () => {
    let saved = 0;
    const run = (box: Uint8Array): number => runGuest({ box, stdout: () => {}, stderr: () => {}, limits: { maxWriteBytes: MiB }, persist: { path: 'state.boxer', save: () => void saved++ } });
    // A 4 GiB hole costs the run nothing, but a store of it would hold 4 GiB.
    const huge = await sparse(4n * 1024n * 1024n * 1024n);
    expect(() => run(huge)).toThrow(/sparse files of 4294967296 bytes/);
    expect(saved).toBe(0);
    // Within the limit the store is written.
    expect(run(await sparse(512n * 1024n))).toBe(0);
    expect(saved).toBe(1);
  });
});

describe("boxer's own memory for a run", () => {
  it('a guest that makes the host hold too much is stopped with RUNTIME_HOST_MEMORY (137) while its neighbour completes', async () => {
    // Empty files in one directory, far more than 24 MiB of host heap can hold (the entry budget of
    // 1 GiB would allow four million).
    const hoarder = runBox(makeBox(fixture('entries')), { args: ['/many', '2000000'], limits: { maxWriteBytes: 1024 * MiB, timeoutMs: 60_000 }, hostHeapMb: 24 });
    let out = '';
    const neighbour = runBox(makeBox(fixture('hello')), { args: ['next door'], stdout: (b) => void (out += new TextDecoder().decode(b)) });
    const [h, n] = await Promise.all([hoarder, neighbour]);
    expect(h.exitCode).toBe(137);
    expect(h.diagnostics.map((x) => x.code)).toEqual(['RUNTIME_HOST_MEMORY']);
    expect(n.exitCode).toBe(0);
    expect(out).toContain('next door');
  });
});
