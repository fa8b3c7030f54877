// The WASI host against the reference: each fixture in fixtures/wasm/src is also compiled natively
// with `gcc -static` and run on Linux over a real directory holding the same tree (or under chroot
// for the escape attempts). Expected output is whatever Linux prints, never the host's own.
import { chmodSync, copyFileSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Tree, decodeSnapshot, encodeSnapshot } from '@boxer/vfs';
import {
  canCompileNative, compileNative, enc, isRoot, materialize, runNative, runWasi, tempDir, hasTool,
} from './wasi-helpers.js';

const dirs: string[] = [];
function scratch(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tree with every kind of entry: nested dirs, empty/binary/large files, symlinks, a hard link. */
function sampleTree(): Tree {
  const t = new Tree();
  t.mkdirp('/a/b/c', { mode: 0o755 });
  t.mkdirp('/empty-dir', { mode: 0o700 });
  t.writeFile('/a/hello.txt', enc('hello\nworld\n'), { mode: 0o644 });
  t.writeFile('/a/empty', new Uint8Array(0), { mode: 0o600 });
  t.writeFile('/a/b/binary.bin', new Uint8Array([0, 1, 2, 0x7f, 0x80, 0xff, 0x22, 0x5c, 10, 13, 9]), { mode: 0o755 });
  t.writeFile('/a/b/c/large.txt', enc('x'.repeat(5000)), { mode: 0o644 });
  t.writeFile('/a/b/c/just-under.txt', enc('y'.repeat(4095)), { mode: 0o644 });
  t.writeFile('/ünïcödé name.txt', enc('unicode\n'), { mode: 0o644 });
  t.writeFile('/Zeta', enc('capital sorts first\n'), { mode: 0o644 });
  t.symlink('/a/abs-link', '/a/hello.txt');
  t.symlink('/a/rel-link', 'b/binary.bin');
  t.symlink('/a/dir-link', 'b');
  t.symlink('/a/dangling', 'nowhere/at/all');
  t.link(t.getDir('/a/b'), 'hard.txt', t.get('/a/hello.txt'));
  return t;
}

describe.skipIf(!canCompileNative)('WASI fixtures match the same C program on Linux (gcc -static)', () => {
  it('hello: greeting, argv, env, cwd and exit code', () => {
    const bin = compileNative('hello');
    for (const [args, env] of [
      [[], []],
      [['alice', 'bob', 'ünï', ''], ['GREETING=hey']],
      [['carol', '--exit', '3', '--stderr', 'oops'], ['GREETING=yo', 'OTHER=1']],
      [['--exit', '255'], []],
    ] as [string[], string[]][]) {
      const native = runNative(bin, { args, env: Object.fromEntries(env.map((e) => e.split('=') as [string, string])), cwd: '/' });
      const wasi = runWasi('hello', { args, env });
      expect(wasi.stdout).toBe(native.stdout);
      expect(wasi.stderr).toBe(native.stderr);
      expect(wasi.code).toBe(native.code);
    }
  });

  it('lsdir: a tree read through the host equals the same tree on disk', () => {
    const dir = scratch();
    const tree = sampleTree();
    materialize(tree, dir);
    const native = runNative(compileNative('lsdir'), { args: [dir] });
    expect(native.code).toBe(0);
    // NOTE: the guest reads a snapshot-decoded tree, so its files are views into the data blob.
    const snap = encodeSnapshot(tree);
    const wasi = runWasi('lsdir', { args: ['/'], tree: decodeSnapshot(snap.index, snap.data) });
    expect(wasi.stdout).toBe(native.stdout);
    expect(wasi.code).toBe(0);
    expect(wasi.stdout).toContain('symlink a/abs-link -> /a/hello.txt');
    expect(wasi.stdout).toContain('file a/hello.txt size=12 nlink=2');
  });

  it('lsdir: relative start directories and `..` resolve like Linux', () => {
    const dir = scratch();
    const tree = sampleTree();
    materialize(tree, dir);
    const native = runNative(compileNative('lsdir'), { args: ['a/b/../b/c/..'], cwd: dir });
    const wasi = runWasi('lsdir', { args: ['a/b/../b/c/..'], tree });
    expect(wasi.stdout).toBe(native.stdout);
  });

  it('writeread: file and directory calls give Linux results step by step', () => {
    const dir = scratch();
    const native = runNative(compileNative('writeread'), { args: [join(dir, 'work/deep/out.txt')] });
    expect(native.code).toBe(0);
    const wasi = runWasi('writeread', { args: ['/work/deep/out.txt'] });
    expect(wasi.stdout.split('\n')).toEqual(native.stdout.split('\n'));
    expect(wasi.code).toBe(0);
  });

  it('writeread: the default path /tmp/out.txt, over a snapshot-backed tree', () => {
    const dir = scratch();
    const native = runNative(compileNative('writeread'), { args: [join(dir, 'tmp/out.txt')] });
    const base = new Tree();
    base.mkdirp('/tmp');
    base.writeFile('/tmp/unrelated', enc('keep me'));
    const snap = encodeSnapshot(base);
    const tree = decodeSnapshot(snap.index, snap.data);
    const wasi = runWasi('writeread', { tree });
    // NOTE: the native listing has no "unrelated" file; drop it from the guest's listing line.
    expect(wasi.stdout.replace(' unrelated', '')).toBe(native.stdout);
  });

  it('readdir: cookies, telldir/seekdir/rewinddir and unlinking while reading', () => {
    const dir = scratch();
    const native = runNative(compileNative('readdir'), { args: [join(dir, 'rd')] });
    const tree = new Tree();
    tree.mkdirp('/tmp');
    const wasi = runWasi('readdir', { tree });
    expect(wasi.stdout).toBe(native.stdout);
    expect(wasi.stdout).toContain('unlinked while reading: 600');
    expect(tree.tryGet('/tmp/rd')).toBeUndefined();
  });

  it('fds: descriptor numbering, EMFILE at the limit and reuse after close', () => {
    const dir = scratch();
    const file = join(dir, 'hostname');
    writeFileSync(file, 'box\n');
    const tree = new Tree();
    tree.mkdirp('/etc');
    tree.writeFile('/etc/hostname', enc('box\n'));
    for (const limit of [16, 64]) {
      const native = runNative(compileNative('fds'), { args: [file], maxFds: limit });
      const wasi = runWasi('fds', { args: ['/etc/hostname'], tree, maxFds: limit });
      expect(wasi.stdout).toBe(native.stdout);
    }
  });

  it('clocks: resolutions, sleeping, poll timeouts, random and sched_yield', () => {
    const native = runNative(compileNative('clocks'));
    const wasi = runWasi('clocks');
    expect(native.code).toBe(0);
    expect(wasi.stdout).toBe(native.stdout);
    expect(wasi.code).toBe(0);
  });

  it('cat: stdin reaches the guest whole, in the reads it asks for', () => {
    const input = enc('line one\nline two: ünïcödé\n\0binary\x7f\nlast line without newline');
    for (const chunk of ['7', '1', '4096']) {
      const native = runNative(compileNative('cat'), { args: [chunk], stdin: input });
      let given = false;
      const wasi = runWasi('cat', { args: [chunk], stdin: () => (given ? null : ((given = true), input)) });
      expect(wasi.stdout).toBe(native.stdout);
      expect(wasi.code).toBe(native.code);
    }
  });
});

describe.skipIf(!canCompileNative || !isRoot || !hasTool('chroot'))('escape attempts end where a chroot(2) ends them', () => {
  // NOTE: skipped unless root (chroot needs CAP_SYS_CHROOT) and gcc can link statically.
  function escapeTree(): Tree {
    const t = new Tree();
    t.mkdirp('/etc');
    t.writeFile('/etc/passwd', enc('root:x:0:0:boxer-fake-root:/root:/bin/sh\n'));
    t.mkdirp('/escape/rel/deeper');
    t.symlink('/escape/rootlink', '/');
    t.symlink('/escape/abslink', '/etc/passwd');
    t.symlink('/escape/rellink', '../../../../../../etc/passwd');
    t.writeFile('/prog', enc('placeholder for the native binary'));
    return t;
  }

  it('every attempt gives the same answer as Linux under chroot, and only the tree is read', () => {
    const dir = scratch();
    const tree = escapeTree();
    materialize(tree, dir);
    copyFileSync(compileNative('escape'), join(dir, 'prog'));
    chmodSync(join(dir, 'prog'), 0o755);
    const env = { PATH: '/bin', BOXER_GUEST: 'yes' };
    const native = runNative('/usr/sbin/chroot', { args: [dir, '/prog'], env });
    expect(native.code).toBe(0);
    process.env.BOXER_HOST_CANARY = 'must-not-leak';
    const wasi = runWasi('escape', { tree, env: Object.entries(env).map(([k, v]) => `${k}=${v}`) });
    delete process.env.BOXER_HOST_CANARY;
    expect(wasi.stdout).toBe(native.stdout);
    const fake = tree.get('/etc/passwd');
    const fakeSize = fake.kind === 'file' ? fake.size : -1;
    expect(wasi.stdout).toContain(`open /escape/rootlink/etc/passwd: READ ${fakeSize} bytes`);
    expect(wasi.stdout).toContain(`open /escape/rel/../../../../etc/passwd: READ ${fakeSize} bytes`);
    expect(wasi.stdout).toContain('stat /proc/self/environ: ENOENT');
    expect(wasi.stdout).not.toContain('BOXER_HOST_CANARY');
    expect(wasi.stdout).toContain('env BOXER_GUEST=yes');
    if (statSync('/etc/passwd').size !== fakeSize) expect(wasi.stdout).not.toContain(`READ ${statSync('/etc/passwd').size} bytes`);
    expect(readFileSync(join(dir, 'etc/passwd'), 'utf8')).toContain('boxer-fake-root');
  });
});
