// The guest's filesystem is the box's tree and nothing else. fixtures/wasm/src/escape.c tries to reach
// host files in every way issue 3 names; the expected output comes from the same program built
// natively and run under chroot(8) of a directory holding the same tree (Linux is the reference).
import { execa } from 'execa';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxer, compileNative, FIXTURES, isRoot, tempDir } from './helpers.js';
import { escapeTree } from './trees.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const tmp = tempDir();
let box: string;
let boxed: { stdout: string; exitCode: number | undefined };

/** Lays out the escape tree under `root` (a build context or a chroot). */
const layout = escapeTree;

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  layout(ctx, join(FIXTURES, 'wasm/escape.wasm'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nCOPY escape/ /escape/\nENTRYPOINT ["/bin/escape"]\n');
  box = join(tmp.path, 'escape.wasm');
  const b = await boxer(['build', ctx, '-o', box]);
  expect(b.exitCode).toBe(0);
  // A secret in boxer's own environment must not reach the guest.
  const r = await boxer(['run', box], { env: { BOXER_SECRET: '1', HOME: '/root' } });
  boxed = { stdout: r.stdout, exitCode: r.exitCode };
});
afterAll(() => tmp.cleanup());

describe('escape attempts from inside a box', () => {
  it('get ENOENT or ENOTCAPABLE for every host file', () => {
    expect(boxed.exitCode).toBe(0);
    const opens = boxed.stdout.split('\n').filter((l) => l.startsWith('open '));
    expect(opens.length).toBe(9);
    for (const line of opens) expect(line).toMatch(/: (ENOENT|ENOTCAPABLE)$/);
    expect(boxed.stdout).toContain('stat /proc/self/environ: ENOENT');
  });

  it('never see a variable from boxer\'s environment', () => {
    const env = boxed.stdout.split('\n').filter((l) => l.startsWith('env '));
    expect(env).toEqual([`env PATH=${DEFAULT_PATH}`]);
    expect(boxed.stdout).not.toContain('BOXER_SECRET');
    expect(boxed.stdout).not.toContain('HOME=');
  });

  it.skipIf(!isRoot)('behave exactly as the native program under chroot of the same tree', async () => {
    const native = await compileNative('escape', tmp.path);
    const jail = join(tmp.path, 'jail');
    layout(jail, native);
    const n = await execa('chroot', [jail, '/bin/escape'], { env: { PATH: DEFAULT_PATH }, extendEnv: false, reject: false });
    expect(n.exitCode).toBe(0);
    expect(boxed.stdout.trimEnd()).toBe(n.stdout);
  });
});
