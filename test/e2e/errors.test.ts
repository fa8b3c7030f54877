// Bad input gets one clear diagnostic — location, code, hint — exit code 1 and no stack trace.
import { mkdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { boxer, FIXTURES, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function context(name: string, dockerfile: string | undefined, files: Record<string, string> = {}): string {
  const dir = join(tmp.path, name);
  mkdirSync(dir, { recursive: true });
  if (dockerfile !== undefined) writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  for (const [p, c] of Object.entries(files)) writeFileSync(join(dir, p), c);
  return dir;
}

function expectOneDiagnostic(stderr: string, code: string): void {
  expect(stderr).toContain(code);
  expect(stderr.match(/\b(error|warning) [A-Z_]+:/g)).toHaveLength(1);
  expect(stderr).toMatch(/^ {2}hint: \S/m);
  // No stack trace: no "    at fn (file:line)" frames.
  expect(stderr).not.toMatch(/^\s+at .+:\d+/m);
}

describe('build errors', () => {
  it('a missing Dockerfile', async () => {
    const dir = context('no-dockerfile', undefined);
    const r = await boxer(['build', dir, '-o', join(tmp.path, 'x.wasm')]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BUILD_DOCKERFILE_NOT_FOUND');
    expect(r.stderr).toContain(join(dir, 'Dockerfile'));
  });

  it('an unknown instruction, with its file:line:col and a suggestion', async () => {
    const dir = context('unknown', 'FROM scratch\nCOPPY a.txt /a.txt\n', { 'a.txt': 'a' });
    const r = await boxer(['build', '-f', join(dir, 'Dockerfile'), dir, '-o', join(tmp.path, 'x.wasm')]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'DOCKERFILE_UNKNOWN_INSTRUCTION');
    expect(r.stderr).toContain(`${join(dir, 'Dockerfile')}:2:1:`);
    expect(r.stderr).toContain('COPY');
  });

  it('a missing COPY source, at the COPY line', async () => {
    const dir = context('missing-src', 'FROM scratch\nENV A=1\nCOPY nope.txt /nope.txt\n');
    const r = await boxer(['build', dir, '-o', join(tmp.path, 'x.wasm')]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BUILD_COPY_SOURCE_NOT_FOUND');
    expect(r.stderr).toMatch(/Dockerfile:3:1: error BUILD_COPY_SOURCE_NOT_FOUND: COPY source "nope.txt"/);
  });

  it('an unsupported instruction names its line instead of being skipped', async () => {
    const dir = context('run', 'FROM scratch\nRUN echo hi\n');
    const r = await boxer(['build', dir, '-o', join(tmp.path, 'x.wasm')]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BUILD_UNSUPPORTED_INSTRUCTION');
    expect(r.stderr).toMatch(/Dockerfile:2:1: error BUILD_UNSUPPORTED_INSTRUCTION: RUN/);
  });
});

describe('run errors', () => {
  it('a file that is not WebAssembly', async () => {
    const f = join(tmp.path, 'text.wasm');
    writeFileSync(f, 'hello\n');
    const r = await boxer(['run', f]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BOX_NOT_WASM');
  });

  it('a WebAssembly module that is not a box', async () => {
    const f = join(tmp.path, 'plain.wasm');
    copyFileSync(join(FIXTURES, 'wasm/hello.wasm'), f);
    const r = await boxer(['run', f]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BOX_NOT_A_BOX');
    expect(r.stderr).toContain('FROM scratch');
  });

  it('a missing box file', async () => {
    const r = await boxer(['run', join(tmp.path, 'absent.wasm')]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'CLI_BOX_NOT_FOUND');
  });

  it('a truncated box', async () => {
    const dir = context('trunc', 'FROM scratch\nCOPY a.txt /a.txt\n', { 'a.txt': 'a' });
    const box = join(tmp.path, 'full.wasm');
    expect((await boxer(['build', dir, '-o', box])).exitCode).toBe(0);
    const { readFileSync } = await import('node:fs');
    const bytes = readFileSync(box);
    const cut = join(tmp.path, 'cut.wasm');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1));
    const r = await boxer(['run', cut]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'BOX_MALFORMED');
  });

  it('a box whose file bytes were changed after the build: run refuses the program, inspect the box', async () => {
    // see: review finding M2 — the index digest alone does not cover the data section.
    const { readFileSync } = await import('node:fs');
    const box = join(tmp.path, 'tamper.wasm');
    expect((await boxer(['build', 'examples/hello', '-o', box])).exitCode).toBe(0);
    const bytes = Buffer.from(readFileSync(box));
    const at = bytes.lastIndexOf(Buffer.from('argc: '));
    expect(at).toBeGreaterThan(0);
    bytes.write('ARGC: ', at);
    const bad = join(tmp.path, 'tampered.wasm');
    writeFileSync(bad, bytes);
    const r = await boxer(['run', bad]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expectOneDiagnostic(r.stderr, 'RUNTIME_TAMPERED_PROGRAM');
    const i = await boxer(['inspect', bad]);
    expect(i.exitCode).toBe(1);
    expectOneDiagnostic(i.stderr, 'BOX_SNAPSHOT_INVALID');
  });

  it('a box without ENTRYPOINT or CMD', async () => {
    const dir = context('nocmd', 'FROM scratch\nCOPY a.txt /a.txt\n', { 'a.txt': 'a' });
    const box = join(tmp.path, 'nocmd.wasm');
    expect((await boxer(['build', dir, '-o', box])).exitCode).toBe(0);
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(1);
    expectOneDiagnostic(r.stderr, 'RUNTIME_NO_COMMAND');
  });

  it('a command that is not in the box exits 127 like docker run', async () => {
    const dir = context('nocmd2', 'FROM scratch\nCOPY a.txt /a.txt\nENTRYPOINT ["/bin/missing"]\n', { 'a.txt': 'a' });
    const box = join(tmp.path, 'missing.wasm');
    expect((await boxer(['build', dir, '-o', box])).exitCode).toBe(0);
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(127);
    expectOneDiagnostic(r.stderr, 'RUNTIME_COMMAND_NOT_FOUND');
  });

  it('a shell-form CMD in a box without a shell points at the exec form', async () => {
    const dir = context('shellform', 'FROM scratch\nCOPY a.txt /a.txt\nCMD /hello.wasm --exit 3\n', { 'a.txt': 'a' });
    const box = join(tmp.path, 'shellform.wasm');
    expect((await boxer(['build', dir, '-o', box])).exitCode).toBe(0);
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(127);
    expectOneDiagnostic(r.stderr, 'RUNTIME_COMMAND_NOT_FOUND');
    expect(r.stderr).toContain('ENTRYPOINT ["/hello.wasm","--exit","3"]');
  });

  it('a native ELF entrypoint is refused, naming the binary', async () => {
    const elf = '\x7fELF\x02\x01\x01\x00rest-of-an-elf';
    const dir = context('elf', 'FROM scratch\nCOPY tool /usr/bin/tool\nENTRYPOINT ["tool"]\n', { tool: elf });
    const box = join(tmp.path, 'elf.wasm');
    expect((await boxer(['build', dir, '-o', box])).exitCode).toBe(0);
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(126);
    expectOneDiagnostic(r.stderr, 'RUNTIME_NATIVE_BINARY');
    expect(r.stderr).toContain('/usr/bin/tool');
  });
});

describe('a box modified after it was built', () => {
  it('gives the guest EIO for a data file whose bytes no longer match its digest, with a diagnostic', async () => {
    const dir = context('tampered', 'FROM scratch\nCOPY lsdir.wasm /bin/lsdir\nCOPY data/ /data/\nENTRYPOINT ["/bin/lsdir", "/data"]\n');
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'good.txt'), 'fine\n');
    writeFileSync(join(dir, 'data', 'target.txt'), 'ORIGINAL-CONTENT-0123456789\n');
    copyFileSync(join(FIXTURES, 'wasm', 'lsdir.wasm'), join(dir, 'lsdir.wasm'));
    const out = join(tmp.path, 'tampered.wasm');
    expect((await boxer(['build', dir, '-o', out, '--progress', 'quiet'])).exitCode).toBe(0);
    const bytes = readFileSync(out);
    const at = bytes.indexOf('ORIGINAL-CONTENT');
    expect(at).toBeGreaterThan(0);
    bytes.write('MODIFIED', at);
    writeFileSync(out, bytes);
    const r = await boxer(['run', out]);
    expect(r.stdout).toContain('file good.txt size=5 nlink=1 content="fine\\n"');
    expect(r.stdout).toContain('file target.txt size=28 nlink=1 content-error=EIO');
    expect(r.stdout).not.toContain('MODIFIED');
    expectOneDiagnostic(r.stderr, 'RUNTIME_TAMPERED_FILE');
    expect(r.stderr).toContain('/data/target.txt');
  });
});
