// Multi-stage builds (issue 4): COPY --from by name and index, --target building only what it needs,
// FROM <stage>, ONBUILD triggers, COPY --parents/--exclude/symbolic --chmod. Fixtures live in
// fixtures/multistage/<case>/{Dockerfile,context/}; expectations cite the Dockerfile reference.
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import type { BoxerEvent } from '@boxer/events';
import { buildImage } from '@boxer/build';
import { fileContent, type Tree } from '@boxer/vfs';

const FIX = new URL('../../../fixtures/multistage/', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'boxer-ms-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function buildCase(name: string, extra: { target?: string; prepare?: (ctx: string) => void; dockerfile?: string } = {}) {
  const ctx = join(tmp, `${name}-${Math.random().toString(36).slice(2)}`);
  cpSync(join(FIX, name, 'context'), ctx, { recursive: true });
  extra.prepare?.(ctx);
  const events: BoxerEvent[] = [];
  const result = await buildImage({
    dockerfile: { text: extra.dockerfile ?? readFileSync(join(FIX, name, 'Dockerfile'), 'utf8'), file: 'Dockerfile' },
    contextDir: ctx,
    ...(extra.target ? { target: extra.target } : {}),
    emit: (e) => events.push(e),
  });
  const lines = events.flatMap((e) => (e.type === 'step' && e.line !== undefined ? [e.line] : []));
  return { ...result, lines };
}
const paths = (t: Tree) => [...t.walk()].map(([p]) => p);
const text = (t: Tree, p: string) => {
  const n = t.get(p);
  if (n.kind !== 'file') throw new Error(`${p} is a ${n.kind}`);
  return new TextDecoder().decode(fileContent(n));
};

describe('COPY --from', () => {
  it('copies a directory out of a named stage into a fresh scratch stage', async () => {
    const r = await buildCase('basic');
    expect(paths(r.tree)).toEqual(['/', '/app', '/app/app.txt', '/app/conf', '/app/conf/app.conf']);
    expect(text(r.tree, '/app/conf/app.conf')).toBe('k=v\n');
    // The final stage's config is its own, not the build stage's.
    expect(r.config.WorkingDir).toBe('');
  });

  it('copies from a stage by index, and --target builds only the stages it needs', async () => {
    // Reference: "you can use --from=<index> where index is the stage number, starting at 0"; BuildKit
    // builds only the stages the target depends on, so the RUN of stage "unused" is never reached.
    const r = await buildCase('index-and-target', { target: 'final' });
    expect(paths(r.tree)).toEqual(['/', '/from-index.txt']);
    expect(text(r.tree, '/from-index.txt')).toBe('one\n');
    expect(r.lines).not.toContain(6);
    expect(r.lines).not.toContain(7);
    expect(r.config.Labels).toEqual({ stage: 'final' });
  });

  it('fails at the RUN line when the target does need that stage', async () => {
    const df = readFileSync(join(FIX, 'index-and-target', 'Dockerfile'), 'utf8') + 'FROM scratch AS needs-unused\nCOPY --from=unused /x /x\n';
    const err = await buildCase('index-and-target', { dockerfile: df }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BoxerError);
    expect((err as BoxerError).diagnostics.map((x) => [x.code, x.location?.line])).toEqual([['BUILD_UNSUPPORTED_INSTRUCTION', 7]]);
  });

  it('builds FROM an earlier stage, inheriting its files and config', async () => {
    const r = await buildCase('index-and-target', { target: 'debug' });
    expect(paths(r.tree)).toEqual(['/', '/from-index.txt', '/two.txt']);
    expect(r.config.Labels).toEqual({ stage: 'final' });
  });

  it('refuses a stage defined after the current one', async () => {
    const err2 = await buildCase('basic', { dockerfile: 'FROM scratch AS first\nCOPY --from=later /a /a\nFROM scratch AS later\n', target: 'first' }).catch((e: unknown) => e);
    expect((err2 as BoxerError).diagnostic.code).toBe('BUILD_COPY_FROM_LATER_STAGE');
    const err3 = await buildCase('basic', { dockerfile: 'FROM scratch AS first\nCOPY --from=1 /a /a\nFROM scratch\n', target: 'first' }).catch((e: unknown) => e);
    expect((err3 as BoxerError).diagnostic.code).toBe('BUILD_COPY_FROM_LATER_STAGE');
  });

  it('names the stage when a source is missing there', async () => {
    const err = await buildCase('basic', { dockerfile: 'FROM scratch AS a\nFROM scratch\nCOPY --from=a /nope /x\n' }).catch((e: unknown) => e);
    expect((err as BoxerError).diagnostic).toMatchObject({ code: 'BUILD_COPY_SOURCE_NOT_IN_STAGE', location: { line: 3 } });
  });
});

describe('ONBUILD', () => {
  it('runs triggers first in a stage built FROM the declaring stage, and not in the next one', async () => {
    // Reference (ONBUILD): triggers run "immediately after the FROM instruction" of the downstream
    // build and "are not inherited by grand-children builds".
    const child = await buildCase('onbuild', { target: 'child' });
    expect(paths(child.tree)).toEqual(['/', '/child.txt', '/triggered.txt']);
    expect(child.config.Labels).toEqual({ base: 'yes', triggered: 'yes' });
    expect(child.config.OnBuild).toBeUndefined();
    const base = await buildCase('onbuild', { target: 'base' });
    expect(base.config.OnBuild).toEqual(['COPY marker.txt /triggered.txt', 'LABEL triggered=yes']);
    expect(paths(base.tree)).toEqual(['/']);
    const grand = await buildCase('onbuild', { target: 'grandchild' });
    expect(grand.config.Labels).toEqual({ base: 'yes', triggered: 'yes', grandchild: 'yes' });
  });
});

describe('COPY flags', () => {
  it('--parents keeps source directories, after a /./ pivot; --exclude drops matches; symbolic --chmod', async () => {
    const r = await buildCase('parents-exclude', { prepare: (ctx) => chmodSync(join(ctx, 'docs/guide.txt'), 0o666) });
    const p = paths(r.tree);
    // Reference (COPY --parents): "COPY --parents ./x/a.txt ./y/a.txt /parents/" gives /parents/x/a.txt, /parents/y/a.txt.
    expect(p).toContain('/p/x/a.txt');
    expect(p).toContain('/p/y/b.txt');
    // Reference: the part after "/./" is kept: "./x/./y/*.txt /parents/" gives /parents/y/a.txt.
    expect(p).toContain('/pivot/deep/c.txt');
    expect(p).not.toContain('/pivot/src/deep/c.txt');
    expect(p.filter((x) => x.startsWith('/docs/'))).toEqual(['/docs/guide.txt']);
    // chmod(1): 0666 with u+x,go-w is 0744.
    expect(r.tree.get('/guide.txt').mode).toBe(0o744);
  });
});

describe('ONBUILD from an image', () => {
  it('runs the triggers an image config carries, first, at the FROM line, and drops them', async () => {
    // Reference (ONBUILD): the builder "looks for ONBUILD triggers ... in the parent image" and runs
    // them immediately after FROM. The image here is a hand-made OCI layout whose config has OnBuild.
    const { createHash } = await import('node:crypto');
    const { execFileSync } = await import('node:child_process');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const dir = join(tmp, `onbuild-image-${Math.random().toString(36).slice(2)}`);
    const blobs = join(dir, 'layout/blobs/sha256');
    mkdirSync(blobs, { recursive: true });
    mkdirSync(join(dir, 'rootfs/etc'), { recursive: true });
    writeFileSync(join(dir, 'rootfs/etc/base.txt'), 'base\n');
    const layer = execFileSync('tar', ['--owner=0', '--group=0', '--mtime=@0', '-cf', '-', '-C', join(dir, 'rootfs'), 'etc']);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const put = (b: Uint8Array) => (writeFileSync(join(blobs, sha(b)), b), { digest: `sha256:${sha(b)}`, size: b.length });
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['FROM_IMAGE=1'], OnBuild: ['COPY marker.txt /triggered.txt', 'LABEL from=image'] }, rootfs: { type: 'layers', diff_ids: [`sha256:${sha(layer)}`] } }));
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(layer) }] }));
    const m = put(manifest);
    writeFileSync(join(dir, 'layout/oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(join(dir, 'layout/index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
    writeFileSync(join(dir, 'marker.txt'), 'marker\n');
    const r = await buildImage({ dockerfile: { text: 'FROM oci-layout://layout:v1\nLABEL own=yes\n', file: 'Dockerfile' }, contextDir: dir });
    expect(text(r.tree, '/triggered.txt')).toBe('marker\n');
    expect(text(r.tree, '/etc/base.txt')).toBe('base\n');
    expect(r.config.Labels).toEqual({ from: 'image', own: 'yes' });
    expect(r.config.OnBuild).toBeUndefined();
    expect(r.config.Env).toContain('FROM_IMAGE=1');
    // A trigger this version cannot run is reported at the FROM line.
    const bad = JSON.parse(config.toString());
    bad.config.OnBuild = ['RUN make'];
    const cfg2 = Buffer.from(JSON.stringify(bad));
    const man2 = Buffer.from(JSON.stringify({ ...JSON.parse(manifest.toString()), config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(cfg2) } }));
    writeFileSync(join(dir, 'layout/index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...put(man2), annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
    const err = await buildImage({ dockerfile: { text: 'FROM oci-layout://layout:v1\n', file: 'Dockerfile' }, contextDir: dir }).catch((e: unknown) => e);
    expect((err as BoxerError).diagnostic).toMatchObject({ code: 'BUILD_UNSUPPORTED_INSTRUCTION', location: { line: 1 } });
  });
});
