// Policy files, --learn and the audit trail of a whole run (DESIGN §5, §0.3): the audit lists every
// allowed and denied decision, --learn writes the smallest policy within the operator's ceiling,
// and that policy given back with --policy lets the same run pass with nothing more granted.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, boxer, tempDir } from './helpers.js';

const tmp = tempDir('boxer-policy-');
const box = join(tmp.path, 'box.wasm');

interface Rec { op: string; resource: string; decision: string; grant: string }
const records = (file: string): Rec[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Rec);

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'bin'), { recursive: true });
  cpSync(join(FIXTURES, 'wasm', 'counter.wasm'), join(ctx, 'bin', 'counter'));
  cpSync(join(FIXTURES, 'wasm', 'escape.wasm'), join(ctx, 'bin', 'escape'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nENTRYPOINT ["/bin/counter"]\n');
  const r = await boxer(['build', ctx, '-o', box, '--progress', 'quiet']);
  expect(r.exitCode, r.stderr).toBe(0);
});

afterAll(() => tmp.cleanup());

describe('--audit and --learn over one fixture run', () => {
  const dir = (name: string): string => {
    const p = join(tmp.path, name);
    mkdirSync(p, { recursive: true });
    return p;
  };
  const env = { HOME: '/home/op', LANG: 'C.UTF-8', SECRET_TOKEN: 'hunter2' };

  it('records every decision, writes the smallest policy, and that policy alone reruns it', async () => {
    const data = dir('data');
    const spare = dir('spare');
    const ro = dir('ro');
    const audit = join(tmp.path, 'audit.jsonl');
    const learned = join(tmp.path, 'learned.json');
    // The ceiling: more than the run needs (an unused mount, a read-only one, two variables).
    const first = await boxer(['run', '--audit', audit, '--learn', learned,
      '--allow-env=HOME,LANG', '--deny-env=LANG', '-v', `${data}:/data`, '-v', `${spare}:/spare`, '-v', `${ro}:/ro:ro`,
      box, '/data/count'], { env });
    expect(first.stdout).toBe('count 1\n');
    expect(first.exitCode).toBe(0);

    const trail = records(audit).map((r) => `${r.op} ${r.decision} ${r.resource} (${r.grant})`);
    expect(trail).toEqual([
      'env.read allow HOME (--allow-env=HOME)',
      'env.read deny LANG (--deny-env=LANG)',
      'exec allow /bin/counter (box)',
      `fs.write allow ${data}/count (-v ${data}:/data)`,
    ]);
    // NOTE: counter opens /data/count for reading first; it does not exist yet, so only the lookup
    // happened (lookups are not capability decisions and are not recorded; they count for --learn).

    const policy = JSON.parse(readFileSync(learned, 'utf8')) as Record<string, unknown>;
    expect(policy).toEqual({ env: ['HOME'], denyEnv: ['LANG'], mounts: [{ source: data, target: '/data', readonly: false }] });

    // Given back alone, the policy lets the same run pass, and grants nothing beyond it.
    const audit2 = join(tmp.path, 'audit2.jsonl');
    const second = await boxer(['run', '--audit', audit2, '--policy', learned, box, '/data/count'], { env });
    expect(second.stdout).toBe('count 2\n');
    expect(second.exitCode).toBe(0);
    const trail2 = records(audit2).map((r) => `${r.op} ${r.decision} ${r.resource}`);
    expect(trail2).toEqual([
      'env.read allow HOME', 'env.read deny LANG', 'exec allow /bin/counter',
      `fs.read allow ${data}/count`, `fs.write allow ${data}/count`,
    ]);
  });

  it('learns a read-only mount where the run only read', async () => {
    const data = dir('ro-learn');
    writeFileSync(join(data, 'count'), '41\n');
    const learned = join(tmp.path, 'ro-learned.json');
    // counter would write; with its count file on a read-only tmpfs-free path it fails, so learn
    // from the escape program, which only reads.
    const r = await boxer(['run', '--learn', learned, '-v', `${data}:/escape`, '--entrypoint', '/bin/escape', box]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(learned, 'utf8'))).toEqual({ mounts: [{ source: data, target: '/escape', readonly: true }] });
  });

  it('grants nothing more than a normal run when there is no ceiling', async () => {
    const learned = join(tmp.path, 'empty.json');
    const r = await boxer(['run', '--learn', learned, box, '/tmp/count'], { env });
    expect(r.stdout).toBe('count 1\n');
    expect(JSON.parse(readFileSync(learned, 'utf8'))).toEqual({});
  });
});

describe('--policy files', () => {
  it('takes a named permission set laid over the top-level grants, relative paths from the file', async () => {
    const base = join(tmp.path, 'pol');
    mkdirSync(join(base, 'state'), { recursive: true });
    const file = join(base, 'boxer.policy.json');
    writeFileSync(file, JSON.stringify({ env: ['HOME'], sets: { work: { mounts: [{ source: './state', target: '/data' }] } } }));
    const r = await boxer(['run', '--policy', `${file}#work`, box, '/data/count'], { cwd: tmp.path });
    expect(r.stdout).toBe('count 1\n');
    expect(readFileSync(join(base, 'state', 'count'), 'utf8')).toBe('1\n');
    // Without the set there is no mount: the count goes to the box's own (discarded) layer.
    const top = await boxer(['run', '--policy', file, box, '/data/count']);
    expect(top.stdout).toBe('count 1\n');
    expect(readFileSync(join(base, 'state', 'count'), 'utf8')).toBe('1\n');
  });

  it('refuses a policy with an unknown key, naming the file and the key', async () => {
    const file = join(tmp.path, 'typo.json');
    writeFileSync(file, JSON.stringify({ mount: [] }));
    const r = await boxer(['run', '--policy', file, box]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${file}: unknown key "mount"`);
    const missingSet = await boxer(['run', '--policy', `${file.replace('typo', 'nope')}#x`, box]);
    expect(missingSet.exitCode).toBe(1);
    expect(missingSet.stderr).toContain('--policy');
  });

  it('lets --deny-env on the command line win over a policy that allows every variable', async () => {
    const file = join(tmp.path, 'all-env.json');
    writeFileSync(file, JSON.stringify({ env: true }));
    const r = await boxer(['run', '--policy', file, '--deny-env=SECRET_TOKEN', '--entrypoint', '/bin/escape', box], { env: { SECRET_TOKEN: 'hunter2', HOME: '/h' } });
    expect(r.stdout).toContain('env HOME=/h');
    expect(r.stdout).not.toContain('hunter2');
  });
});

describe('--allow-requested', () => {
  it('lists what the box asks for and what it got, gives VOLUMEs as tmpfs, and warns that a preview1 program cannot serve its EXPOSE', async () => {
    const ctx = join(tmp.path, 'requested');
    mkdirSync(join(ctx, 'bin'), { recursive: true });
    cpSync(join(FIXTURES, 'wasm', 'counter.wasm'), join(ctx, 'bin', 'counter'));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nEXPOSE 8080 53/udp\nVOLUME /cache\nENTRYPOINT ["/bin/counter", "/cache/count"]\n');
    const requested = join(tmp.path, 'requested.wasm');
    expect((await boxer(['build', ctx, '-o', requested, '--progress', 'quiet'])).exitCode).toBe(0);

    const r = await boxer(['run', '--allow-requested', requested]);
    expect(r.stdout).toBe('count 1\n');
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('boxer: the box requests:\n');
    expect(r.stderr).toContain('EXPOSE 53/udp    not granted: udp is not served: boxer publishes HTTP over tcp only\n');
    expect(r.stderr).toContain('EXPOSE 8080/tcp  granted: -p 127.0.0.1:8080:8080\n');
    expect(r.stderr).toContain('VOLUME /cache    granted: --mount type=tmpfs,target=/cache\n');
    expect(r.stderr).toContain('warning RUNTIME_PUBLISH_FAILED: the EXPOSEd ports are not served');

    // Without the flag nothing is granted: /cache is then the box's own (writable, discarded) layer,
    // and an explicit -p for a preview1 program is refused before it runs.
    const plain = await boxer(['run', requested]);
    expect(plain.stderr).toBe('');
    const explicit = await boxer(['run', '-p', '8080:8080', requested]);
    expect(explicit.exitCode).toBe(1);
    expect(explicit.stdout).toBe('');
    expect(explicit.stderr).toContain('error RUNTIME_PUBLISH_FAILED: cannot publish');
  });
});
