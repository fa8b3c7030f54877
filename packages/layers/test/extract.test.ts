// extractTar against GNU tar as the reference: the same archive unpacked by `tar -x` into a real
// directory and by boxer into a Tree must hold the same paths, types, modes, owners, link targets
// and contents. Hostile archives (made with Python's tarfile, which writes whatever it is told) are
// refused with their own diagnostic, and nothing is written on the host.
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync, symlinkSync, linkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticCode } from '../../../test/utils/diagnostics.js';
import { extractTar } from '@boxer/layers';
import { Tree, fileContent } from '@boxer/vfs';

const tmp = mkdtempSync(join(tmpdir(), 'boxer-layers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A listing line per entry: path type mode uid:gid (size+sha|target). */
function listHost(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = rel ? `${rel}/${name}` : name;
    const st = lstatSync(join(dir, p));
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isSymbolicLink()) out.push(`${p} symlink ${readlinkSync(join(dir, p))} ${st.uid}:${st.gid}`);
    else if (st.isDirectory()) {
      out.push(`${p} dir ${mode} ${st.uid}:${st.gid}`);
      out.push(...listHost(dir, p));
    } else out.push(`${p} file ${mode} ${st.uid}:${st.gid} nlink=${st.nlink} ${readFileSync(join(dir, p)).toString('base64')}`);
  }
  return out;
}
function listTree(tree: Tree): string[] {
  const out: string[] = [];
  for (const [path, node] of tree.walk()) {
    if (path === '/') continue;
    const p = path.slice(1);
    const mode = (node.mode & 0o7777).toString(8);
    if (node.kind === 'symlink') out.push(`${p} symlink ${node.target} ${node.uid}:${node.gid}`);
    else if (node.kind === 'dir') out.push(`${p} dir ${mode} ${node.uid}:${node.gid}`);
    else out.push(`${p} file ${mode} ${node.uid}:${node.gid} nlink=${node.nlink} ${Buffer.from(fileContent(node)).toString('base64')}`);
  }
  return out;
}

let src: string;
beforeAll(() => {
  src = join(tmp, 'src');
  mkdirSync(join(src, 'dir/sub'), { recursive: true });
  writeFileSync(join(src, 'dir/a.txt'), 'alpha\n');
  writeFileSync(join(src, 'dir/sub/exec.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(src, 'dir/sub/exec.sh'), 0o755);
  writeFileSync(join(src, 'dir/private'), 'secret');
  chmodSync(join(src, 'dir/private'), 0o600);
  symlinkSync('a.txt', join(src, 'dir/rel-link'));
  symlinkSync('/etc/passwd', join(src, 'dir/abs-link'));
  linkSync(join(src, 'dir/a.txt'), join(src, 'dir/hard'));
  writeFileSync(join(src, 'dir/empty'), '');
});

describe('extractTar matches GNU tar -x', () => {
  for (const [kind, flag] of [['plain', ''], ['gzip', '-z'], ['bzip2', '-j'], ['xz', '-J']] as const) {
    it(`for a ${kind} archive`, async () => {
      const archive = join(tmp, `a-${kind}.tar`);
      execFileSync('tar', ['-c', ...(flag ? [flag] : []), '--owner=1000', '--group=1000', '--mtime=@1700000000', '-f', archive, '-C', src, 'dir']);
      const ref = join(tmp, `ref-${kind}`);
      mkdirSync(ref);
      execFileSync('tar', ['-x', '--same-owner', '-p', '-f', archive, '-C', ref]);
      const tree = new Tree();
      const r = await extractTar(tree, readFileSync(archive), { name: `a.${kind}` });
      expect(listTree(tree)).toEqual(listHost(ref));
      expect(r.entries).toBe(listHost(ref).length);
      const a = tree.get('/dir/a.txt');
      expect(a.mtime).toBe(1_700_000_000n * 1_000_000_000n);
      expect(tree.get('/dir/hard')).toBe(a);
    });
  }
});

/** Writes a tar with Python's tarfile from a list of entry specs, returning its bytes. */
function pyTar(entries: { name: string; type?: 'file' | 'dir' | 'symlink' | 'link' | 'fifo'; data?: string; link?: string }[], compress = ''): Uint8Array {
  const script = `
import io, json, sys, tarfile
entries = json.loads(sys.argv[1])
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode='w${compress ? `:${compress}` : ''}') as t:
    for e in entries:
        ti = tarfile.TarInfo(e['name'])
        kind = e.get('type', 'file')
        if kind == 'dir': ti.type = tarfile.DIRTYPE
        elif kind == 'symlink': ti.type = tarfile.SYMTYPE; ti.linkname = e['link']
        elif kind == 'link': ti.type = tarfile.LNKTYPE; ti.linkname = e['link']
        elif kind == 'fifo': ti.type = tarfile.FIFOTYPE
        data = e.get('data', '').encode()
        if kind == 'file': ti.size = len(data)
        t.addfile(ti, io.BytesIO(data) if kind == 'file' else None)
sys.stdout.buffer.write(buf.getvalue())
`;
  return new Uint8Array(execFileSync('python3', ['-c', script, JSON.stringify(entries)]));
}

function code(bytes: Uint8Array, opts: Partial<Parameters<typeof extractTar>[2]> = {}): Promise<string> {
  return diagnosticCode(extractTar(new Tree(), bytes, { name: 'hostile.tar', ...opts }));
}

describe('hostile archives', () => {
  it('refuses ../ that climbs out of the root', async () => {
    expect(await code(pyTar([{ name: '../../etc/evil', data: 'x' }]))).toBe('LAYERS_PATH_ESCAPE');
    expect(await code(pyTar([{ name: 'a/../../evil', data: 'x' }]))).toBe('LAYERS_PATH_ESCAPE');
  });

  it('makes absolute names relative, as tar does', async () => {
    const tree = new Tree();
    await extractTar(tree, pyTar([{ name: '/abs/file', data: 'x' }]), { name: 't' });
    expect(tree.get('/abs/file').kind).toBe('file');
  });

  it('replaces a symlink instead of writing through it, and stays inside the tree', async () => {
    const tree = new Tree();
    await extractTar(tree, pyTar([
      { name: 'link', type: 'symlink', link: '/etc' },
      { name: 'link', data: 'replaced' },
      { name: 'esc', type: 'symlink', link: '../../../../' },
      { name: 'esc/passwd', data: 'owned' },
    ]), { name: 't', at: '/dest' });
    expect(tree.get('/dest/link').kind).toBe('file');
    // esc/ resolves inside the tree (chroot semantics): the file lands under the tree's own root.
    expect(new TextDecoder().decode(fileContent(tree.get('/passwd') as never))).toBe('owned');
  });

  it('refuses hard links to nothing, to outside, or to a directory', async () => {
    expect(await code(pyTar([{ name: 'h', type: 'link', link: 'missing' }]))).toBe('LAYERS_BAD_HARDLINK');
    expect(await code(pyTar([{ name: 'h', type: 'link', link: '../../etc/passwd' }]))).toBe('LAYERS_BAD_HARDLINK');
    expect(await code(pyTar([{ name: 'd', type: 'dir' }, { name: 'h', type: 'link', link: 'd' }]))).toBe('LAYERS_BAD_HARDLINK');
  });

  it('leaves FIFOs out with a warning', async () => {
    const tree = new Tree();
    const r = await extractTar(tree, pyTar([{ name: 'p', type: 'fifo' }, { name: 'f', data: 'x' }]), { name: 't' });
    expect(r.warnings.map((w) => w.code)).toEqual(['LAYERS_SPECIAL_FILE']);
    expect(tree.tryGet('/p')).toBeUndefined();
  });

  it('stops at the entry limit', async () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ name: `f${i}`, data: '' }));
    expect(await code(pyTar(many), { limits: { maxEntries: 200 } })).toBe('LAYERS_LIMIT');
  });

  it('stops a gzip bomb by its compression ratio', async () => {
    const bomb = join(tmp, 'bomb.tar.gz');
    execFileSync('sh', ['-c', `cd ${tmp} && head -c 67108864 /dev/zero > zeros && tar -czf ${bomb} zeros && rm zeros`]);
    expect(readFileSync(bomb).length).toBeLessThan(200_000);
    expect(await code(readFileSync(bomb))).toBe('LAYERS_LIMIT');
  });

  it('refuses truncated and non-tar input', async () => {
    const good = pyTar([{ name: 'f', data: 'x'.repeat(2000) }], 'gz');
    expect(await code(good.subarray(0, good.length - 20))).toBe('LAYERS_BAD_ARCHIVE');
    const plain = pyTar([{ name: 'f', data: 'x'.repeat(2000) }]);
    expect(await code(plain.subarray(0, 1000))).toBe('LAYERS_BAD_ARCHIVE');
    expect(await code(new TextEncoder().encode('not a tar at all '.repeat(64)))).toBe('LAYERS_BAD_ARCHIVE');
  });
});
