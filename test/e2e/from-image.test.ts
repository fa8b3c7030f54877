// FROM any image (issue 5, done-when 1, 2, 5): the fixture image (scripts/make-fixture-images.sh, made
// with umoci and skopeo) as a base from Debian's real registry — plain, basic auth and token auth —
// and from an OCI layout, an oci-archive and a docker-archive. The box's tree must equal
// `umoci unpack` of the same image (the reference), every form must give the same snapshot, and a
// second build with a warm cache must fetch no blob.
import { execa } from 'execa';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, boxer, isRoot, tempDir } from './helpers.js';
import { startRegistry, type TestRegistry } from '../utils/registry.js';

const tmp = tempDir();
const images = join(tmp.path, 'images');
let umociListing: string[];
const registries: TestRegistry[] = [];
const env = { XDG_CACHE_HOME: join(tmp.path, 'cache'), HOME: join(tmp.path, 'home') };

/** `path type mode uid:gid size/digest/target`, from a real directory (umoci's rootfs). */
function listRootfs(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(dir, rel)).sort()) {
    const p = `${rel}/${name}`;
    const st = lstatSync(join(dir, p));
    const head = `${p} ${(st.mode & 0o7777).toString(8).padStart(4, '0')} ${st.uid}:${st.gid}`;
    if (st.isSymbolicLink()) out.push(`${head} symlink ${readlinkSync(join(dir, p))}`);
    else if (st.isDirectory()) out.push(`${head} dir`, ...listRootfs(dir, p));
    else out.push(`${head} file ${st.size} sha256:${createHash('sha256').update(readFileSync(join(dir, p))).digest('hex')}`);
  }
  return out;
}

/** The same listing from `boxer inspect --json` (hard links resolved to the file they share). */
function listBox(files: { path: string; type: string; mode: string; uid: number; gid: number; size?: number; digest?: string; target?: string }[]): string[] {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return files.filter((f) => f.path !== '/').map((f) => {
    const head = `${f.path} ${f.mode.padStart(4, '0').slice(-4)} ${f.uid}:${f.gid}`;
    if (f.type === 'symlink') return `${head} symlink ${f.target}`;
    if (f.type === 'dir') return `${head} dir`;
    const file = f.type === 'hardlink' ? byPath.get(f.target!)! : f;
    return `${head} file ${file.size} ${file.digest}`;
  });
}

async function buildFrom(from: string, name: string): Promise<{ files: Parameters<typeof listBox>[0]; snapshot: string; bases: { ref: string; digest?: string }[] }> {
  const ctx = join(tmp.path, `ctx-${name}`);
  mkdirSync(ctx, { recursive: true });
  writeFileSync(join(ctx, 'Dockerfile'), `FROM ${from}\n`);
  const out = join(tmp.path, `${name}.wasm`);
  const b = await boxer(['build', ctx, '-o', out, '--progress', 'quiet'], { env });
  expect(b.stderr).toBe('');
  expect(b.exitCode).toBe(0);
  const j = JSON.parse((await boxer(['inspect', '--json', out], { env })).stdout);
  return { files: j.files, snapshot: j.manifest.snapshot.digest, bases: j.manifest.bases };
}

beforeAll(async () => {
  await execa('bash', [join(ROOT, 'scripts/make-fixture-images.sh'), images]);
  const bundle = join(tmp.path, 'unpacked');
  await execa('umoci', ['unpack', '--image', `${join(images, 'oci')}:v1`, bundle]);
  umociListing = listRootfs(join(bundle, 'rootfs'));
}, 120_000);
afterAll(async () => {
  for (const r of registries) await r.stop();
  tmp.cleanup();
});

// NOTE: each case spawns several CLI processes; under a loaded 2-core machine they need more than vitest's default.
describe.skipIf(!isRoot)('FROM an image', { timeout: 180_000 }, () => {
  it('from an OCI layout, an oci-archive and a docker-archive: the umoci tree, one snapshot', async () => {
    const layout = await buildFrom(`oci-layout://${join(images, 'oci')}:v1`, 'layout');
    expect(listBox(layout.files)).toEqual(umociListing);
    const archive = await buildFrom(`oci-archive://${join(images, 'oci-archive.tar')}:v1`, 'oci-archive');
    const docker = await buildFrom(`docker-archive://${join(images, 'docker-archive.tar')}`, 'docker-archive');
    expect(archive.snapshot).toBe(layout.snapshot);
    expect(docker.snapshot).toBe(layout.snapshot);
  });

  for (const auth of ['none', 'basic', 'token'] as const) {
    it(`from a registry with ${auth === 'none' ? 'no auth' : `${auth} auth`}: the umoci tree, and a warm cache fetches no blob`, async () => {
      const registry = await startRegistry({ auth });
      registries.push(registry);
      const ref = `${registry.host}/fixture:v1`;
      const creds = auth === 'none' ? [] : [`--dest-creds=${registry.username}:${registry.password}`];
      await execa('skopeo', ['copy', '--dest-tls-verify=false', ...creds, `oci:${join(images, 'oci')}:v1`, `docker://${ref}`]);
      if (auth !== 'none') {
        mkdirSync(join(env.HOME, '.docker'), { recursive: true });
        writeFileSync(join(env.HOME, '.docker/config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
      }
      const cold = await buildFrom(ref, `registry-${auth}`);
      expect(listBox(cold.files)).toEqual(umociListing);
      expect(cold.bases[0]).toMatchObject({ ref, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
      const before = registry.requests().length;
      const warm = await buildFrom(ref, `registry-${auth}-warm`);
      expect(warm.snapshot).toBe(cold.snapshot);
      const blobRequests = registry.requests().slice(before).filter((r) => r.includes('/blobs/'));
      expect(blobRequests).toEqual([]);
      if (auth === 'none') {
        // Progress: one plain line per blob pulled into a fresh cache, JSON events with --progress json.
        const ctx = join(tmp.path, 'ctx-registry-none');
        const plain = await boxer(['build', ctx, '--cache-dir', join(tmp.path, 'fresh-cache'), '--progress', 'plain'], { env });
        expect(plain.stderr).toMatch(/^ {2}pull sha256:[0-9a-f]{12} /m);
        const json = await boxer(['build', ctx, '--cache-dir', join(tmp.path, 'fresh-cache-2'), '--progress', 'json'], { env });
        const events = json.stderr.trim().split('\n').map((l) => JSON.parse(l));
        expect(events.some((e) => e.type === 'progress' && e.stage === 'pull' && e.current === e.total)).toBe(true);
        // On a terminal (script(1) gives the CLI a pty), auto mode draws one bar redrawn in place.
        const cmd = `node ${join(ROOT, 'packages/boxer/bin/boxer.js')} build ${ctx} --cache-dir ${join(tmp.path, 'fresh-cache-3')}`;
        const tty = await execa('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ...env }, reject: false });
        expect(tty.exitCode).toBe(0);
        expect(tty.stdout).toMatch(/pull \d+ blobs? \[#+\] 100% /);
      }
    });
  }
});
