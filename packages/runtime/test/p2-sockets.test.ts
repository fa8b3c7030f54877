// wasi:sockets (TCP, ip-name-lookup; UDP refused) driven directly the way jco's bindings call the
// import object (p2/sockets.ts), with the channel wired straight into the main thread's network
// adapter (node/net-adapter.ts), against real node:net servers and clients on 127.0.0.1 (random ports).
// The guest side never blocks here (every wait is the test's own `until`), so one thread can run both.
//
// Expected values come from the wasi:sockets 0.2 WIT (0.2.12 is what jco bundles,
// node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12/wasi-sockets/package.wit; the doc
// comments quoted are those of wit/deps/sockets/{tcp,ip-name-lookup,network}.wit, @since 0.2.0):
// - tcp.start-connect: "invalid-argument: The IP address in remote-address is set to INADDR_ANY",
//   "The port in remote-address is set to 0", "The remote-address has the wrong address family";
//   "After a failed connection attempt, the socket will be in the closed state"; "not-in-progress: A
//   connect operation is not in progress"; "would-block: Can't finish the operation, it is still in
//   progress".
// - tcp-socket: "TCP socket methods may always return error(invalid-state) when in the closed state".
// - local-address: "invalid-state: The socket is not bound to any local address"; remote-address:
//   "invalid-state: The socket is not connected"; accept: "invalid-state: Socket is not in the
//   listening state", "would-block: No pending connections at the moment"; start-listen:
//   "invalid-state: The socket is not bound to any local address"; shutdown: "invalid-state: The
//   socket is not in the connected state"; set-listen-backlog-size / set-keep-alive-idle-time: "If
//   the provided value is 0, an invalid-argument error is returned".
// - network.error-code: "API's typically only return the errors documented per API combined with a
//   couple of errors that are always possible: unknown, access-denied, not-supported, …":
//   a denied connect, bind or lookup answers `access-denied`; UDP answers `not-supported`.
// - ip-name-lookup.resolve-addresses: "If the input is an IP address string, the address is parsed
//   and returned as-is without making any external requests"; "invalid-argument: name is a
//   syntactically invalid domain name or IP address"; resolve-next-address returns `none` once "all
//   addresses have been exhausted", and `name-unresolvable` when the "Name does not exist".
// - wasi:io/streams: a read of a stream at its end fails with `closed`.
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { caught, type Any, monotonic } from './p2-helpers.js';
import type { Diagnostic } from '@boxer/diagnostics';
import type { AuditEvent } from '../src/common/audit.js';
import { NetAdapter, type NetAdapterOptions } from '../src/node/net-adapter.js';
import type { GuestChannel, HostEvent } from '../src/p2/channel.js';
import { Reactor, type Pollable } from '../src/p2/io.js';
import { SOCKET_WINDOW, socketsImports } from '../src/p2/sockets.js';

const enc = new TextEncoder();
const dec = new TextDecoder();


/** Waits (on the event loop, so the adapter's sockets make progress) until `ready()`. */
async function until(ready: () => boolean, what = 'condition', ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const settle = (ms = 100): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Harness {
  tcp: Any;
  udp: Any;
  lookup: Any;
  network: Any;
  audit: AuditEvent[];
  warnings: Diagnostic[];
  /** Bytes of `tcp.data` the host has handed to the guest so far. */
  delivered: () => number;
  resolved: string[];
}

const adapters: NetAdapter[] = [];
const servers: Server[] = [];
afterEach(() => {
  for (const a of adapters.splice(0)) a.close();
  for (const s of servers.splice(0)) s.close();
});

function harness(grants: Pick<NetAdapterOptions, 'net' | 'denyNet' | 'publish'> & { names?: Record<string, string[]> }): Harness {
  const audit: AuditEvent[] = [];
  const warnings: Diagnostic[] = [];
  const inbox: HostEvent[] = [];
  const resolved: string[] = [];
  let delivered = 0;
  // eslint-disable-next-line prefer-const
  let adapter: NetAdapter;
  const channel: GuestChannel = {
    send: (m) => adapter.onMessage(m),
    drain: () => inbox.splice(0),
    wait: () => {
      throw new Error('the test never blocks the guest side');
    },
  };
  adapter = new NetAdapter({
    ...(grants.net !== undefined ? { net: grants.net } : {}),
    ...(grants.denyNet ? { denyNet: grants.denyNet } : {}),
    ...(grants.publish ? { publish: grants.publish } : {}),
    emit: (e) => audit.push(e),
    warn: (d) => warnings.push(d),
    fail: (d) => {
      throw new Error(d.message);
    },
    toGuest: (e) => {
      if (e.type === 'tcp.data') delivered += e.data.length;
      inbox.push(e);
    },
    resolve: async (name) => {
      resolved.push(name);
      const found = grants.names?.[name];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      return found;
    },
  });
  adapters.push(adapter);
  const s = socketsImports(new Reactor(channel, monotonic), channel, (e) => audit.push(e), (d) => warnings.push(d));
  return {
    tcp: { create: s['wasi:sockets/tcp-create-socket']!.createTcpSocket, ...s['wasi:sockets/tcp'] },
    udp: s['wasi:sockets/udp-create-socket'],
    lookup: s['wasi:sockets/ip-name-lookup'],
    network: (s['wasi:sockets/instance-network']!.instanceNetwork as () => Any)(),
    audit,
    warnings,
    delivered: () => delivered,
    resolved,
  };
}

/** An echo server on 127.0.0.1 (random port) that counts the connections that reach it. */
async function echoServer(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = createServer((sock) => {
    connections++;
    sock.pipe(sock);
    sock.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

const v4 = (port: number, a: [number, number, number, number] = [127, 0, 0, 1]): Any => ({ tag: 'ipv4', val: { port, address: a } });

/** start-connect, then finish-connect once the socket's pollable is ready: the streams or the thrown error-code. */
async function connect(h: Harness, port: number, address?: [number, number, number, number]): Promise<{ sock: Any; input?: Any; output?: Any; error?: unknown }> {
  const sock = h.tcp.create('ipv4');
  sock.startConnect(h.network, v4(port, address));
  const pollable: Pollable = sock.subscribe();
  await until(() => pollable.ready(), 'connect');
  try {
    const [input, output] = sock.finishConnect();
    return { sock, input, output };
  } catch (error) {
    return { sock, error };
  }
}

/** Reads from a guest input stream until `n` bytes came (or it ends). */
async function readBytes(input: Any, n: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let got = 0;
  while (got < n) {
    const p: Pollable = input.subscribe();
    await until(() => p.ready(), 'data');
    const chunk: Uint8Array = input.read(BigInt(n - got));
    chunks.push(chunk);
    got += chunk.length;
  }
  const out = new Uint8Array(got);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

describe('wasi:sockets tcp: connect', () => {
  it('an allowed connect reaches the server, and bytes make the round trip through the streams', async () => {
    const server = await echoServer();
    const h = harness({ net: [`127.0.0.1:${server.port}`] });
    const sock = h.tcp.create('ipv4');
    sock.startConnect(h.network, v4(server.port));
    // NOTE: the host has not answered yet: the WIT's would-block.
    expect(caught(() => sock.finishConnect())).toBe('would-block');
    const p: Pollable = sock.subscribe();
    await until(() => p.ready(), 'connect');
    const [input, output] = sock.finishConnect();
    expect(caught(() => sock.finishConnect())).toBe('not-in-progress');
    expect(sock.remoteAddress()).toEqual(v4(server.port));
    expect(sock.localAddress().val.address).toEqual([127, 0, 0, 1]);
    expect(sock.addressFamily()).toBe('ipv4');
    expect(server.connections()).toBe(1);
    expect(h.audit).toContainEqual({ op: 'net.connect', resource: `127.0.0.1:${server.port}`, decision: 'allow', grant: `--allow-net=127.0.0.1:${server.port}` });

    expect(output.checkWrite()).toBe(BigInt(SOCKET_WINDOW));
    output.write(enc.encode('hello, box'));
    expect(dec.decode(await readBytes(input, 10))).toBe('hello, box');

    // shutdown(send): the echo server sees the end and ends too; the input stream then reports closed.
    sock.shutdown('send');
    expect(caught(() => output.checkWrite())).toEqual({ tag: 'closed' });
    const ip: Pollable = input.subscribe();
    await until(() => ip.ready(), 'end');
    expect(caught(() => input.read(10n))).toEqual({ tag: 'closed' });
    sock[Symbol.dispose]();
  });

  it('a denied connect never reaches the server: access-denied, an audit deny and one warning', async () => {
    const server = await echoServer();
    const h = harness({});
    const { sock, error } = await connect(h, server.port);
    expect(error).toBe('access-denied');
    await settle();
    expect(server.connections()).toBe(0);
    expect(h.audit).toEqual([{ op: 'net.connect', resource: `127.0.0.1:${server.port}`, decision: 'deny', grant: 'none' }]);
    expect(h.warnings.map((w) => w.code)).toEqual(['RUNTIME_NET_DENIED']);
    // After a failed connection attempt the socket is closed.
    expect(caught(() => sock.startConnect(h.network, v4(server.port)))).toBe('invalid-state');

    // Another port than the one allowed: denied too.
    const other = harness({ net: ['127.0.0.1:1'] });
    expect((await connect(other, server.port)).error).toBe('access-denied');
    await settle();
    expect(server.connections()).toBe(0);
  });

  it('--deny-net wins over --allow-net, also over a name the guest looked up', async () => {
    const server = await echoServer();
    const h = harness({ net: true, denyNet: ['127.0.0.1'] });
    expect((await connect(h, server.port)).error).toBe('access-denied');
    expect(h.audit).toContainEqual({ op: 'net.connect', resource: `127.0.0.1:${server.port}`, decision: 'deny', grant: '--deny-net=127.0.0.1' });

    const named = harness({ net: [`localhost:${server.port}`], denyNet: ['127.0.0.0/8'], names: { localhost: ['127.0.0.1'] } });
    const stream = named.lookup.resolveAddresses(named.network, 'localhost');
    const sp: Pollable = stream.subscribe();
    await until(() => sp.ready(), 'lookup');
    expect(stream.resolveNextAddress()).toEqual({ tag: 'ipv4', val: [127, 0, 0, 1] });
    expect((await connect(named, server.port)).error).toBe('access-denied');
    await settle();
    expect(server.connections()).toBe(0);
  });

  it('a name entry allows the addresses the guest looked that name up to, on its port only', async () => {
    const server = await echoServer();
    const h = harness({ net: [`localhost:${server.port}`], names: { localhost: ['127.0.0.1', '::1'] } });
    // Before the lookup the address alone is not allowed.
    expect((await connect(h, server.port)).error).toBe('access-denied');
    const stream = h.lookup.resolveAddresses(h.network, 'localhost');
    expect(caught(() => stream.resolveNextAddress())).toBe('would-block');
    const sp: Pollable = stream.subscribe();
    await until(() => sp.ready(), 'lookup');
    expect(stream.resolveNextAddress()).toEqual({ tag: 'ipv4', val: [127, 0, 0, 1] });
    expect(stream.resolveNextAddress()).toEqual({ tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 1] });
    expect(stream.resolveNextAddress()).toBeUndefined();
    const ok = await connect(h, server.port);
    expect(ok.error).toBeUndefined();
    expect(h.audit).toContainEqual({ op: 'net.connect', resource: `localhost:${server.port}`, decision: 'allow', grant: `--allow-net=localhost:${server.port}` });
    expect((await connect(h, server.port === 1 ? 2 : 1)).error).toBe('access-denied');
  });

  it('checks what the WIT makes the caller\'s mistake before asking the host', () => {
    const h = harness({ net: true });
    const sock = h.tcp.create('ipv4');
    expect(caught(() => sock.startConnect(h.network, v4(80, [0, 0, 0, 0])))).toBe('invalid-argument');
    expect(caught(() => sock.startConnect(h.network, v4(0)))).toBe('invalid-argument');
    expect(caught(() => sock.startConnect(h.network, { tag: 'ipv6', val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 1], scopeId: 0 } }))).toBe('invalid-argument');
    expect(caught(() => sock.finishConnect())).toBe('not-in-progress');
    expect(caught(() => sock.finishBind())).toBe('not-in-progress');
    expect(caught(() => sock.localAddress())).toBe('invalid-state');
    expect(caught(() => sock.remoteAddress())).toBe('invalid-state');
    expect(caught(() => sock.accept())).toBe('invalid-state');
    expect(caught(() => sock.startListen())).toBe('invalid-state');
    expect(caught(() => sock.shutdown('both'))).toBe('invalid-state');
    expect(caught(() => sock.setListenBacklogSize(0n))).toBe('invalid-argument');
    expect(caught(() => sock.setKeepAliveIdleTime(0n))).toBe('invalid-argument');
    expect(caught(() => sock.receiveBufferSize())).toBe('not-supported');
    expect(caught(() => sock.setHopLimit(0))).toBe('invalid-argument');
    sock.setKeepAliveEnabled(true);
    expect(sock.keepAliveEnabled()).toBe(true);
    expect(sock.isListening()).toBe(false);
    expect(h.audit).toEqual([]);
  });

  it('without a network host (no channel) every connect and bind is access-denied and audited', () => {
    const audit: AuditEvent[] = [];
    const s = socketsImports(new Reactor(undefined, monotonic), undefined, (e) => audit.push(e));
    const sock = (s['wasi:sockets/tcp-create-socket']!.createTcpSocket as (f: string) => Any)('ipv4');
    const network = (s['wasi:sockets/instance-network']!.instanceNetwork as () => Any)();
    expect(caught(() => sock.startConnect(network, v4(80)))).toBe('access-denied');
    expect(caught(() => sock.startBind(network, v4(80, [0, 0, 0, 0])))).toBe('access-denied');
    expect(audit.map((e) => [e.op, e.decision])).toEqual([['net.connect', 'deny'], ['net.listen', 'deny']]);
  });
});

describe('wasi:sockets tcp: flow control', () => {
  it('the host stops reading once a window of bytes is unconsumed, and check-write reflects unacknowledged bytes', async () => {
    const total = 1024 * 1024;
    let sent = 0;
    const server = createServer((sock: Socket) => {
      const chunk = new Uint8Array(16 * 1024).fill(7);
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!sock.write(chunk)) return void sock.once('drain', pump);
        }
        sock.end();
      };
      pump();
      sock.on('error', () => {});
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const h = harness({ net: [`127.0.0.1:${port}`] });
    const { input, output, error } = await connect(h, port);
    expect(error).toBeUndefined();
    await settle(300);
    // NOTE: at most the window plus one read of node's (64 KiB) reached the guest while it read nothing.
    expect(h.delivered()).toBeGreaterThan(0);
    expect(h.delivered()).toBeLessThanOrEqual(SOCKET_WINDOW + 64 * 1024);
    expect(h.delivered()).toBeLessThan(total);
    const all = await readBytes(input, total);
    expect(all.length).toBe(total);
    expect(all.every((b) => b === 7)).toBe(true);

    // The guest may write a window's worth; check-write is 0 until the host acknowledges.
    output.write(new Uint8Array(SOCKET_WINDOW));
    expect(output.checkWrite()).toBe(0n);
    expect(() => output.write(new Uint8Array(1))).toThrow();
    await until(() => output.checkWrite() === BigInt(SOCKET_WINDOW), 'acknowledgement');
  });
});

describe('wasi:sockets tcp: listen', () => {
  it('binds and listens only on a port a -p publishes; the host listens on the -p address and hands over its connections', async () => {
    const h = harness({ publish: ['127.0.0.1:0:8080'] });
    // A port no -p publishes: access-denied, audited, warned.
    const stray = h.tcp.create('ipv4');
    stray.startBind(h.network, v4(9090, [0, 0, 0, 0]));
    await until(() => stray.subscribe().ready(), 'bind');
    expect(caught(() => stray.finishBind())).toBe('access-denied');
    expect(h.audit).toContainEqual({ op: 'net.listen', resource: '0.0.0.0:9090', decision: 'deny', grant: 'none' });
    expect(h.warnings.map((w) => w.code)).toEqual(['RUNTIME_LISTEN_DENIED']);
    // The published port on an address that is neither unspecified, loopback nor the -p's: denied.
    stray.startBind(h.network, v4(8080, [10, 1, 2, 3]));
    await until(() => stray.subscribe().ready(), 'bind');
    expect(caught(() => stray.finishBind())).toBe('access-denied');
    expect(caught(() => stray.localAddress())).toBe('invalid-state');

    const listener = h.tcp.create('ipv4');
    listener.startBind(h.network, v4(8080, [0, 0, 0, 0]));
    await until(() => listener.subscribe().ready(), 'bind');
    listener.finishBind();
    expect(listener.localAddress()).toEqual(v4(8080, [0, 0, 0, 0]));
    // A second socket on the same guest port: address-in-use.
    stray.startBind(h.network, v4(8080, [127, 0, 0, 1]));
    await until(() => stray.subscribe().ready(), 'bind');
    expect(caught(() => stray.finishBind())).toBe('address-in-use');
    listener.setListenBacklogSize(16n);
    listener.startListen();
    expect(caught(() => listener.finishListen())).toBe('would-block');
    await until(() => listener.subscribe().ready(), 'listen');
    listener.finishListen();
    expect(listener.isListening()).toBe(true);
    expect(caught(() => listener.setListenBacklogSize(4n))).toBe('not-supported');
    const listen = h.audit.find((e) => e.op === 'net.listen' && e.decision === 'allow')!;
    expect(listen.grant).toBe('-p 127.0.0.1:0:8080');
    const hostPort = Number(/^127\.0\.0\.1:(\d+)$/.exec(listen.resource)![1]);
    expect(hostPort).toBeGreaterThan(0);

    expect(caught(() => listener.accept())).toBe('would-block');
    const client = createConnection({ host: '127.0.0.1', port: hostPort });
    const received: Buffer[] = [];
    client.on('data', (b: Buffer) => received.push(b));
    client.write('ping');
    const lp: Pollable = listener.subscribe();
    await until(() => lp.ready(), 'incoming connection');
    // NOTE: the host reads a connection only once the guest accepted it.
    await settle(50);
    expect(h.delivered()).toBe(0);
    const [conn, input, output] = listener.accept();
    expect(conn.remoteAddress().val.address).toEqual([127, 0, 0, 1]);
    expect(conn.remoteAddress().val.port).toBe(client.localPort);
    expect(conn.localAddress().val.port).toBe(8080);
    expect(dec.decode(await readBytes(input, 4))).toBe('ping');
    output.write(enc.encode('pong'));
    await until(() => Buffer.concat(received).toString() === 'pong', 'reply');
    conn.shutdown('send');
    await new Promise<void>((r) => client.once('end', () => r()));
    client.destroy();
    conn[Symbol.dispose]();
    listener[Symbol.dispose]();
  });

  it('without -p every bind is access-denied', async () => {
    const h = harness({ net: true });
    const sock = h.tcp.create('ipv6');
    sock.startBind(h.network, { tag: 'ipv6', val: { port: 80, flowInfo: 0, address: [0, 0, 0, 0, 0, 0, 0, 0], scopeId: 0 } });
    await until(() => sock.subscribe().ready(), 'bind');
    expect(caught(() => sock.finishBind())).toBe('access-denied');
    expect(h.audit).toEqual([{ op: 'net.listen', resource: '[::]:80', decision: 'deny', grant: 'none' }]);
  });
});

describe('wasi:sockets ip-name-lookup', () => {
  it('a name no entry could allow is never looked up: access-denied and an audit deny', async () => {
    for (const grants of [{}, { net: ['example.com'] }, { net: true as const, denyNet: ['evil.test'] }]) {
      const h = harness({ ...grants, names: { 'evil.test': ['10.0.0.1'] } });
      const stream = h.lookup.resolveAddresses(h.network, 'evil.test');
      const p: Pollable = stream.subscribe();
      await until(() => p.ready(), 'lookup');
      expect(caught(() => stream.resolveNextAddress())).toBe('access-denied');
      expect(h.resolved).toEqual([]);
      expect(h.audit.map((e) => [e.op, e.resource, e.decision])).toEqual([['net.resolve', 'evil.test', 'deny']]);
      expect(h.warnings.map((w) => w.code)).toEqual(['RUNTIME_NET_DENIED']);
    }
  });

  it('looks up a name an entry names, or any name when an IP entry could allow its addresses', async () => {
    for (const net of [['db.internal'], ['*.internal'], ['10.0.0.0/8:5432'], true as const]) {
      const h = harness({ net, names: { 'db.internal': ['10.0.0.7'] } });
      const stream = h.lookup.resolveAddresses(h.network, 'DB.Internal.');
      await until(() => stream.subscribe().ready(), 'lookup');
      expect(stream.resolveNextAddress()).toEqual({ tag: 'ipv4', val: [10, 0, 0, 7] });
      expect(stream.resolveNextAddress()).toBeUndefined();
      expect(h.resolved).toEqual(['db.internal']);
      expect(h.audit.map((e) => [e.op, e.resource, e.decision])).toEqual([['net.resolve', 'db.internal', 'allow']]);
    }
  });

  it('answers an IP literal itself, refuses a malformed name, and reports a missing one as name-unresolvable', async () => {
    const h = harness({ net: true });
    const literal = h.lookup.resolveAddresses(h.network, '::ffff:10.1.2.3');
    expect(literal.resolveNextAddress()).toEqual({ tag: 'ipv4', val: [10, 1, 2, 3] });
    expect(literal.resolveNextAddress()).toBeUndefined();
    expect(h.lookup.resolveAddresses(h.network, '2001:db8::1').resolveNextAddress()).toEqual({ tag: 'ipv6', val: [0x2001, 0xdb8, 0, 0, 0, 0, 0, 1] });
    for (const bad of ['', 'a b', 'exa mple.com', 'host/path', '-bad-.com', 'a..b']) expect(caught(() => h.lookup.resolveAddresses(h.network, bad))).toBe('invalid-argument');
    const missing = h.lookup.resolveAddresses(h.network, 'nowhere.test');
    await until(() => missing.subscribe().ready(), 'lookup');
    expect(caught(() => missing.resolveNextAddress())).toBe('name-unresolvable');
    expect(h.resolved).toEqual(['nowhere.test']);
  });
});

describe('wasi:sockets udp', () => {
  it('is refused with not-supported, and a warning the first time', () => {
    const h = harness({ net: true });
    expect(caught(() => h.udp.createUdpSocket('ipv4'))).toBe('not-supported');
    expect(caught(() => h.udp.createUdpSocket('ipv6'))).toBe('not-supported');
    expect(h.warnings.map((w) => w.code)).toEqual(['RUNTIME_UDP_UNSUPPORTED']);
  });
});
