// Coverage contract for diagnostic docs (conventions c.4, c.7): every code boxer can raise has
// docs/diagnostics/<CODE>.md whose first line is `# <CODE>`, the README lists it, and no page is left
// for a code that is gone. In: the source text of packages/*/src/**/*.ts (read, not imported, so the
// test needs no build). Out: failures that name the missing, misheaded or orphaned pages.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = join(ROOT, 'docs/diagnostics');

/** Stage prefixes in use; prefixes of codes passed to docsUrl() are added to these. */
const KNOWN_PREFIXES = ['DOCKERFILE_', 'BUILD_', 'IMAGE_', 'BOX_', 'RUNTIME_', 'CLI_'];
/** A diagnostic code: upper snake case with at least one `_` (errno names like ENOENT have none). */
const CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/;

interface Found {
  code: string;
  /** `file:line` of the declaration or literal. */
  where: string;
  kind: 'constant' | 'inline';
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function packageSources(): { file: string; lines: string[] }[] {
  const packages = join(ROOT, 'packages');
  const files: string[] = [];
  for (const pkg of readdirSync(packages, { withFileTypes: true })) {
    const src = join(packages, pkg.name, 'src');
    if (pkg.isDirectory() && existsSync(src)) files.push(...sourceFiles(src));
  }
  return files.sort().map((file) => ({
    file: relative(ROOT, file),
    // NOTE: whole-line comments are blanked (not removed) so line numbers stay right; a commented-out
    // `export const` or a `code: '…'` in a JSDoc example is not a code.
    lines: readFileSync(file, 'utf8').split('\n').map((l) => (/^\s*(?:\/\/|\/\*|\*)/.test(l) ? '' : l)),
  }));
}

/** Every diagnostic code declared or used as a literal in packages/*\/src. */
function scanCodes(): Found[] {
  const sources = packageSources();
  const constDecl = /^\s*(export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*(?::\s*string\s*)?=\s*(['"`])([^'"`]*)\3/;
  const inlineCode = /\bcode\s*:\s*(['"`])([^'"`$]*)\1/g;
  const docsUrlArg = /\bdocsUrl\(\s*(?:(['"`])([^'"`$]*)\1|([A-Za-z_$][\w$]*))\s*\)/g;

  // Pass 1: string constants by name (for docsUrl(NAME) resolution) and docsUrl arguments.
  const constants = new Map<string, { value: string; where: string; exported: boolean }[]>();
  const docsUrlNames: { name: string; where: string }[] = [];
  const found: Found[] = [];
  for (const { file, lines } of sources) {
    lines.forEach((line, i) => {
      const where = `${file}:${i + 1}`;
      const c = constDecl.exec(line);
      if (c && CODE.test(c[4]!)) {
        const list = constants.get(c[2]!) ?? [];
        list.push({ value: c[4]!, where, exported: Boolean(c[1]) });
        constants.set(c[2]!, list);
      }
      for (const m of line.matchAll(inlineCode)) if (CODE.test(m[2]!)) found.push({ code: m[2]!, where, kind: 'inline' });
      for (const m of line.matchAll(docsUrlArg)) {
        if (m[2] !== undefined && CODE.test(m[2])) found.push({ code: m[2], where, kind: 'inline' });
        // NOTE: a lower-case argument (`docsUrl(code)` in a shared helper) is a pass-through, not a code.
        else if (m[3] !== undefined && /^[A-Z][A-Z0-9_]*$/.test(m[3])) docsUrlNames.push({ name: m[3], where });
      }
    });
  }

  // Pass 2: prefixes = known ∪ prefixes of everything docsUrl() is called with; then every exported
  // constant whose value has one of them.
  const prefixes = new Set(KNOWN_PREFIXES);
  for (const { name, where } of docsUrlNames) {
    const decls = constants.get(name);
    if (!decls) throw new Error(`${where}: docsUrl(${name}) names no string constant in packages/*/src`);
    for (const d of decls) {
      prefixes.add(`${d.value.split('_')[0]}_`);
      found.push({ code: d.value, where: d.where, kind: 'constant' });
    }
  }
  for (const f of found) prefixes.add(`${f.code.split('_')[0]}_`);
  for (const decls of constants.values()) {
    for (const d of decls) {
      if (d.exported && [...prefixes].some((p) => d.value.startsWith(p))) found.push({ code: d.value, where: d.where, kind: 'constant' });
    }
  }
  return found;
}

const found = scanCodes();
const codes = [...new Set(found.map((f) => f.code))].sort();
const pages = existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md') && f !== 'README.md') : [];

describe('docs/diagnostics', () => {
  it('the scan finds the codes (a broken scanner must not pass vacuously)', () => {
    expect(codes).toContain('DOCKERFILE_UNKNOWN_INSTRUCTION');
    expect(codes).toContain('BUILD_COPY_SOURCE_NOT_FOUND');
    expect(codes).toContain('RUNTIME_COMMAND_NOT_FOUND');
    for (const prefix of KNOWN_PREFIXES) expect(codes.some((c) => c.startsWith(prefix)), `no ${prefix}* code found`).toBe(true);
  });

  it('every code has docs/diagnostics/<CODE>.md', () => {
    const missing = codes.filter((c) => !existsSync(join(DOCS, `${c}.md`)));
    const detail = missing.map((c) => `${c} (${found.find((f) => f.code === c)!.where})`);
    expect(detail, 'codes without a docs page').toEqual([]);
  });

  it('every page starts with `# <CODE>`', () => {
    const wrong = pages.flatMap((p) => {
      const first = readFileSync(join(DOCS, p), 'utf8').split('\n')[0]!.replace(/\r$/, '');
      const want = `# ${p.slice(0, -'.md'.length)}`;
      return first === want ? [] : [`${p}: first line is ${JSON.stringify(first)}, expected ${JSON.stringify(want)}`];
    });
    expect(wrong).toEqual([]);
  });

  it('every page has the sections What it means, Example and How to fix', () => {
    const wrong = pages.flatMap((p) => {
      const text = readFileSync(join(DOCS, p), 'utf8');
      const lacking = ['## What it means', '## Example', '## How to fix'].filter((h) => !text.includes(`\n${h}\n`));
      return lacking.length ? [`${p}: no ${lacking.join(', ')}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('no page is left for a code that no longer exists', () => {
    const known = new Set(codes);
    const orphans = pages.filter((p) => !known.has(p.slice(0, -'.md'.length)));
    expect(orphans, 'pages whose code is not raised anywhere in packages/*/src').toEqual([]);
  });

  it('docs/diagnostics/README.md links every code, and only existing ones', () => {
    const readme = readFileSync(join(DOCS, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(\.\/([A-Z0-9_]+)\.md\)/g)].map((m) => m[1]!);
    expect(codes.filter((c) => !linked.includes(c)), 'codes missing from README.md').toEqual([]);
    expect(linked.filter((c) => !codes.includes(c)), 'README.md links to codes that do not exist').toEqual([]);
  });
});
