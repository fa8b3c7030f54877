// @boxer/registry against Debian's real docker-registry (distribution 2.8) on 127.0.0.1: pushes with
// the package's own functions, pulls them back (plain, htpasswd basic auth, distribution's JWT token
// auth with a token server of the test's own), checks what the registry itself logged (a warm cache
// makes no blob request), tampering (a proxy that alters bytes), platform selection, concurrency,
// retries and cancellation. skopeo reads the pushed Wasm artifact as a second, independent client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BoxerError } from '@boxer/diagnostics';
import type { BoxerEvent } from '@boxer/events';
import { loadDockerCredentials, MEDIA_TYPES, pullImage, pullManifestAndBlobs, pushArtifact } from '@boxer/registry';
import { startRegistry, type TestRegistry } from '../../../test/utils/registry.js';
import { diagnosticCode } from '../../../test/utils/diagnostics.js';
import { cacheFiles, pushIndex, pushTestImage, sha256 } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'boxer-registry-test-'));
let n = 0;
const cacheDir = (): string => join(tmp, `cache-${n++}`);


async function failure(p: Promise<unknown>): Promise<BoxerError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BoxerError) return e;
    throw e;
  }
  throw new Error('expected a BoxerError');
}

let plain: TestRegistry;
let basic: TestRegistry;
let token: TestRegistry;

beforeAll(async () => {
  [plain, basic, token] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' }), startRegistry({ auth: 'token' })]);
});
afterAll(async () => {
  await Promise.all([plain?.stop(), basic?.stop(), token?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('pull from the live registry', () => {
  it('pushes an OCI image and pulls it back byte for byte, with progress events', async () => {
    const img = await pushTestImage(`${plain.host}/app`, 'v1');
    const events: BoxerEvent[] = [];
    const dir = cacheDir();
    const pulled = await pullImage(`${plain.host}/app:v1`, { cacheDir: dir, emit: (e) => events.push(e) });
    expect(pulled.reference).toBe(`${plain.host}/app:v1`);
    expect(pulled.digest).toBe(img.digest);
    expect(pulled.digest).toBe(sha256(img.manifestBytes));
    expect(pulled.config).toEqual(img.config);
    expect(pulled.configDigest).toBe(sha256(img.configBytes));
    expect(pulled.layers.map((l) => l.digest)).toEqual(img.layers.map(sha256));
    pulled.layers.forEach((l, i) => {
      expect(l.path).toBe(join(dir, 'blobs', 'sha256', l.digest.slice(7)));
      expect(Buffer.compare(readFileSync(l.path), img.layers[i]!)).toBe(0);
      expect(l.size).toBe(img.layers[i]!.length);
      expect(l.mediaType).toBe('application/vnd.oci.image.layer.v1.tar');
    });
    for (const l of pulled.layers) {
      const last = events.filter((e) => e.type === 'progress' && e.id === l.digest).at(-1);
      expect(last).toEqual({ type: 'progress', stage: 'pull', id: l.digest, current: l.size, total: l.size });
    }
    // by digest too, and a Docker schema 2 image
    const byDigest = await pullImage(`${plain.host}/app@${img.digest}`, { cacheDir: cacheDir() });
    expect(byDigest.digest).toBe(img.digest);
    const docker = await pushTestImage(`${plain.host}/dockerimg`, 'v1', { docker: true });
    const d = await pullImage(`${plain.host}/dockerimg:v1`, { cacheDir: cacheDir() });
    expect(d.digest).toBe(docker.digest);
    expect((d.manifest as { mediaType: string }).mediaType).toBe(MEDIA_TYPES.dockerManifest);
    expect(d.config).toEqual(docker.config);
  });

  it('a missing tag is REGISTRY_MANIFEST_NOT_FOUND', async () => {
    expect(await diagnosticCode(pullImage(`${plain.host}/nothing:here`, { cacheDir: cacheDir() }))).toBe('REGISTRY_MANIFEST_NOT_FOUND');
  });

  it('basic auth: refused without a login, pulls with one read from a docker config.json', async () => {
    const creds = { username: basic.username, password: basic.password };
    expect(await diagnosticCode(pushTestImage(`${basic.host}/private`, 'v1'))).toBe('REGISTRY_UNAUTHORIZED');
    const img = await pushTestImage(`${basic.host}/private`, 'v1', { credentials: () => creds });
    const anon = await failure(pullImage(`${basic.host}/private:v1`, { cacheDir: cacheDir() }));
    expect(anon.diagnostic.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(anon.diagnostic.message).toContain('401');
    const cfg = join(tmp, 'docker-config.json');
    writeFileSync(cfg, JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from(`${basic.username}:${basic.password}`).toString('base64') } } }));
    const pulled = await pullImage(`${basic.host}/private:v1`, { cacheDir: cacheDir(), credentials: await loadDockerCredentials(cfg) });
    expect(pulled.digest).toBe(img.digest);
    const wrong = await failure(pullImage(`${basic.host}/private:v1`, { cacheDir: cacheDir(), credentials: () => ({ username: 'boxer', password: 'nope' }) }));
    expect(wrong.diagnostic.code).toBe('REGISTRY_UNAUTHORIZED');
  });

  it('token auth: the Bearer flow from WWW-Authenticate against distribution auth.token', async () => {
    const creds = { username: token.username, password: token.password };
    const img = await pushTestImage(`${token.host}/tok/app`, 'v1', { credentials: () => creds });
    const pulled = await pullImage(`${token.host}/tok/app:v1`, { cacheDir: cacheDir(), credentials: () => creds });
    expect(pulled.digest).toBe(img.digest);
    expect(pulled.config).toEqual(img.config);
    const scopes = token.tokenRequests();
    expect(scopes).toContain('repository:tok/app:pull,push');
    expect(scopes).toContain('repository:tok/app:pull');
    const anon = await failure(pullImage(`${token.host}/tok/app:v1`, { cacheDir: cacheDir() }));
    expect(anon.diagnostic.code).toBe('REGISTRY_UNAUTHORIZED');
    expect(anon.diagnostic.message).toMatch(/token server refused/);
  });
});

describe('platform selection', () => {
  it('picks wasi/wasm first, then the requested platform, and lists what exists otherwise', async () => {
    const repo = `${plain.host}/multi`;
    const amd = await pushTestImage(repo, undefined, { platform: { os: 'linux', architecture: 'amd64' } });
    const arm = await pushTestImage(repo, undefined, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const wasm = await pushTestImage(repo, undefined, { platform: { os: 'wasi', architecture: 'wasm' } });
    const withWasm = await pushIndex(`${repo}:all`, [amd, arm, wasm]);
    await pushIndex(`${repo}:linux`, [amd, arm]);
    await pushIndex(`${repo}:docker-list`, [amd, arm], { docker: false });

    const a = await pullManifestAndBlobs(`${repo}:all`, { cacheDir: cacheDir(), platform: { os: 'linux', architecture: 'arm64' } });
    expect(a.digest).toBe(wasm.digest);
    expect(a.indexDigest).toBe(withWasm);
    const b = await pullImage(`${repo}:linux`, { cacheDir: cacheDir(), platform: { os: 'linux', architecture: 'arm64' } });
    expect(b.digest).toBe(arm.digest);
    const c = await pullImage(`${repo}:linux`, { cacheDir: cacheDir() });
    expect(c.digest).toBe(amd.digest);
    const none = await failure(pullImage(`${repo}:linux`, { cacheDir: cacheDir(), platform: { os: 'linux', architecture: 's390x' } }));
    expect(none.diagnostic.code).toBe('REGISTRY_NO_MATCHING_PLATFORM');
    expect(none.diagnostic.message).toContain('linux/amd64, linux/arm64/v8');
    expect(none.diagnostic.message).toContain('linux/s390x');
  });

  it('reads a Docker manifest list of schema 2 images', async () => {
    const repo = `${plain.host}/dlist`;
    const amd = await pushTestImage(repo, undefined, { docker: true });
    const arm = await pushTestImage(repo, undefined, { docker: true, platform: { os: 'linux', architecture: 'arm64' } });
    await pushIndex(`${repo}:v1`, [amd, arm], { docker: true });
    expect((await pullImage(`${repo}:v1`, { cacheDir: cacheDir(), platform: { os: 'linux', architecture: 'arm64' } })).digest).toBe(arm.digest);
  });
});

describe('cache', () => {
  it('a warm cache makes no blob request (from the registry access log)', async () => {
    const img = await pushTestImage(`${plain.host}/cached`, 'v1');
    const dir = cacheDir();
    const before = plain.requests().length;
    await pullImage(`${plain.host}/cached:v1`, { cacheDir: dir });
    const cold = plain.requests().slice(before);
    expect(cold.filter((r) => r.startsWith('GET /v2/cached/blobs/'))).toHaveLength(3);
    const mid = plain.requests().length;
    const again = await pullImage(`${plain.host}/cached:v1`, { cacheDir: dir });
    const warm = plain.requests().slice(mid);
    expect(again.digest).toBe(img.digest);
    expect(warm.filter((r) => r.includes('/blobs/'))).toEqual([]);
    expect(warm).toEqual(['GET /v2/cached/manifests/v1']);
    // by digest, the manifest comes from the cache as well: no request at all
    const end = plain.requests().length;
    await pullImage(`${plain.host}/cached@${img.digest}`, { cacheDir: dir });
    expect(plain.requests().slice(end)).toEqual([]);
  });

  it('concurrent pulls into one cache dir all succeed and leave only whole blobs', async () => {
    const img = await pushTestImage(`${plain.host}/conc`, 'v1', { layerSize: 2 * 1024 * 1024 });
    const dir = cacheDir();
    const results = await Promise.all(Array.from({ length: 6 }, () => pullImage(`${plain.host}/conc:v1`, { cacheDir: dir })));
    for (const r of results) expect(r.digest).toBe(img.digest);
    const files = cacheFiles(dir);
    expect(files.filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    for (const f of files) expect(sha256(readFileSync(join(dir, 'blobs', 'sha256', f)))).toBe(`sha256:${f}`);
    expect(files).toEqual(expect.arrayContaining(img.layers.map((l) => sha256(l).slice(7))));
  });
});

/** A proxy on 127.0.0.1 in front of `target` that alters bodies of the requests `tamper` picks. */
async function tamperingProxy(target: string, tamper: (method: string, path: string) => ((body: Buffer) => Buffer) | undefined): Promise<{ host: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      const up = await fetch(`http://${target}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: 'manual' });
      let body: Buffer = Buffer.from(await up.arrayBuffer());
      const change = tamper(req.method ?? 'GET', req.url ?? '');
      if (change && up.ok) body = Buffer.from(change(body));
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(k)) out[k] = v;
      });
      res.writeHead(up.status, out);
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { host: `127.0.0.1:${(server.address() as { port: number }).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('digest verification', () => {
  it('a blob altered in transit is REGISTRY_DIGEST_MISMATCH and nothing is cached', async () => {
    const img = await pushTestImage(`${plain.host}/tamper`, 'v1');
    const flipped = sha256(img.layers[0]!);
    const proxy = await tamperingProxy(plain.host, (m, p) => (m === 'GET' && p.endsWith(`/blobs/${flipped}`) ? (b) => Buffer.from(b.map((x, i) => (i === 10 ? x ^ 1 : x))) : undefined));
    try {
      const dir = cacheDir();
      const err = await failure(pullImage(`${proxy.host}/tamper:v1`, { cacheDir: dir }));
      expect(err.diagnostic.code).toBe('REGISTRY_DIGEST_MISMATCH');
      expect(err.diagnostic.message).toContain(flipped);
      expect(cacheFiles(dir)).not.toContain(flipped.slice(7));
      expect(cacheFiles(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('a manifest altered in transit is refused by tag (Docker-Content-Digest) and by digest', async () => {
    const img = await pushTestImage(`${plain.host}/tamperm`, 'v1');
    const proxy = await tamperingProxy(plain.host, (m, p) => (m === 'GET' && p.includes('/manifests/') ? (b) => Buffer.concat([b, Buffer.from(' ')]) : undefined));
    try {
      expect(await diagnosticCode(pullImage(`${proxy.host}/tamperm:v1`, { cacheDir: cacheDir() }))).toBe('REGISTRY_DIGEST_MISMATCH');
      expect(await diagnosticCode(pullImage(`${proxy.host}/tamperm@${img.digest}`, { cacheDir: cacheDir() }))).toBe('REGISTRY_DIGEST_MISMATCH');
    } finally {
      await proxy.close();
    }
  });
});

describe('retries and cancellation', () => {
  it('retries 503s and network errors with backoff, and gives up after `retries`', async () => {
    await pushTestImage(`${plain.host}/flaky`, 'v1');
    let failures = 0;
    const flaky = (fails: number): typeof fetch => {
      let seen = 0;
      return async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.includes('/blobs/') && seen < fails) {
          seen++;
          failures++;
          if (seen % 2) return new Response('busy', { status: 503 });
          throw new TypeError('fetch failed');
        }
        return fetch(input, init);
      };
    };
    const ok = await pullImage(`${plain.host}/flaky:v1`, { cacheDir: cacheDir(), fetch: flaky(2), retryDelayMs: 5 });
    expect(ok.layers).toHaveLength(2);
    expect(failures).toBe(2);
    const err = await failure(pullImage(`${plain.host}/flaky:v1`, { cacheDir: cacheDir(), fetch: flaky(100), retries: 2, retryDelayMs: 5 }));
    expect(err.diagnostic.code).toBe('REGISTRY_REQUEST_FAILED');
    expect(err.diagnostic.message).toMatch(/after 3 attempts/);
  });

  it('an AbortSignal stops the pull and leaves no temp file', async () => {
    await pushTestImage(`${plain.host}/abort`, 'v1', { layerSize: 4 * 1024 * 1024 });
    const ac = new AbortController();
    const dir = cacheDir();
    const p = pullImage(`${plain.host}/abort:v1`, { cacheDir: dir, signal: ac.signal, emit: (e) => e.type === 'progress' && e.current > 0 && ac.abort(new Error('stop now')) });
    await expect(p).rejects.toThrow('stop now');
    await new Promise((r) => setTimeout(r, 100));
    expect(cacheFiles(dir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
  });
});

describe('schemes', () => {
  it('uses HTTPS except for loopback and insecureRegistries (no request leaves the process)', async () => {
    const seen: string[] = [];
    const stub: typeof fetch = async (input) => {
      seen.push(String(input));
      throw new TypeError('offline');
    };
    const opts = { cacheDir: cacheDir(), fetch: stub, retries: 0 };
    await diagnosticCode(pullImage('example.invalid/x:1', opts));
    await diagnosticCode(pullImage('ruby', opts));
    await diagnosticCode(pullImage('example.invalid:5000/x:1', { ...opts, insecureRegistries: ['example.invalid:5000'] }));
    await diagnosticCode(pullImage('localhost:5000/x', opts));
    await diagnosticCode(pullImage('[::1]:5000/x', opts));
    expect(seen).toEqual([
      'https://example.invalid/v2/x/manifests/1',
      'https://registry-1.docker.io/v2/library/ruby/manifests/latest',
      'http://example.invalid:5000/v2/x/manifests/1',
      'http://localhost:5000/v2/x/manifests/latest',
      'http://[::1]:5000/v2/x/manifests/latest',
    ]);
  });
});

describe('Wasm OCI artifact (the layout of `boxer push`)', () => {
  it('pushArtifact then pullManifestAndBlobs round-trips byte for byte; skopeo reads the same manifest', async () => {
    const box = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0, 0, 0, ...Buffer.from('payload')]);
    const config = Buffer.from(JSON.stringify({ created: '1970-01-01T00:00:00Z', architecture: 'wasm', os: 'wasip1', layerDigests: [sha256(box)] }));
    const pushed = await pushArtifact(`${plain.host}/box:v1`, {
      configMediaType: MEDIA_TYPES.wasmConfig,
      config,
      layers: [{ mediaType: MEDIA_TYPES.wasmLayer, bytes: box, annotations: { 'org.opencontainers.image.title': 'box.wasm' } }],
      annotations: { 'dev.boxer.format': '1' },
    });
    const got = await pullManifestAndBlobs(`${plain.host}/box:v1`, { cacheDir: cacheDir() });
    expect(got.digest).toBe(pushed.digest);
    expect(Buffer.compare(readFileSync(got.config.path), config)).toBe(0);
    expect(got.config.mediaType).toBe('application/vnd.wasm.config.v0+json');
    expect(got.layers).toHaveLength(1);
    expect(got.layers[0]!.mediaType).toBe('application/wasm');
    expect(got.layers[0]!.annotations).toEqual({ 'org.opencontainers.image.title': 'box.wasm' });
    expect(Buffer.compare(readFileSync(got.layers[0]!.path), box)).toBe(0);
    expect((got.manifest as { annotations: object }).annotations).toEqual({ 'dev.boxer.format': '1' });
    // skopeo, a second client: the same manifest bytes, and a copy into an OCI layout holds our blobs
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/box:v1`]);
    expect(Buffer.compare(raw, Buffer.from(got.manifestBytes))).toBe(0);
    const layout = join(tmp, 'skopeo-layout');
    execFileSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${plain.host}/box:v1`, `oci:${layout}:v1`], { stdio: 'pipe' });
    expect(Buffer.compare(readFileSync(join(layout, 'blobs', 'sha256', sha256(box).slice(7))), box)).toBe(0);
    expect(readFileSync(join(layout, 'blobs', 'sha256', pushed.digest.slice(7))).equals(Buffer.from(got.manifestBytes))).toBe(true);
  });
});

describe('an image written by other tools', () => {
  it('pulls what umoci built and skopeo pushed, identical to the layout blobs', async () => {
    const layout = join(tmp, 'umoci-layout');
    const bundle = join(tmp, 'umoci-bundle');
    execFileSync('umoci', ['init', '--layout', layout]);
    execFileSync('umoci', ['new', '--image', `${layout}:v1`]);
    execFileSync('umoci', ['unpack', '--rootless', '--image', `${layout}:v1`, bundle]);
    writeFileSync(join(bundle, 'rootfs', 'hello.txt'), 'hello from umoci\n');
    execFileSync('umoci', ['repack', '--image', `${layout}:v1`, bundle]);
    execFileSync('umoci', ['config', '--image', `${layout}:v1`, '--config.env', 'GREETING=hi', '--config.cmd', '/hello.wasm']);
    execFileSync('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${plain.host}/umoci:v1`], { stdio: 'pipe' });
    const pulled = await pullImage(`${plain.host}/umoci:v1`, { cacheDir: cacheDir() });
    const config = pulled.config as { config: { Env: string[]; Cmd: string[] } };
    expect(config.config.Env).toContain('GREETING=hi');
    expect(config.config.Cmd).toEqual(['/hello.wasm']);
    expect(pulled.layers.length).toBeGreaterThan(0);
    for (const l of pulled.layers) expect(readFileSync(l.path).equals(readFileSync(join(layout, 'blobs', 'sha256', l.digest.slice(7))))).toBe(true);
    const raw = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/umoci:v1`]);
    expect(sha256(raw)).toBe(pulled.digest);
  });
});
