// `boxer run --allow-env[=A,B]`, `--deny-env` and `--audit FILE|-`, driven through the CLI. The escape
// fixture prints every environ entry as `env K=V`, so the guest's whole environment is visible; the
// box is built as in escape.test.ts (FROM scratch, the image's Env adds LANG and IMG).
import { createHash } from 'node:crypto';
import { mkdirSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxer, FIXTURES, tempDir } from './helpers.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const HOST = { HOME: '/home/op', LANG: 'en_US.UTF-8', SECRET_TOKEN: 'hunter2', OTHER: 'o' };
const tmp = tempDir();
let box: string;
let digest: string;

const envOf = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('env ')).map((l) => l.slice(4)).sort();
const jsonl = (text: string): Record<string, unknown>[] => text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const strip = (records: Record<string, unknown>[]): Record<string, unknown>[] => records.map(({ op, resource, decision, grant }) => ({ op, resource, decision, grant }));

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  mkdirSync(join(ctx, 'bin'), { recursive: true });
  copyFileSync(join(FIXTURES, 'wasm/escape.wasm'), join(ctx, 'bin/escape'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY bin/ /bin/\nENV LANG=C IMG=1\nENTRYPOINT ["/bin/escape"]\n');
  box = join(tmp.path, 'env.wasm');
  const b = await boxer(['build', ctx, '-o', box]);
  expect(b.exitCode).toBe(0);
  digest = `sha256:${createHash('sha256').update(readFileSync(box)).digest('hex')}`;
});
afterAll(() => tmp.cleanup());

describe('--allow-env', () => {
  it('passes exactly the listed variables; the image Env stays and a granted one overrides it', async () => {
    const r = await boxer(['run', '--allow-env=HOME,LANG,NOT_SET', box], { env: HOST });
    expect(r.exitCode).toBe(0);
    expect(envOf(r.stdout)).toEqual([`HOME=/home/op`, 'IMG=1', 'LANG=en_US.UTF-8', `PATH=${DEFAULT_PATH}`]);
  });

  it('without a list passes every host variable (after the image Env), and -e wins over both', async () => {
    const r = await boxer(['run', '--allow-env', '-e', 'LANG=fr', box], { env: HOST });
    expect(r.exitCode).toBe(0);
    expect(envOf(r.stdout)).toEqual(['HOME=/home/op', 'IMG=1', 'LANG=fr', 'OTHER=o', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, 'SECRET_TOKEN=hunter2']);
  });

  it('does not take the box as the list of a bare flag, nor a guest argument for the flag', async () => {
    const r = await boxer(['run', '--allow-env', box, '--allow-env'], { env: HOST });
    expect(r.exitCode).toBe(0);
    expect(envOf(r.stdout)).toContain('HOME=/home/op');
  });

  it('loses to --deny-env, bare or listed', async () => {
    for (const allow of ['--allow-env', '--allow-env=HOME,SECRET_TOKEN']) {
      const r = await boxer(['run', allow, '--deny-env', 'SECRET_TOKEN,OTHER', box], { env: HOST });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).not.toContain('hunter2');
      expect(r.stdout).not.toContain('OTHER');
      expect(envOf(r.stdout)).toContain('HOME=/home/op');
    }
  });

  it('refuses a value that is not a list of names, before running', async () => {
    const r = await boxer(['run', '--allow-env=HOME=/x', box], { env: HOST });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('CLI_BAD_VALUE');
    expect(r.stdout).toBe('');
  });
});

describe('--audit', () => {
  it('- writes one JSON line per decision to stderr', async () => {
    const r = await boxer(['run', '--allow-env=HOME,LANG', '--deny-env=SECRET_TOKEN', '--audit', '-', box], { env: HOST });
    expect(r.exitCode).toBe(0);
    const records = jsonl(r.stderr);
    // Nothing on stderr but the records (the guest writes nothing there).
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(records.length);
    for (const rec of records) {
      expect(Object.keys(rec).sort()).toEqual(['box', 'decision', 'grant', 'op', 'resource', 'time']);
      expect(rec.box).toBe(digest);
      expect(new Date(rec.time as string).toISOString()).toBe(rec.time);
    }
    expect(strip(records)).toEqual([
      { op: 'env.read', resource: 'HOME', decision: 'allow', grant: '--allow-env=HOME' },
      { op: 'env.read', resource: 'LANG', decision: 'allow', grant: '--allow-env=LANG' },
      { op: 'env.read', resource: 'SECRET_TOKEN', decision: 'deny', grant: '--deny-env=SECRET_TOKEN' },
      { op: 'exec', resource: '/bin/escape', decision: 'allow', grant: 'box' },
    ]);
  });

  it('FILE receives the records (truncated first) and stderr none', async () => {
    const file = join(tmp.path, 'audit.jsonl');
    writeFileSync(file, 'stale\n');
    const r = await boxer(['run', '--allow-env', '--deny-env=SECRET_TOKEN', '--audit', file, box], { env: HOST });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.every((x) => x.box === digest)).toBe(true);
    expect(strip(records)).toEqual([
      ...['HOME', 'LANG', 'OTHER', 'PATH'].map((n) => ({ op: 'env.read', resource: n, decision: 'allow', grant: '--allow-env' })),
      { op: 'env.read', resource: 'SECRET_TOKEN', decision: 'deny', grant: '--deny-env=SECRET_TOKEN' },
      { op: 'exec', resource: '/bin/escape', decision: 'allow', grant: 'box' },
    ]);
  });

  it('without grants records only the exec', async () => {
    const r = await boxer(['run', '--audit', '-', box], { env: HOST });
    expect(r.exitCode).toBe(0);
    expect(strip(jsonl(r.stderr))).toEqual([{ op: 'exec', resource: '/bin/escape', decision: 'allow', grant: 'box' }]);
    expect(envOf(r.stdout)).toEqual(['IMG=1', 'LANG=C', `PATH=${DEFAULT_PATH}`]);
  });

  it('refuses an unwritable FILE with CLI_AUDIT_UNWRITABLE before running', async () => {
    const r = await boxer(['run', '--audit', join(tmp.path, 'no/such/dir/a.jsonl'), box]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('CLI_AUDIT_UNWRITABLE');
    expect(r.stdout).toBe('');
  });
});
