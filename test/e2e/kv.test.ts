// `boxer run --allow-kv=bucket[:FILE]`: a componentize-js component (fixtures/components/src/kv.js,
// world `kv` in fixtures/components/wit/world.wit) that counts its runs in the wasi:keyvalue bucket
// "counter" through store.get/set/exists/delete/list-keys and atomics.increment.
// Expected values come from the WIT of wasi:keyvalue 0.2.0-draft (WebAssembly/wasi-keyvalue's tagged
// release): `get` of a key never set is none, so a fresh bucket counts 1; `increment` of a missing
// key sets it to the delta; `get-many` answers none for a missing key; a bucket the host does not
// give is `access-denied` (the WIT's error for "does not have access to the specified store"). The
// bytes a counter keeps ("2") follow Wasmtime's wasmtime-wasi-keyvalue, the reference host of that
// version; the limit (bucket ≤ --max-write) is boxer's documented rule (README, common/kv.ts).
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, boxer, tempDir } from './helpers.js';

const tmp = tempDir('boxer-kv-');
const ENV = { XDG_CACHE_HOME: join(tmp.path, 'xdg') };
let kvBox: string;

const jsonl = (text: string): Record<string, unknown>[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const kvRecords = (stderr: string): { op: unknown; resource: unknown; decision: unknown; grant: unknown }[] =>
  jsonl(stderr).filter((r) => String(r.op).startsWith('kv.')).map(({ op, resource, decision, grant }) => ({ op, resource, decision, grant }));
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const line = (count: number, hits: number): string => `count=${count} hits=${hits} keys=count,hits scratch=exists,deleted\n`;

beforeAll(async () => {
  const { buildComponents } = (await import(join(ROOT, 'scripts/build-components.mjs'))) as { buildComponents: () => Promise<{ kv: string }> };
  const built = await buildComponents();
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'app'), { recursive: true });
  copyFileSync(built.kv, join(ctx, 'app', 'kv.wasm'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY app/ /app/\nENTRYPOINT ["/app/kv.wasm"]\n');
  kvBox = join(tmp.path, 'kv.box.wasm');
  const b = await boxer(['build', ctx, '-o', kvBox]);
  expect(b.exitCode, b.stderr).toBe(0);
}, 300_000);

afterAll(() => tmp.cleanup());

describe('boxer run --allow-kv', () => {
  it('without the grant the component gets access-denied, the audit has kv.open deny, and boxer warns', async () => {
    const r = await boxer(['run', '--audit', '-', kvBox], { env: ENV });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('open counter: access-denied\n');
    expect(r.stderr).toContain('warning RUNTIME_KV_DENIED');
    expect(kvRecords(r.stderr)).toEqual([{ op: 'kv.open', resource: 'counter', decision: 'deny', grant: 'none' }]);
  });

  it('with --allow-kv=counter:FILE two runs count 1 then 2, and FILE holds the bucket', async () => {
    const file = join(tmp.path, 'counter.json');
    const first = await boxer(['run', `--allow-kv=counter:${file}`, '--audit', '-', kvBox], { env: ENV });
    expect(first.stderr).not.toContain('RUNTIME_');
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toBe(line(1, 1));
    expect(kvRecords(first.stderr)).toEqual([
      { op: 'kv.open', resource: 'counter', decision: 'allow', grant: `--allow-kv=counter:${file}` },
      { op: 'kv.save', resource: file, decision: 'allow', grant: `--allow-kv=counter:${file}` },
    ]);
    const second = await boxer(['run', `--allow-kv=counter:${file}`, kvBox], { env: ENV });
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toBe(line(2, 2));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ format: 'boxer-kv/1', entries: { count: b64('2'), hits: b64('2') } });
  });

  it('a relative FILE is resolved from the working directory (from a policy file, from its directory)', async () => {
    const work = join(tmp.path, 'work');
    mkdirSync(join(work, 'policies'), { recursive: true });
    const r = await boxer(['run', '--allow-kv=counter:rel.json', kvBox], { env: ENV, cwd: work });
    expect(r.stdout).toBe(line(1, 1));
    expect(existsSync(join(work, 'rel.json'))).toBe(true);
    writeFileSync(join(work, 'policies', 'p.json'), JSON.stringify({ kv: ['counter:from-policy.json'] }));
    const p = await boxer(['run', '--policy', 'policies/p.json', kvBox], { env: ENV, cwd: work });
    expect(p.stdout).toBe(line(1, 1));
    expect(existsSync(join(work, 'policies', 'from-policy.json'))).toBe(true);
  });

  it('with --allow-kv=counter (in memory) every run starts empty and counts 1, and nothing is saved', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await boxer(['run', '--allow-kv=counter', '--audit', '-', kvBox], { env: ENV });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toBe(line(1, 1));
      expect(kvRecords(r.stderr)).toEqual([{ op: 'kv.open', resource: 'counter', decision: 'allow', grant: '--allow-kv=counter' }]);
    }
  });

  it('a bucket is saved however the run ends: a guest stopped by --timeout keeps what it stored', async () => {
    const file = join(tmp.path, 'timeout.json');
    const r = await boxer(['run', `--allow-kv=counter:${file}`, '--timeout', '5s', kvBox, 'counter', 'hang'], { env: ENV });
    expect(r.exitCode).toBe(124);
    expect(r.stdout).toBe(line(1, 1));
    expect(JSON.parse(readFileSync(file, 'utf8')).entries).toEqual({ count: b64('1'), hits: b64('1') });
  });

  it('another bucket name stays denied, and the granted bucket\'s FILE is untouched', async () => {
    const file = join(tmp.path, 'only-counter.json');
    await boxer(['run', `--allow-kv=counter:${file}`, kvBox], { env: ENV });
    const before = createHash('sha256').update(readFileSync(file)).digest('hex');
    const r = await boxer(['run', `--allow-kv=counter:${file},notes`, '--audit', '-', kvBox, 'secrets'], { env: ENV });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('open secrets: access-denied\n');
    expect(kvRecords(r.stderr)).toEqual([{ op: 'kv.open', resource: 'secrets', decision: 'deny', grant: 'none' }]);
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before);
  });

  it('batch calls: set-many, get-many (none for a missing key), delete-many', async () => {
    const r = await boxer(['run', '--allow-kv=b', kvBox, 'b', 'batch'], { env: ENV });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('get-many=a=1,b=2,none after-delete=false,true\n');
  });

  it('a bucket is capped by --max-write: past it a set gets the `other` error and boxer warns', async () => {
    // 300 KiB = 307200 bytes; each value is 65536 bytes under a 4-byte key: 4 fit (262160), a 5th does not.
    const r = await boxer(['run', '--allow-kv=b', '--max-write', '300k', kvBox, 'b', 'fill'], { env: ENV });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^stored 4, then: other\(the bucket "b" is full: /);
    expect(r.stderr).toContain('warning RUNTIME_KV_FULL');
  });

  it('--learn keeps only the buckets the run opened, with absolute files', async () => {
    const file = join(tmp.path, 'learned.json');
    const r = await boxer(['run', `--allow-kv=counter:${file},unused`, '--learn', '-', kvBox], { env: ENV });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stderr.slice(r.stderr.indexOf('{')))).toEqual({ kv: [`counter:${file}`] });
  });

  it('a FILE that is not a bucket stops the run with RUNTIME_KV_INVALID and is left as it was', async () => {
    const file = join(tmp.path, 'not-a-bucket.json');
    writeFileSync(file, '{"hello": 1}\n');
    const r = await boxer(['run', `--allow-kv=counter:${file}`, kvBox], { env: ENV });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('error RUNTIME_KV_INVALID');
    expect(readFileSync(file, 'utf8')).toBe('{"hello": 1}\n');
  });

  it('refuses a malformed grant, a bucket given two files, and two buckets given one (CLI_BAD_VALUE)', async () => {
    const empty = await boxer(['run', '--allow-kv=counter:', kvBox], { env: ENV });
    expect(empty.exitCode).toBe(1);
    expect(empty.stderr).toContain('CLI_BAD_VALUE');
    const twice = await boxer(['run', '--allow-kv=c:a.json', '--allow-kv', 'c:b.json', kvBox], { env: ENV });
    expect(twice.exitCode).toBe(1);
    expect(twice.stderr).toMatch(/CLI_BAD_VALUE.*granted twice/);
    const shared = await boxer(['run', '--allow-kv=a:same.json,b:./same.json', kvBox], { env: ENV, cwd: tmp.path });
    expect(shared.exitCode).toBe(1);
    expect(shared.stderr).toMatch(/CLI_BAD_VALUE.*same file/);
  });
});
