// check(): BuildKit's build checks (`docker build --check`) over a Dockerfile, without building it.
// In: Dockerfile text (or a parsed AST) and options (build args, a check-config override, what is known
// about external base images). Out: the warnings, sorted by line, each with BuildKit's rule name,
// description, docs URL and message text, plus the errors that would stop a build. Pure: no I/O.
//
// The rules run where BuildKit runs them (Apache-2.0 sources): the parser (NoEmptyContinuation),
// instructions/parse.go (MaintainerDeprecated, StageNameCasing, FromAsCasing, InvalidDefinitionDescription),
// and dockerfile2llb/convert.go, which dispatches every stage with the ARG/ENV state it would have
// (validateStageNames, validateCommandCasing, validateBaseImagesWithDefaultArgs, reportUnusedFromArgs,
// reportUnmatchedVariables, dispatchEnv/Label/Arg/Cmd/Entrypoint/Healthcheck/Workdir, convert_expose.go).
// Like `docker build --check` without a target, every stage is checked.
import { BoxerError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { CheckDirective, DockerfileAst, DockerfileNode } from './ast.js';
import * as diag from './diagnostics.js';
import type { CheckWarning } from './diagnostics.js';
import { expandInstruction } from './expand.js';
import type { ArgInstruction, Instruction, Stage } from './instructions.js';
import { parseNameVal, parseStringsWhitespaceDelimited, parseWords } from './line-parsers.js';
import { checkDirectiveError, parse, parseCheckDirective } from './parse.js';
import { isValidImageReference, parsePlatform } from './reference.js';
import { expandWord, recordLookups, type Lookup } from './shell/lex.js';
import { suggest } from './suggest.js';
import { toStages } from './to-stages.js';

export interface CheckOptions {
  /**
   * File name used in locations when `input` is text.
   * @default 'Dockerfile'
   */
  file?: string;
  /**
   * Check options that replace the file's `# check=` directive, as BuildKit's BUILDKIT_DOCKERFILE_CHECK
   * build argument does (`skip=A,B;error=true;experimental=all`).
   */
  config?: string;
  /** `--build-arg` values. They only change values: which ARGs are declared comes from the file. */
  buildArgs?: Readonly<Record<string, string>>;
  /**
   * The automatic platform ARGs of the global scope (BUILDPLATFORM, TARGETOS, ...).
   * @default boxer's target: `wasi/wasm` for both TARGET* and BUILD*
   */
  platformArgs?: Readonly<Record<string, string>>;
  /**
   * The `Env` (`KEY=value` strings) of an external base image, when the caller knows it. BuildKit reads
   * it from the image config; without it only PATH is known, so a variable that only the base image
   * defines is reported by UndefinedVar.
   */
  baseImageEnv?: (image: string) => readonly string[] | undefined;
}

export interface CheckResult {
  /** Build-check warnings, sorted by line, then message (as BuildKit's lint results are). */
  warnings: CheckWarning[];
  /**
   * What would stop the build: parse and instruction errors, expansion failures, a malformed check
   * configuration and, with `error=true` and warnings, DOCKERFILE_CHECK_FAILED.
   */
  errors: Diagnostic[];
  /** The check configuration in effect (from `options.config` or the `# check=` directive). */
  config: CheckDirective;
}

/** The automatic platform ARGs for a boxer build (target wasi/wasm; BuildKit defaultArgs()). */
const DEFAULT_PLATFORM_ARGS: Readonly<Record<string, string>> = {
  BUILDPLATFORM: 'wasi/wasm',
  BUILDOS: 'wasi',
  BUILDARCH: 'wasm',
  BUILDVARIANT: '',
  TARGETPLATFORM: 'wasi/wasm',
  TARGETOS: 'wasi',
  TARGETARCH: 'wasm',
  TARGETVARIANT: '',
};

/** system.DefaultPathEnv("linux"): BuildKit makes sure every stage has a PATH. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** ARGs that never become environment variables (dockerfile2llb nonEnvArgs). */
const NON_ENV_ARGS = new Set(['BUILDKIT_SBOM_SCAN_CONTEXT', 'BUILDKIT_SBOM_SCAN_STAGE']);
const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);
const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
/** Go `(?i)(?:_|^)(?:apikey|auth|...)(?:_|$)` from getSecretsRegex, and its allow list. */
const SECRET_KEY = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const SECRET_ALLOW = /(?:_|^)(?:public)(?:_|$)/i;

const isLower = (s: string) => s === s.toLowerCase();
const isUpper = (s: string) => s === s.toUpperCase();

/** One stage's state during the dry dispatch (the parts of dispatchState the checks read). */
interface StageState {
  env: Map<string, string>;
  /** Keys of every ARG declared in the stage (or its base stage), with or without a value. */
  buildArgs: string[];
  /** A SHELL instruction ran (image config Shell is set). */
  shell: boolean;
  workdirSet: boolean;
  cmd?: SourceLocation;
  entrypoint?: SourceLocation;
  healthcheck?: SourceLocation;
}

class Linter {
  readonly warnings: CheckWarning[] = [];
  readonly called: string[] = [];
  constructor(private readonly config: CheckDirective) {}
  run(w: CheckWarning): void {
    if (!diag.isCheckEnabled(w.rule, this.config)) return;
    if (!this.called.includes(w.rule)) this.called.push(w.rule);
    this.warnings.push(w);
  }
}

/** Expands `word`, recording the names looked up and not set; never throws. */
function expandRecording(word: string, lookup: Lookup, escapeToken: string, location: SourceLocation): { result?: string; unmatched: Set<string>; matched: Set<string>; error?: Diagnostic[] } {
  // NOTE: on an expansion error the names looked up so far are still returned, which is why this
  // does not call expandWordWithMatches (it throws them away).
  const { lookup: recording, matched, unmatched } = recordLookups(lookup);
  try {
    return { result: expandWord(word, recording, { escapeToken, location }), unmatched, matched };
  } catch (e) {
    if (e instanceof BoxerError) return { unmatched, matched, error: [...e.diagnostics] };
    throw e;
  }
}

/** convert_expose.go splitParts: `[ip:]hostPort:containerPort`. */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return ['', '', parts[0]!];
  if (n === 2) return ['', parts[0]!, parts[1]!];
  if (n === 3) return [parts[0]!, parts[1]!, parts[2]!];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, parts[n - 1]!];
}

/** convert_expose.go splitProtoPort: the protocol, or undefined when no port is given. */
function protoOf(containerPort: string): string | undefined {
  const parts = containerPort.split('/');
  if (parts[0] === '') return undefined;
  if (parts.length === 1 || parts[1] === '') return 'tcp';
  return parts[1]!;
}

/** Runs BuildKit's build checks. Never throws on bad input (only InternalError on a bug). */
export function check(input: string | DockerfileAst, options: CheckOptions = {}): CheckResult {
  let ast: DockerfileAst;
  const errors: Diagnostic[] = [];
  if (typeof input === 'string') {
    const p = parse(input, { file: options.file ?? 'Dockerfile' });
    ast = p.ast;
    errors.push(...p.diagnostics.filter((d) => d.severity === 'error'));
  } else {
    ast = input;
  }
  const staged = toStages(ast);
  errors.push(...staged.diagnostics.filter((d) => d.severity === 'error'));

  // The check configuration: an override replaces the directive (BuildKit Client.LinterConfig).
  const empty: CheckDirective = { skip: [], error: false, experimental: [] };
  const directive = ast.directives.list.find((d) => d.name === 'check');
  let config: CheckDirective;
  if (options.config !== undefined) {
    for (let i = errors.length - 1; i >= 0; i--) if (errors[i]!.code === diag.INVALID_CHECK_DIRECTIVE) errors.splice(i, 1);
    const why = checkDirectiveError(options.config);
    if (why !== undefined) return { warnings: [], errors: [...errors, diag.invalidCheckDirective(why, undefined)], config: empty };
    config = parseCheckDirective(options.config)!;
  } else if (directive) {
    const why = checkDirectiveError(directive.value);
    if (why !== undefined) {
      if (!errors.some((d) => d.code === diag.INVALID_CHECK_DIRECTIVE)) errors.push(diag.invalidCheckDirective(why, directive.location));
      return { warnings: [], errors, config: empty };
    }
    config = parseCheckDirective(directive.value)!;
  } else {
    config = empty;
  }

  const lint = new Linter(config);
  const esc = ast.escapeToken;
  const nodeAt = new Map<number, DockerfileNode>(ast.nodes.map((n) => [n.startLine, n]));
  const keywordOf = (instr: Instruction): string => nodeAt.get(instr.location.line)?.rawKeyword ?? instr.kind.toUpperCase();

  // ---- parser and instructions.Parse ----------------------------------------------------------
  for (const node of ast.nodes) {
    if (node.emptyContinuationLine !== undefined) {
      const text = ast.lines[node.emptyContinuationLine - 1] ?? '';
      lint.run(diag.emptyContinuationLine({ file: ast.file, line: node.emptyContinuationLine, column: 0, length: text.length, lineText: text }));
    }
    const at = node.location;
    if (node.keyword === 'maintainer') lint.run(diag.maintainerDeprecated(at));
    if (node.keyword === 'from') {
      const args = parseStringsWhitespaceDelimited(node.args);
      if (args.length === 3 && !isLower(args[2]!)) lint.run(diag.stageNameCasing(args[2]!, at));
      const from = node.rawKeyword;
      if (args.length >= 3 && (isLower(from) || isUpper(from)) && !(isLower(from) ? isLower(args[1]!) : isUpper(args[1]!))) {
        lint.run(diag.fromAsCasing(from, args[1]!, at));
      }
      if (args.length === 3 && args[1]!.toLowerCase() === 'as' && STAGE_NAME.test(args[2]!.toLowerCase())) {
        definitionDescription('FROM', [args[2]!.toLowerCase()], node, lint);
      }
    }
    if (node.keyword === 'arg') {
      const keys = parseWords(node.args, esc).map((w) => (w.includes('=') ? w.slice(0, w.indexOf('=')) : w));
      definitionDescription('ARG', keys, node, lint);
    }
  }

  // ---- validateStageNames, validateCommandCasing -------------------------------------------------
  const seen = new Set<string>();
  for (const s of staged.stages) {
    if (s.name === undefined) continue;
    if (RESERVED_STAGE_NAMES.has(s.name)) lint.run(diag.reservedStageName(s.name, s.location));
    if (seen.has(s.name)) lint.run(diag.duplicateStageName(s.name, s.location));
    seen.add(s.name);
  }
  const named = staged.stages.flatMap((s) => [{ name: keywordOf(s.from), at: s.location }, ...s.instructions.map((i) => ({ name: keywordOf(i), at: i.location }))]);
  let lower = 0;
  let upper = 0;
  for (const { name } of named) {
    if (isLower(name)) lower++;
    else if (isUpper(name)) upper++;
  }
  const majorityLower = lower > upper;
  for (const { name, at } of named) {
    if (majorityLower && !isLower(name)) lint.run(diag.consistentInstructionCasing(name, 'lowercase', at));
    else if (!majorityLower && !isUpper(name)) lint.run(diag.consistentInstructionCasing(name, 'uppercase', at));
  }

  // ---- global scope: automatic platform ARGs and the ARGs before the first FROM -----------------
  const buildArgs = options.buildArgs ?? {};
  const predefined = new Map(Object.entries(options.platformArgs ?? DEFAULT_PLATFORM_ARGS));
  for (const k of predefined.keys()) if (Object.hasOwn(buildArgs, k)) predefined.set(k, buildArgs[k]!);
  const metaKeys = staged.globalArgs.flatMap((a) => a.pairs.map((p) => p.name));
  const metaArgs = (withBuildArgs: boolean): Map<string, string> | undefined => {
    const env = new Map(predefined);
    for (const a of staged.globalArgs) {
      for (const p of a.pairs) {
        let value: string | undefined;
        if (withBuildArgs && Object.hasOwn(buildArgs, p.name)) value = buildArgs[p.name];
        else if (p.default !== undefined) {
          const r = expandRecording(p.default, (n) => env.get(n), esc, a.location);
          if (r.error) {
            if (withBuildArgs) errors.push(...r.error);
            return undefined;
          }
          value = r.result;
        }
        if (value !== undefined) env.set(p.name, value);
      }
    }
    return env;
  };
  const globalEnv = metaArgs(true) ?? new Map(predefined);
  const defaultsEnv = metaArgs(false);
  const fromArgKeys = [...new Set([...globalEnv.keys(), ...metaKeys])];

  // validateBaseImagesWithDefaultArgs: defaults only, and stop at the first expansion error.
  if (defaultsEnv) {
    for (const s of staged.stages) {
      const r = expandRecording(s.from.image, (n) => defaultsEnv.get(n), esc, s.location);
      if (r.error) break;
      if (!isValidImageReference(r.result!)) lint.run(diag.invalidDefaultArgInFrom(s.from.image, s.location));
    }
  }

  // ---- dispatch every stage ---------------------------------------------------------------------
  const states = new Map<Stage, StageState>();
  const byName = new Map<string, Stage>();
  for (const stage of staged.stages) {
    const at = stage.location;
    const reportFromArgs = (unmatched: Set<string>) => {
      for (const arg of unmatched) if (!fromArgKeys.includes(arg)) lint.run(diag.undefinedArgInFrom(arg, at, suggest(arg, fromArgKeys, true)));
    };
    const base = expandRecording(stage.from.image, (n) => globalEnv.get(n), esc, at);
    reportFromArgs(base.unmatched);
    if (base.error) errors.push(...base.error);
    else if (base.result === '') errors.push(diag.emptyBaseName(stage.from.image, at));
    if (stage.from.platform) {
      const plat = expandRecording(stage.from.platform, (n) => globalEnv.get(n), esc, at);
      reportFromArgs(plat.unmatched);
      if (plat.result !== undefined) {
        if (plat.matched.size === 1 && plat.unmatched.size === 0 && plat.matched.has('TARGETPLATFORM') && plat.result === globalEnv.get('TARGETPLATFORM')) {
          lint.run(diag.redundantTargetPlatform(stage.from.platform, at));
        }
        if (plat.matched.size === 0 && plat.unmatched.size === 0) {
          const p = parsePlatform(plat.result);
          const name = stage.name ?? '';
          if (p && !name.includes(p.os) && !name.includes(p.arch)) lint.run(diag.fromPlatformFlagConstDisallowed(plat.result, at));
        }
      }
    }

    const baseStage = base.result !== undefined ? byName.get(base.result) : undefined;
    const baseState = baseStage ? states.get(baseStage) : undefined;
    let state: StageState;
    if (baseState) {
      state = { env: new Map(baseState.env), buildArgs: [...baseState.buildArgs], shell: baseState.shell, workdirSet: baseState.workdirSet };
    } else {
      const env = new Map<string, string>();
      const image = base.result ?? '';
      if (image !== 'scratch') {
        for (const kv of options.baseImageEnv?.(image) ?? []) {
          const eq = kv.indexOf('=');
          env.set(eq < 0 ? kv : kv.slice(0, eq), eq < 0 ? '' : kv.slice(eq + 1));
        }
      }
      if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
      state = { env, buildArgs: [], shell: false, workdirSet: false };
    }
    const triggers = baseStage ? baseStage.instructions.flatMap((i) => (i.kind === 'onbuild' && i.instruction ? [{ instr: i.instruction, keyword: nodeAt.get(i.location.line)?.child?.rawKeyword ?? i.instruction.kind.toUpperCase() }] : [])) : [];
    for (const t of triggers) dispatch(t.instr, t.keyword, at);
    for (const instr of stage.instructions) dispatch(instr, keywordOf(instr), instr.location);
    states.set(stage, state);
    if (stage.name !== undefined) byName.set(stage.name, stage);

    function reportUnmatched(unmatched: Iterable<string>, location: SourceLocation): void {
      for (const name of unmatched) {
        if (state.buildArgs.includes(name) || NON_ENV_ARGS.has(name)) continue;
        lint.run(diag.undefinedVar(name, location, suggest(name, [...state.env.keys()], true)));
      }
    }

    function expandIn<T extends Instruction>(instr: T, location: SourceLocation, record: boolean): T | undefined {
      const unmatched = new Set<string>();
      const lookup: Lookup = (n) => {
        const v = state.env.get(n);
        if (v === undefined && record) unmatched.add(n);
        return v;
      };
      try {
        const out = expandInstruction({ ...instr, location }, lookup, { escapeToken: esc });
        reportUnmatched(unmatched, location);
        return out;
      } catch (e) {
        reportUnmatched(unmatched, location);
        if (e instanceof BoxerError) {
          errors.push(...e.diagnostics);
          return undefined;
        }
        throw e;
      }
    }

    function usedOnce(which: 'cmd' | 'entrypoint' | 'healthcheck', keyword: string, location: SourceLocation): void {
      const previous = state[which];
      if (previous) lint.run(diag.multipleInstructionsDisallowed(keyword, previous));
      state[which] = location;
    }

    function dispatchArg(instr: ArgInstruction, keyword: string, location: SourceLocation): void {
      void keyword;
      for (const p of instr.pairs) {
        if (SECRET_KEY.test(p.name) && !SECRET_ALLOW.test(p.name)) lint.run(diag.secretsUsedInArgOrEnv('ARG', p.name, location));
        const hasValue = Object.hasOwn(buildArgs, p.name);
        let value: string | undefined;
        if (p.default === undefined && !hasValue && globalEnv.has(p.name)) value = globalEnv.get(p.name);
        else if (hasValue) value = buildArgs[p.name];
        else if (p.default !== undefined) {
          const r = expandRecording(p.default, (n) => state.env.get(n), esc, location);
          reportUnmatched(r.unmatched, location);
          if (r.error) errors.push(...r.error);
          value = r.result;
        }
        if (value !== undefined && !NON_ENV_ARGS.has(p.name)) state.env.set(p.name, value);
        state.buildArgs.push(p.name);
      }
    }

    function dispatch(instr: Instruction, keyword: string, location: SourceLocation): void {
      switch (instr.kind) {
        case 'arg':
          return dispatchArg(instr, keyword, location);
        case 'env':
        case 'label': {
          const out = expandIn(instr, location, true);
          if (!out) return;
          const node = nodeAt.get(instr.location.line);
          const target = node?.keyword === 'onbuild' ? node.child : node;
          const raw = target ? parseNameVal(target.args, esc) : undefined;
          if (raw?.ok) for (const p of raw.pairs) if (p.legacy) lint.run(diag.legacyKeyValue(keyword, p.key, location));
          for (const p of out.pairs) {
            if (out.kind === 'env') {
              if (SECRET_KEY.test(p.key) && !SECRET_ALLOW.test(p.key)) lint.run(diag.secretsUsedInArgOrEnv('ENV', p.key, location));
              state.env.set(p.key, p.value);
            }
          }
          return;
        }
        case 'workdir': {
          const out = expandIn(instr, location, true);
          if (!out) return;
          if (!state.workdirSet && !out.path.startsWith('/')) lint.run(diag.workdirRelativePath(out.path, location));
          state.workdirSet = true;
          return;
        }
        case 'add':
        case 'copy':
        case 'user':
        case 'volume':
        case 'stopsignal':
        case 'run':
          expandIn(instr, location, true);
          return;
        case 'expose': {
          const out = expandIn(instr, location, false);
          if (!out) return;
          for (const port of out.ports) {
            const [ip, hostPort, containerPort] = splitParts(port);
            const proto = protoOf(containerPort);
            if (proto === undefined) continue;
            if (!isLower(proto)) lint.run(diag.exposeProtoCasing(port, location));
            if (ip !== '' || hostPort !== '') lint.run(diag.exposeInvalidFormat(port, location));
          }
          return;
        }
        case 'cmd':
        case 'entrypoint':
          usedOnce(instr.kind, keyword, location);
          if (instr.form === 'shell' && !state.shell) lint.run(diag.jsonArgsRecommended(keyword, location));
          return;
        case 'healthcheck':
          usedOnce('healthcheck', keyword, location);
          return;
        case 'shell':
          state.shell = true;
          return;
        case 'from':
        case 'maintainer':
        case 'onbuild':
          return;
        default: {
          const never: never = instr;
          void never;
        }
      }
    }
  }

  const warnings = lint.warnings.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0) || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0));
  if (config.error && lint.called.length > 0) errors.push(diag.checkFailed(lint.called, warnings[0]?.location));
  return { warnings, errors, config };
}

/** instructions/parse.go validateDefinitionDescription (experimental InvalidDefinitionDescription). */
function definitionDescription(instruction: 'ARG' | 'FROM', keys: string[], node: DockerfileNode, lint: Linter): void {
  if (node.comments.length === 0 || keys.length === 0) return;
  const first = node.comments[node.comments.length - 1]!.split(' ')[0]!;
  if (keys.includes(first)) return;
  lint.run(diag.invalidDefinitionDescription(instruction, keys.length > 1 ? '<arg_key>' : keys[0]!, node.location));
}
