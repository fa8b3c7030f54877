// Extraction never touches the host (issue 5, "nothing written on the host"; DESIGN §0.8 checks it
// from outside the process). Every hostile layer of flatten.test.ts, plus the fixture image from its
// three forms, is flattened in a child process under `strace -f -e trace=%file`, from a fresh empty
// cwd. The trace must show no call that creates, changes or removes a file anywhere, and the cwd must
// still be empty afterwards.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { header, tar, type Entry } from './tar-helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'boxer-no-host-writes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const base: Entry[] = [{ name: 'etc/passwd', data: 'root' }, { name: 'link', type: 'symlink', link: '/etc' }, { name: 'd/x', data: 'x' }, { name: 'sd', type: 'symlink', link: 'd' }, { name: 'esc', type: 'symlink', link: '../../../../../tmp' }];
const zeros = () => Buffer.concat([header({ name: 'zeros' }, 64 * 1024 ** 2), Buffer.alloc(64 * 1024 ** 2), Buffer.alloc(1024)]);
const many = () => Buffer.concat([...Array.from({ length: 200_000 }, (_, i) => header({ name: `f/${i}` }, 0)), Buffer.alloc(1024)]);
const truncated = tar([{ name: 'a', data: 'a'.repeat(5000) }]).subarray(0, 3000);

const CASES: Record<string, Uint8Array[]> = {
  'whiteout-dotdot': [tar(base), tar([{ name: '../.wh.x' }])],
  'whiteout-through-symlink': [tar(base), tar([{ name: 'link/.wh.passwd' }])],
  'opaque-in-symlinked-dir': [tar(base), tar([{ name: 'sd/.wh..wh..opq' }])],
  'hardlink-later': [tar([{ name: 'h', type: 'link', link: 'later' }, { name: 'later', data: 'x' }])],
  'hardlink-missing': [tar(base), tar([{ name: 'h', type: 'link', link: 'nope' }])],
  'hardlink-outside': [tar(base), tar([{ name: 'h', type: 'link', link: '../../../etc/passwd' }])],
  'write-through-escaping-symlink': [tar(base), tar([{ name: 'esc/boxer-escaped', data: 'stays in the tree' }])],
  'many-entries': [many()],
  'gzip-bomb': [gzipSync(zeros(), { level: 1 })],
  'zstd-bomb': [new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: zeros(), maxBuffer: 64 * 1024 ** 2 }))],
  'truncated': [tar(base), truncated],
};

describe('nothing is written on the host', () => {
  it('under strace, hostile layers and the fixture image create, change or remove no file', () => {
    const cases = join(tmp, 'cases');
    for (const [name, layers] of Object.entries(CASES)) {
      mkdirSync(join(cases, name), { recursive: true });
      layers.forEach((l, i) => writeFileSync(join(cases, name, `${i}.tar`), l));
    }
    const image = join(tmp, 'img');
    execFileSync('bash', [join(ROOT, 'scripts/make-fixture-images.sh'), image], { stdio: 'pipe' });
    const cwd = join(tmp, 'empty-cwd');
    mkdirSync(cwd);
    const trace = join(tmp, 'strace.log');
    const r = spawnSync('strace', ['-f', '-qq', '-e', 'trace=%file,write', '-e', 'signal=none', '-o', trace, process.execPath, join(ROOT, 'packages/layers/test/no-host-writes.child.mjs'), cases, image], { cwd, encoding: 'utf8', maxBuffer: 1 << 20 });
    expect(r.status, r.stderr).toBe(0);
    const outcome = JSON.parse(r.stdout);
    expect(outcome).toEqual({
      'whiteout-dotdot': 'LAYERS_PATH_ESCAPE',
      'whiteout-through-symlink': 'LAYERS_BAD_WHITEOUT',
      'opaque-in-symlinked-dir': 'LAYERS_BAD_WHITEOUT',
      'hardlink-later': 'LAYERS_BAD_HARDLINK',
      'hardlink-missing': 'LAYERS_BAD_HARDLINK',
      'hardlink-outside': 'LAYERS_BAD_HARDLINK',
      'write-through-escaping-symlink': 'ok 2',
      'many-entries': 'LAYERS_LIMIT',
      'gzip-bomb': 'LAYERS_LIMIT',
      'zstd-bomb': 'LAYERS_LIMIT',
      'truncated': 'LAYERS_BAD_ARCHIVE',
      layout: 'ok 3',
      ociArchive: 'ok 3',
      dockerArchive: 'ok 3',
    });
    const log = readFileSync(trace, 'utf8').split('\n');
    const changing = /\b(mkdir|mkdirat|rmdir|unlink|unlinkat|rename|renameat2?|link|linkat|symlink|symlinkat|chmod|fchmodat|chown|fchownat|lchown|truncate|utime|utimensat|mknod|mknodat)\(/;
    const creating = /\bopen(at)?\(.*(O_CREAT|O_WRONLY|O_RDWR|O_TRUNC)/;
    const bad = log.filter((l) => (changing.test(l) || creating.test(l)) && !l.includes('/dev/null') && !/= -1 E/.test(l));
    expect(bad).toEqual([]);
    // The trace did see the reads (so the filter is looking at real calls) and the cwd is still empty.
    expect(log.some((l) => l.includes('docker-archive.tar'))).toBe(true);
    expect(readdirSync(cwd)).toEqual([]);
    expect(readdirSync(tmpdir()).filter((n) => n.startsWith('boxer-escaped'))).toEqual([]);
  });
});
