// `boxer check` (issue 4, done-when 4): a Dockerfile with five known problems — rules, lines and
// messages from BuildKit's ruleset and lint tests, listed in fixtures/check/five-problems/expected.json —
// prints all five with file:line and code, exits non-zero, and gives the same as JSON.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boxer, FIXTURES } from './helpers.js';

const dir = join(FIXTURES, 'check/five-problems');
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { warnings: { rule: string; code: string; line: number; message: string }[] };

describe('boxer check', () => {
  it('prints all five problems with their lines and codes and exits 1', async () => {
    const r = await boxer(['check', dir]);
    expect(r.exitCode).toBe(1);
    const found = [...r.stdout.matchAll(/^(\S+):(\d+):\d+: warning (\w+): (.*)$/gm)].map((m) => ({ line: Number(m[2]), code: m[3], message: m[4] }));
    expect(found).toEqual(expected.warnings.map(({ line, code, message }) => ({ line, code, message })));
    expect(r.stdout).toContain('5 warnings, 0 errors');
  });

  it('--json prints the same problems as JSON, with BuildKit rule names', async () => {
    const r = await boxer(['check', '--json', dir]);
    expect(r.exitCode).toBe(1);
    const j = JSON.parse(r.stdout) as { warnings: { rule: string; code: string; location: { line: number } }[]; errors: unknown[] };
    expect(j.errors).toEqual([]);
    expect(j.warnings.map((w) => ({ rule: w.rule, code: w.code, line: w.location.line }))).toEqual(expected.warnings.map(({ rule, code, line }) => ({ rule, code, line })));
  });

  it('exits 0 on a clean Dockerfile, and the example is clean', async () => {
    const r = await boxer(['check', 'examples/hello']);
    expect(r.stdout).toContain('0 warnings, 0 errors');
    expect(r.exitCode).toBe(0);
  });
});
