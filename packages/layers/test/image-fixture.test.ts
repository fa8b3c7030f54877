// The fixture image (scripts/make-fixture-images.sh: umoci-built, 3 layers with a whiteout, an opaque
// dir, symlinks, hard links, 0755/0644/0600 files and a uid/gid 1000 home) read from its OCI layout,
// its oci-archive and its docker-archive, flattened by boxer, against `umoci unpack` of the same
// image as the reference (DESIGN §0.10). Also: the committed fixtures/images/layers-v1 layout is what
// the script makes, the config maps as umoci maps it into a runtime config (image-spec conversion.md),
// and the readers refuse corrupt blobs, unknown refs, missing platforms and symlinked blobs.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnosticCode } from '../../../test/utils/diagnostics.js';
import { imageConfigFromOci, readDockerArchive, readOciArchive, readOciLayout, type LocalImage } from '@boxer/image';
import { flatten } from '@boxer/layers';
import { encodeSnapshot } from '@boxer/vfs';
import { listHost, listTree } from './tar-helpers.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'boxer-image-fixture-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const img = join(tmp, 'img');
const bundle = join(tmp, 'bundle');
const timings: Record<string, number> = {};

beforeAll(() => {
  let t0 = performance.now();
  execFileSync('bash', [join(ROOT, 'scripts/make-fixture-images.sh'), img], { stdio: 'pipe' });
  timings.makeFixture = performance.now() - t0;
  t0 = performance.now();
  execFileSync('umoci', ['unpack', '--image', `${img}/oci:v1`, bundle], { stdio: 'pipe' });
  timings.umociUnpack = performance.now() - t0;
});
afterAll(() => console.log(`image fixture timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`));

async function flat(image: LocalImage) {
  const t0 = performance.now();
  const r = await flatten(image.layers);
  timings.flatten = performance.now() - t0;
  return r;
}

describe('the fixture image', () => {
  it('flattens to exactly what umoci unpack gives: paths, types, modes, owners, links, contents, mtimes', async () => {
    const { tree, warnings } = await flat(await readOciLayout(`${img}/oci`, 'v1'));
    expect(warnings).toEqual([]);
    // NOTE: nothing is normalised: umoci (run as root) restores owners, modes and mtimes of every
    // entry, directories included. The root itself has no entry in these layers; both sides give it
    // 0755 root:root (boxer's Tree default, umoci's rootfs mkdir), and it is compared too.
    const ours = listTree(tree, { mtime: true });
    const theirs = listHost(join(bundle, 'rootfs'), { mtime: true });
    expect(ours).toEqual(theirs);
    expect(ours.length).toBe(31);
    // Spot checks that the cases are really in there.
    expect(tree.tryGet('/tmp/removeme.txt')).toBeUndefined();
    expect(tree.readdir(tree.getDir('/var/cache'))).toEqual(['kept', 'new']);
    expect(tree.get('/usr/bin/tool-hard')).toBe(tree.get('/bin/tool'));
    expect(tree.get('/home/user/notes.txt').uid).toBe(1000);
  });

  it('is the same tree and snapshot from the OCI layout, the oci-archive and the docker-archive', async () => {
    const sources = {
      layout: await readOciLayout(`${img}/oci`),
      ociArchive: await readOciArchive(`${img}/oci-archive.tar`, 'v1'),
      dockerArchive: await readDockerArchive(readFileSync(`${img}/docker-archive.tar`), { ref: 'fixture/layers:v1' }),
    };
    const out: Record<string, { list: string[]; snapshot: string; config: string }> = {};
    for (const [k, image] of Object.entries(sources)) {
      const { tree } = await flatten(image.layers);
      out[k] = { list: listTree(tree, { mtime: true }), snapshot: encodeSnapshot(tree).digest, config: image.configDigest };
    }
    expect(out.ociArchive).toEqual(out.layout);
    expect(out.dockerArchive).toEqual(out.layout);
    expect(sources.layout.digest).toBe(sources.ociArchive.digest);
    expect(sources.dockerArchive.digest).toBeUndefined();
    expect(sources.layout.platform).toEqual({ os: 'linux', architecture: 'amd64' });
  });

  it('maps the config as umoci maps it into a runtime config', async () => {
    const image = await readOciLayout(`${img}/oci`);
    const cfg = imageConfigFromOci(image.config);
    const runtime = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
    expect([...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])]).toEqual(runtime.process.args);
    expect(cfg.WorkingDir).toBe(runtime.process.cwd);
    expect(cfg.User).toBe(`${runtime.process.user.uid}:${runtime.process.user.gid}`);
    // umoci adds TERM=xterm for the terminal it allocates; the image's own entries come in order.
    expect(runtime.process.env.filter((e: string) => e !== 'TERM=xterm')).toEqual(cfg.Env);
    expect(Object.keys(cfg.ExposedPorts ?? {}).join(',')).toBe(runtime.annotations['org.opencontainers.image.exposedPorts']);
    expect(cfg.StopSignal).toBe(runtime.annotations['org.opencontainers.image.stopSignal']);
    for (const [k, v] of Object.entries(cfg.Labels ?? {})) expect(runtime.annotations[k]).toBe(v);
    expect(Object.keys(cfg.Volumes ?? {})).toEqual(runtime.mounts.filter((m: { source: string }) => m.source === 'none').map((m: { destination: string }) => m.destination).filter((d: string) => d === '/data'));
    expect(imageConfigFromOci({ config: { OnBuild: ['RUN echo hi'], Env: 'not a list', Cmd: [1] } })).toEqual({ Env: [], WorkingDir: '', OnBuild: ['RUN echo hi'] });
  });

  it('the committed fixtures/images/layers-v1 layout is what the script makes, byte for byte', () => {
    const committed = join(ROOT, 'fixtures/images/layers-v1/oci');
    const names = (d: string) => readdirSync(d, { recursive: true }).map(String).sort();
    expect(names(committed)).toEqual(names(`${img}/oci`));
    for (const n of names(committed)) if (n !== 'blobs' && n !== 'blobs/sha256') expect(readFileSync(join(committed, n))).toEqual(readFileSync(join(img, 'oci', n)));
  });
});

describe('local image readers refuse bad input', () => {
  const copy = () => {
    const d = mkdtempSync(join(tmp, 'layout-'));
    cpSync(`${img}/oci`, d, { recursive: true });
    return d;
  };
  const index = (d: string) => JSON.parse(readFileSync(join(d, 'index.json'), 'utf8'));

  it('a layer blob that does not match its digest fails when flatten opens it', async () => {
    const d = copy();
    const image = await readOciLayout(d);
    const layer = image.layers[1]!.digest!.slice('sha256:'.length);
    const p = join(d, 'blobs/sha256', layer);
    const bytes = readFileSync(p);
    bytes[bytes.length - 30]! ^= 1;
    writeFileSync(p, bytes);
    expect(await diagnosticCode(flatten(image.layers))).toBe('IMAGE_DIGEST_MISMATCH');
  });

  it('an unknown tag or digest, and a missing platform, have their own codes', async () => {
    expect(await diagnosticCode(readOciLayout(`${img}/oci`, 'v2'))).toBe('IMAGE_REF_NOT_FOUND');
    expect(await diagnosticCode(readOciLayout(`${img}/oci`, 'sha256:' + '0'.repeat(64)))).toBe('IMAGE_REF_NOT_FOUND');
    expect(await diagnosticCode(readDockerArchive(`${img}/docker-archive.tar`, { ref: 'other:v1' }))).toBe('IMAGE_REF_NOT_FOUND');
    expect(await diagnosticCode(readOciLayout(join(tmp, 'nowhere')))).toBe('IMAGE_BAD_LAYOUT');
  });

  it('picks wasi/wasm first, then linux/amd64, or the requested platform, from a multi-platform index', async () => {
    const d = copy();
    const m = index(d).manifests[0];
    const entry = (os: string, architecture: string) => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: { os, architecture } });
    const withPlatforms = (list: object[]) => writeFileSync(join(d, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: list }));
    withPlatforms([entry('linux', 'arm64'), entry('linux', 'amd64'), entry('wasi', 'wasm')]);
    expect((await readOciLayout(d)).platform).toEqual({ os: 'wasi', architecture: 'wasm' });
    expect((await readOciLayout(d, undefined, { platform: 'linux/arm64' })).platform).toEqual({ os: 'linux', architecture: 'arm64' });
    withPlatforms([entry('linux', 'arm64'), entry('linux', 'amd64')]);
    expect((await readOciLayout(d)).platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(await diagnosticCode(readOciLayout(d, undefined, { platform: 'linux/s390x' }))).toBe('IMAGE_PLATFORM_NOT_FOUND');
    withPlatforms([entry('linux', 'arm64'), entry('windows', 'amd64')]);
    expect(await diagnosticCode(readOciLayout(d))).toBe('IMAGE_PLATFORM_NOT_FOUND');
  });

  it('does not follow a symlinked blob in a layout directory (DESIGN §0.15)', async () => {
    const d = copy();
    const digest = index(d).manifests[0].digest.slice('sha256:'.length);
    const p = join(d, 'blobs/sha256', digest);
    const keep = join(tmp, `manifest-${digest}`);
    cpSync(p, keep);
    unlinkSync(p);
    symlinkSync(keep, p);
    expect(await diagnosticCode(readOciLayout(d))).toBe('IMAGE_BAD_LAYOUT');
  });
});
