// `boxer run` limits end to end (DESIGN §5): --memory, --max-output, --max-write, --max-fds and
// --timeout (or the box's own limits), a closed pipe, and hostile programs and manifests — each ends
// with its documented exit code and at most one diagnostic, never "internal error".
import { execa } from 'execa';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { bundle, DEFAULT_LIMITS } from '@boxer/bundle';
import { encodeSnapshot, Tree } from '@boxer/vfs';
import { BIN, boxer, compileNative, FIXTURES, ROOT, tempDir } from './helpers.js';

const tmp = tempDir();
const boxes: Record<string, string> = {};
const MiB = 1024 * 1024;

/** Builds a box around fixtures/wasm/<name>.wasm with `boxer build`. */
async function buildFixtureBox(name: string): Promise<string> {
  const dir = join(tmp.path, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(FIXTURES, `wasm/${name}.wasm`), join(dir, `${name}.wasm`));
  writeFileSync(join(dir, 'Dockerfile'), `FROM scratch\nCOPY ${name}.wasm /${name}.wasm\nENTRYPOINT ["/${name}.wasm"]\n`);
  const out = join(tmp.path, `${name}.box.wasm`);
  const r = await boxer(['build', dir, '-o', out]);
  expect(r.exitCode, r.stderr).toBe(0);
  return out;
}

/** A box written with bundle() directly, for manifests `boxer build` would never write. */
function writeBox(name: string, program: Uint8Array, limits: Record<string, unknown> = DEFAULT_LIMITS as never): string {
  const tree = new Tree();
  tree.writeFile('/prog.wasm', program, { mode: 0o755 });
  const { box } = bundle({
    snapshot: encodeSnapshot(tree),
    config: { Env: [], Entrypoint: ['/prog.wasm'], WorkingDir: '/' },
    bases: [], steps: [], provenance: {}, limits: limits as never, boxerVersion: '0.0.0-test',
  });
  const out = join(tmp.path, `${name}.box.wasm`);
  writeFileSync(out, box);
  return out;
}

function expectOneDiagnostic(stderr: string, code: string): void {
  expect(stderr).toContain(code);
  expect(stderr.match(/\b(error|warning) [A-Z_]+:/g)).toHaveLength(1);
  expect(stderr).not.toContain('internal error');
  expect(stderr).not.toMatch(/^\s+at .+:\d+/m);
}

beforeAll(async () => {
  for (const name of ['flood', 'fill', 'alloc', 'spin', 'entries']) boxes[name] = await buildFixtureBox(name);
  const { readFileSync } = await import('node:fs');
  boxes.timeout = writeBox('timeout', readFileSync(join(FIXTURES, 'wasm/spin.wasm')), { ...DEFAULT_LIMITS, timeoutMs: 300 });
  boxes.lots = writeBox('lots', readFileSync(join(FIXTURES, 'wasm/hello.wasm')), { ...DEFAULT_LIMITS, maxFds: 'lots' });
  boxes.badsig = writeBox('badsig', await parse(`(module
    (import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $f (param i32 i32 i64) (result i32)))
    (memory (export "memory") 1)
    (func (export "_start") (drop (call $f (i32.const 1) (i32.const 0) (i64.const 0)))))`));
});
afterAll(() => tmp.cleanup());

describe('output', () => {
  it('`boxer run box | head -c 10` stops the guest and exits 141 quietly', async () => {
    const r = await execa('bash', ['-c', `node "$0" run "$1" | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`, BIN, boxes.flood!], { reject: false, cwd: ROOT });
    expect(r.stdout.trim()).toBe('141');
    expect(r.stderr).toBe('');
  });

  it('--max-output cuts the guest at exactly the limit: exit 153 and RUNTIME_OUTPUT_LIMIT', async () => {
    const r = await boxer(['run', '--max-output', '1m', boxes.flood!]);
    expect(r.exitCode).toBe(153);
    expect(Buffer.byteLength(r.stdout)).toBe(MiB);
    expectOneDiagnostic(r.stderr, 'RUNTIME_OUTPUT_LIMIT');
  });

  it('--timeout ends the run even when the reader of stdout has stopped reading', async () => {
    // stdout is a pipe nobody reads: had boxer waited for its queued output, it would never exit.
    const child = spawn('node', [BIN, 'run', '--timeout', '500ms', boxes.flood!], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(124);
    expectOneDiagnostic(stderr, 'RUNTIME_TIMEOUT');
    child.stdout.destroy();
  });
});

describe('memory and the writable layer', () => {
  it('--memory reaches the guest as a failing malloc()', async () => {
    const r = await boxer(['run', '--memory', '32m', boxes.alloc!]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('alloc: malloc failed');
    expect(Number(/alloc: (\d+) MiB/.exec(r.stdout)![1])).toBeLessThan(32);
  });

  it('--memory below the program\'s minimum refuses it with RUNTIME_MEMORY_LIMIT (exit 126)', async () => {
    const r = await boxer(['run', '--memory', '64k', boxes.alloc!]);
    expect(r.exitCode).toBe(126);
    expectOneDiagnostic(r.stderr, 'RUNTIME_MEMORY_LIMIT');
    expect(r.stderr).toContain('64 KiB');
  });

  it('--max-write 8m fills up as a tmpfs of size=8m does on Linux (sparse files allocate nothing)', async () => {
    // The reference: the same program built natively, run in a real tmpfs mounted with size=8m in a
    // private mount namespace (unshare -m; the test machine runs as root).
    const native = await compileNative('fill', tmp.path);
    const mnt = join(tmp.path, 'tmpfs-8m');
    mkdirSync(mnt);
    const linux = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=8m tmpfs "$1" && exec "$2" "$1"', 'sh', mnt, native], { reject: false, stripFinalNewline: false });
    expect(linux.exitCode, linux.stderr).toBe(0);
    const r = await boxer(['run', '--max-write', '8m', boxes.fill!, '/']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(linux.stdout);
    expect(r.stdout).toContain(`write-loop: ${8 * MiB} ENOSPC`);
  });
});

describe('directory entries', () => {
  it('count against --max-write: empty files in a loop end in ENOSPC, not in a host out of memory', async () => {
    const r = await boxer(['run', '--max-write', '64k', boxes.entries!, '/many', '100000']);
    expect(r.exitCode).toBe(1);
    // 64 KiB at ENTRY_COST (256 bytes) per entry: the directory itself, then 255 files.
    expect(r.stdout).toBe('created 255 then ENOSPC\n');
  });

  it('give their charge back when removed: create-and-delete never runs out', async () => {
    const r = await boxer(['run', '--max-write', '64k', boxes.entries!, 'churn', '/churn', '20000']);
    expect(r.stdout).toBe('created 20000\n');
    expect(r.exitCode).toBe(0);
  });
});

describe('limit flags and the box\'s own limits', () => {
  it('refuses out-of-range flag values with CLI_BAD_VALUE (exit 1)', async () => {
    for (const args of [['--max-fds', '2'], ['--max-fds', '100000'], ['--memory', '8g'], ['--memory', '100'], ['--timeout', '1000h'], ['--max-output', 'lots'], ['--max-write', '1x']]) {
      const r = await boxer(['run', ...args, boxes.spin!]);
      expect(r.exitCode, args.join(' ')).toBe(1);
      expectOneDiagnostic(r.stderr, 'CLI_BAD_VALUE');
      expect(r.stderr).toContain(args[0]);
    }
  });

  it("applies the box's timeout when no --timeout is given", async () => {
    const r = await boxer(['run', boxes.timeout!]);
    expect(r.exitCode).toBe(124);
    expectOneDiagnostic(r.stderr, 'RUNTIME_TIMEOUT');
    expect(r.stderr).toContain('300 ms');
  });

  it('a manifest with `maxFds: "lots"` is a damaged box (BOX_MALFORMED, exit 1)', async () => {
    const r = await boxer(['run', boxes.lots!]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BOX_MALFORMED');
    expect(r.stderr).toContain('maxFds');
  });

  it('a preview1 import with the wrong signature is refused by name (RUNTIME_BAD_MODULE, exit 126)', async () => {
    const r = await boxer(['run', boxes.badsig!]);
    expect(r.exitCode).toBe(126);
    expectOneDiagnostic(r.stderr, 'RUNTIME_BAD_MODULE');
    expect(r.stderr).toContain('wasi_snapshot_preview1.fd_fdstat_set_rights');
  });

  it('boxer inspect shows the limits a run applies, labelled as defaults', async () => {
    const r = await boxer(['inspect', boxes.spin!]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('limits:      memory 256m, fds 1024, output 64m, writes 1g, timeout none');
    expect(r.stdout).toMatch(/defaults boxer run enforces; override with --memory/);
    const t = await boxer(['inspect', boxes.timeout!]);
    expect(t.stdout).toContain('timeout 300 ms');
  });
});
