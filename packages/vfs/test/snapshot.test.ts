// The snapshot codec round-trips a tree exactly, is deterministic, deduplicates contents, and rejects
// every malformed index with BOX_SNAPSHOT_INVALID (a box is untrusted input).
import { describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { Tree, decodeSnapshot, encodeSnapshot, fileContent, parseSnapshotIndex } from '@boxer/vfs';

const enc = (s: string) => new TextEncoder().encode(s);

function sample(order: 'ab' | 'ba' = 'ab'): Tree {
  const t = new Tree();
  const names = order === 'ab' ? ['a', 'b'] : ['b', 'a'];
  for (const n of names) t.writeFile(`/${n}.txt`, enc('same'), { mode: 0o640, uid: 1000, gid: 1000, mtime: 1_700_000_000_123_456_789n });
  t.mkdirp('/dir/sub', { mode: 0o700 });
  t.symlink('/dir/link', '../a.txt');
  t.link(t.getDir('/dir'), 'hard', t.get('/a.txt'));
  t.writeFile('/dir/sub/ünï', enc('unicode'));
  return t;
}

describe('encodeSnapshot / decodeSnapshot', () => {
  it('round-trips types, modes, owners, ns mtimes, links and contents', () => {
    const s = encodeSnapshot(sample());
    const t = decodeSnapshot(s.index, s.data);
    const a = t.get('/a.txt');
    expect(a.kind).toBe('file');
    expect(a.mode).toBe(0o640);
    expect([a.uid, a.gid]).toEqual([1000, 1000]);
    expect(a.mtime).toBe(1_700_000_000_123_456_789n);
    expect(t.get('/dir/hard')).toBe(a);
    expect(t.resolve('/dir/link', { follow: false }).node).toMatchObject({ kind: 'symlink', target: '../a.txt' });
    expect(t.get('/dir/sub').mode).toBe(0o700);
    expect(new TextDecoder().decode(fileContent(t.get('/dir/sub/ünï') as never))).toBe('unicode');
  });

  it('is deterministic whatever the insertion order, and stores equal contents once', () => {
    const x = encodeSnapshot(sample('ab'));
    const y = encodeSnapshot(sample('ba'));
    expect(Buffer.compare(x.index, y.index)).toBe(0);
    expect(Buffer.compare(x.data, y.data)).toBe(0);
    expect(x.digest).toBe(y.digest);
    expect(x.stats).toMatchObject({ files: 3, hardlinks: 1, symlinks: 1, dataBytes: 'same'.length + 'unicode'.length });
  });

  it('decodes file contents as views into the data, not copies', () => {
    const s = encodeSnapshot(sample());
    const t = decodeSnapshot(s.index, s.data);
    const f = t.get('/a.txt');
    if (f.kind !== 'file') throw new Error('expected a file');
    expect(f.data.buffer).toBe(s.data.buffer);
  });
});

describe('hostile indexes', () => {
  const base = () => JSON.parse(new TextDecoder().decode(encodeSnapshot(sample()).index));
  const data = encodeSnapshot(sample()).data;
  const cases: [string, (ix: { entries: Record<string, unknown>[] }) => unknown][] = [
    ['a relative path', (ix) => (ix.entries[1]!.path = 'a.txt')],
    ['a .. component', (ix) => (ix.entries[1]!.path = '/../a.txt')],
    ['a data range past the end', (ix) => Object.assign(ix.entries.find((e) => e.type === 'file')!, { size: 1e9 })],
    ['a negative offset', (ix) => Object.assign(ix.entries.find((e) => e.type === 'file')!, { offset: -1 })],
    ['an unsorted index', (ix) => ix.entries.reverse()],
    ['a duplicate path', (ix) => ix.entries.splice(2, 0, ix.entries[1]!)],
    ['a child of a file', (ix) => ix.entries.push({ ...ix.entries[1]!, path: '/dir/sub/ünï/x' })],
    ['a hard link to nothing', (ix) => Object.assign(ix.entries.find((e) => e.type === 'hardlink')!, { link: '/nope' })],
    ['a bad mode', (ix) => (ix.entries[1]!.mode = 0o170000)],
    ['an unknown type', (ix) => (ix.entries[1]!.type = 'device')],
    ['a bad mtime', (ix) => (ix.entries[1]!.mtime = 1.5)],
    ['a newer version', (ix) => ((ix as unknown as { version: number }).version = 2)],
  ];
  for (const [name, mutate] of cases) {
    it(`rejects ${name}`, () => {
      const ix = base();
      mutate(ix);
      const bytes = new TextEncoder().encode(JSON.stringify(ix));
      let err: unknown;
      try {
        decodeSnapshot(bytes, data);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BoxerError);
      expect((err as BoxerError).diagnostic.code).toBe('BOX_SNAPSHOT_INVALID');
    });
  }
  it('rejects bytes that are not JSON', () => {
    expect(() => parseSnapshotIndex(new Uint8Array([0xff, 0xfe, 0x00]))).toThrow(BoxerError);
  });
});

describe('entry order', () => {
  it('round-trips a directory beside names that sort before "/" (space, !, -, .)', () => {
    // see: review finding C1 — /app, /app/x, /app.wasm is the encoder's order, not global path order.
    const t = new Tree();
    for (const p of ['/a/b', '/a b', '/a!b', '/a-b', '/a.b', '/app/x', '/app.wasm', '/python3/lib', '/python3.11']) t.writeFile(p, enc(p), {}, { parents: true });
    const s = encodeSnapshot(t);
    const back = decodeSnapshot(s.index, s.data);
    expect([...back.walk()].map(([p]) => p)).toEqual([...t.walk()].map(([p]) => p));
    expect(new TextDecoder().decode(fileContent(back.get('/app.wasm') as never))).toBe('/app.wasm');
  });

  it('orders names by UTF-8 bytes, astral characters after the BMP', () => {
    const t = new Tree();
    for (const n of ['\u{1F600}', '\uFFFD', 'z', 'Z', 'é']) t.writeFile(`/${n}`, enc(n));
    expect(t.readdir(t.root)).toEqual(['Z', 'z', 'é', '\uFFFD', '\u{1F600}']);
    const s = encodeSnapshot(t);
    expect([...decodeSnapshot(s.index, s.data).walk()].map(([p]) => p)).toEqual(['/', '/Z', '/z', '/é', '/\uFFFD', '/\u{1F600}']);
  });

  it('round-trips a hard-linked symlink and a tree deeper than the JS stack would allow recursively', () => {
    const t = new Tree();
    const l = t.symlink('/l', 'target');
    t.link(t.root, 'l2', l);
    let dir = t.root;
    for (let i = 0; i < 3000; i++) {
      const next = t.makeDir();
      t.link(dir, 'd', next);
      dir = next;
    }
    const s = encodeSnapshot(t);
    const back = decodeSnapshot(s.index, s.data);
    expect(back.get('/l2', { follow: false })).toBe(back.get('/l', { follow: false }));
    expect(back.clone().walk().next().value?.[0]).toBe('/');
  });
});

describe('useSha256', () => {
  it("node:crypto's SHA-256 gives the digests the portable default gives (so either may build or check a box)", async () => {
    const { createHash } = await import('node:crypto');
    const { digestOf, useSha256 } = await import('@boxer/vfs');
    const inputs = [new Uint8Array(0), new TextEncoder().encode('abc'), new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff)];
    const portable = inputs.map((b) => digestOf(b));
    // FIPS 180-2 appendix B.1: SHA-256("abc").
    expect(portable[1]).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    useSha256((b) => createHash('sha256').update(b).digest('hex'));
    try {
      expect(inputs.map((b) => digestOf(b))).toEqual(portable);
    } finally {
      const { sha256 } = await import('@noble/hashes/sha2.js');
      const { bytesToHex } = await import('@noble/hashes/utils.js');
      useSha256((b) => bytesToHex(sha256(b)));
    }
  });
});
