// A box's files, end to end: what COPY put in the box is what the guest lists and reads, and a
// guest's writes behave as on Linux and vanish with the run. Expected output comes from the same C
// programs built natively and run on the same directory on Linux.
import { execa } from 'execa';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxer, compileNative, FIXTURES, tempDir } from './helpers.js';
import { filesData } from './trees.js';

const tmp = tempDir();
let ctx: string;
let box: string;

beforeAll(async () => {
  ctx = join(tmp.path, 'ctx');
  filesData(join(ctx, 'data'));
  for (const p of ['lsdir', 'writeread']) copyFileSync(join(FIXTURES, `wasm/${p}.wasm`), join(ctx, `${p}.wasm`));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY lsdir.wasm writeread.wasm /bin/\nCOPY data /data\nWORKDIR /data\nENTRYPOINT ["/bin/lsdir.wasm"]\nCMD ["/data"]\n');
  box = join(tmp.path, 'files.wasm');
  const r = await boxer(['build', ctx, '-o', box]);
  expect(r.exitCode).toBe(0);
});
afterAll(() => tmp.cleanup());

describe('files in a box', () => {
  it('lists and reads exactly what COPY put there, as Linux lists the context directory', async () => {
    const native = await compileNative('lsdir', tmp.path);
    const n = await execa(native, [join(ctx, 'data')], { reject: false });
    const r = await boxer(['run', box]);
    expect(r.exitCode).toBe(n.exitCode);
    expect(r.stdout.trimEnd()).toBe(n.stdout);
    expect(r.stdout).toContain('file a.txt size=6 nlink=1 content="alpha\\n"');
  });

  it('writes, renames, links and removes like Linux, and nothing survives the run', async () => {
    const native = await compileNative('writeread', tmp.path);
    const n = await execa(native, [join(tmp.path, 'native-work/out.txt')], { reject: false });
    const r = await boxer(['run', '--entrypoint', '/bin/writeread.wasm', box, '/work/out.txt']);
    expect(r.exitCode).toBe(n.exitCode);
    expect(r.stdout.trimEnd()).toBe(n.stdout);
    // The writable layer is discarded: a second run of the same box sees only the snapshot.
    const lsNative = await execa(await compileNative('lsdir', tmp.path), [join(tmp.path, 'never-created')], { reject: false });
    const again = await boxer(['run', '--entrypoint', '/bin/lsdir.wasm', box, '/work']);
    expect(again.exitCode).toBe(lsNative.exitCode);
    expect(again.exitCode).toBe(2);
  });
});
