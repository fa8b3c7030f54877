// expandWord/expandWords against BuildKit's own expectations. Every expected value below is taken
// from a BuildKit (or its moby ancestor) test table; each block cites its source. `null` = the
// reference expects an error.
import { BoxerError } from '@boxer/diagnostics';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { expandWord, expandWords, expandWordWithMatches, REQUIRED_VARIABLE, BAD_SUBSTITUTION } from '../src/index.js';
import { patternToRegex } from '../src/shell/lex.js';

const map = (env: Record<string, string>) => (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined);

function run(word: string, env: Record<string, string>): string | null {
  try {
    return expandWord(word, map(env));
  } catch (e) {
    if (e instanceof BoxerError) return null;
    throw e;
  }
}

// The tables live in words.tsv (input, expected, env); see its header for their sources:
// moby envVarTest (the ancestor of BuildKit's shell/envVarTest) and BuildKit's TestProcessWithMatches.
const TABLE = readFileSync(fileURLToPath(new URL('./words.tsv', import.meta.url)), 'utf8')
  .split('\n')
  .filter((l) => l !== '' && !l.startsWith('#'))
  .map((l) => {
    const [input, expected, env] = l.split('\t') as [string, string, string];
    return [input, expected === '!error' ? null : expected, JSON.parse(env) as Record<string, string>] as const;
  });

describe('expandWord: reference tables (words.tsv)', () => {
  it('has the rows', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(150);
  });
  it.each(TABLE)('%s', (input, expected, env) => {
    expect(run(input, env)).toBe(expected);
  });
});

describe('expandWord: BuildKit TestProcessWithMatchesPlatform', () => {
  // Source: lex_test.go @ 12f04ef5, TestProcessWithMatchesPlatform.
  const release = 'something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz';
  it.each([
    [{ VERSION: 'v1.2.3', TARGETOS: 'linux', TARGETARCH: 'arm', TARGETVARIANT: 'v7' }, 'something-v1.2.3.linux-arm-v7.tar.gz'],
    [{ VERSION: 'v1.2.3', TARGETOS: 'linux', TARGETARCH: 'arm64', TARGETVARIANT: '' }, 'something-v1.2.3.linux-arm64.tar.gz'],
    [{ VERSION: 'v1.2.3', TARGETOS: 'linux', TARGETARCH: 'arm64' }, 'something-v1.2.3.linux-arm64.tar.gz'],
  ])('%j', (env, expected) => {
    expect(run(release, env)).toBe(expected);
  });
});

describe('expandWord: ${VAR?} and ${VAR:?} (BuildKit TestShellParserMandatoryEnvVars)', () => {
  // Source: lex_test.go @ 12f04ef5, TestShellParserMandatoryEnvVars: errors contain "message herex".
  const noEmpty = '${VAR:?message here$ARG}';
  const noUnset = '${VAR?message here$ARG}';
  const set = { VAR: 'plain', ARG: 'x' };
  const empty = { VAR: '', ARG: 'x' };
  const unset = { ARG: 'x' };
  function failure(word: string, env: Record<string, string>): BoxerError {
    try {
      expandWord(word, map(env));
    } catch (e) {
      if (e instanceof BoxerError) return e;
    }
    throw new Error('expected a BoxerError');
  }
  it('disallows empty with :?', () => {
    expect(run(noEmpty, set)).toBe('plain');
    expect(failure(noEmpty, empty).message).toContain('message herex');
    expect(failure(noEmpty, unset).message).toContain('message herex');
  });
  it('disallows only unset with ?', () => {
    expect(run(noUnset, set)).toBe('plain');
    expect(run(noUnset, empty)).toBe('');
    expect(failure(noUnset, unset).message).toContain('message herex');
  });
  it('reports DOCKERFILE_REQUIRED_VARIABLE with the location given', () => {
    const location = { file: 'Dockerfile', line: 3, column: 0, length: 5, lineText: 'ARG x' };
    try {
      expandWord('${X:?}', () => undefined, { location });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(BoxerError);
      expect((e as BoxerError).diagnostic.code).toBe(REQUIRED_VARIABLE);
      expect((e as BoxerError).diagnostic.location).toEqual(location);
    }
  });
  it('reports syntax errors as DOCKERFILE_BAD_SUBSTITUTION', () => {
    expect(() => expandWord('${}', () => undefined)).toThrow(BoxerError);
    try {
      expandWord('${}', () => undefined);
    } catch (e) {
      expect((e as BoxerError).diagnostic.code).toBe(BAD_SUBSTITUTION);
    }
  });
});

describe('pattern conversion (BuildKit TestConvertShellPatternToRegex)', () => {
  // Source: lex_test.go @ 12f04ef5. BuildKit compares Go regexp text (`^.*`); boxer writes `.` as
  // `[^\n]` (Go's `.` excludes only "\n", JS's excludes more), so the cases are checked by behaviour:
  // the Go regexps `^.*`, `^.`, `^\*` and the escaped-metacharacter one, and the three invalid patterns.
  it('converts wildcards and escapes', () => {
    expect(patternToRegex('*', true, true).exec('abc')?.[0]).toBe('abc');
    expect(patternToRegex('?', true, true).exec('abc')?.[0]).toBe('a');
    expect(patternToRegex(String.raw`\*`, true, true).exec('*x')?.[0]).toBe('*');
    expect(patternToRegex(String.raw`\*`, true, true).exec('x')).toBeNull();
    const meta = String.raw`(()[]{\}^$.\*\?|\\`;
    expect(patternToRegex(meta, true, true).exec('(()[]{}^$.*?|\\rest')?.[0]).toBe('(()[]{}^$.*?|\\');
  });
  it.each([String.raw`\ `.trim(), String.raw`\x`, String.raw`\\\ `.trim()])('rejects %s', (p) => {
    expect(() => patternToRegex(p, true, true)).toThrow();
  });
});

describe('expandWords (ProcessWords)', () => {
  // Source: the ProcessWords contract in lex.go @ 0cdb0e33 ("split up based on spaces - taking into
  // account quotes ... splitting is done after the env var substitutions"), and
  // frontend/dockerfile/parser/parser_heredoc_test.go TestHeredocsFromLine, whose lines BuildKit splits
  // with ProcessWords (RawQuotes, RawEscapes, SkipUnsetEnv): "RUN <<EOF <<EOF2" gives the words
  // RUN, <<EOF, <<EOF2; "RUN '<<EOF'" keeps '<<EOF' as one word.
  it('splits values of variables, never quoted text', () => {
    const env = map({ PORTS: '80/tcp 443/tcp' });
    expect(expandWords('$PORTS', env)).toEqual(['80/tcp', '443/tcp']);
    expect(expandWords('"$PORTS"', env)).toEqual(['80/tcp 443/tcp']);
  });
  it('splits heredoc lines like BuildKit heredocsFromLine', () => {
    const raw = { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true };
    expect(expandWords('RUN <<EOF <<EOF2', () => undefined, raw)).toEqual(['RUN', '<<EOF', '<<EOF2']);
    expect(expandWords("RUN '<<EOF'", () => undefined, raw)).toEqual(['RUN', "'<<EOF'"]);
    expect(expandWords('RUN "<<EOF"', () => undefined, raw)).toEqual(['RUN', '"<<EOF"']);
  });
});

describe('expandWordWithMatches: BuildKit TestProcessWithMatches matches/unmatched', () => {
  // Source: lex_test.go @ 12f04ef5, TestProcessWithMatches: every lookup counts, also inside ${a:-w}.
  it.each([
    ['x ${UNUSED}', { DUMMY: 'dummy' }, [], ['UNUSED']],
    ['x ${FOO}', { FOO: 'y' }, ['FOO'], []],
    ['${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}', { FOO: 'xxx', BAR: '' }, ['FOO', 'BAR'], ['BAZ']],
    ['${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}', { FOO: 'xxx', BAR: '' }, ['FOO', 'BAR'], ['BAZ']],
    ['${FOO:-}', {}, [], ['FOO']],
    ['${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}', { FOO: 'xxx', BAR: '' }, ['FOO', 'BAR'], ['BAZ']],
    ['${FOO#$BAR}', { FOO: 'xxyy', BAR: 'x' }, ['FOO', 'BAR'], []],
    ['${ABC:-.}${FOO%x}${ABC:-.}', { FOO: 'xxyy' }, ['FOO'], ['ABC']],
    ['${FOO/$NEEDLE/$REPLACEMENT}', { FOO: 'http://google.de', NEEDLE: 'http://', REPLACEMENT: 'https://' }, ['FOO', 'NEEDLE', 'REPLACEMENT'], []],
    ['${FOO///}', {}, [], ['FOO']],
  ] as [string, Record<string, string>, string[], string[]][])('%s', (word, env, matched, unmatched) => {
    const r = expandWordWithMatches(word, map(env));
    expect([...r.matched].sort()).toEqual([...matched].sort());
    expect([...r.unmatched].sort()).toEqual([...unmatched].sort());
  });
});
