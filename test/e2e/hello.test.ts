// The walking skeleton end to end: examples/hello builds into one .wasm that `boxer run` runs, with
// argv/env/exit code behaving like `docker run`. Expected greeting lines come from the same C program
// built natively (gcc) and run on Linux with the same argv and env.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { print } from '@bytecodealliance/jco';
import { boxer, compileNative, ROOT, tempDir } from './helpers.js';

const tmp = tempDir();
let box: string;
let native: string;

beforeAll(async () => {
  box = join(tmp.path, 'h.wasm');
  const r = await boxer(['build', 'examples/hello', '-o', box]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.exitCode).toBe(0);
  native = await compileNative('hello', tmp.path);
});
afterAll(() => tmp.cleanup());

/** The native program's output for the same argv/env, minus the cwd line (see DESIGN §0.13). */
async function nativeLines(args: string[], greeting: string): Promise<string[]> {
  const r = await execa(native, args, { env: { GREETING: greeting }, extendEnv: false, cwd: tmp.path, reject: false });
  return r.stdout.split('\n').filter((l) => !l.startsWith('cwd: '));
}

describe('boxer build examples/hello && boxer run', () => {
  it('prints the greeting with the CMD argument and the ENV value', async () => {
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    // Dockerfile: ENV GREETING="Hello from a box", ENTRYPOINT ["/app/hello.wasm"], CMD ["world"].
    expect(lines.filter((l) => !l.startsWith('cwd: '))).toEqual(await nativeLines(['world'], 'Hello from a box'));
    expect(lines).toContain('Hello from a box, world!');
    // wasi-libc starts every preview1 program in "/" (DESIGN §0.13); WORKDIR is in the manifest.
    expect(lines).toContain('cwd: /');
  });

  it('replaces CMD with the arguments after the box (a leading -- is dropped)', async () => {
    for (const args of [['alice'], ['--', 'alice']]) {
      const r = await boxer(['run', box, ...args]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout.trimEnd().split('\n').filter((l) => !l.startsWith('cwd: '))).toEqual(await nativeLines(['alice'], 'Hello from a box'));
      expect(r.stdout).toContain('Hello from a box, alice!');
      expect(r.stdout).not.toContain('world');
    }
  });

  it('-e overrides the image ENV', async () => {
    const r = await boxer(['run', '-e', 'GREETING=yo', box]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('yo, world!');
    expect(r.stdout).not.toContain('Hello from a box');
  });

  it("exits with the guest's exit code", async () => {
    const n = await execa(native, ['--exit', '3'], { reject: false });
    expect(n.exitCode).toBe(3);
    const r = await boxer(['run', box, '--exit', '3']);
    expect(r.exitCode).toBe(n.exitCode);
    const z = await boxer(['run', box, '--exit', '0']);
    expect(z.exitCode).toBe(0);
  });

  it('passes the guest stderr through', async () => {
    const r = await boxer(['run', box, '--stderr', 'to stderr']);
    expect(r.stderr).toBe('to stderr\n');
    expect(r.stdout).not.toContain('to stderr');
  });

  it('reports a trap with a diagnostic and exit code 134', async () => {
    const r = await boxer(['run', box, '--trap']);
    expect(r.exitCode).toBe(134);
    expect(r.stderr).toContain('RUNTIME_TRAP');
    expect(r.stdout).toContain('Hello from a box, world!');
  });
});

describe('the box file', () => {
  it('is byte-identical when built again from another path, at another time, in another locale', async () => {
    const { cpSync, utimesSync } = await import('node:fs');
    const copy = join(tmp.path, 'elsewhere', 'hello');
    cpSync(join(ROOT, 'examples/hello'), copy, { recursive: true });
    utimesSync(join(copy, 'hello.wasm'), new Date('2031-01-02T03:04:05Z'), new Date('2031-01-02T03:04:05Z'));
    const again = join(tmp.path, 'again.wasm');
    const r = await boxer(['build', copy, '-o', again], { env: { TZ: 'Asia/Kathmandu', LANG: 'de_DE.UTF-8', LC_ALL: 'tr_TR.UTF-8' }, cwd: tmp.path });
    expect(r.exitCode).toBe(0);
    expect(Buffer.compare(readFileSync(box), readFileSync(again))).toBe(0);
  });

  it('is a valid WebAssembly module whose custom sections wasm-tools (jco print) lists', async () => {
    const bytes = readFileSync(box);
    expect([...bytes.subarray(0, 8)]).toEqual([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(WebAssembly.validate(bytes)).toBe(true);
    const wat = await print(bytes);
    for (const name of ['boxer.manifest', 'boxer.snapshot.index', 'boxer.snapshot.data']) {
      expect(wat).toContain(`(@custom "${name}"`);
    }
    expect(wat).toContain('(export "_start"');
  });

  it("its stub tells a stock WASI runtime to use boxer run, on stderr, exiting 126", async () => {
    const bytes = readFileSync(box);
    const module = new WebAssembly.Module(bytes);
    let stderr = '';
    let exit: number | undefined;
    let memory!: WebAssembly.Memory;
    // A bare-bones preview1 host with only what the stub imports: fd_write and proc_exit.
    const instance = new WebAssembly.Instance(module, {
      wasi_snapshot_preview1: {
        fd_write: (fd: number, iovs: number, n: number, written: number) => {
          const view = new DataView(memory.buffer);
          let total = 0;
          for (let i = 0; i < n; i++) {
            const ptr = view.getUint32(iovs + i * 8, true);
            const len = view.getUint32(iovs + i * 8 + 4, true);
            if (fd === 2) stderr += Buffer.from(memory.buffer, ptr, len).toString();
            total += len;
          }
          view.setUint32(written, total, true);
          return 0;
        },
        proc_exit: (code: number) => {
          exit = code;
          throw new Error('exit');
        },
      },
    });
    memory = instance.exports.memory as WebAssembly.Memory;
    expect(() => (instance.exports._start as () => void)()).toThrow('exit');
    expect(exit).toBe(126);
    expect(stderr).toContain('boxer run');
  });
});

describe('boxer inspect', () => {
  it('--json prints valid JSON describing the config and the files', async () => {
    const r = await boxer(['inspect', '--json', box]);
    expect(r.exitCode).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.manifest.config.Entrypoint).toEqual(['/app/hello.wasm']);
    expect(j.manifest.config.Cmd).toEqual(['world']);
    expect(j.manifest.config.WorkingDir).toBe('/app');
    expect(j.manifest.config.Env).toContain('GREETING=Hello from a box');
    expect(j.manifest.config.Labels['org.opencontainers.image.title']).toBe('hello');
    const hello = j.files.find((f: { path: string }) => f.path === '/app/hello.wasm');
    const onDisk = readFileSync(join(ROOT, 'examples/hello/hello.wasm'));
    expect(hello.size).toBe(onDisk.length);
    const { createHash } = await import('node:crypto');
    expect(hello.digest).toBe(`sha256:${createHash('sha256').update(onDisk).digest('hex')}`);
    expect(hello.step.line).toBeGreaterThan(0);
    expect(j.files.map((f: { path: string }) => f.path)).toContain('/app/data/message.txt');
    // .dockerignore of the example excludes *.md: README.md is not in the box.
    expect(j.files.map((f: { path: string }) => f.path)).not.toContain('/README.md');
  });

  it('escapes terminal control sequences that a box carries (review finding M5)', async () => {
    const t = tempDir();
    try {
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(t.path, 'Dockerfile'), 'FROM scratch\nENV A="\x1b[1A\x1b[2Kcmd: [\\"/safe.wasm\\"]"\nLABEL title="\x1b]0;pwned\x07"\n');
      const out = join(t.path, 'ansi.wasm');
      expect((await boxer(['build', t.path, '-o', out])).exitCode).toBe(0);
      const r = await boxer(['inspect', out]);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('A=\\x1b[1A\\x1b[2Kcmd');
      expect(r.stdout).not.toMatch(/[\x1b\x07]/);
    } finally {
      t.cleanup();
    }
  });

  it('prints a readable summary without --json', async () => {
    const r = await boxer(['inspect', box]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/entrypoint: +\["\/app\/hello.wasm"\]/);
    expect(r.stdout).toContain('/app/data/message.txt');
  });
});

describe('limits', () => {
  it('--timeout stops a guest that spins, with exit code 124 and a diagnostic', async () => {
    const t = tempDir();
    try {
      const { writeFileSync, copyFileSync } = await import('node:fs');
      copyFileSync(join(ROOT, 'fixtures/wasm/spin.wasm'), join(t.path, 'spin.wasm'));
      writeFileSync(join(t.path, 'Dockerfile'), 'FROM scratch\nCOPY spin.wasm /spin.wasm\nENTRYPOINT ["/spin.wasm"]\n');
      const spin = join(t.path, 'box.wasm');
      expect((await boxer(['build', t.path, '-o', spin])).exitCode).toBe(0);
      const r = await boxer(['run', '--timeout', '300ms', spin]);
      expect(r.exitCode).toBe(124);
      expect(r.stderr).toContain('RUNTIME_TIMEOUT');
      // Stopped by the limit, not by the loop ending: it prints "done" only when it finishes.
      expect(r.stdout).not.toContain('done');
      const finite = await boxer(['run', '--timeout', '30s', spin, '1000']);
      expect(finite.exitCode).toBe(0);
      expect(finite.stdout).toBe('done\n');
    } finally {
      t.cleanup();
    }
  });
});
