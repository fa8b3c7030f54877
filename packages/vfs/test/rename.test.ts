// Tree.rename: Linux rename(2) rules on the in-memory tree. Expected errnos are Linux's, as rename(2)
// documents them and as fixtures/wasm/src/writeread.c shows natively.
import { describe, expect, it } from 'vitest';
import { Tree, VfsError, fileContent } from '../src/index.js';

const enc = (s: string) => new TextEncoder().encode(s);
function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof VfsError) return e.code;
    throw e;
  }
  return 'ok';
}

function sample(): Tree {
  const t = new Tree();
  t.mkdirp('/a/b');
  t.mkdirp('/empty');
  t.writeFile('/a/f', enc('f'));
  t.writeFile('/g', enc('g'));
  return t;
}

describe('Tree.rename', () => {
  it('moves a file between directories and keeps its node', () => {
    const t = sample();
    const f = t.get('/a/f');
    t.rename(t.getDir('/a'), 'f', t.root, 'moved');
    expect(t.tryGet('/a/f')).toBeUndefined();
    expect(t.get('/moved')).toBe(f);
    expect(f.kind === 'file' && f.nlink).toBe(1);
  });

  it('replaces a file and drops the replaced link count', () => {
    const t = sample();
    const g = t.get('/g');
    t.rename(t.getDir('/a'), 'f', t.root, 'g');
    expect(new TextDecoder().decode(fileContent(t.get('/g') as never))).toBe('f');
    expect(g.kind === 'file' && g.nlink).toBe(0);
  });

  it('moves a directory and updates its parent', () => {
    const t = sample();
    const b = t.getDir('/a/b');
    t.rename(t.getDir('/a'), 'b', t.root, 'b2');
    expect(t.getDir('/b2')).toBe(b);
    expect(b.parent).toBe(t.root);
    expect(t.getDir('/b2/..')).toBe(t.root);
  });

  it('follows Linux errors', () => {
    const t = sample();
    expect(code(() => t.rename(t.root, 'missing', t.root, 'x'))).toBe('ENOENT');
    expect(code(() => t.rename(t.root, 'a', t.getDir('/a/b'), 'inner'))).toBe('EINVAL');
    expect(code(() => t.rename(t.root, 'a', t.getDir('/a'), 'self'))).toBe('EINVAL');
    expect(code(() => t.rename(t.root, 'a', t.root, 'g'))).toBe('ENOTDIR');
    expect(code(() => t.rename(t.root, 'g', t.root, 'empty'))).toBe('EISDIR');
    expect(code(() => t.rename(t.root, 'empty', t.root, 'a'))).toBe('ENOTEMPTY');
    expect(code(() => t.rename(t.root, 'g', t.root, 'a/b'))).toBe('EINVAL');
    expect(code(() => t.rename(t.root, 'a', t.root, 'empty'))).toBe('ok');
    expect(t.tryGet('/a')).toBeUndefined();
    expect(t.get('/empty/f').kind).toBe('file');
  });

  it('does nothing when both names are links to one inode', () => {
    const t = sample();
    const f = t.get('/a/f');
    t.link(t.root, 'hard', f);
    t.rename(t.getDir('/a'), 'f', t.root, 'hard');
    expect(t.get('/a/f')).toBe(f);
    expect(t.get('/hard')).toBe(f);
    expect(f.kind === 'file' && f.nlink).toBe(2);
  });
});
