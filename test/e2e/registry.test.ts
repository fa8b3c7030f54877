// Boxes travel like images (issue 5, done-when 3): `boxer push` then `boxer pull` through Debian's real
// docker-registry round-trips the box byte for byte, skopeo (a tool of its own) reads and copies the
// artifact, and `boxer run REF` runs it. `-o type=oci` writes a layout skopeo can push.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../utils/registry.js';
import { boxer, tempDir } from './helpers.js';

const tmp = tempDir();
let registry: TestRegistry;
let box: string;
const cacheEnv = () => ({ XDG_CACHE_HOME: join(tmp.path, 'cache'), HOME: tmp.path });

beforeAll(async () => {
  registry = await startRegistry();
  box = join(tmp.path, 'hello.wasm');
  expect((await boxer(['build', 'examples/hello', '-o', box])).exitCode).toBe(0);
});
afterAll(async () => {
  await registry?.stop();
  tmp.cleanup();
});

describe('boxer push / pull / run REF', () => {
  it('round-trips a box byte for byte and runs it by reference', async () => {
    const ref = `${registry.host}/hello:v1`;
    const p = await boxer(['push', box, ref], { env: cacheEnv() });
    expect(p.stderr).toBe('');
    expect(p.exitCode).toBe(0);
    expect(p.stdout).toMatch(new RegExp(`^${registry.host}/hello:v1@sha256:[0-9a-f]{64}\\n$`));
    const out = join(tmp.path, 'pulled.wasm');
    const q = await boxer(['pull', ref, '-o', out], { env: cacheEnv() });
    expect(q.exitCode).toBe(0);
    expect(Buffer.compare(readFileSync(out), readFileSync(box))).toBe(0);
    const r = await boxer(['run', ref, 'registry'], { env: cacheEnv() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Hello from a box, registry!');
  });

  it('pushes a CNCF Wasm artifact that skopeo reads and copies', async () => {
    const ref = `${registry.host}/hello:skopeo`;
    expect((await boxer(['push', box, ref], { env: cacheEnv() })).exitCode).toBe(0);
    // skopeo inspect refuses non-image configs (DESIGN §0.7): read the raw manifest instead.
    const raw = await execa('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`]);
    const manifest = JSON.parse(raw.stdout);
    expect(manifest.config.mediaType).toBe('application/vnd.wasm.config.v0+json');
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe('application/wasm');
    expect(manifest.layers[0].size).toBe(readFileSync(box).length);
    const layout = join(tmp.path, 'copied');
    await execa('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${layout}:v1`]);
    const hex = manifest.layers[0].digest.slice('sha256:'.length);
    expect(Buffer.compare(readFileSync(join(layout, 'blobs/sha256', hex)), readFileSync(box))).toBe(0);
  });

  it('writes -o type=oci layouts (dir and tar) that skopeo pushes and boxer pulls back unchanged', async () => {
    for (const dest of [join(tmp.path, 'layout'), join(tmp.path, 'layout.tar')]) {
      const b = await boxer(['build', 'examples/hello', '-o', `type=oci,dest=${dest}`]);
      expect(b.exitCode).toBe(0);
      const ref = `${registry.host}/from-layout:${dest.endsWith('.tar') ? 'tar' : 'dir'}`;
      const src = dest.endsWith('.tar') ? `oci-archive:${dest}:latest` : `oci:${dest}:latest`;
      await execa('skopeo', ['copy', '--dest-tls-verify=false', src, `docker://${ref}`]);
      const out = join(tmp.path, `from-${dest.endsWith('.tar') ? 'tar' : 'dir'}.wasm`);
      expect((await boxer(['pull', ref, '-o', out], { env: cacheEnv() })).exitCode).toBe(0);
      expect(Buffer.compare(readFileSync(out), readFileSync(box))).toBe(0);
    }
  });

  it('refuses a pulled image that is not a box', async () => {
    // A plain OCI image (layer application/vnd.oci.image.layer.v1.tar) made with umoci and pushed by skopeo.
    const layout = join(tmp.path, 'plain-image');
    await execa('umoci', ['init', '--layout', layout]);
    await execa('umoci', ['new', '--image', `${layout}:v1`]);
    await execa('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${registry.host}/plain:v1`]);
    const r = await boxer(['pull', `${registry.host}/plain:v1`, '-o', join(tmp.path, 'x.wasm')], { env: cacheEnv() });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('CLI_NOT_A_BOX_ARTIFACT');
  });
});
