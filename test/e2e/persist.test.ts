// --persist FILE|DIR: a guest's writes outlive the run only when granted, a store belongs to one
// box, and a killed run leaves the previous store as it was (DESIGN §5, §0.11).
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, boxer, tempDir } from './helpers.js';

const tmp = tempDir('boxer-persist-');
const box = join(tmp.path, 'counter.wasm');
const other = join(tmp.path, 'other.wasm');

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'bin'), { recursive: true });
  mkdirSync(join(ctx, 'data'));
  cpSync(join(FIXTURES, 'wasm', 'counter.wasm'), join(ctx, 'bin', 'counter'));
  cpSync(join(FIXTURES, 'wasm', 'spin.wasm'), join(ctx, 'bin', 'spin'));
  cpSync(join(FIXTURES, 'wasm', 'lsdir.wasm'), join(ctx, 'bin', 'lsdir'));
  writeFileSync(join(ctx, 'data', 'from-image'), 'image\n');
  writeFileSync(join(ctx, 'data', 'seed.old'), 'seed\n');
  // NOTE: a store belongs to a filesystem (the box's snapshot digest): the other box adds a file.
  writeFileSync(join(ctx, 'v2'), '2\n');
  for (const [out, extra] of [[box, ''], [other, 'COPY v2 /v2\n']] as const) {
    writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nCOPY bin/ /bin/\nCOPY data/ /data/\n${extra}ENTRYPOINT ["/bin/counter"]\n`);
    const r = await boxer(['build', ctx, '-o', out, '--progress', 'quiet']);
    expect(r.exitCode, r.stderr).toBe(0);
  }
});

afterAll(() => tmp.cleanup());

describe('--persist', () => {
  it("keeps a guest's writes across two runs; without it a run sees the snapshot only", async () => {
    const store = join(tmp.path, 'state.boxer');
    expect((await boxer(['run', '--persist', store, box])).stdout).toBe('count 1\n');
    expect(existsSync(store)).toBe(true);
    expect((await boxer(['run', '--persist', store, box])).stdout).toBe('count 2\n');
    expect((await boxer(['run', box])).stdout).toBe('count 1\n');
    expect((await boxer(['run', '--persist', store, box])).stdout).toBe('count 3\n');
  });

  it('keeps removals too: a file of the image the guest deleted stays deleted', async () => {
    const store = join(tmp.path, 'removal.boxer');
    // counter FILE removes FILE.old when it exists; the image has /data/seed.old.
    expect((await boxer(['run', '--persist', store, box, '/data/seed'])).stdout).toBe('removed /data/seed.old\ncount 1\n');
    expect((await boxer(['run', '--persist', store, box, '/data/seed'])).stdout).toBe('count 2\n');
    expect((await boxer(['run', box, '/data/seed'])).stdout).toBe('removed /data/seed.old\ncount 1\n');
  });

  it('takes a directory and keeps the store in DIR/layer.boxer', async () => {
    const dir = join(tmp.path, 'state-dir');
    mkdirSync(dir);
    expect((await boxer(['run', '--persist', dir, box])).stdout).toBe('count 1\n');
    expect(existsSync(join(dir, 'layer.boxer'))).toBe(true);
    expect((await boxer(['run', '--persist', dir, box])).stdout).toBe('count 2\n');
  });

  it('refuses a store made by another box, leaving it unchanged', async () => {
    const store = join(tmp.path, 'mine.boxer');
    await boxer(['run', '--persist', store, box]);
    const before = readFileSync(store);
    const r = await boxer(['run', '--persist', store, other]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('RUNTIME_PERSIST_MISMATCH');
    expect(r.stdout).toBe('');
    expect(readFileSync(store).equals(before)).toBe(true);
  });

  it('refuses a damaged store with a diagnostic, running nothing', async () => {
    const store = join(tmp.path, 'damaged.boxer');
    await boxer(['run', '--persist', store, box]);
    const bytes = readFileSync(store);
    bytes[bytes.length - 2] ^= 0xff;
    writeFileSync(store, bytes);
    const r = await boxer(['run', '--persist', store, box]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('RUNTIME_PERSIST_INVALID');
    expect(r.stdout).toBe('');
    writeFileSync(store, 'not a store');
    const r2 = await boxer(['run', '--persist', store, box]);
    expect(r2.stderr).toContain('it is not a boxer --persist store');
  });

  it('leaves the previous store as it was when a run is stopped by its timeout', async () => {
    const store = join(tmp.path, 'killed.boxer');
    await boxer(['run', '--persist', store, box]);
    const before = readFileSync(store);
    const r = await boxer(['run', '--persist', store, '--timeout', '300ms', '--entrypoint', '/bin/spin', box]);
    expect(r.exitCode).toBe(124);
    expect(readFileSync(store).equals(before)).toBe(true);
    expect((await boxer(['run', '--persist', store, box])).stdout).toBe('count 2\n');
  });

  it('keeps neither a mount nor a tmpfs in the store, and gives back what they covered', async () => {
    const store = join(tmp.path, 'mounted.boxer');
    const host = join(tmp.path, 'host');
    mkdirSync(host);
    // The count goes into the mount (the host's), and into a tmpfs over /data.
    expect((await boxer(['run', '--persist', store, '-v', `${host}:/mnt`, box, '/mnt/count'])).stdout).toBe('count 1\n');
    expect(readFileSync(join(host, 'count'), 'utf8')).toBe('1\n');
    expect((await boxer(['run', '--persist', store, '--mount', 'type=tmpfs,target=/data', box, '/data/count'])).stdout).toBe('count 1\n');
    const ls = await boxer(['run', '--persist', store, '--entrypoint', '/bin/lsdir', box, '/data']);
    expect(ls.stdout).toBe('file from-image size=6 nlink=1 content="image\\n"\nfile seed.old size=5 nlink=1 content="seed\\n"\n');
    // The mount point itself was made for the mount (the image has no /mnt) and went with it.
    const mnt = await boxer(['run', '--persist', store, '--entrypoint', '/bin/lsdir', box, '/mnt']);
    expect(mnt.stdout).toBe('cannot open /mnt: ENOENT\n');
  });
});
