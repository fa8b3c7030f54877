// Golden walker: every fixtures/dockerfiles/<case>/Dockerfile goes through parse() + toStages() and
// its formatStages() dump must equal <case>/stages.txt. Lines starting with "#" in stages.txt cite
// where the expected values come from and are not compared. Adding a case = adding a folder.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatStages, parse, toStages } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../fixtures/dockerfiles/', import.meta.url));
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('golden Dockerfiles', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases)('%s', (name) => {
    const text = readFileSync(join(ROOT, name, 'Dockerfile'), 'utf8');
    const expected = readFileSync(join(ROOT, name, 'stages.txt'), 'utf8')
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .join('\n');
    const { ast, diagnostics } = parse(text, { file: `${name}/Dockerfile` });
    const result = toStages(ast);
    expect(formatStages(result, diagnostics)).toBe(expected);
    // A golden case is a Dockerfile BuildKit accepts: warnings at most.
    expect([...diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error')).toEqual([]);
  });
});
