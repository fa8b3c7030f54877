// Preview2 components under `boxer run`: a component fetches from an HTTP server on 127.0.0.1 only
// when `--allow-net` names that host and port, and a component serving wasi:http answers on `-p`
// and is unreachable without it. The components are built from fixtures/components/src with
// componentize-js by scripts/build-components.mjs (cached: they are not byte-stable, and 12–14 MB
// each); the server they talk to is a real node:http server on 127.0.0.1, on a random port, that
// counts what reaches it, so "denied" is checked from outside boxer too.
import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, boxer, netRecords, startServing, tempDir } from './helpers.js';

const tmp = tempDir('boxer-components-');
/** boxer's cache for these runs ($XDG_CACHE_HOME/boxer): transpiled components land here. */
const XDG = join(tmp.path, 'xdg');
const ENV = { XDG_CACHE_HOME: XDG };
let clientBox: string;
let serverBox: string;
let clientDigest: string;
let server: Server;
let port: number;
const seen: string[] = [];


async function boxOf(component: string, name: string, extra = ''): Promise<string> {
  const ctx = join(tmp.path, `${name}-ctx`);
  mkdirSync(join(ctx, 'app'), { recursive: true });
  copyFileSync(component, join(ctx, 'app', `${name}.wasm`));
  writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nCOPY app/ /app/\n${extra}ENTRYPOINT ["/app/${name}.wasm"]\n`);
  const out = join(tmp.path, `${name}.box.wasm`);
  const b = await boxer(['build', ctx, '-o', out]);
  expect(b.exitCode, b.stderr).toBe(0);
  return out;
}

beforeAll(async () => {
  const { buildComponents } = (await import(join(ROOT, 'scripts/build-components.mjs'))) as { buildComponents: () => Promise<{ client: string; server: string }> };
  const built = await buildComponents();
  clientDigest = createHash('sha256').update(readFileSync(built.client)).digest('hex');
  clientBox = await boxOf(built.client, 'client');
  serverBox = await boxOf(built.server, 'server', 'EXPOSE 80\n');
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${req.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
}, 300_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  tmp.cleanup();
});

describe('a preview2 command fetching over wasi:http', () => {
  it('reaches 127.0.0.1:PORT when --allow-net names that host and port, and the adapter audits the allow', async () => {
    seen.length = 0;
    const r = await boxer(['run', `--allow-net=127.0.0.1:${port}`, '--audit', '-', clientBox, `http://127.0.0.1:${port}/allowed`], { env: ENV });
    expect(r.stderr).not.toContain('RUNTIME_');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('200 hello /allowed\n');
    expect(seen).toEqual(['GET /allowed']);
    expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'allow', grant: `--allow-net=127.0.0.1:${port}` }]);
  });

  it('caches the transpiled JS outside the box, keyed by the component digest, and reuses it', async () => {
    const meta = join(XDG, 'boxer/components', clientDigest, 'meta.json');
    expect(existsSync(meta)).toBe(true);
    expect(existsSync(join(XDG, 'boxer/components', clientDigest, 'component.js'))).toBe(true);
    const before = statSync(meta).mtimeMs;
    const r = await boxer(['run', `--allow-net=127.0.0.1:${port}`, clientBox, `http://127.0.0.1:${port}/again`], { env: ENV });
    expect(r.exitCode).toBe(0);
    expect(statSync(meta).mtimeMs).toBe(before);
  });

  it('is denied without --allow-net: the guest gets an error, nothing reaches the server, the denial is audited and reported', async () => {
    seen.length = 0;
    const r = await boxer(['run', '--audit', '-', clientBox, `http://127.0.0.1:${port}/denied`], { env: ENV });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('fetch failed');
    expect(r.stderr).toContain(`warning RUNTIME_NET_DENIED: the box tried to connect to 127.0.0.1:${port}`);
    expect(seen).toEqual([]);
    expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'deny', grant: 'none' }]);
  });

  it('is denied when --allow-net names the host but another port, or another host', async () => {
    seen.length = 0;
    for (const grant of [`127.0.0.1:${port === 65535 ? 1 : port + 1}`, 'example.com', '10.0.0.0/8']) {
      const r = await boxer(['run', `--allow-net=${grant}`, '--audit', '-', clientBox, `http://127.0.0.1:${port}/other`], { env: ENV });
      expect(r.exitCode, grant).toBe(1);
      expect(netRecords(r.stderr), grant).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'deny', grant: `--allow-net=${grant}` }]);
    }
    expect(seen).toEqual([]);
  });

  it('resolves a name and checks the address it resolved to against a CIDR entry', async () => {
    seen.length = 0;
    const r = await boxer(['run', '--allow-net=127.0.0.0/8', '--audit', '-', clientBox, `http://localhost:${port}/by-name`], { env: ENV });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('200 hello /by-name\n');
    expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `localhost:${port}`, decision: 'allow', grant: '--allow-net=127.0.0.0/8' }]);
  });

  it('bare --allow-net allows every host', async () => {
    const r = await boxer(['run', '--allow-net', '--audit', '-', clientBox, `http://127.0.0.1:${port}/bare`], { env: ENV });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('200 hello /bare\n');
    expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'allow', grant: '--allow-net' }]);
  });

  it('--deny-net wins over --allow-net, and --learn keeps only the host and port the run reached', async () => {
    seen.length = 0;
    const denied = await boxer(['run', '--allow-net', `--deny-net=127.0.0.1:${port}`, '--audit', '-', clientBox, `http://127.0.0.1:${port}/deny`], { env: ENV });
    expect(denied.exitCode).toBe(1);
    expect(seen).toEqual([]);
    expect(netRecords(denied.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'deny', grant: `--deny-net=127.0.0.1:${port}` }]);
    const learned = await boxer(['run', '--allow-net', '--learn', '-', clientBox, `http://127.0.0.1:${port}/learn`], { env: ENV });
    expect(learned.stdout).toBe('200 hello /learn\n');
    const policy = JSON.parse(learned.stderr.slice(learned.stderr.indexOf('{'))) as Record<string, unknown>;
    expect(policy).toEqual({ net: [`127.0.0.1:${port}`] });
  });
});

describe('a preview2 component serving wasi:http', () => {
  it('answers on the host port -p publishes (127.0.0.1), request after request', async () => {
    const { proc, listening, stderr: errText } = await startServing(['-p', '0:80', '--timeout', '60s', serverBox], ENV);
    try {
      const stderr = errText();
      expect(listening).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(netRecords(stderr)).toEqual([{ op: 'net.listen', resource: listening, decision: 'allow', grant: '-p 0:80' }]);
      for (const path of ['/one', '/two']) {
        const res = await fetch(`http://${listening}${path}`, { method: 'POST', body: `to ${path}` });
        expect(res.status).toBe(200);
        expect(res.headers.get('x-served-by')).toBe('boxer-fixture');
        expect(await res.text()).toBe(`hello from the box: POST ${path} body=to ${path}\n`);
      }
    } finally {
      proc.kill();
      await proc;
    }
  });

  it('is unreachable without -p: nothing listens, the run says why', async () => {
    // A port that was free a moment ago: the box must not take it (or any other) by itself.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const free = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const r = await boxer(['run', '--audit', '-', serverBox], { env: ENV });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error RUNTIME_NOT_PUBLISHED');
    expect(netRecords(r.stderr)).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${free}/`)).rejects.toThrow();
  });
});
