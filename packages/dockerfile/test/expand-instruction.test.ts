// expandInstruction: which parts of which instruction BuildKit expands. Expected values come from the
// examples in docs.docker.com/reference/dockerfile/ (cited per test) and from BuildKit's
// instructions/commands.go Expand/ExpandRaw methods and dockerfile2llb dispatchExpose (ProcessWords).
import { BoxerError } from '@boxer/diagnostics';
import { describe, expect, it } from 'vitest';
import { EMPTY_BASE_NAME, expandInstruction, parse, REQUIRED_VARIABLE, toStages, type Instruction } from '../src/index.js';

const env = (vars: Record<string, string>) => (name: string) => (Object.hasOwn(vars, name) ? vars[name] : undefined);

function instructions(text: string): { list: Instruction[]; escapeToken: string } {
  const { ast } = parse(text);
  const r = toStages(ast);
  return { list: [...r.globalArgs, ...r.stages.flatMap((s) => [s.from, ...s.instructions])], escapeToken: r.escapeToken };
}

function one(text: string, kind: Instruction['kind']): Instruction {
  const found = instructions(`FROM scratch\n${text}\n`).list.find((i) => i.kind === kind);
  if (!found) throw new Error(`no ${kind} in ${text}`);
  return found;
}

describe('expandInstruction', () => {
  it('follows the "Environment replacement" example', () => {
    // docs #environment-replacement: ENV FOO=/bar; WORKDIR ${FOO} -> /bar; ADD . $FOO -> /bar;
    // COPY \$FOO /quux -> COPY $FOO /quux.
    const vars = env({ FOO: '/bar' });
    expect(expandInstruction(one('WORKDIR ${FOO}', 'workdir'), vars)).toMatchObject({ path: '/bar' });
    expect(expandInstruction(one('ADD . $FOO', 'add'), vars)).toMatchObject({ sources: ['.'], dest: '/bar' });
    expect(expandInstruction(one('COPY \\$FOO /quux', 'copy'), vars)).toMatchObject({ sources: ['$FOO'], dest: '/quux' });
  });

  it('removes quotes and escapes from ENV values', () => {
    // docs #env: MY_NAME="John Doe", MY_DOG=Rex\ The\ Dog.
    const e = expandInstruction(one('ENV MY_NAME="John Doe" MY_DOG=Rex\\ The\\ Dog MY_CAT=fluffy', 'env'), env({}));
    expect(e).toMatchObject({ pairs: [{ key: 'MY_NAME', value: 'John Doe' }, { key: 'MY_DOG', value: 'Rex The Dog' }, { key: 'MY_CAT', value: 'fluffy' }] });
  });

  it('expands ENV values with the state before the instruction', () => {
    // docs #environment-replacement: "ENV abc=hello / ENV abc=bye def=$abc": def is hello, not bye.
    const e = expandInstruction(one('ENV abc=bye def=$abc', 'env'), env({ abc: 'hello' }));
    expect(e).toMatchObject({ pairs: [{ key: 'abc', value: 'bye' }, { key: 'def', value: 'hello' }] });
  });

  it('removes quotes from LABEL keys and values', () => {
    // docs #label: LABEL "com.example.vendor"="ACME Incorporated" shows up as that key/value in inspect.
    const l = expandInstruction(one('LABEL "com.example.vendor"="ACME Incorporated" version="1.0"', 'label'), env({}));
    expect(l).toMatchObject({ pairs: [{ key: 'com.example.vendor', value: 'ACME Incorporated' }, { key: 'version', value: '1.0' }] });
  });

  it('expands FROM with the global ARGs', () => {
    // docs #understand-how-arg-and-from-interact: ARG CODE_VERSION=latest; FROM base:${CODE_VERSION}.
    const { list } = instructions('ARG CODE_VERSION=latest\nFROM base:${CODE_VERSION}\n');
    const from = list.find((i) => i.kind === 'from')!;
    expect(expandInstruction(from, env({ CODE_VERSION: 'latest' }))).toMatchObject({ image: 'base:latest' });
  });

  it('refuses a FROM that expands to nothing', () => {
    // dockerfile2llb (moby/buildkit#470): "base name (%s) should not be blank".
    const { list } = instructions('ARG IMG\nFROM ${IMG}\n');
    try {
      expandInstruction(list.find((i) => i.kind === 'from')!, env({}));
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as BoxerError).diagnostic.code).toBe(EMPTY_BASE_NAME);
    }
  });

  it('splits EXPOSE values into ports after expansion', () => {
    // dockerfile2llb dispatchExpose: ports = ProcessWords(p, env) for every raw port.
    const e = expandInstruction(one('EXPOSE $PORTS 9000', 'expose'), env({ PORTS: '80/tcp 443/tcp' }));
    expect(e).toMatchObject({ ports: ['80/tcp', '443/tcp', '9000'] });
  });

  it('expands COPY --chown/--chmod but never --from, and ADD --checksum', () => {
    // commands.go CopyCommand.Expand (Chown, Chmod via moby/buildkit#5151, sources, dest);
    // AddCommand.Expand adds Checksum.
    const vars = env({ U: 'app', M: '0755', SUM: 'sha256:abc' });
    expect(expandInstruction(one('COPY --from=build --chown=$U --chmod=$M a /b', 'copy'), vars)).toMatchObject({ from: 'build', chown: 'app', chmod: '0755' });
    expect(expandInstruction(one('ADD --checksum=$SUM https://x/y /z', 'add'), vars)).toMatchObject({ checksum: 'sha256:abc' });
  });

  it('expands heredoc bodies marked expand, keeping quotes (ExpandRaw)', () => {
    // commands.go SourcesAndDest.ExpandRaw + dockerfile2llb (SkipProcessQuotes lexer):
    // <<EOF bodies expand, <<'EOF' bodies do not; quotes stay.
    const c = one('COPY <<EOF <<\'RAW\' /dest\nhello "$NAME"\nEOF\nkeep $NAME\nRAW', 'copy');
    const x = expandInstruction(c, env({ NAME: 'me' }));
    expect(x).toMatchObject({ heredocs: [{ name: 'EOF', content: 'hello "me"\n' }, { name: 'RAW', content: 'keep $NAME\n' }] });
  });

  it('expands ARG names and defaults, VOLUME, USER, STOPSIGNAL', () => {
    // commands.go ArgCommand/VolumeCommand/UserCommand/StopSignalCommand Expand.
    const vars = env({ D: 'x', V: '/data', N: 'nobody', S: 'SIGTERM' });
    expect(expandInstruction(one('ARG a=$D b', 'arg'), vars)).toMatchObject({ pairs: [{ name: 'a', default: 'x' }, { name: 'b' }] });
    expect(expandInstruction(one('VOLUME ["$V", "/x y"]', 'volume'), vars)).toMatchObject({ paths: ['/data', '/x y'] });
    expect(expandInstruction(one('USER ${N}:1', 'user'), vars)).toMatchObject({ user: 'nobody:1' });
    expect(expandInstruction(one('STOPSIGNAL $S', 'stopsignal'), vars)).toMatchObject({ signal: 'SIGTERM' });
  });

  it('expands the values inside RUN --mount, not the command', () => {
    // commands_runmount.go parseMount: every key=value value goes through the expander.
    const r = expandInstruction(one('RUN --mount=type=cache,target=$DIR echo $DIR', 'run'), env({ DIR: '/cache' }));
    expect(r).toMatchObject({ mounts: ['type=cache,target=/cache'], form: 'shell', command: 'echo $DIR' });
  });

  it('leaves CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD as written', () => {
    // commands.go: these commands have no Expand method.
    const vars = env({ X: 'y' });
    for (const [text, kind] of [
      ['CMD echo $X', 'cmd'],
      ['ENTRYPOINT ["$X"]', 'entrypoint'],
      ['SHELL ["/bin/$X"]', 'shell'],
      ['HEALTHCHECK CMD $X', 'healthcheck'],
      ['ONBUILD RUN $X', 'onbuild'],
    ] as const) {
      const i = one(text, kind);
      expect(expandInstruction(i, vars)).toEqual(i);
    }
  });

  it('does not modify its input', () => {
    const w = one('WORKDIR $A', 'workdir');
    const before = structuredClone(w);
    expandInstruction(w, env({ A: '/a' }));
    expect(w).toEqual(before);
  });

  it('uses the escape directive', () => {
    // docs #escape: with `# escape=`` the backslash is literal (and ` escapes).
    const { list, escapeToken } = instructions('# escape=`\nFROM scratch\nWORKDIR c:\\$D\n');
    const w = list.find((i) => i.kind === 'workdir')!;
    expect(expandInstruction(w, env({ D: 'dir' }), { escapeToken })).toMatchObject({ path: 'c:\\dir' });
  });

  it('throws a BoxerError with the instruction location for ${X:?}', () => {
    const w = one('WORKDIR ${X:?set X}', 'workdir');
    try {
      expandInstruction(w, env({}));
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(BoxerError);
      expect((e as BoxerError).diagnostic.code).toBe(REQUIRED_VARIABLE);
      expect((e as BoxerError).diagnostic.location?.line).toBe(2);
    }
  });
});
