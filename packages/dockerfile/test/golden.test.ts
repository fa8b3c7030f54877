// Golden walker: every fixtures/dockerfiles/<case>/Dockerfile goes through parse() + toStages() and
// its formatStages() dump must equal <case>/stages.txt. When <case>/ast.txt exists it is BuildKit's own
// expected parser output (a `result` file of its parser testfiles) and formatAst() must print it byte for
// byte. Lines starting with "#" in either file cite where the expected values come from and are not
// compared. Adding a case = adding a folder.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatAst, formatStages, parse, toStages } from '../src/index.js';

const ROOT = fileURLToPath(new URL('../../../fixtures/dockerfiles/', import.meta.url));
const cases = readdirSync(ROOT, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

const body = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .join('\n');

describe('golden Dockerfiles', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
  });

  it.each(cases)('%s', (name) => {
    const dir = join(ROOT, name);
    const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    const { ast, diagnostics } = parse(text, { file: `${name}/Dockerfile` });
    const result = toStages(ast);
    expect(formatStages(result, diagnostics)).toBe(body(join(dir, 'stages.txt')));
    const hasAst = existsSync(join(dir, 'ast.txt'));
    if (hasAst) expect(formatAst(ast)).toBe(body(join(dir, 'ast.txt')));
    // A golden case is a Dockerfile BuildKit builds (warnings at most), except a parser-only case from
    // BuildKit's parser testfiles (ast.txt): its stages.txt records the errors instructions.Parse gives.
    if (!hasAst) expect([...diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error')).toEqual([]);
  });
});
