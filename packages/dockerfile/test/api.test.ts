// The public shape: INSTRUCTIONS table, locations, directive exposure, did-you-mean hints, stages.
import { describe, expect, it } from 'vitest';
import {
  DIAGNOSTIC_CODES,
  INSTRUCTIONS,
  UNKNOWN_FLAG,
  UNKNOWN_INSTRUCTION,
  parse,
  parseCheckDirective,
  checkDirectiveError,
  toStages,
} from '../src/index.js';

describe('INSTRUCTIONS', () => {
  it('lists the 18 Dockerfile instructions of BuildKit command/command.go', () => {
    // docs.docker.com/reference/dockerfile/#overview lists the same 18 instructions.
    expect([...INSTRUCTIONS].sort()).toEqual(
      ['add', 'arg', 'cmd', 'copy', 'entrypoint', 'env', 'expose', 'from', 'healthcheck', 'label', 'maintainer', 'onbuild', 'run', 'shell', 'stopsignal', 'user', 'volume', 'workdir'].sort(),
    );
  });
  it('every keyword parses to an instruction of that kind', () => {
    const lines: Record<string, string> = {
      add: 'ADD a b', arg: 'ARG a', cmd: 'CMD a', copy: 'COPY a b', entrypoint: 'ENTRYPOINT a', env: 'ENV a=b',
      expose: 'EXPOSE 80', from: 'FROM a', healthcheck: 'HEALTHCHECK NONE', label: 'LABEL a=b', maintainer: 'MAINTAINER a',
      onbuild: 'ONBUILD RUN a', run: 'RUN a', shell: 'SHELL ["a"]', stopsignal: 'STOPSIGNAL 9', user: 'USER a',
      volume: 'VOLUME /a', workdir: 'WORKDIR /a',
    };
    for (const kind of INSTRUCTIONS) {
      const { ast } = parse(`FROM scratch\n${lines[kind]}\n`);
      const r = toStages(ast);
      const got = kind === 'from' ? r.stages[1]?.from : r.stages[0]?.instructions[0];
      expect(got?.kind, kind).toBe(kind);
    }
  });
});

describe('locations', () => {
  it('points at the keyword of the instruction line, 1-based line, 0-based column', () => {
    const { ast } = parse('FROM alpine\n  RUN echo a \\\n    b\n', { file: 'app/Dockerfile' });
    const run = toStages(ast).stages[0]!.instructions[0]!;
    expect(run.location).toEqual({ file: 'app/Dockerfile', line: 2, column: 2, length: 12, lineText: '  RUN echo a \\' });
    expect(run.endLine).toBe(3);
  });

  it('gives flags their own locations', () => {
    const { ast } = parse('FROM a\nCOPY --chown=1:1 \\\n  --from=b x y\n');
    const copy = toStages(ast).stages[0]!.instructions[0]!;
    expect(copy.flagLocations?.['chown']).toMatchObject({ line: 2, column: 5, length: 11 });
    expect(copy.flagLocations?.['from']).toMatchObject({ line: 3, column: 2, length: 8 });
  });

  it('an unknown instruction gets a hint in the case it was written', () => {
    // util/suggest: Levenshtein distance < 3, matched to the case of the input.
    const { ast } = parse('FROM a\nCOPPY a b\ncopp a b\nFROBNICATE x\n');
    const ds = toStages(ast).diagnostics;
    expect(ds.map((d) => [d.code, d.message, d.hint, d.location?.line, d.location?.column, d.location?.length])).toEqual([
      [UNKNOWN_INSTRUCTION, 'unknown instruction "COPPY"', 'did you mean COPY?', 2, 0, 5],
      [UNKNOWN_INSTRUCTION, 'unknown instruction "copp"', 'did you mean copy?', 3, 0, 4],
      [UNKNOWN_INSTRUCTION, 'unknown instruction "FROBNICATE"', undefined, 4, 0, 10],
    ]);
  });

  it('an unknown flag is named, located and gets a hint', () => {
    const { ast } = parse('FROM a\nCOPY --form=b x y\n');
    const [d] = toStages(ast).diagnostics;
    expect(d).toMatchObject({ code: UNKNOWN_FLAG, message: 'unknown flag "--form" on COPY', hint: 'did you mean --from?', location: { line: 2, column: 5 } });
  });
});

describe('directives', () => {
  it('exposes syntax, escape and check', () => {
    const { ast } = parse('# syntax=docker/dockerfile:1.7\n# escape=`\n# check=skip=StageNameCasing,FromAsCasing;error=true\nFROM a\n');
    expect(ast.escapeToken).toBe('`');
    expect(ast.directives).toMatchObject({
      syntax: 'docker/dockerfile:1.7',
      escape: '`',
      check: 'skip=StageNameCasing,FromAsCasing;error=true',
      checkOptions: { skip: ['StageNameCasing', 'FromAsCasing'], error: true },
    });
    expect(ast.directives.list.map((d) => [d.name, d.location.line])).toEqual([
      ['syntax', 1],
      ['escape', 2],
      ['check', 3],
    ]);
  });
  it('parses check=skip=all', () => {
    // docs.docker.com/reference/build-checks/: `# check=skip=all` skips every check.
    expect(parseCheckDirective('skip=all')).toEqual({ skip: 'all', error: false, experimental: [] });
    expect(parseCheckDirective('error=true')).toEqual({ skip: [], error: true, experimental: [] });
  });
  it('parses check options like linter.ParseLintOptions', () => {
    // moby/buildkit frontend/dockerfile/linter/linter.go ParseLintOptions: skip/experimental lists are
    // trimmed, "all" is special, error is strconv.ParseBool, at most three ";" parts (SplitN(s, ";", 3)).
    expect(parseCheckDirective(' skip = A , B ; experimental=all ')).toEqual({ skip: ['A', 'B'], error: false, experimental: 'all' });
    expect(parseCheckDirective('experimental=CopyIgnoredFile;error=1')).toEqual({ skip: [], error: true, experimental: ['CopyIgnoredFile'] });
    expect(parseCheckDirective('')).toEqual({ skip: [], error: false, experimental: [] });
    expect(checkDirectiveError('skip')).toBe('invalid check option "skip"');
    expect(checkDirectiveError('foo=bar')).toBe('invalid check option "foo"');
    expect(checkDirectiveError('error=maybe')).toMatch(/^failed to parse check option "error=maybe"/);
    // The fourth part stays glued to the third: "error=true;x=y" is not a boolean.
    expect(checkDirectiveError('skip=A;skip=B;error=true;x=y')).toMatch(/^failed to parse check option/);
    expect(parseCheckDirective('skip=A;skip=B;error=true;x=y')).toBeUndefined();
  });
  it('reports a malformed check directive like BuildKit (the build fails)', () => {
    const { diagnostics } = parse('# check=skip\nFROM scratch\n');
    expect(diagnostics.map((d) => [d.code, d.location?.line])).toEqual([['DOCKERFILE_INVALID_CHECK_DIRECTIVE', 1]]);
  });
});

describe('stages', () => {
  it('groups instructions under their FROM and keeps global ARGs apart', () => {
    const { ast } = parse('ARG V=1\nFROM a:$V AS one\nRUN x\nFROM one\nCOPY --from=one /a /b\n');
    const r = toStages(ast);
    expect(r.globalArgs.map((a) => a.pairs)).toEqual([[{ name: 'V', default: '1' }]]);
    expect(r.stages.map((s) => [s.index, s.name, s.from.image, s.instructions.map((i) => i.kind)])).toEqual([
      [0, 'one', 'a:$V', ['run']],
      [1, undefined, 'one', ['copy']],
    ]);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('diagnostic codes', () => {
  it('are unique and prefixed', () => {
    expect(new Set(DIAGNOSTIC_CODES).size).toBe(DIAGNOSTIC_CODES.length);
    for (const c of DIAGNOSTIC_CODES) expect(c).toMatch(/^DOCKERFILE_[A-Z_]+$/);
  });
});
