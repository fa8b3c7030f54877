// Path resolution in the tree follows Linux inside a chroot (path_resolution(7)): `..` at the root is
// the root, absolute symlink targets restart at the root, more than 40 links is ELOOP, a non-directory
// in the middle is ENOTDIR. Expected errnos are Linux's for the same operations.
import { describe, expect, it } from 'vitest';
import { Tree, VfsError, fileContent, writeAt, truncate } from '@boxer/vfs';

const enc = (s: string) => new TextEncoder().encode(s);
const errno = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
  return 'ok';
};

function sample(): Tree {
  const t = new Tree();
  t.mkdirp('/etc');
  t.writeFile('/etc/hosts', enc('127.0.0.1 localhost\n'));
  t.mkdirp('/a/b/c');
  t.symlink('/a/up', '../..');
  t.symlink('/a/abs', '/etc/hosts');
  t.symlink('/a/rootlink', '/');
  t.symlink('/a/loop1', 'loop2');
  t.symlink('/a/loop2', 'loop1');
  t.symlink('/a/dangling', '/nope');
  return t;
}

describe('Tree.resolve', () => {
  it('keeps `..` at the root, like chroot', () => {
    const t = sample();
    expect(t.get('/../../../etc/hosts').kind).toBe('file');
    expect(t.get('../../etc/hosts', { cwd: t.getDir('/a') }).kind).toBe('file');
    expect(t.get('/..')).toBe(t.root);
  });

  it('resolves absolute symlinks inside the tree', () => {
    const t = sample();
    expect(fileContent(t.get('/a/abs') as never)).toEqual(enc('127.0.0.1 localhost\n'));
    expect(t.get('/a/rootlink/etc/hosts').kind).toBe('file');
    expect(t.get('/a/rootlink/../../../etc/hosts').kind).toBe('file');
    expect(t.get('/a/up/etc/hosts').kind).toBe('file');
    expect(errno(() => t.get('/a/up/up/etc/hosts'))).toBe('ENOENT');
  });

  it('reports Linux errnos', () => {
    const t = sample();
    expect(errno(() => t.get('/a/loop1'))).toBe('ELOOP');
    expect(errno(() => t.get('/etc/hosts/x'))).toBe('ENOTDIR');
    expect(errno(() => t.get('/nope/x'))).toBe('ENOENT');
    expect(errno(() => t.get('/a/dangling'))).toBe('ENOENT');
    expect(errno(() => t.get(''))).toBe('ENOENT');
    expect(errno(() => t.get(`/${'x'.repeat(256)}`))).toBe('ENAMETOOLONG');
    expect(errno(() => t.get('/etc/hosts/'))).toBe('ENOTDIR');
  });

  it('does not follow a final symlink when asked not to', () => {
    const t = sample();
    expect(t.resolve('/a/abs', { follow: false }).node?.kind).toBe('symlink');
    expect(t.resolve('/a/dangling', { follow: false }).node?.kind).toBe('symlink');
  });

  it('returns the parent for a missing last component', () => {
    const t = sample();
    const r = t.resolve('/a/b/new');
    expect(r.node).toBeUndefined();
    expect(r.parent).toBe(t.getDir('/a/b'));
    expect(r.name).toBe('new');
  });
});

describe('Tree mutation', () => {
  it('writes through a dangling symlink to its target, like open(O_CREAT)', () => {
    const t = sample();
    t.writeFile('/a/dangling', enc('x'));
    expect(t.get('/nope').kind).toBe('file');
  });

  it('refuses to replace a directory with a file', () => {
    const t = sample();
    expect(errno(() => t.writeFile('/a', enc('x')))).toBe('EISDIR');
  });

  it('removes only empty directories unless recursive', () => {
    const t = sample();
    expect(errno(() => t.remove('/a/b'))).toBe('ENOTEMPTY');
    t.remove('/a/b', { recursive: true });
    expect(t.tryGet('/a/b')).toBeUndefined();
  });

  it('counts hard links', () => {
    const t = sample();
    const f = t.get('/etc/hosts');
    t.link(t.getDir('/a'), 'hosts2', f);
    expect(f.kind === 'file' && f.nlink).toBe(2);
    t.remove('/etc/hosts');
    expect(f.kind === 'file' && f.nlink).toBe(1);
  });

  it('copies on write: a view into shared bytes is never written', () => {
    const shared = enc('snapshot bytes');
    const t = new Tree();
    const f = t.makeFile(shared.subarray(0, 8));
    t.link(t.root, 'f', f);
    writeAt(f, 0, enc('XY'));
    expect(new TextDecoder().decode(shared)).toBe('snapshot bytes');
    expect(new TextDecoder().decode(fileContent(f))).toBe('XYapshot');
    truncate(f, 20);
    expect(f.size).toBe(20);
    expect(fileContent(f)[19]).toBe(0);
  });

  it('clones structure and shares bytes copy-on-write', () => {
    const t = sample();
    const c = t.clone();
    const orig = t.get('/etc/hosts');
    const copy = c.get('/etc/hosts');
    expect(copy).not.toBe(orig);
    if (copy.kind !== 'file' || orig.kind !== 'file') throw new Error('expected files');
    writeAt(copy, 0, enc('X'));
    expect(new TextDecoder().decode(fileContent(orig))).toBe('127.0.0.1 localhost\n');
    expect(c.get('/a/rootlink/etc').kind).toBe('dir');
  });
});
