// `--allow-kv` below the CLI: the grant's syntax, a bucket's semantics and limits, the node kv
// adapter (grants, audit, FILE load/save), and the guest's wasi:keyvalue import object driven the
// way jco's bindings call it, over an in-process channel to the adapter.
// Expected values: the WIT of wasi:keyvalue 0.2.0-draft (WebAssembly/wasi-keyvalue's tagged release,
// as vendored by Wasmtime's wasmtime-wasi-keyvalue): `get` of a missing key is none, `delete` of one
// does nothing, `increment` of a missing key sets it to the delta, `list-keys` pages end with a none
// cursor, an identifier the host does not grant is `access-denied` ("does not have access to the
// specified store (which may or may not exist)"); and, where the WIT leaves the bytes open, Wasmtime's
// in-memory provider: `increment` keeps the decimal text of the number.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, type Any } from './p2-helpers.js';
import type { AuditEvent } from '../src/common/audit.js';
import { checkGrants } from '../src/common/grants.js';
import { KvBucket, KV_LIST_PAGE, parseKvEntry, parseKvGrant } from '../src/common/kv.js';
import { learnPolicy, mergeGrants, parsePolicy } from '../src/common/policy.js';
import { decodeKvFile, encodeKvFile, KvAdapter } from '../src/node/kv-adapter.js';
import type { Diagnostic } from '@boxer/diagnostics';
import type { GuestChannel, GuestMessage, HostEvent } from '../src/p2/channel.js';
import { Reactor } from '../src/p2/io.js';
import { keyvalueImports } from '../src/p2/keyvalue.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const dir = mkdtempSync(join(tmpdir(), 'boxer-kv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));



/** An adapter and the guest's import object over a channel that delivers at once (what the main thread does between two Atomics.waits). */
function kvHost(kv: string[], maxBytes = 1 << 20) {
  const events: AuditEvent[] = [];
  const warnings: Diagnostic[] = [];
  const failures: Diagnostic[] = [];
  const inbox: HostEvent[] = [];
  const adapter = new KvAdapter({ kv, cwd: dir, maxBytes, emit: (e) => events.push(e), warn: (d) => warnings.push(d), fail: (d) => failures.push(d), toGuest: (e) => inbox.push(e) });
  const channel: GuestChannel = {
    send: (m: GuestMessage) => {
      if (m.type === 'kv.call') adapter.onMessage(structuredClone(m));
    },
    drain: () => inbox.splice(0),
    wait: () => {},
  };
  const imports = keyvalueImports(new Reactor(channel, () => process.hrtime.bigint()), undefined);
  return {
    adapter,
    events,
    warnings,
    failures,
    store: imports['wasi:keyvalue/store'] as Any,
    atomics: imports['wasi:keyvalue/atomics'] as Any,
    batch: imports['wasi:keyvalue/batch'] as Any,
  };
}

describe('the --allow-kv grant', () => {
  it('is bucket or bucket:FILE (the file may hold ":")', () => {
    expect(parseKvEntry('counter')).toEqual({ bucket: 'counter' });
    expect(parseKvEntry('counter:./c.json')).toEqual({ bucket: 'counter', file: './c.json' });
    expect(parseKvEntry('c:/tmp/a:b.json')).toEqual({ bucket: 'c', file: '/tmp/a:b.json' });
  });

  it('refuses an empty name, an empty file, and one bucket in two places', () => {
    expect(() => parseKvEntry('')).toThrow(RangeError);
    expect(() => parseKvEntry(':f')).toThrow(/not a bucket name/);
    expect(() => parseKvEntry('a b')).toThrow(/not a bucket name/);
    expect(() => parseKvEntry('counter:')).toThrow(/file after/);
    expect(() => parseKvGrant(['c:a.json', 'c:b.json'])).toThrow(/granted twice/);
    expect(() => parseKvGrant(['c', 'c:b.json'])).toThrow(/granted twice/);
    expect([...parseKvGrant(['c', 'c']).keys()]).toEqual(['c']);
    expect(() => checkGrants({ kv: 'counter' as unknown as string[] })).toThrow(/list of buckets/);
    expect(() => checkGrants({ kv: ['counter', 'x:y'] })).not.toThrow();
  });

  it('is a policy key: read from a file, merged as a union, refused with two files for one bucket', () => {
    expect(parsePolicy('{"kv": ["counter", "notes:n.json"]}', 'p.json')).toEqual({ kv: ['counter', 'notes:n.json'] });
    expect(() => parsePolicy('{"kv": "counter"}', 'p.json')).toThrow(/"kv" must be a list of strings/);
    expect(() => parsePolicy('{"kv": ["a:"]}', 'p.json')).toThrow(/p\.json: --allow-kv=a:/);
    expect(mergeGrants({ kv: ['a'] }, { kv: ['a', 'b:f'] })).toEqual({ kv: ['a', 'b:f'] });
    expect(() => mergeGrants({ kv: ['a:f'] }, { kv: ['a:g'] })).toThrow(/granted twice/);
  });

  it('--learn keeps the buckets the run opened, with their files, and drops the rest', () => {
    const events: AuditEvent[] = [
      { op: 'kv.open', resource: 'counter', decision: 'allow', grant: '--allow-kv=counter:/x/c.json' },
      { op: 'kv.open', resource: 'counter', decision: 'allow', grant: '--allow-kv=counter:/x/c.json' },
      { op: 'kv.open', resource: 'secret', decision: 'deny', grant: 'none' },
    ];
    expect(learnPolicy({ kv: ['counter:/x/c.json', 'unused'] }, events, [])).toEqual({ kv: ['counter:/x/c.json'] });
    expect(learnPolicy({ kv: ['unused'] }, events, [])).toEqual({});
  });
});

describe('a bucket (wasi:keyvalue 0.2.0-draft semantics)', () => {
  it('get of a missing key is none, delete of one does nothing, set overwrites', () => {
    const b = new KvBucket('b', 1 << 20);
    expect(b.get('k')).toBeUndefined();
    expect(b.exists('k')).toBe(false);
    b.delete('k');
    b.set('k', enc.encode('one'));
    b.set('k', enc.encode('two'));
    expect(dec.decode(b.get('k')!)).toBe('two');
    expect(b.exists('k')).toBe(true);
    b.delete('k');
    expect(b.exists('k')).toBe(false);
  });

  it('increment starts a missing key at the delta and keeps the decimal text', () => {
    const b = new KvBucket('b', 1 << 20);
    expect(b.increment('n', 5n)).toBe(5n);
    expect(b.increment('n', 1n)).toBe(6n);
    expect(dec.decode(b.get('n')!)).toBe('6');
    b.set('t', enc.encode('text'));
    expect(caught(() => b.increment('t', 1n))).toMatchObject({ tag: 'other' });
    b.set('max', enc.encode('18446744073709551615'));
    expect(caught(() => b.increment('max', 1n))).toMatchObject({ tag: 'other' });
  });

  it('list-keys pages through every key and ends with a none cursor', () => {
    const b = new KvBucket('b', 1 << 30);
    const n = KV_LIST_PAGE + 5;
    for (let i = 0; i < n; i++) b.set(`k${String(i).padStart(5, '0')}`, new Uint8Array(0));
    const first = b.listKeys(undefined);
    expect(first.keys).toHaveLength(KV_LIST_PAGE);
    expect(first.cursor).toBe(BigInt(KV_LIST_PAGE));
    const second = b.listKeys(first.cursor);
    expect(second.keys).toHaveLength(5);
    expect(second.cursor).toBeUndefined();
    expect(new Set([...first.keys, ...second.keys]).size).toBe(n);
    expect(new KvBucket('e', 100).listKeys(undefined)).toEqual({ keys: [], cursor: undefined });
  });

  it('refuses a set past its bytes or keys with the `other` error, changes nothing, and always lets it shrink', () => {
    const b = new KvBucket('b', 1024);
    b.set('a', new Uint8Array(1000));
    const e = caught(() => b.set('b', new Uint8Array(100))) as { tag: string; val: string };
    expect(e.tag).toBe('other');
    expect(e.val).toMatch(/bucket "b" is full/);
    expect(b.exists('b')).toBe(false);
    expect(b.refused).toBe(true);
    b.set('a', new Uint8Array(10));
    expect(b.bytes).toBe(11);
    // 1024 / 256 = 4 keys
    for (const k of ['b', 'c', 'd']) b.set(k, new Uint8Array(0));
    expect(caught(() => b.set('e', new Uint8Array(0)))).toMatchObject({ tag: 'other' });
    b.set('d', new Uint8Array(1));
  });
});

describe('the kv FILE format', () => {
  it('round-trips any bytes and key, "__proto__" included, keys sorted', () => {
    const entries: [string, Uint8Array][] = [['b', new Uint8Array([0, 255, 10])], ['__proto__', enc.encode('p')], ['a', new Uint8Array(0)], ['ключ', enc.encode('значение')]];
    const text = dec.decode(encodeKvFile(new KvBucket('x', 1 << 20, entries).entries()));
    expect(JSON.parse(text).format).toBe('boxer-kv/1');
    expect(Object.keys(JSON.parse(text).entries)).toEqual(['__proto__', 'a', 'b', 'ключ']);
    expect(decodeKvFile(enc.encode(text)).map(([k, v]) => [k, [...v]])).toEqual([['__proto__', [112]], ['a', []], ['b', [0, 255, 10]], ['ключ', [...enc.encode('значение')]]]);
  });

  it('refuses what is not one', () => {
    expect(() => decodeKvFile(enc.encode('nope'))).toThrow(/not UTF-8 JSON/);
    expect(() => decodeKvFile(enc.encode('{"entries":{}}'))).toThrow(/"format"/);
    expect(() => decodeKvFile(enc.encode('{"format":"boxer-kv/1","entries":{"a":"***"}}'))).toThrow(/not base64/);
    expect(() => decodeKvFile(enc.encode('{"format":"boxer-kv/1","entries":[]}'))).toThrow(/not an object/);
  });
});

describe('the kv adapter and the guest import object', () => {
  it('an ungranted bucket: access-denied, an audit deny with grant none, one warning', () => {
    const h = kvHost(['counter']);
    expect(caught(() => h.store.open('secret'))).toEqual({ tag: 'access-denied' });
    expect(caught(() => h.store.open('secret'))).toEqual({ tag: 'access-denied' });
    expect(h.events).toEqual([
      { op: 'kv.open', resource: 'secret', decision: 'deny', grant: 'none' },
      { op: 'kv.open', resource: 'secret', decision: 'deny', grant: 'none' },
    ]);
    expect(h.warnings.map((d) => d.code)).toEqual(['RUNTIME_KV_DENIED']);
  });

  it('a bucket in memory: every store, atomics and batch call, audited kv.open allow, nothing written', () => {
    const h = kvHost(['counter']);
    const b = h.store.open('counter');
    expect(b).toBeInstanceOf(h.store.Bucket);
    expect(h.events).toEqual([{ op: 'kv.open', resource: 'counter', decision: 'allow', grant: '--allow-kv=counter' }]);
    expect(b.get('count')).toBeUndefined();
    b.set('count', enc.encode('1'));
    expect(dec.decode(b.get('count'))).toBe('1');
    expect(b.exists('count')).toBe(true);
    expect(h.atomics.increment(b, 'hits', 1n)).toBe(1n);
    expect(h.atomics.increment(b, 'hits', 2n)).toBe(3n);
    expect(b.listKeys(undefined)).toEqual({ keys: ['count', 'hits'], cursor: undefined });
    h.batch.setMany(b, [['x', enc.encode('1')], ['y', enc.encode('2')]]);
    expect(h.batch.getMany(b, ['x', 'nope', 'y']).map((p: Any) => p && [p[0], dec.decode(p[1])])).toEqual([['x', '1'], undefined, ['y', '2']]);
    h.batch.deleteMany(b, ['x', 'nope']);
    b.delete('count');
    expect(b.listKeys(undefined).keys).toEqual(['hits', 'y']);
    h.adapter.close();
    expect(h.events.filter((e) => e.op === 'kv.save')).toEqual([]);
    // A second open of the same name in one run sees the same bucket.
    const h2 = kvHost(['c']);
    h2.store.open('c').set('k', enc.encode('v'));
    expect(dec.decode(h2.store.open('c').get('k'))).toBe('v');
  });

  it('a bucket with a FILE: starts empty when there is none, is saved whole when the run ends, loaded by the next run', () => {
    const file = join(dir, 'counter.json');
    const first = kvHost([`counter:counter.json`]);
    const b = first.store.open('counter');
    expect(b.get('n')).toBeUndefined();
    expect(first.atomics.increment(b, 'n', 1n)).toBe(1n);
    expect(existsSync(file)).toBe(false);
    first.adapter.close();
    expect(first.events).toEqual([
      { op: 'kv.open', resource: 'counter', decision: 'allow', grant: '--allow-kv=counter:counter.json' },
      { op: 'kv.save', resource: file, decision: 'allow', grant: '--allow-kv=counter:counter.json' },
    ]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 'boxer-kv/1', entries: { n: Buffer.from('1').toString('base64') } });
    expect(readdirSync(dir).filter((f) => f.includes('boxer-tmp'))).toEqual([]);
    const second = kvHost([`counter:${file}`]);
    expect(second.atomics.increment(second.store.open('counter'), 'n', 1n)).toBe(2n);
    second.adapter.close();
    expect(dec.decode(decodeKvFile(readFileSync(file))[0]![1])).toBe('2');
    // Opened but unchanged: not written again.
    const third = kvHost([`counter:${file}`]);
    third.store.open('counter').get('n');
    third.adapter.close();
    expect(third.events.map((e) => e.op)).toEqual(['kv.open']);
  });

  it('a FILE that is not a bucket fails the run (RUNTIME_KV_INVALID), the guest gets `other`, and the file is left as it is', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, 'not json');
    const h = kvHost([`bad:${file}`]);
    expect(caught(() => h.store.open('bad'))).toMatchObject({ tag: 'other' });
    expect(h.failures.map((d) => d.code)).toEqual(['RUNTIME_KV_INVALID']);
    h.adapter.close();
    expect(readFileSync(file, 'utf8')).toBe('not json');
  });

  it('a full bucket: the guest gets `other`, one RUNTIME_KV_FULL warning; the cap is --max-write', () => {
    const h = kvHost(['b'], 4096);
    const b = h.store.open('b');
    b.set('a', new Uint8Array(4000));
    expect(caught(() => b.set('c', new Uint8Array(200)))).toMatchObject({ tag: 'other' });
    expect(caught(() => h.batch.setMany(b, [['d', new Uint8Array(1)], ['e', new Uint8Array(500)]]))).toMatchObject({ tag: 'other' });
    expect(b.exists('d')).toBe(true);
    expect(b.exists('e')).toBe(false);
    expect(h.warnings.map((d) => d.code)).toEqual(['RUNTIME_KV_FULL']);
  });

  it('a FILE that cannot be written: the run goes on, RUNTIME_KV_INVALID is reported, nothing is thrown', () => {
    const h = kvHost(['x:no-such-dir/x.json']);
    h.store.open('x').set('k', enc.encode('v'));
    expect(() => h.adapter.close()).not.toThrow();
    expect(h.warnings.map((d) => d.code)).toEqual(['RUNTIME_KV_INVALID']);
    expect(h.events.map((e) => e.op)).toEqual(['kv.open']);
  });

  it('two buckets may not share a FILE', () => {
    expect(() => kvHost(['a:same.json', `b:${join(dir, 'same.json')}`])).toThrow(/same file/);
  });

  it('without a channel every bucket is denied and audited', () => {
    const events: AuditEvent[] = [];
    const store = keyvalueImports(new Reactor(undefined, () => process.hrtime.bigint()), (e) => events.push(e))['wasi:keyvalue/store'] as Any;
    expect(caught(() => store.open('counter'))).toEqual({ tag: 'access-denied' });
    expect(events).toEqual([{ op: 'kv.open', resource: 'counter', decision: 'deny', grant: 'none' }]);
  });
});
