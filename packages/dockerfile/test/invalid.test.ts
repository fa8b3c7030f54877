// Negative cases: every fixtures/dockerfiles-invalid/<case>/Dockerfile must produce exactly the
// diagnostics (code + line) listed in <case>/case.json, whose "source" names the BuildKit error the
// case reproduces. Errors and warnings both count; order does not.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, parse, toStages } from '../src/index.js';

interface Case {
  description: string;
  source: string;
  diagnostics: { code: string; line: number }[];
}

const ROOT = fileURLToPath(new URL('../../../fixtures/dockerfiles-invalid/', import.meta.url));
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const key = (d: { code: string; line: number }) => `${d.code}@${d.line}`;

describe('invalid Dockerfiles', () => {
  it.each(cases)('%s', (name) => {
    const spec = JSON.parse(readFileSync(join(ROOT, name, 'case.json'), 'utf8')) as Case;
    const text = readFileSync(join(ROOT, name, 'Dockerfile'), 'utf8');
    const { ast, diagnostics } = parse(text, { file: `${name}/Dockerfile` });
    const result = toStages(ast);
    const all = [...diagnostics, ...result.diagnostics];
    const got = all.map((d) => key({ code: d.code, line: d.location?.line ?? 0 })).sort();
    expect(got, spec.description).toEqual(spec.diagnostics.map(key).sort());
    for (const d of all) {
      expect(DIAGNOSTIC_CODES).toContain(d.code);
      expect(d.url).toBe(`docs/diagnostics/${d.code}.md`);
      expect(d.message.length).toBeGreaterThan(0);
      expect(d.location?.file).toBe(`${name}/Dockerfile`);
    }
  });
});
