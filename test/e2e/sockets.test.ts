// A preview2 command using raw TCP (wasi:sockets 0.2.12) under `boxer run`: it connects to a real
// node:net echo server on 127.0.0.1 only when `--allow-net` allows it, and it accepts a connection
// only on a port `-p` publishes, through the host port `-p` names. The component is
// fixtures/components/sockets/tcp.wat, built with jco on each run (scripts/build-socket-component.mjs:
// no libc on this machine has wasi:sockets, and the WAT is ~200 lines); the servers and clients it
// talks to are node's, on random ports, and count what reaches them, so "denied" is checked from
// outside boxer too.
//
// Expected values: what the program prints is its own (tcp.wat's header); the error it gets is
// wasi:sockets' `access-denied` (index 1 of network.error-code in the 0.2 WIT, which says
// access-denied is always possible), printed as "error STEP 01"; audit records as README.md
// documents them (`net.connect`, `net.listen`, grant spelled as the flag).
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, boxer, netRecords, startServing, tempDir } from './helpers.js';

const tmp = tempDir('boxer-sockets-');
const ENV = { XDG_CACHE_HOME: join(tmp.path, 'xdg') };
let box: string;
let echo: Server;
let port: number;
let connections = 0;


beforeAll(async () => {
  const { buildTcpComponent } = (await import(join(ROOT, 'scripts/build-socket-component.mjs'))) as { buildTcpComponent: () => Promise<Uint8Array> };
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'app'), { recursive: true });
  writeFileSync(join(ctx, 'app', 'tcp.wasm'), await buildTcpComponent());
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY app/ /app/\nENTRYPOINT ["/app/tcp.wasm"]\n');
  box = join(tmp.path, 'tcp.box.wasm');
  const b = await boxer(['build', ctx, '-o', box]);
  expect(b.exitCode, b.stderr).toBe(0);
  echo = createServer((sock) => {
    connections++;
    sock.pipe(sock);
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  port = (echo.address() as AddressInfo).port;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (echo ? echo.close(() => resolve()) : resolve()));
  tmp.cleanup();
});

describe('a component connecting over wasi:sockets', () => {
  it('reaches the echo server when --allow-net names its host and port; the bytes make the round trip', async () => {
    connections = 0;
    const r = await boxer(['run', `--allow-net=127.0.0.1:${port}`, '--audit', '-', box, 'connect', String(port)], { env: ENV });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('hello from the box\n');
    expect(connections).toBe(1);
    expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'allow', grant: `--allow-net=127.0.0.1:${port}` }]);
  });

  it('is denied without a grant, or when --deny-net names the host: access-denied, nothing reaches the server', async () => {
    connections = 0;
    for (const grants of [[], ['--allow-net', '--deny-net=127.0.0.1']]) {
      const r = await boxer(['run', ...grants, '--audit', '-', box, 'connect', String(port)], { env: ENV });
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stdout).toBe('error connect 01\n');
      expect(r.stderr).toContain(`warning RUNTIME_NET_DENIED: the box tried to connect to 127.0.0.1:${port}`);
      expect(netRecords(r.stderr)).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${port}`, decision: 'deny', grant: grants.length ? '--deny-net=127.0.0.1' : 'none' }]);
    }
    expect(connections).toBe(0);
  });
});

describe('a component listening over wasi:sockets', () => {
  it('accepts on the host port -p publishes for its guest port, and answers', async () => {
    const { proc, listening, stderr: errText } = await startServing(['-p', '127.0.0.1:0:7000', '--timeout', '60s', box, 'serve', '7000'], ENV);
    try {
      const stderr = errText();
      expect(listening).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(netRecords(stderr)).toEqual([{ op: 'net.listen', resource: listening, decision: 'allow', grant: '-p 127.0.0.1:0:7000' }]);
      const [host, hostPort] = [listening.slice(0, listening.lastIndexOf(':')), Number(listening.slice(listening.lastIndexOf(':') + 1))];
      const reply = await new Promise<string>((resolve, reject) => {
        let got = '';
        const c = createConnection({ host, port: hostPort }, () => c.end('ping over tcp'));
        c.on('data', (b: Buffer) => (got += b.toString()));
        c.on('end', () => resolve(got));
        c.on('error', reject);
      });
      expect(reply).toBe('echo: ping over tcp');
      const r = await proc;
      expect(r.exitCode, r.stderr).toBe(0);
      // NOTE: the final newline is stripped (execa).
      expect(r.stdout).toBe('listening\nserved');
    } finally {
      proc.kill();
      await proc;
    }
  });

  it('without -p (or with -p for another port) the bind is access-denied, audited and reported, and no listener is opened', async () => {
    for (const publish of [[], ['-p', '127.0.0.1:0:7001']]) {
      const r = await boxer(['run', ...publish, '--audit', '-', box, 'serve', '7000'], { env: ENV });
      expect(r.exitCode, r.stderr).toBe(1);
      expect(r.stdout).toBe('error bind 01\n');
      expect(r.stderr).toContain('warning RUNTIME_LISTEN_DENIED: the box tried to bind a TCP socket to 0.0.0.0:7000');
      expect(netRecords(r.stderr)).toEqual([{ op: 'net.listen', resource: '0.0.0.0:7000', decision: 'deny', grant: 'none' }]);
    }
  });
});
