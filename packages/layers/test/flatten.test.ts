// flatten(): OCI layer semantics on layers written by the tests (tar-helpers' ustar writer), and
// hostile layers, each refused with its own diagnostic. Expected semantics: OCI image-spec layer.md
// ("Whiteouts": whiteouts apply only to lower layers; an opaque marker hides the lower contents of
// its directory) and umoci's tar_extract.go (paths written by the same layer survive a whiteout).
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import { flatten, zstdWindowSize, type LayerSource } from '@boxer/layers';
import { fileContent, type FileNode } from '@boxer/vfs';
import { bytesLayer, header, layer, listTree, tar, type Entry } from './tar-helpers.js';

const text = (n: unknown) => new TextDecoder().decode(fileContent(n as FileNode));

async function failure(layers: LayerSource[], options: Parameters<typeof flatten>[1] = {}): Promise<{ code: string; message: string }> {
  try {
    await flatten(layers, options);
  } catch (e) {
    if (e instanceof BoxerError) return { code: e.diagnostic.code, message: e.diagnostic.message };
    throw e;
  }
  return { code: 'ok', message: '' };
}

describe('layer semantics', () => {
  it('a whiteout removes a lower file or directory, not one the same layer wrote', async () => {
    const { tree } = await flatten([
      layer([{ name: 'a/f', data: '1' }, { name: 'a/d/x', data: 'x' }, { name: 'b', data: 'lower' }]),
      layer([{ name: 'a/.wh.f' }, { name: 'a/.wh.d' }, { name: 'b', data: 'upper' }, { name: '.wh.b' }]),
    ]);
    expect(tree.tryGet('/a/f')).toBeUndefined();
    expect(tree.tryGet('/a/d')).toBeUndefined();
    expect(text(tree.get('/b'))).toBe('upper');
    expect(listTree(tree).some((l) => l.includes('.wh.'))).toBe(false);
  });

  it('an opaque marker clears the lower contents of its directory but keeps this layer\'s', async () => {
    const { tree } = await flatten([
      layer([{ name: 'd/old', data: 'o' }, { name: 'd/sub/deep', data: 'o' }, { name: 'other/keep', data: 'k' }]),
      layer([{ name: 'd/', type: 'dir', mode: 0o700 }, { name: 'd/before', data: 'b' }, { name: 'd/.wh..wh..opq' }, { name: 'd/after', data: 'a' }]),
    ]);
    expect(tree.readdir(tree.getDir('/d'))).toEqual(['after', 'before']);
    expect(tree.getDir('/d').mode).toBe(0o700);
    expect(text(tree.get('/other/keep'))).toBe('k');
  });

  it('hard links work within a layer and to a lower layer\'s file; later layers break them like copy-up', async () => {
    const { tree } = await flatten([
      layer([{ name: 'f', data: 'shared', mode: 0o755 }, { name: 'g', type: 'link', link: 'f' }]),
      layer([{ name: 'h', type: 'link', link: '/f' }]),
      layer([{ name: 'g', data: 'replaced' }]),
    ]);
    expect(tree.get('/h')).toBe(tree.get('/f'));
    expect((tree.get('/f') as FileNode).nlink).toBe(2);
    expect(text(tree.get('/g'))).toBe('replaced');
  });

  it('stores symlinks and never writes through them; a file or dir replaces a lower symlink', async () => {
    const { tree } = await flatten([
      layer([{ name: 'etc/passwd', data: 'root' }, { name: 'l', type: 'symlink', link: '/etc' }, { name: 'm', type: 'symlink', link: '../../..' }]),
      layer([{ name: 'l', data: 'now a file' }, { name: 'm/', type: 'dir' }, { name: 'm/x', data: 'inside m' }]),
    ]);
    expect(tree.get('/l', { follow: false }).kind).toBe('file');
    expect(tree.get('/m', { follow: false }).kind).toBe('dir');
    expect(text(tree.get('/etc/passwd'))).toBe('root');
  });

  it('keeps modes, owners and mtimes; drops devices and FIFOs with a warning', async () => {
    const { tree, warnings } = await flatten([layer([
      { name: 'u', data: 'x', mode: 0o4750, uid: 1000, gid: 1000, mtime: 1234567890 },
      { name: 'dev/null', type: 'char' },
      { name: 'p', type: 'fifo' },
    ])]);
    const u = tree.get('/u');
    expect([u.mode, u.uid, u.gid, u.mtime]).toEqual([0o4750, 1000, 1000, 1_234_567_890_000_000_000n]);
    expect(warnings.map((w) => w.code)).toEqual(['LAYERS_SPECIAL_FILE', 'LAYERS_SPECIAL_FILE']);
    expect(tree.tryGet('/p')).toBeUndefined();
    expect(tree.tryGet('/dev/null')).toBeUndefined();
  });

  it('reads gzip, zstd and plain layers alike, from bytes or streams, sync or async iterables', async () => {
    const entries: Entry[] = [{ name: 'bin/', type: 'dir' }, { name: 'bin/x', data: 'y'.repeat(300_000), mode: 0o755 }];
    const plain = tar(entries);
    const zst = new Uint8Array(execFileSync('zstd', ['-q', '-c', '-19'], { input: plain }));
    const want = listTree((await flatten([bytesLayer(plain)])).tree);
    expect(listTree((await flatten([bytesLayer(gzipSync(plain))])).tree)).toEqual(want);
    expect(listTree((await flatten([bytesLayer(zst)])).tree)).toEqual(want);
    async function* gen() {
      yield { open: () => new Blob([zst]).stream() } satisfies LayerSource;
    }
    expect(listTree((await flatten(gen())).tree)).toEqual(want);
  });
});

describe('hostile layers', () => {
  const base = layer([{ name: 'etc/passwd', data: 'root' }, { name: 'link', type: 'symlink', link: '/etc' }, { name: 'd/x', data: 'x' }, { name: 'sd', type: 'symlink', link: 'd' }]);

  it('a whiteout that climbs out with ../ is a path escape; one naming . or .. is a bad whiteout', async () => {
    expect((await failure([base, layer([{ name: '../.wh.x' }])])).code).toBe('LAYERS_PATH_ESCAPE');
    expect((await failure([base, layer([{ name: 'd/../../.wh.etc' }])])).code).toBe('LAYERS_PATH_ESCAPE');
    expect((await failure([base, layer([{ name: 'd/.wh...' }])])).code).toBe('LAYERS_BAD_WHITEOUT');
  });

  it('a whiteout that reaches its target through a symlink is refused, and nothing is removed', async () => {
    const r = await failure([base, layer([{ name: 'link/.wh.passwd' }])]);
    expect(r).toMatchObject({ code: 'LAYERS_BAD_WHITEOUT' });
    expect(r.message).toContain('through the symlink "link"');
  });

  it('an opaque marker in a symlinked directory is refused', async () => {
    const r = await failure([base, layer([{ name: 'sd/.wh..wh..opq' }])]);
    expect(r).toMatchObject({ code: 'LAYERS_BAD_WHITEOUT' });
    expect(r.message).toContain('through the symlink "sd"');
  });

  it('hard links to a later, missing or outside file are refused', async () => {
    expect((await failure([layer([{ name: 'h', type: 'link', link: 'later' }, { name: 'later', data: 'x' }])])).message).toContain('names nothing extracted before it');
    expect((await failure([base, layer([{ name: 'h', type: 'link', link: 'nope' }])])).code).toBe('LAYERS_BAD_HARDLINK');
    expect((await failure([base, layer([{ name: 'h', type: 'link', link: '../../etc/passwd' }])])).message).toContain('points outside');
    expect((await failure([base, layer([{ name: 'h', type: 'link', link: 'd' }])])).message).toContain('names a directory');
  });

  it('200,000 tiny entries stop at the entry limit, long before the end of the stream', async () => {
    const total = 200_000;
    let produced = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (produced >= total) return c.close();
        const batch: Uint8Array[] = [];
        for (let i = 0; i < 1000; i++) batch.push(header({ name: `f/${produced++}` }, 0));
        c.enqueue(Buffer.concat(batch));
      },
    });
    const t0 = performance.now();
    const r = await failure([{ open: () => stream }], { limits: { maxEntries: 100_000 } });
    expect(r.code).toBe('LAYERS_LIMIT');
    expect(r.message).toContain('the number of entries');
    expect(produced).toBeLessThan(total);
    expect(performance.now() - t0).toBeLessThan(30_000);
  });

  it('the entry and byte limits span all layers together', async () => {
    const one = layer(Array.from({ length: 60 }, (_, i) => ({ name: `f${i}`, data: 'x' })));
    expect((await failure([one, one], { limits: { maxEntries: 100 } })).code).toBe('LAYERS_LIMIT');
    expect((await failure([one, one], { limits: { maxBytes: 100 } })).message).toContain('total size');
  });

  // 64 MiB of zeros: past the 16 MiB grace, at ~1000:1 (gzip) and far more (zstd), over the 200:1 limit.
  const bombTar = () => Buffer.concat([header({ name: 'zeros' }, 64 * 1024 ** 2), Buffer.alloc(64 * 1024 ** 2), Buffer.alloc(1024)]);

  it('a gzip bomb stops at the compression ratio limit', async () => {
    const bomb = gzipSync(bombTar(), { level: 1 });
    const r = await failure([bytesLayer(bomb)]);
    expect(r).toMatchObject({ code: 'LAYERS_LIMIT' });
    expect(r.message).toContain('compression ratio');
  });

  it('a zstd bomb stops at the compression ratio limit, and an oversized zstd window is refused up front', async () => {
    const bomb = new Uint8Array(execFileSync('zstd', ['-q', '-c', '-3'], { input: bombTar(), maxBuffer: 64 * 1024 ** 2 }));
    expect(bomb.length).toBeLessThan(1024 ** 2);
    const r = await failure([bytesLayer(bomb)]);
    expect(r).toMatchObject({ code: 'LAYERS_LIMIT' });
    expect(r.message).toContain('compression ratio');
    // Frame header: magic, FHD 0 (no single segment), window descriptor 0xf8 = 2^41 bytes.
    const huge = new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, ...new Array(40).fill(0)]);
    expect(zstdWindowSize(huge)).toBe(2 ** 41);
    expect((await failure([bytesLayer(huge)])).message).toContain('zstd window');
  });

  it('a media type naming an unknown compression is refused before the layer is opened', async () => {
    let opened = false;
    const r = await failure([{ mediaType: 'application/vnd.oci.image.layer.v1.tar+lz4', open: () => ((opened = true), tar([])) }]);
    expect(r.code).toBe('LAYERS_UNSUPPORTED_COMPRESSION');
    expect(opened).toBe(false);
    expect((await failure([{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', open: () => tar([{ name: 'a' }]) }])).code).toBe('ok');
  });

  it('a truncated layer is an error, compressed or not', async () => {
    const plain = tar([{ name: 'a', data: 'a'.repeat(5000) }, { name: 'b', data: 'b'.repeat(5000) }]);
    const gz = gzipSync(plain);
    const zst = new Uint8Array(execFileSync('zstd', ['-q', '-c'], { input: plain }));
    for (const cut of [plain.subarray(0, 3000), gz.subarray(0, gz.length - 10), zst.subarray(0, zst.length - 10)]) {
      expect((await failure([layer([{ name: 'ok', data: '1' }]), bytesLayer(cut, 'sha256:' + 'ab'.repeat(32))])).code).toBe('LAYERS_BAD_ARCHIVE');
    }
    expect((await failure([bytesLayer(plain.subarray(0, 3000), 'sha256:' + 'ab'.repeat(32))])).message).toMatch(/^layer 1 \(sha256:abababababab\)/);
  });
});
