// expandInstruction(): a typed instruction with variables expanded in exactly the parts BuildKit
// expands for that instruction. In: an instruction, a variable lookup (the stage's ARG/ENV state, or
// the global ARGs for FROM) and the escape character. Out: a new instruction; the input is not changed.
// The per-instruction list follows moby/buildkit frontend/dockerfile/instructions/commands.go
// (`Expand`/`ExpandRaw` methods) and dockerfile2llb/convert.go (FROM base name and platform, EXPOSE via
// ProcessWords) (Apache-2.0):
//   ADD: sources, dest, --chown, --chmod, --checksum; heredoc bodies marked `expand` (raw lexer)
//   COPY: sources, dest, --chown, --chmod; heredoc bodies marked `expand`; never --from (refused)
//   ENV, LABEL: keys and values (with quote removal); ARG: names and defaults
//   EXPOSE: every port, split into words after expansion; VOLUME: every path
//   FROM: image and --platform; USER, WORKDIR, STOPSIGNAL: their one value
//   RUN: the values inside --mount (commands_runmount.go); never the command itself
//   not expanded: CMD, ENTRYPOINT, SHELL, HEALTHCHECK, MAINTAINER, ONBUILD, --exclude
import { BoxerError } from '@boxer/diagnostics';
import { emptyBaseName } from './diagnostics.js';
import type { Instruction } from './instructions.js';
import { parseCsvRecord } from './to-stages.js';
import { expandWord, expandWords, type Lookup } from './shell/lex.js';

export interface ExpandInstructionOptions {
  /**
   * The escape character in effect (`StagesResult.escapeToken`).
   * @default '\\'
   */
  escapeToken?: string;
}

/** Go encoding/csv fieldNeedsQuotes + quoting, to rebuild a --mount value. */
function csvJoin(fields: string[]): string {
  return fields
    .map((f) => {
      const needs = f !== '' && (f === '\\.' || /[,"\r\n]/.test(f) || f[0] === ' ' || f[0] === '\t');
      return needs ? '"' + f.replace(/"/g, '""') + '"' : f;
    })
    .join(',');
}

/**
 * Returns a copy of `instr` with variables expanded where BuildKit expands them for that instruction.
 * @throws BoxerError (DOCKERFILE_BAD_SUBSTITUTION, DOCKERFILE_REQUIRED_VARIABLE,
 * DOCKERFILE_EMPTY_BASE_NAME) when a word cannot be expanded.
 */
export function expandInstruction<T extends Instruction>(instr: T, lookup: Lookup, options: ExpandInstructionOptions = {}): T {
  const escapeToken = options.escapeToken ?? '\\';
  const location = instr.location;
  const ex = (w: string): string => expandWord(w, lookup, { escapeToken, location });
  // NOTE: heredoc bodies use a fresh lexer with `\` and no quote processing (BuildKit ExpandRaw).
  const exRaw = (w: string): string => expandWord(w, lookup, { escapeToken: '\\', skipProcessQuotes: true, location });
  const out = structuredClone(instr) as Instruction;

  switch (out.kind) {
    case 'from': {
      const image = ex(out.image);
      if (image === '') throw new BoxerError(emptyBaseName(out.image, location));
      out.image = image;
      if (out.platform !== undefined) out.platform = ex(out.platform);
      break;
    }
    case 'copy':
    case 'add': {
      out.sources = out.sources.map(ex);
      out.dest = ex(out.dest);
      if (out.chown !== undefined) out.chown = ex(out.chown);
      if (out.chmod !== undefined) out.chmod = ex(out.chmod);
      if (out.kind === 'add' && out.checksum !== undefined) out.checksum = ex(out.checksum);
      if (out.heredocs) out.heredocs = out.heredocs.map((h) => (h.expand ? { ...h, content: exRaw(h.content) } : h));
      break;
    }
    case 'env':
    case 'label':
      out.pairs = out.pairs.map((p) => ({ key: ex(p.key), value: ex(p.value) }));
      break;
    case 'arg':
      out.pairs = out.pairs.map((p) => (p.default === undefined ? { name: ex(p.name) } : { name: ex(p.name), default: ex(p.default) }));
      break;
    case 'expose':
      out.ports = out.ports.flatMap((p) => expandWords(p, lookup, { escapeToken, location }));
      break;
    case 'volume':
      out.paths = out.paths.map(ex);
      break;
    case 'user':
      out.user = ex(out.user);
      break;
    case 'workdir':
      out.path = ex(out.path);
      break;
    case 'stopsignal':
      out.signal = ex(out.signal);
      break;
    case 'run':
      out.mounts = out.mounts.map((m) => {
        const fields = parseCsvRecord(m);
        if (!fields) return m;
        return csvJoin(
          fields.map((f) => {
            const eq = f.indexOf('=');
            return eq < 0 ? f : f.slice(0, eq + 1) + ex(f.slice(eq + 1));
          }),
        );
      });
      break;
    case 'cmd':
    case 'entrypoint':
    case 'shell':
    case 'healthcheck':
    case 'maintainer':
    case 'onbuild':
      break;
    default: {
      const never: never = out;
      void never;
    }
  }
  return out as T;
}
