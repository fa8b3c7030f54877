#!/usr/bin/env node
// `npm run bench`: speed and size, as ratios against a baseline measured in the same run (never as
// assertions in tests). Needs `npm run build` first (the prepare script does it on install).
//
// 1. tree: boxer's in-memory Tree vs memfs (the library issue 3 named) for what a build does —
//    create N files in nested directories, then look every path up — and the heap each retains.
// 2. flatten: a ~100 MB three-layer gzip image through @boxer/layers vs GNU `tar -xzf` of the same
//    layers into a tmpfs (/dev/shm), the floor for unpacking.
// 3. run: cold start of examples/hello as a box (worker + decode + compile + run) vs the same
//    module instantiated directly in this thread with a no-op host (the floor).
// 4. mounts and --persist: a guest reading 2,000 files natively, from the box, through a -v mount;
//    and a run with --persist against one without.
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { Volume } from 'memfs';
import { Tree, encodeSnapshot, decodeSnapshot } from '@boxer/vfs';
import { runBox, runGuest } from '@boxer/runtime';
import { build } from 'boxer';
import { flatten } from '@boxer/layers';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const N = Number(process.env.BENCH_FILES ?? 20000);
const payload = new Uint8Array(1024).fill(7);
const paths = Array.from({ length: N }, (_, i) => `/d${i % 50}/e${i % 7}/f${i}.txt`);

function time(fn) {
  const t = performance.now();
  const r = fn();
  return [performance.now() - t, r];
}
function heap() {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}
function best(n, fn) {
  let min = Infinity;
  for (let i = 0; i < n; i++) min = Math.min(min, fn());
  return min;
}

const rows = [];
function row(name, base, value, unit) {
  rows.push({ name, baseline: `${base.toFixed(1)} ${unit}`, boxer: `${value.toFixed(1)} ${unit}`, ratio: (value / base).toFixed(2) });
}

// --- tree vs memfs ---
const memfsCreate = () => time(() => {
  const vol = new Volume();
  for (const p of paths) {
    vol.mkdirSync(p.slice(0, p.lastIndexOf('/')), { recursive: true });
    vol.writeFileSync(p, payload);
  }
  return vol;
});
const treeCreate = () => time(() => {
  const t = new Tree();
  for (const p of paths) t.writeFile(p, payload, {}, { parents: true });
  return t;
});
const h0 = heap();
const [, vol] = memfsCreate();
const hMem = heap() - h0;
const h1 = heap();
const [, tree] = treeCreate();
const hTree = heap() - h1;
row(`create ${N} files (ms)`, best(3, () => memfsCreate()[0]), best(3, () => treeCreate()[0]), 'ms');
row(`stat ${N} paths (ms)`, best(3, () => time(() => { for (const p of paths) vol.statSync(p); })[0]), best(3, () => time(() => { for (const p of paths) tree.get(p); })[0]), 'ms');
// NOTE: memfs copies each file's bytes; the Tree keeps the caller's view (zero-copy by design).
row(`heap retained (MiB)`, hMem / 2 ** 20, hTree / 2 ** 20, 'MiB');

// --- snapshot codec (no baseline library: absolute numbers) ---
const [encMs, snap] = time(() => encodeSnapshot(tree));
const [decMs] = time(() => decodeSnapshot(snap.index, snap.data));

// --- flatten vs tar -xzf ---
{
  const work = mkdtempSync('/tmp/boxer-bench-');
  const layers = [];
  for (let l = 0; l < 3; l++) {
    const src = join(work, `src${l}`);
    for (let f = 0; f < 330; f++) {
      mkdirSync(join(src, `d${f % 10}`), { recursive: true });
      // Half random (incompressible), half text: a realistic mix for binaries and data.
      writeFileSync(join(src, `d${f % 10}`, `f${l}-${f}.bin`), Buffer.concat([randomBytes(50_000), Buffer.from('x'.repeat(50_000))]));
    }
    const tgz = join(work, `layer${l}.tar.gz`);
    execFileSync('tar', ['-czf', tgz, '-C', src, '.']);
    layers.push(tgz);
  }
  const mb = (3 * 330 * 100_000) / 2 ** 20;
  const shm = existsSync('/dev/shm') ? '/dev/shm' : work;
  const tarMs = best(3, () => {
    const dest = mkdtempSync(join(shm, 'boxer-bench-x-'));
    const t = performance.now();
    for (const l of layers) execFileSync('tar', ['-xzf', l, '-C', dest]);
    const ms = performance.now() - t;
    rmSync(dest, { recursive: true, force: true });
    return ms;
  });
  let flatMs = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await flatten(layers.map((p) => ({ open: () => readFileSync(p) })));
    flatMs = Math.min(flatMs, performance.now() - t);
  }
  row(`flatten ${mb.toFixed(0)} MiB in 3 gzip layers: tar -xzf to tmpfs vs flatten (ms)`, tarMs, flatMs, 'ms');
  rmSync(work, { recursive: true, force: true });
}

// --- cold start ---
const { box } = await build({ context: new URL('../examples/hello', import.meta.url).pathname });
const hello = readFileSync(new URL('../examples/hello/hello.wasm', import.meta.url));
const floor = best(5, () => {
  const t = performance.now();
  const m = new WebAssembly.Module(hello);
  let mem;
  const inst = new WebAssembly.Instance(m, { wasi_snapshot_preview1: new Proxy({}, { get: (_, name) => name === 'proc_exit' ? () => { throw 0; } : name === 'fd_write' ? (fd, iov, n, out) => { const v = new DataView(mem.buffer); let total = 0; for (let i = 0; i < n; i++) total += v.getUint32(iov + 8 * i + 4, true); v.setUint32(out, total, true); return 0; } : () => 0 }) });
  mem = inst.exports.memory;
  try { inst.exports._start(); } catch {}
  return performance.now() - t;
});
let cold = Infinity;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  await runBox(box, { stdout: () => {}, stderr: () => {} });
  cold = Math.min(cold, performance.now() - t);
}
let inThread = Infinity;
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  runGuest({ box, stdout: () => {}, stderr: () => {} });
  inThread = Math.min(inThread, performance.now() - t);
}
row('run hello: bare module vs runGuest in-thread (ms)', floor, inThread, 'ms');
row('run hello: runGuest in-thread vs runBox in a worker (ms)', inThread, cold, 'ms');

// --- mounts and --persist ---
// A guest listing and reading 2,000 small files (fixtures/wasm/lsdir.wasm): the same C program
// built natively (the floor), the files in the box, the files in a -v mount (every name looked up
// and every file opened on the host through /proc/self/fd). Then the cost of --persist on that box.
{
  const work = mkdtempSync('/tmp/boxer-bench-mount-');
  const data = join(work, 'data');
  for (let i = 0; i < 2000; i++) {
    mkdirSync(join(data, `d${i % 20}`), { recursive: true });
    writeFileSync(join(data, `d${i % 20}`, `f${i}.txt`), `file ${i}\n`);
  }
  const lsdir = new URL('../fixtures/wasm/lsdir.wasm', import.meta.url).pathname;
  const native = join(work, 'lsdir');
  execFileSync('gcc', ['-O2', '-std=c11', '-D_GNU_SOURCE', '-o', native, new URL('../fixtures/wasm/src/lsdir.c', import.meta.url).pathname]);
  const nativeMs = best(3, () => time(() => execFileSync(native, [data], { maxBuffer: 1 << 26 }))[0]);
  const ctx = join(work, 'ctx');
  mkdirSync(ctx);
  execFileSync('cp', ['-r', data, join(ctx, 'data')]);
  writeFileSync(join(ctx, 'lsdir.wasm'), readFileSync(lsdir));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY lsdir.wasm /lsdir.wasm\nCOPY data/ /data/\nENTRYPOINT ["/lsdir.wasm", "/data"]\n');
  const { box: filesBox } = await build({ context: ctx });
  const timed = async (options) => {
    let min = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      const r = await runBox(filesBox, { stdout: () => {}, stderr: () => {}, ...options });
      if (r.exitCode !== 0) throw new Error(`bench run failed: ${r.exitCode}`);
      min = Math.min(min, performance.now() - t);
    }
    return min;
  };
  const inBox = await timed({});
  const inMount = await timed({ args: ['/mnt'], grants: { mounts: [{ source: data, target: '/mnt', readonly: true }] } });
  const persisted = await timed({ grants: { persist: join(work, 'store.boxer') } });
  row('list+read 2,000 files: native lsdir vs the files in the box (ms)', nativeMs, inBox, 'ms');
  row('list+read 2,000 files: in the box vs through a -v mount (ms)', inBox, inMount, 'ms');
  row('run of that box: without vs with --persist (ms)', inBox, persisted, 'ms');
  rmSync(work, { recursive: true, force: true });
}

console.table(rows);
console.log(`snapshot of ${N} files: encode ${encMs.toFixed(0)} ms, decode ${decMs.toFixed(0)} ms, index ${(snap.index.length / 2 ** 20).toFixed(1)} MiB, data ${(snap.data.length / 2 ** 10).toFixed(0)} KiB (deduplicated from ${(N * payload.length / 2 ** 20).toFixed(0)} MiB)`);
console.log(`box: examples/hello is ${box.length} bytes (hello.wasm alone: ${hello.length})`);
