// A real registry for tests: Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 at a free
// port, storage in a temp dir, stopped by `stop()`. In: `{ auth }`. Out: the host, the credentials
// it accepts, and `requests()` — the request lines of its access log, to assert from the registry's
// side (e.g. "a warm cache makes no blob requests").
//   auth: 'none'  anonymous pull and push
//   auth: 'basic' htpasswd (bcrypt) in distribution's own `auth.htpasswd`
//   auth: 'token' distribution's own `auth.token` (JWT checked against a self-signed cert made here
//                 with openssl); the token server is this file's, on 127.0.0.1, and wants the same
//                 user/password as basic.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const REGISTRY_USER = 'boxer';
export const REGISTRY_PASSWORD = 'boxer-test-pass';
// NOTE: bcrypt (cost 4) of REGISTRY_PASSWORD, made once with
//   python3 -c "import crypt; print(crypt.crypt('boxer-test-pass', crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))"
// (libxcrypt): apache2-utils (htpasswd) is not installed here and a fixed hash needs no tool at test time.
const HTPASSWD = `${REGISTRY_USER}:$2b$04$cw3OhmbLejHRbuzVPeoJkuqfGSaFriiVG5SdLHGj2KM3y8dTTP4gq\n`;
const SERVICE = 'boxer-test-registry';
const ISSUER = 'boxer-test-token-issuer';

export interface StartRegistryOptions {
  /** @default 'none' */
  auth?: 'none' | 'basic' | 'token';
}

export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Credentials the registry (or its token server) accepts when auth is not 'none'. */
  username: string;
  password: string;
  /** `METHOD /path?query` of every request the registry served, in order, from its access log. */
  requests(): string[];
  /** Tokens the token server issued (auth 'token'), with the scope each asked for. */
  tokenRequests(): string[];
  /** The registry process's stderr so far (for failing tests). */
  log(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (distribution cannot listen on port 0 and report it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

async function startTokenServer(dir: string): Promise<{ realm: string; certPath: string; server: Server; issued: string[] }> {
  const keyPath = join(dir, 'token.key');
  const certPath = join(dir, 'token.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=boxer-test-token', '-days', '2', '-keyout', keyPath, '-out', certPath], { stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(keyPath));
  const der = Buffer.from(readFileSync(certPath, 'utf8').replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const issued: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const expected = `Basic ${Buffer.from(`${REGISTRY_USER}:${REGISTRY_PASSWORD}`).toString('base64')}`;
    if (url.pathname !== '/token' || req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'login required' }] }));
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => {
      const m = /^([a-z]+):(.+):([a-z,*]+)$/.exec(s);
      return m ? [{ type: m[1], name: m[2], actions: m[3]!.split(',') }] : [];
    });
    issued.push(url.searchParams.getAll('scope').join(' '));
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [der.toString('base64')] };
    const claims = { iss: ISSUER, sub: REGISTRY_USER, aud: url.searchParams.get('service') ?? SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ token: `${input}.${b64url(signature)}`, expires_in: 300, issued_at: new Date().toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { realm: `http://127.0.0.1:${port}/token`, certPath, server, issued };
}

/** Starts `docker-registry serve` on 127.0.0.1 at a free port and waits until `/v2/` answers. */
export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const dir = mkdtempSync(join(tmpdir(), 'boxer-registry-'));
  let token: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  let authYaml = '';
  if (auth === 'basic') {
    writeFileSync(join(dir, 'htpasswd'), HTPASSWD);
    authYaml = `auth:\n  htpasswd:\n    realm: boxer-test\n    path: ${join(dir, 'htpasswd')}\n`;
  } else if (auth === 'token') {
    token = await startTokenServer(dir);
    authYaml = `auth:\n  token:\n    realm: ${token.realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${token.certPath}\n`;
  }
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: false',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      `  secret: ${randomBytes(16).toString('hex')}`,
      authYaml.trimEnd(),
      '',
    ].join('\n');
    writeFileSync(join(dir, 'config.yml'), config);
    const child: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let exited = false;
    child.on('exit', () => (exited = true));
    const deadline = Date.now() + 10_000;
    let up = false;
    while (!exited && Date.now() < deadline) {
      try {
        const res = await fetch(`http://${host}/v2/`);
        await res.body?.cancel();
        up = true;
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    if (!up) {
      child.kill('SIGKILL');
      lastError = stderr;
      continue;
    }
    const stop = async (): Promise<void> => {
      if (!exited) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) child.kill('SIGKILL');
      }
      if (token) await new Promise((r) => token!.server.close(r));
      rmSync(dir, { recursive: true, force: true });
    };
    return {
      host,
      username: REGISTRY_USER,
      password: REGISTRY_PASSWORD,
      // NOTE: gorilla's combined log: `127.0.0.1 - - [date] "GET /v2/x/blobs/sha256:… HTTP/1.1" 200 …`.
      requests: () => [...stdout.matchAll(/"([A-Z]+) (\S+) HTTP\/[\d.]+"/g)].map((m) => `${m[1]} ${m[2]}`),
      tokenRequests: () => [...(token?.issued ?? [])],
      log: () => stderr,
      stop,
    };
  }
  rmSync(dir, { recursive: true, force: true });
  if (token) await new Promise((r) => token!.server.close(r));
  throw new Error(`docker-registry did not start: ${lastError.slice(-2000)}`);
}
