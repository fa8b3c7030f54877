// `boxer run` as a process, like `docker run`: -i streams stdin while the guest runs, -t makes the
// guest's stdio terminals (and -it refuses a stdin that is not one, as docker does), Ctrl-C and
// SIGTERM stop the guest with 130 and 143.
import { execa } from 'execa';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, boxer, tempDir } from './helpers.js';

const tmp = tempDir('boxer-process-');
const box = join(tmp.path, 'box.wasm');

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'bin'), { recursive: true });
  for (const name of ['cat', 'tty', 'spin', 'counter']) cpSync(join(FIXTURES, 'wasm', `${name}.wasm`), join(ctx, 'bin', name));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nENTRYPOINT ["/bin/cat"]\n');
  const r = await boxer(['build', ctx, '-o', box, '--progress', 'quiet']);
  expect(r.exitCode, r.stderr).toBe(0);
});

afterAll(() => tmp.cleanup());

/** Starts `boxer run …` with piped stdio. */
function start(args: string[]) {
  return execa('node', [BIN, 'run', ...args], { reject: false, stdin: 'pipe', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false, stripFinalNewline: false });
}

/** Resolves once `stream` has carried `text`. */
function seen(stream: NodeJS.ReadableStream, text: string): Promise<void> {
  let got = '';
  return new Promise((resolve) => {
    stream.on('data', (b: Buffer) => {
      got += b.toString();
      if (got.includes(text)) resolve();
    });
  });
}

describe('boxer run -i', () => {
  it('streams stdin: the guest answers the first line before the second is written', async () => {
    const child = start(['-i', box, '6']);
    const first = seen(child.stdout!, 'first\n');
    child.stdin!.write('first\n');
    await first;
    child.stdin!.end('second\n');
    const r = await child;
    expect(r.exitCode).toBe(0);
    // NOTE: read(2) of 6 bytes: "first\n" in one, "second\n" in two (6 + 1), as from a pipe on Linux.
    expect(r.stdout).toBe('first\nsecond\n\n--\nbytes: 13 reads: 3\n');
  });

  it('gives the guest an empty stdin without -i, whatever boxer is fed', async () => {
    const r = await boxer(['run', box], { input: 'ignored\n' });
    expect(r.stdout).toBe('\n--\nbytes: 0 reads: 0\n');
  });

  it('refuses -it when stdin is not a terminal, as docker run does', async () => {
    const r = await boxer(['run', '-it', box], { input: 'x' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('CLI_NOT_A_TTY');
  });
});

describe('boxer run -t', () => {
  it('makes the guest see terminals only when asked', async () => {
    expect((await boxer(['run', '--entrypoint', '/bin/tty', box])).stdout).toBe('stdin: no\nstdout: no\nstderr: no\n');
    expect((await boxer(['run', '-t', '--entrypoint', '/bin/tty', box])).stdout).toBe('stdin: yes\nstdout: yes\nstderr: yes\n');
  });
});

describe('signals', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${signal} stops a spinning guest and boxer exits ${code}, keeping nothing of the run`, async () => {
      const store = join(tmp.path, `${signal}.boxer`);
      const before = await boxer(['run', '--persist', store, '--entrypoint', '/bin/counter', box]);
      expect(before.stdout).toBe('count 1\n');
      const kept = readFileSync(store);
      const child = start(['--persist', store, '--entrypoint', '/bin/spin', box]);
      // NOTE: give the worker time to start the guest; the signal must find it spinning.
      await new Promise((r) => setTimeout(r, 700));
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(code);
      expect(readFileSync(store).equals(kept)).toBe(true);
    });
  }
});
