// parse()/toStages() never throw on bad input: random bytes, a 1 MB line, unterminated heredocs,
// odd line endings and a fuzzed instruction soup all come back as results with diagnostics.
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '@boxer/diagnostics';
import { LINE_TOO_LONG, UNTERMINATED_HEREDOC, parse, toStages } from '../src/index.js';

function run(text: string): Diagnostic[] {
  const p = parse(text);
  const s = toStages(p.ast);
  const all = [...p.diagnostics, ...s.diagnostics];
  const lines = Math.max(1, p.ast.lines.length);
  for (const d of all) {
    expect(d.code).toMatch(/^DOCKERFILE_[A-Z_]+$/);
    expect(d.location).toBeDefined();
    expect(d.location!.line).toBeGreaterThanOrEqual(1);
    expect(d.location!.line).toBeLessThanOrEqual(lines);
    expect(d.location!.column).toBeGreaterThanOrEqual(0);
  }
  return all;
}

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('garbage input', () => {
  it('random bytes, decoded as UTF-8 and as latin1', () => {
    const r = rng(1);
    for (let i = 0; i < 200; i++) {
      const bytes = new Uint8Array(Math.floor(r() * 2000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(r() * 256);
      expect(() => run(new TextDecoder('utf-8').decode(bytes))).not.toThrow();
      expect(() => run(new TextDecoder('latin1').decode(bytes))).not.toThrow();
    }
  });

  it('a 1 MB line is reported, not thrown', () => {
    const ds = run(`FROM alpine\nLABEL test=${'a'.repeat(1024 * 1024)}\nRUN true\n`);
    expect(ds.map((d) => [d.code, d.location?.line])).toContainEqual([LINE_TOO_LONG, 2]);
  });

  it('rejects a line over 65535 bytes like BuildKit', () => {
    // parser_test.go TestParseReturnsScannerErrors: "\t\tLABEL test=" + 65536 x "a" ->
    // "dockerfile line greater than max allowed size of 65535".
    const ds = run(`\n\t\tFROM image\n\t\tLABEL test=${'a'.repeat(65536)}\n`);
    expect(ds.map((d) => d.code)).toContain(LINE_TOO_LONG);
  });

  it('an unterminated heredoc', () => {
    const ds = run('FROM alpine\nRUN <<EOF\nline\n'.repeat(3));
    expect(ds.map((d) => d.code)).toContain(UNTERMINATED_HEREDOC);
    expect(() => run('RUN <<')).not.toThrow();
    expect(() => run('COPY <<A <<B /x\nA\n')).not.toThrow();
    expect(() => run('ONBUILD RUN <<EOF\n')).not.toThrow();
  });

  it('odd characters and line endings', () => {
    for (const text of [
      '\0',
      '\r',
      '\r\r\r',
      'FROM a\rRUN b\r',
      '\\',
      '\\\n\\\n\\',
      '`',
      '# escape=`\n`',
      '\ufeff',
      '\ud800FROM x',
      'FROM x\nRUN \udfff',
      '\u2028FROM x\u2029',
      'FROM x\nENV ="',
      'FROM x\nARG "',
      "FROM x\nENV a='",
      'FROM x\nCOPY ["',
      'FROM x\nCMD [',
      'FROM x\nHEALTHCHECK --interval CMD',
      'FROM x\nONBUILD ONBUILD ONBUILD',
      'FROM x\nONBUILD',
      'FROM --platform',
      'FROM -- x',
      'FROM x\nRUN --mount="a,b',
      'FROM x\nCOPY --from=${ a b',
      '#'.repeat(10000),
      'FROM x\n' + 'RUN a \\\n'.repeat(5000) + 'b',
      'FROM x\n' + '\n'.repeat(10000),
    ]) {
      expect(() => run(text), JSON.stringify(text.slice(0, 40))).not.toThrow();
    }
  });

  it('a fuzzed soup of Dockerfile tokens', () => {
    const tokens = [
      'FROM', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'ONBUILD', 'HEALTHCHECK', 'CMD', 'SHELL', 'EXPOSE', 'VOLUME',
      'USER', 'WORKDIR', 'STOPSIGNAL', 'MAINTAINER', 'ENTRYPOINT', 'AS', 'NONE', '--from=x', '--link', '--mount=type=cache',
      '--interval=', '--', '<<EOF', '<<-EOF', "<<'EOF'", 'EOF', '\tEOF', '${', '}', '$', '${a:-b}', '${a/b/c}', '"', "'",
      '\\', '`', '[', ']', '["a"]', '[1]', '=', 'a=b', 'a', ' ', '  ', '\t', '\n', '\r\n', '#', '# escape=`', '# syntax=x',
    ];
    const r = rng(42);
    for (let i = 0; i < 1500; i++) {
      let text = '';
      const n = Math.floor(r() * 60);
      for (let j = 0; j < n; j++) text += tokens[Math.floor(r() * tokens.length)] + (r() < 0.5 ? ' ' : '');
      expect(() => run(text), JSON.stringify(text)).not.toThrow();
    }
  });
});
