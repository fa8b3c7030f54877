// Property tests (fast-check): on any input the whole front end, parse() -> toStages() ->
// expandInstruction() on every instruction (with a variable lookup) -> check(), returns a result or
// diagnostics and never throws anything but BoxerError (an expansion failure). Inputs: random text,
// binary garbage, Dockerfile-shaped soup, and the hard cases named by issue 4: a 10 MB single line,
// unterminated heredocs, 10,000 nested continuations and deeply nested ${...}. Bounded by numRuns (and a
// generous per-test timeout), never by timing assertions.
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { check, expandInstruction, parse, toStages, type Instruction, type Lookup } from '../src/index.js';

const TIMEOUT = 120_000;

/** Runs the front end; returns every diagnostic it produced (thrown BoxerErrors included). */
function frontEnd(text: string, lookup: Lookup): Diagnostic[] {
  const p = parse(text);
  const s = toStages(p.ast);
  const out: Diagnostic[] = [...p.diagnostics, ...s.diagnostics];
  const instructions: Instruction[] = [...s.globalArgs, ...s.stages.flatMap((st) => [st.from, ...st.instructions])];
  for (const instr of instructions) {
    for (const i of instr.kind === 'onbuild' && instr.instruction ? [instr, instr.instruction] : [instr]) {
      try {
        expandInstruction(i, lookup, { escapeToken: s.escapeToken });
      } catch (e) {
        if (!(e instanceof BoxerError)) throw e;
        out.push(...e.diagnostics);
      }
    }
  }
  const c = check(p.ast);
  out.push(...c.warnings, ...c.errors);
  for (const d of out) {
    expect(d.code).toMatch(/^DOCKERFILE_[A-Z_]+$/);
    expect(typeof d.message).toBe('string');
  }
  return out;
}

/** A lookup over a random map; values may mention variables (even themselves). */
const lookupArb: fc.Arbitrary<Lookup> = fc
  .dictionary(fc.constantFrom('A', 'B', 'PATH', 'HOME', 'X', 'TARGETOS', '1', '@'), fc.oneof(fc.string(), fc.constantFrom('$A', '${B}', '${A:-$B}', '$PATH:/x', '')))
  .map((env) => (name: string) => (Object.hasOwn(env, name) ? env[name] : undefined));

const TOKENS = [
  'FROM', 'from', 'RUN', 'COPY', 'ADD', 'ENV', 'ARG', 'LABEL', 'ONBUILD', 'HEALTHCHECK', 'CMD', 'SHELL', 'EXPOSE', 'VOLUME',
  'USER', 'WORKDIR', 'STOPSIGNAL', 'MAINTAINER', 'ENTRYPOINT', 'AS', 'as', 'NONE', 'scratch', 'alpine', '--from=x', '--link',
  '--mount=type=cache,target=/c', '--mount=from=$X', '--chmod=755', '--platform=$BUILDPLATFORM', '--interval=5s', '--',
  '<<EOF', '<<-EOF', "<<'EOF'", '3<<X', 'EOF', '\tEOF', 'X', '${', '}', '$', '${a:-b}', '${a:?m}', '${a/b/c}', '${a#*}',
  '${a:#x}', '$a', '"', "'", '\\', '`', '[', ']', '["a"]', '[1]', '=', 'a=b', 'k="v w"', 'a', ' ', '  ', '\t', '\n', '\n',
  '\r\n', '\\\n', '`\n', '#', '# escape=`', '# syntax=x', '# check=skip=all', '# check=error=true', '# check=bad', '\ufeff',
];

const soupArb = fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join(' '));
/** Lines of `KEYWORD args`, closer to real files so later stages get exercised. */
const linesArb = fc
  .array(fc.tuple(fc.constantFrom(...TOKENS.slice(0, 19)), fc.array(fc.constantFrom(...TOKENS.slice(19)), { maxLength: 8 })), { maxLength: 30 })
  .map((lines) => lines.map(([k, args]) => `${k} ${args.join('')}`).join('\n'));

describe('the front end never throws on bad input', () => {
  it(
    'random unicode text',
    () => {
      fc.assert(
        fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), lookupArb, (text, lookup) => {
          frontEnd(text, lookup);
        }),
        { numRuns: 300 },
      );
    },
    TIMEOUT,
  );

  it(
    'binary garbage (as UTF-8 and as latin1)',
    () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 2000 }), lookupArb, (bytes, lookup) => {
          frontEnd(new TextDecoder('utf-8').decode(bytes), lookup);
          frontEnd(new TextDecoder('latin1').decode(bytes), lookup);
        }),
        { numRuns: 200 },
      );
    },
    TIMEOUT,
  );

  it(
    'Dockerfile-shaped soup',
    () => {
      fc.assert(
        fc.property(fc.oneof(soupArb, linesArb), lookupArb, (text, lookup) => {
          frontEnd(`FROM alpine\n${text}`, lookup);
          frontEnd(text, lookup);
        }),
        { numRuns: 600 },
      );
    },
    TIMEOUT,
  );

  it(
    'unterminated heredocs',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom('RUN', 'COPY', 'ADD', 'ONBUILD RUN', 'ONBUILD COPY', 'run'),
          fc.constantFrom('<<EOF', '<<-EOF', "<<'EOF'", '<<"EOF"', '<<EOF <<EOF2', '3<<EOF', "<<'EOF", '<<EOF"'),
          fc.array(fc.constantFrom('line', '\tEOF ', 'EOF2', 'EO', '', '$A', '${', '\\'), { maxLength: 6 }),
          lookupArb,
          (kw, word, body, lookup) => {
            const ds = frontEnd(`FROM alpine\n${kw} ${word} /dst\n${body.join('\n')}`, lookup);
            expect(Array.isArray(ds)).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    },
    TIMEOUT,
  );

  it(
    'deeply nested ${...}',
    () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3000 }), fc.constantFrom('${a:-', '${a:+', '${a-', '${a#', '${a/x/', '${', '"${a:-'), lookupArb, (depth, open, lookup) => {
          const word = open.repeat(depth) + 'x' + '}'.repeat(depth);
          frontEnd(`FROM alpine\nENV V=${word}\nCOPY ${word} /d\nLABEL l="${word}"`, lookup);
        }),
        { numRuns: 40 },
      );
    },
    TIMEOUT,
  );

  it(
    'a 10 MB single line',
    () => {
      const big = 'a'.repeat(10 * 1024 * 1024);
      const ds = frontEnd(`FROM alpine\nLABEL k=${big}\nENV V=$A${big}\nRUN ${big}`, () => 'v');
      expect(ds.map((d) => d.code)).toContain('DOCKERFILE_LINE_TOO_LONG');
    },
    TIMEOUT,
  );

  it(
    '10,000 nested continuations',
    () => {
      for (const esc of ['\\', '`']) {
        const directive = esc === '`' ? '# escape=`\n' : '';
        const text = `${directive}FROM alpine\nRUN echo ${`a ${esc}\n`.repeat(10_000)}b\nENV ${`K${esc}\n`.repeat(10_000)}=v\n`;
        const ds = frontEnd(text, () => undefined);
        expect(ds.filter((d) => d.severity === 'error')).toEqual([]);
      }
      // A file that ends inside a continuation, and continuation lines that are all comments or blank.
      frontEnd(`FROM alpine\nRUN x ${'\\\n# c\n\n'.repeat(10_000)}`, () => undefined);
    },
    TIMEOUT,
  );
});
