// Env grants and the audit stream: which host variables a run gets (decideEnv, pure), that only the
// env adapter reads the host's environment (DESIGN §0.8), and what runBox hands its audit sink.
// Runs the built package (the worker is dist/node/worker.js): `npx tsc -b` first.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { decideEnv, runBox, type AuditRecord } from '@boxer/runtime';
import { fixture, makeBox } from './box-helpers.js';

const host = { HOME: '/root', LANG: 'C.UTF-8', TOKEN: 's3cret', PATH: '/usr/bin' };

describe('decideEnv', () => {
  it('passes nothing and records nothing without grants', () => {
    expect(decideEnv({}, host)).toEqual({ env: {}, events: [] });
  });

  it('passes the listed names the host has, one allow record each', () => {
    const r = decideEnv({ env: ['LANG', 'HOME', 'MISSING'] }, host);
    expect(r.env).toEqual({ HOME: '/root', LANG: 'C.UTF-8' });
    expect(r.events).toEqual([
      { op: 'env.read', resource: 'HOME', decision: 'allow', grant: '--allow-env=HOME' },
      { op: 'env.read', resource: 'LANG', decision: 'allow', grant: '--allow-env=LANG' },
    ]);
  });

  it('passes every host variable for env: true', () => {
    const r = decideEnv({ env: true }, host);
    expect(r.env).toEqual(host);
    expect(r.events.map((e) => [e.resource, e.grant])).toEqual([['HOME', '--allow-env'], ['LANG', '--allow-env'], ['PATH', '--allow-env'], ['TOKEN', '--allow-env']]);
  });

  it('lets denyEnv win over env, with a deny record per match', () => {
    for (const env of [true, ['HOME', 'TOKEN']] as const) {
      const r = decideEnv({ env, denyEnv: ['TOKEN', 'ABSENT'] }, host);
      expect(r.env.TOKEN).toBeUndefined();
      expect(r.env.HOME).toBe('/root');
      expect(r.events.filter((e) => e.decision === 'deny')).toEqual([{ op: 'env.read', resource: 'TOKEN', decision: 'deny', grant: '--deny-env=TOKEN' }]);
    }
    // A deny with no allow still records the host variable it withheld.
    expect(decideEnv({ denyEnv: ['TOKEN'] }, host)).toEqual({ env: {}, events: [{ op: 'env.read', resource: 'TOKEN', decision: 'deny', grant: '--deny-env=TOKEN' }] });
  });
});

describe('the host environment', () => {
  it('is read by env-adapter.ts and nowhere else in the runtime', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const readers: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.ts$/.test(e.name) && /process\s*\.\s*env|process\[/.test(readFileSync(p, 'utf8'))) readers.push(relative(src, p));
      }
    };
    walk(src);
    expect(readers).toEqual(['node/env-adapter.ts']);
  });
});

describe('runBox grants and audit', () => {
  const box = makeBox(fixture('escape'));
  const digest = `sha256:${createHash('sha256').update(box).digest('hex')}`;
  const set = (vars: Record<string, string>): void => void Object.assign(process.env, vars);
  afterEach(() => {
    delete process.env.BOXER_T_GRANTED;
    delete process.env.BOXER_T_OTHER;
    delete process.env.BOXER_T_DENIED;
  });
  const envLines = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('env ')).sort();

  it('passes exactly the granted variables, -e over host over image, and audits each decision', async () => {
    set({ BOXER_T_GRANTED: 'yes', BOXER_T_OTHER: 'no', BOXER_T_DENIED: 'no' });
    let out = '';
    const records: AuditRecord[] = [];
    const r = await runBox(box, {
      grants: { env: ['BOXER_T_GRANTED', 'PATH', 'BOXER_T_DENIED'], denyEnv: ['BOXER_T_DENIED'] },
      env: { PATH: '/from-e' },
      stdout: (b) => void (out += Buffer.from(b).toString()),
      audit: (rec) => void records.push(rec),
    });
    expect(r.exitCode).toBe(0);
    expect(envLines(out)).toEqual(['env BOXER_T_GRANTED=yes', 'env PATH=/from-e']);
    for (const rec of records) {
      expect(rec.box).toBe(digest);
      expect(Number.isNaN(Date.parse(rec.time))).toBe(false);
    }
    const hostPath = process.env.PATH !== undefined;
    expect(records.map(({ op, resource, decision, grant }) => ({ op, resource, decision, grant }))).toEqual([
      { op: 'env.read', resource: 'BOXER_T_DENIED', decision: 'deny', grant: '--deny-env=BOXER_T_DENIED' },
      { op: 'env.read', resource: 'BOXER_T_GRANTED', decision: 'allow', grant: '--allow-env=BOXER_T_GRANTED' },
      ...(hostPath ? [{ op: 'env.read', resource: 'PATH', decision: 'allow', grant: '--allow-env=PATH' }] : []),
      { op: 'exec', resource: '/prog.wasm', decision: 'allow', grant: 'box' },
    ]);
  });

  it('a granted host variable overrides the image Env', async () => {
    set({ BOXER_T_GRANTED: 'x' });
    const saved = process.env.PATH;
    process.env.PATH = '/host/bin';
    let out = '';
    try {
      await runBox(box, { grants: { env: ['PATH'] }, stdout: (b) => void (out += Buffer.from(b).toString()) });
    } finally {
      if (saved === undefined) delete process.env.PATH;
      else process.env.PATH = saved;
    }
    expect(envLines(out)).toEqual(['env PATH=/host/bin']);
  });

  it('records only the exec without grants, and passes no host variable', async () => {
    set({ BOXER_T_OTHER: 'no' });
    let out = '';
    const records: AuditRecord[] = [];
    await runBox(box, { stdout: (b) => void (out += Buffer.from(b).toString()), audit: (rec) => void records.push(rec) });
    expect(envLines(out)).toEqual(['env PATH=/']);
    expect(records.map((x) => x.op)).toEqual(['exec']);
  });

  it('refuses names that cannot be variables with RangeError', async () => {
    await expect(runBox(box, { grants: { env: ['A=B'] } })).rejects.toThrow(RangeError);
    await expect(runBox(box, { grants: { denyEnv: [''] } })).rejects.toThrow(RangeError);
  });
});
