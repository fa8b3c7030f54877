// The preview2 host's isomorphic pieces (src/p2), driven directly the way jco's bindings call them:
// the filesystem over the tree (chroot semantics, the write limit), wasi:http fields and the
// outgoing handler without a network, the reactor's waiting, and the one-door rule for the network
// (DESIGN §0.8). Expected values: the wasi:filesystem and wasi:http 0.2 WIT (jco's bundled copies,
// node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12) for error codes and results.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tree, fileContent, type FileNode } from '@boxer/vfs';
import { filesystemImports } from '../src/p2/filesystem.js';
import { httpImports } from '../src/p2/http.js';
import { Reactor, type Pollable } from '../src/p2/io.js';
import type { GuestChannel, GuestMessage, HostEvent } from '../src/p2/channel.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();
const monotonic = (): bigint => process.hrtime.bigint();

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

type Any = any;

function fsOf(tree: Tree, maxWriteBytes = 1 << 20): { root: Any } {
  const imports = filesystemImports(new Reactor(undefined, monotonic), { tree, maxWriteBytes });
  const [[root, name]] = (imports['wasi:filesystem/preopens']!.getDirectories as () => [Any, string][])();
  expect(name).toBe('/');
  return { root };
}

describe('wasi:filesystem over the tree', () => {
  const tree = (): Tree => {
    const t = new Tree();
    t.writeFile('/etc/hostname', enc.encode('box\n'), {}, { parents: true });
    t.symlink('/etc/escape', '../../../etc/hostname');
    return t;
  };

  it('reads a file of the tree through the `/` preopen', () => {
    const { root } = fsOf(tree());
    const fd = root.openAt({}, 'etc/hostname', {}, { read: true });
    expect(fd.getType()).toBe('regular-file');
    const [bytes, eof] = fd.read(100n, 0n);
    expect(dec.decode(bytes)).toBe('box\n');
    expect(eof).toBe(true);
    expect(dec.decode(fd.readViaStream(1n).blockingRead(100n))).toBe('ox\n');
  });

  it('keeps `..` inside the tree (chroot) and refuses absolute paths with not-permitted', () => {
    const { root } = fsOf(tree());
    expect(dec.decode(root.openAt({}, '../../etc/hostname', {}, { read: true }).read(100n, 0n)[0])).toBe('box\n');
    expect(dec.decode(root.openAt({ symlinkFollow: true }, 'etc/escape', {}, { read: true }).read(100n, 0n)[0])).toBe('box\n');
    expect(caught(() => root.openAt({}, '/etc/hostname', {}, { read: true }))).toBe('not-permitted');
    expect(caught(() => root.openAt({}, 'nope', {}, { read: true }))).toBe('no-entry');
    expect(caught(() => root.openAt({}, 'etc/hostname/x', {}, { read: true }))).toBe('not-directory');
  });

  it('creates and writes files in the tree, and lists directories', () => {
    const t = tree();
    const { root } = fsOf(t);
    const fd = root.openAt({}, 'etc/new', { create: true }, { read: true, write: true });
    fd.writeViaStream(0n).blockingWriteAndFlush(enc.encode('hello'));
    expect(dec.decode(fileContent(t.get('/etc/new') as FileNode))).toBe('hello');
    const names: string[] = [];
    const stream = root.openAt({}, 'etc', { directory: true }, { read: true }).readDirectory();
    for (let e = stream.readDirectoryEntry(); e; e = stream.readDirectoryEntry()) names.push(`${e.name}:${e.type}`);
    expect(names).toEqual(['escape:symbolic-link', 'hostname:regular-file', 'new:regular-file']);
    expect(caught(() => root.openAt({}, 'etc/new', { create: true, exclusive: true }, { write: true }))).toBe('exist');
  });

  it('fails with insufficient-space past maxWriteBytes, counting only growth', () => {
    const { root } = fsOf(tree(), 8);
    const fd = root.openAt({}, 'etc/hostname', {}, { write: true });
    expect(fd.write(enc.encode('BOX\n'), 0n)).toBe(4n);
    expect(fd.write(enc.encode('12345678'), 4n)).toBe(8n);
    expect(caught(() => fd.write(enc.encode('x'), 12n))).toBe('insufficient-space');
  });
});

describe('wasi:http types and the outgoing handler', () => {
  const http = (channel?: GuestChannel): Any => {
    const i = httpImports(new Reactor(channel, monotonic), channel);
    return { ...i['wasi:http/types'], ...i['wasi:http/outgoing-handler'] };
  };

  it('fields: case-insensitive names, syntax and hop-by-hop checks, immutable once in a request', () => {
    const h = http();
    const f = h.Fields.fromList([['Content-Type', enc.encode('text/plain')]]);
    expect(f.get('content-type').map((v: Uint8Array) => dec.decode(v))).toEqual(['text/plain']);
    expect(caught(() => f.append('bad name', enc.encode('x')))).toEqual({ tag: 'invalid-syntax' });
    expect(caught(() => f.append('x', enc.encode('a\r\nb')))).toEqual({ tag: 'invalid-syntax' });
    expect(caught(() => f.set('Connection', [enc.encode('close')]))).toEqual({ tag: 'forbidden' });
    const req = new h.OutgoingRequest(f);
    expect(caught(() => req.headers().append('x', enc.encode('y')))).toEqual({ tag: 'immutable' });
  });

  it('without a network, a request gets HTTP-request-denied through its future', () => {
    const h = http();
    const req = new h.OutgoingRequest(new h.Fields());
    req.setAuthority('127.0.0.1:1');
    const future = h.handle(req).val;
    future.subscribe().block();
    expect(future.get()).toEqual({ tag: 'ok', val: { tag: 'err', val: { tag: 'HTTP-request-denied' } } });
    expect(future.get()).toEqual({ tag: 'err', val: undefined });
  });

  it('sends the request and its body over the channel, and the answer comes back as a response', () => {
    const sent: GuestMessage[] = [];
    const inbox: HostEvent[] = [];
    const channel: GuestChannel = { send: (m) => void sent.push(m), drain: () => inbox.splice(0), wait: () => {} };
    const h = http(channel);
    const req = new h.OutgoingRequest(h.Fields.fromList([['x-a', enc.encode('1')]]));
    req.setScheme({ tag: 'HTTP' });
    req.setAuthority('example.com:8080');
    req.setMethod({ tag: 'post' });
    req.setPathWithQuery('/p?q=1');
    const body = req.body().val;
    body.write().val.blockingWriteAndFlush(enc.encode('payload'));
    const future = h.handle(req).val;
    h.OutgoingBody.finish(body);
    expect(sent.map((m) => m.type)).toEqual(['http.request', 'http.body', 'http.body-end']);
    expect(sent[0]).toMatchObject({ method: 'POST', scheme: 'http', authority: 'example.com:8080', pathWithQuery: '/p?q=1' });
    expect(future.get()).toBeUndefined();
    inbox.push({ type: 'http.head', id: 1, status: 201, headers: [['x-b', enc.encode('2')]] }, { type: 'http.data', id: 1, data: enc.encode('ok') }, { type: 'http.end', id: 1 });
    const res = future.get().val.val;
    expect(res.status()).toBe(201);
    const stream = res.consume().val.stream().val;
    expect(dec.decode(stream.blockingRead(100n))).toBe('ok');
    expect(caught(() => stream.blockingRead(100n))).toEqual({ tag: 'closed' });
  });
});

describe('the reactor', () => {
  it('poll waits for a clock pollable (Atomics.wait), and returns every ready index', () => {
    const reactor = new Reactor(undefined, monotonic);
    const now = monotonic();
    const soon = { check: () => monotonic() >= now + 20_000_000n, deadline: now + 20_000_000n } as unknown as Pollable;
    const later = { check: () => false, deadline: now + 10_000_000_000n } as unknown as Pollable;
    const t0 = Date.now();
    expect(reactor.poll([later, soon])).toEqual([1]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(15);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('one door to the network (DESIGN §0.8)', () => {
  it('node:http, node:https, node:net and node:dns are imported by node/net-adapter.ts and nowhere else in the runtime', () => {
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts') && /from ['"]node:(?:https?|net|dns|dgram|tls)(?:\/promises)?['"]/.test(readFileSync(p, 'utf8'))) importers.push(relative(SRC, p));
      }
    };
    walk(SRC);
    expect(importers).toEqual(['node/net-adapter.ts']);
  });
});
