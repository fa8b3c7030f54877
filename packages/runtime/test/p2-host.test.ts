// The preview2 host's isomorphic pieces (src/p2), driven directly the way jco's bindings call them:
// the filesystem over the tree and mounts (chroot semantics, Linux's errnos as error-codes, the
// write, entry and descriptor limits), wasi:http fields and the
// outgoing handler without a network, the reactor's waiting, and the one-door rule for the network
// (DESIGN §0.8). Expected values: the wasi:filesystem and wasi:http 0.2 WIT (jco's bundled copies,
// node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12) for error codes and results.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { caught, type Any, monotonic } from './p2-helpers.js';
import { Tree, fileContent, type FileNode } from '@boxer/vfs';
import { filesystemImports } from '../src/p2/filesystem.js';
import { ENTRY_COST, GuestFs } from '../src/common/guest-fs.js';
import { NodeHostFs } from '../src/node/mount-adapter.js';
import type { MountSpec } from '../src/common/mounts.js';
import type { AuditEvent } from '../src/common/audit.js';
import { httpImports } from '../src/p2/http.js';
import { Reactor, type Pollable } from '../src/p2/io.js';
import type { GuestChannel, GuestMessage, HostEvent } from '../src/p2/channel.js';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const enc = new TextEncoder();
const dec = new TextDecoder();



function fsOf(tree: Tree, maxWriteBytes = 1 << 20, more: { maxDescriptors?: number; mounts?: MountSpec[]; onAudit?: (e: AuditEvent) => void } = {}): { root: Any; fs: GuestFs; dispose: () => void } {
  const fs = new GuestFs({ tree, realtime: () => 1_700_000_000_000_000_000n, maxWriteBytes, ...(more.mounts ? { mounts: more.mounts } : {}), ...(more.onAudit ? { onAudit: more.onAudit } : {}) });
  const { imports, dispose } = filesystemImports(new Reactor(undefined, monotonic), { fs, ...(more.maxDescriptors ? { maxDescriptors: more.maxDescriptors } : {}) });
  const [[root, name]] = (imports['wasi:filesystem/preopens']!.getDirectories as () => [Any, string][])();
  expect(name).toBe('/');
  return { root, fs, dispose };
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

// What the same calls answer on Linux: the errno of writeread.c (fixtures/wasm/src) built natively
// (test/e2e/components-fs.test.ts runs both), as the wasi:filesystem error-code that the preview1
// adapter maps back to that errno.
describe('wasi:filesystem: renames, links, symlinks and times, as on Linux', () => {
  const tree = (): Tree => {
    const t = new Tree();
    t.writeFile('/d/f', enc.encode('data'), {}, { parents: true });
    t.mkdirp('/d/sub');
    t.writeFile('/d/sub/inner', enc.encode('x'));
    t.mkdirp('/d/empty');
    return t;
  };

  it('renames like rename(2): into itself EINVAL, dir over file ENOTDIR, file over dir EISDIR, over a non-empty dir ENOTEMPTY', () => {
    const t = tree();
    const { root } = fsOf(t);
    expect(caught(() => root.renameAt('d/sub', root, 'd/sub/x'))).toBe('invalid');
    expect(caught(() => root.renameAt('d/sub', root, 'd/f'))).toBe('not-directory');
    expect(caught(() => root.renameAt('d/f', root, 'd/empty'))).toBe('is-directory');
    expect(caught(() => root.renameAt('d/empty', root, 'd/sub'))).toBe('not-empty');
    expect(caught(() => root.renameAt('d/missing', root, 'd/x'))).toBe('no-entry');
    expect(caught(() => root.renameAt('d/.', root, 'd/x'))).toBe('busy');
    root.renameAt('d/sub', root, 'd/empty');
    expect(t.tryGet('/d/sub')).toBeUndefined();
    expect(dec.decode(fileContent(t.get('/d/empty/inner') as FileNode))).toBe('x');
    root.renameAt('d/f', root, 'd/f');
    expect(caught(() => root.renameAt('/d/f', root, 'd/g'))).toBe('not-permitted');
  });

  it('links like link(2): a second name of the same inode, EEXIST on a taken name, EPERM for a directory', () => {
    const t = tree();
    const { root } = fsOf(t);
    root.linkAt({}, 'd/f', root, 'd/hard');
    expect(t.get('/d/hard')).toBe(t.get('/d/f'));
    expect(root.statAt({}, 'd/hard').linkCount).toBe(2n);
    expect(root.metadataHashAt({}, 'd/hard')).toEqual(root.metadataHashAt({}, 'd/f'));
    expect(caught(() => root.linkAt({}, 'd/f', root, 'd/hard'))).toBe('exist');
    expect(caught(() => root.linkAt({}, 'd/sub', root, 'd/dirlink'))).toBe('not-permitted');
  });

  it('makes symlinks the tree resolves inside itself, and reads them back', () => {
    const t = tree();
    const { root } = fsOf(t);
    root.symlinkAt('../../../d/f', 'd/up');
    expect(root.readlinkAt('d/up')).toBe('../../../d/f');
    expect(root.statAt({}, 'd/up').type).toBe('symbolic-link');
    expect(root.statAt({ symlinkFollow: true }, 'd/up').type).toBe('regular-file');
    expect(dec.decode(root.openAt({ symlinkFollow: true }, 'd/up', {}, { read: true }).read(10n, 0n)[0])).toBe('data');
    expect(caught(() => root.openAt({}, 'd/up', {}, { read: true }))).toBe('loop');
    expect(caught(() => root.symlinkAt('x', 'd/up'))).toBe('exist');
    expect(caught(() => root.readlinkAt('d/f'))).toBe('invalid');
    expect(caught(() => root.symlinkAt('', 'd/empty-target'))).toBe('no-entry');
  });

  it('sets times by path and by descriptor, keeping an omitted one', () => {
    const { root } = fsOf(tree());
    const ts = (seconds: bigint, nanoseconds: number) => ({ tag: 'timestamp', val: { seconds, nanoseconds } });
    root.setTimesAt({}, 'd/f', ts(1_000_000_000n, 250), ts(1_234_567_890n, 500_000_000));
    let st = root.statAt({}, 'd/f');
    expect(st.dataModificationTimestamp).toEqual({ seconds: 1_234_567_890n, nanoseconds: 500_000_000 });
    expect(st.dataAccessTimestamp).toEqual({ seconds: 1_000_000_000n, nanoseconds: 250 });
    const fd = root.openAt({}, 'd/f', {}, { read: true });
    fd.setTimes({ tag: 'no-change' }, ts(1_500_000_000n, 7));
    st = fd.stat();
    expect(st.dataModificationTimestamp).toEqual({ seconds: 1_500_000_000n, nanoseconds: 7 });
    expect(st.dataAccessTimestamp).toEqual({ seconds: 1_000_000_000n, nanoseconds: 250 });
  });

  it('answers ftruncate(2)\'s EINVAL for a descriptor not open for writing, and O_CREAT|O_DIRECTORY\'s EINVAL', () => {
    const { root } = fsOf(tree());
    expect(caught(() => root.openAt({}, 'd/f', {}, { read: true }).setSize(0n))).toBe('invalid');
    expect(caught(() => root.openAt({}, 'd/new', { create: true, directory: true }, { read: true }))).toBe('invalid');
  });
});

describe('wasi:filesystem limits (the preview1 host\'s, shared through GuestFs)', () => {
  it('refuses a descriptor past maxDescriptors with insufficient-memory, and a dropped one frees its slot', () => {
    const t = new Tree();
    t.writeFile('/f', enc.encode('x'));
    const { root } = fsOf(t, 1 << 20, { maxDescriptors: 3 });
    const a = root.openAt({}, 'f', {}, { read: true });
    root.openAt({}, 'f', {}, { read: true });
    expect(caught(() => root.openAt({}, 'f', {}, { read: true }))).toBe('insufficient-memory');
    (a as Any)[(Symbol as Any).dispose ?? Symbol.for('dispose')]();
    expect(root.openAt({}, 'f', {}, { read: true }).getType()).toBe('regular-file');
  });

  it('counts new entries against maxWriteBytes / ENTRY_COST, as tmpfs counts inodes', () => {
    const { root } = fsOf(new Tree(), 2 * ENTRY_COST);
    root.createDirectoryAt('a');
    root.openAt({}, 'b', { create: true }, { write: true });
    expect(caught(() => root.symlinkAt('x', 'c'))).toBe('insufficient-space');
    root.removeDirectoryAt('a');
    root.symlinkAt('x', 'c');
  });

  it('keeps an unlinked file\'s data charged while a descriptor holds it, and gives it back once dropped', () => {
    const { root, fs } = fsOf(new Tree(), 1 << 20);
    const fd = root.openAt({}, 'f', { create: true }, { read: true, write: true });
    fd.write(new Uint8Array(1000), 0n);
    root.unlinkFileAt('f');
    expect(fs.writeBytes).toBe(1000);
    expect(fd.read(2000n, 0n)[0].length).toBe(1000);
    (fd as Any)[(Symbol as Any).dispose ?? Symbol.for('dispose')]();
    expect(fs.writeBytes).toBe(0);
  });

  it('reports a stream write past the budget as insufficient-space through filesystem-error-code, and a write on a read-only descriptor as bad-descriptor', () => {
    const t = new Tree();
    t.writeFile('/f', enc.encode('x'));
    const fs = new GuestFs({ tree: t, realtime: () => 0n, maxWriteBytes: 4 });
    const { imports } = filesystemImports(new Reactor(undefined, monotonic), { fs });
    const code = imports['wasi:filesystem/types']!.filesystemErrorCode as (e: unknown) => string | undefined;
    const [[root]] = (imports['wasi:filesystem/preopens']!.getDirectories as () => [Any, string][])();
    const err = caught(() => root.openAt({}, 'f', {}, { write: true }).writeViaStream(0n).blockingWriteAndFlush(enc.encode('0123456789'))) as Any;
    expect(err.tag).toBe('last-operation-failed');
    expect(code(err.val)).toBe('insufficient-space');
    const ro = caught(() => root.openAt({}, 'f', {}, { read: true }).writeViaStream(0n).blockingWriteAndFlush(enc.encode('y'))) as Any;
    expect(code(ro.val)).toBe('bad-descriptor');
  });
});

describe('wasi:filesystem in a mount', () => {
  const hostDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'boxer-p2-mount-'));
    writeFileSync(join(dir, 'in.txt'), 'INSIDE\n');
    return dir;
  };

  it('reads and writes the host files through the mount, with an audit record each', () => {
    const dir = hostDir();
    try {
      const audit: AuditEvent[] = [];
      const { root, fs } = fsOf(new Tree(), 1 << 20, { mounts: [{ target: '/data', readonly: false, source: dir, fs: new NodeHostFs(dir) }], onAudit: (e) => audit.push(e) });
      expect(dec.decode(root.openAt({}, 'data/in.txt', {}, { read: true }).read(100n, 0n)[0])).toBe('INSIDE\n');
      const fd = root.openAt({}, 'data/out.txt', { create: true }, { write: true });
      fd.writeViaStream(0n).blockingWriteAndFlush(enc.encode('from the guest\n'));
      expect(readFileSync(join(dir, 'out.txt'), 'utf8')).toBe('from the guest\n');
      root.renameAt('data/out.txt', root, 'data/moved.txt');
      expect(readdirSync(dir).sort()).toEqual(['in.txt', 'moved.txt']);
      expect(audit.map((e) => `${e.op} ${e.resource}`)).toEqual(expect.arrayContaining([`fs.read ${dir}/in.txt`, `fs.write ${dir}/out.txt`, `fs.write ${dir}/moved.txt`]));
      expect(caught(() => root.renameAt('data/moved.txt', root, 'outside.txt'))).toBe('cross-device');
      fs.closeMounts();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses every write to a read-only mount with read-only (EROFS) and records the denial', () => {
    const dir = hostDir();
    try {
      const audit: AuditEvent[] = [];
      const { root, fs } = fsOf(new Tree(), 1 << 20, { mounts: [{ target: '/data', readonly: true, source: dir, fs: new NodeHostFs(dir) }], onAudit: (e) => audit.push(e) });
      expect(caught(() => root.openAt({}, 'data/new', { create: true }, { write: true }))).toBe('read-only');
      expect(caught(() => root.openAt({}, 'data/in.txt', {}, { write: true }))).toBe('read-only');
      expect(caught(() => root.createDirectoryAt('data/d'))).toBe('read-only');
      expect(caught(() => root.unlinkFileAt('data/in.txt'))).toBe('read-only');
      expect(caught(() => root.symlinkAt('x', 'data/l'))).toBe('read-only');
      expect(audit.filter((e) => e.decision === 'deny').map((e) => e.resource)).toEqual([`${dir}/new`, `${dir}/in.txt`, `${dir}/d`, `${dir}/in.txt`, `${dir}/l`]);
      expect(readdirSync(dir)).toEqual(['in.txt']);
      fs.closeMounts();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
