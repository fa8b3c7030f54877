// The stage executor: Dockerfile text + build context → the target stage's tree and image config.
// In: `BuildImageOptions`. Out: `BuildImageResult` (tree, config, provenance), or a BoxerError holding
// every error diagnostic found before anything ran. Mirrors BuildKit's dispatch(): one handler per
// instruction kind, expansion with the stage's ENV/ARG state, metadata semantics from
// dockerfile2llb/convert.go (PATH default, ENTRYPOINT resetting an inherited CMD, WORKDIR mkdir).
import { ignore } from './ignore.js';
import { BoxerError, InternalError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { Emit } from '@boxer/events';
import { expandInstruction, parse, toStages, type ArgInstruction, type Instruction, type Stage } from '@boxer/dockerfile';
import { getEnv, resolveBase, setEnv, type ImageConfig } from '@boxer/image';
import { Tree, VfsError } from '@boxer/vfs';
import type { BuildStep } from '@boxer/bundle';
import { checkContextDir, loadContext, type LoadedContext } from './context.js';
import { cleanPath, CopyError, copyInto, joinPath } from './copy.js';
import * as d from './diagnostics.js';
import { resolveOwner } from './users.js';

/** BuildKit's `system.DefaultPathEnv` for non-Windows platforms. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BuildImageOptions {
  /** The Dockerfile's text and the name to show in diagnostics. */
  dockerfile: { text: string; file: string };
  /** Build context directory on the host. */
  contextDir: string;
  /** .dockerignore patterns that apply. */
  ignorePatterns?: readonly string[];
  /** `--build-arg` values. */
  buildArgs?: Readonly<Record<string, string>>;
  /** Stage to build (name, case-insensitive). @default the last stage */
  target?: string;
  /** Seconds since the epoch for every file the build creates (SOURCE_DATE_EPOCH). @default 0 */
  sourceDateEpoch?: number;
  emit?: Emit;
}

export interface BuildImageResult {
  tree: Tree;
  config: ImageConfig;
  author?: string;
  bases: { stage: string; ref: string; digest?: string }[];
  steps: BuildStep[];
  provenance: Record<string, number>;
  warnings: Diagnostic[];
}

interface StageResult {
  tree: Tree;
  config: ImageConfig;
  author?: string;
}

export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const { text, file } = options.dockerfile;
  const emit = options.emit;
  const warnings: Diagnostic[] = [];
  const parsed = parse(text, { file });
  const staged = toStages(parsed.ast, {});
  const all = [...parsed.diagnostics, ...staged.diagnostics];
  const errors = all.filter((x) => x.severity === 'error');
  warnings.push(...all.filter((x) => x.severity === 'warning'));
  const stages = staged.stages;
  const ex = { escapeToken: staged.escapeToken };
  if (errors.length === 0 && stages.length === 0) throw new InternalError('expected the front end to report a Dockerfile without stages');

  // Target and the stages it needs.
  let target: Stage | undefined = stages[stages.length - 1];
  if (options.target !== undefined && errors.length === 0) {
    target = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === options.target!.toLowerCase());
    if (!target) throw new BoxerError(d.targetNotFound(options.target, stages.flatMap((s) => (s.name ? [s.name] : []))));
  }

  // Global ARGs: visible in FROM lines only (BuildKit buildMetaArgs).
  const buildArgs = options.buildArgs ?? {};
  const usedArgs = new Set<string>();
  /**
   * Declares the names of an (expanded) ARG in `into`: a build arg wins over the default; without
   * either, a stage ARG takes the global value of the same name (BuildKit dispatchArg).
   */
  const declareArgs = (inst: ArgInstruction, into: Map<string, string>, inherited?: Map<string, string>): void => {
    for (const pair of inst.pairs) {
      if (Object.hasOwn(buildArgs, pair.name)) {
        into.set(pair.name, buildArgs[pair.name]!);
        usedArgs.add(pair.name);
      } else if (pair.default !== undefined) {
        into.set(pair.name, pair.default);
      } else if (inherited?.has(pair.name)) {
        into.set(pair.name, inherited.get(pair.name)!);
      }
    }
  };
  const globalArgs = new Map<string, string>();
  for (const arg of staged.globalArgs) declareArgs(expandInstruction(arg, (name) => globalArgs.get(name), ex), globalArgs);

  // Report every unsupported instruction of the stages we will run before running any.
  if (errors.length === 0 && target) {
    for (const stage of stages.slice(0, stages.indexOf(target) + 1)) errors.push(...preflight(stage));
  }
  // NOTE: warnings found so far go out with the errors, so a failed build still shows them.
  if (errors.length > 0) throw new BoxerError([...errors, ...warnings]);
  if (!target) throw new InternalError('expected the front end to report a Dockerfile without stages');

  checkContextDir(options.contextDir);
  const sourceMtime = BigInt(options.sourceDateEpoch ?? 0) * 1_000_000_000n;
  const steps: BuildStep[] = [];
  const provenance: Record<string, number> = {};
  const bases: BuildImageResult['bases'] = [];
  let context: LoadedContext | undefined;
  const getContext = (): Tree => {
    if (!context) {
      emit?.({ type: 'stage', stage: 'context', status: 'start' });
      context = loadContext(options.contextDir, { ignorePatterns: options.ignorePatterns });
      warnings.push(...context.warnings);
      emit?.({ type: 'stage', stage: 'context', status: 'end' });
    }
    return context.tree;
  };
  const done = new Map<Stage, StageResult>();
  const baseStage = (stage: Stage): Stage | undefined => {
    const image = expandInstruction(stage.from, (name) => globalArgs.get(name), ex).image.toLowerCase();
    return stages.slice(0, stages.indexOf(stage)).find((s) => s.name !== undefined && s.name.toLowerCase() === image);
  };
  let totalSteps = 0;
  for (let s: Stage | undefined = target; s; s = baseStage(s)) totalSteps += s.instructions.length + 1;
  let stepNo = 0;

  const runStage = async (stage: Stage): Promise<StageResult> => {
    const cached = done.get(stage);
    if (cached) return cached;
    const from = expandInstruction(stage.from, (name) => globalArgs.get(name), ex);
    for (const name of globalArgs.keys()) if (stage.from.image.includes(name)) usedArgs.add(name);
    emit?.({ type: 'step', index: ++stepNo, total: totalSteps, text: stage.from.original, line: stage.from.location.line });
    const parent = baseStage(stage);
    let tree: Tree;
    let config: ImageConfig;
    let author: string | undefined;
    if (parent) {
      const base = await runStage(parent);
      tree = base.tree.clone();
      config = structuredClone(base.config);
      author = base.author;
    } else {
      const base = await resolveBase(from.image, { location: stage.from.location });
      tree = base.tree;
      config = base.config;
      bases.push({ stage: stage.name ?? String(stage.index), ref: base.ref, ...(base.digest ? { digest: base.digest } : {}) });
    }
    // NOTE: BuildKit makes sure PATH is always set (dockerfile2llb dispatchStages).
    if (getEnv(config.Env, 'PATH') === undefined) config.Env.push(`PATH=${DEFAULT_PATH}`);

    const args = new Map<string, string>();
    const lookup = (name: string): string | undefined => getEnv(config.Env, name) ?? args.get(name);
    let cmdSet = false;
    for (const raw of stage.instructions) {
      emit?.({ type: 'step', index: ++stepNo, total: totalSteps, text: raw.original, line: raw.location.line });
      if (raw.kind === 'arg') {
        // ARG values expand with what is defined so far.
        declareArgs(expandInstruction(raw, lookup, ex), args, globalArgs);
        continue;
      }
      const inst = expandInstruction(raw, lookup, ex);
      const loc = inst.location;
      const step = (): number => steps.push({ line: loc.line, text: raw.original }) - 1;
      switch (inst.kind) {
        case 'env':
          for (const { key, value } of inst.pairs) setEnv(config.Env, key, value);
          break;
        case 'label':
          config.Labels ??= {};
          for (const { key, value } of inst.pairs) config.Labels[key] = value;
          break;
        case 'workdir': {
          const wd = inst.path.startsWith('/') ? joinPath('/', inst.path) : joinPath(config.WorkingDir || '/', inst.path);
          config.WorkingDir = wd;
          if (wd !== '/') {
            const index = step();
            const owner = config.User ? resolveOwner(tree, config.User, loc, 'USER') : { uid: 0, gid: 0 };
            const before = tree.tryGet(wd);
            try {
              tree.mkdirp(wd, { mode: 0o755, mtime: sourceMtime, ...owner });
            } catch (e) {
              throw new BoxerError(asConflict('WORKDIR', wd, e, loc));
            }
            if (!before) provenance[wd] = index;
          }
          break;
        }
        case 'user':
          config.User = inst.user;
          break;
        case 'expose':
          config.ExposedPorts ??= {};
          for (const p of inst.ports) for (const key of exposeKeys(p, loc)) config.ExposedPorts[key] = {};
          break;
        case 'volume':
          config.Volumes ??= {};
          for (const v of inst.paths) {
            if (v.trim() === '') throw new BoxerError(d.badValue('VOLUME', v, loc, 'VOLUME needs a non-empty path'));
            config.Volumes[v] = {};
          }
          break;
        case 'stopsignal':
          config.StopSignal = inst.signal;
          break;
        case 'maintainer':
          author = inst.name;
          break;
        case 'shell':
          config.Shell = inst.args;
          break;
        case 'cmd':
          config.Cmd = inst.form === 'exec' ? inst.args : [...(config.Shell ?? ['/bin/sh', '-c']), inst.command];
          cmdSet = true;
          break;
        case 'entrypoint':
          config.Entrypoint = inst.form === 'exec' ? inst.args : [...(config.Shell ?? ['/bin/sh', '-c']), inst.command];
          // NOTE: an ENTRYPOINT resets a CMD inherited from the base (BuildKit dispatchEntrypoint).
          if (!cmdSet) delete config.Cmd;
          break;
        case 'copy':
        case 'add': {
          const keyword = inst.kind.toUpperCase();
          const index = step();
          const owner = inst.chown ? resolveOwner(tree, inst.chown, loc) : { uid: 0, gid: 0 };
          const chmod = inst.chmod !== undefined ? parseChmod(inst.chmod, loc) : undefined;
          const src = getContext();
          try {
            copyInto(tree, src, inst.sources, inst.dest, {
              workdir: config.WorkingDir || '/',
              ...owner,
              ...(chmod !== undefined ? { chmod } : {}),
              mtime: sourceMtime,
              onPath: (p) => void (provenance[p] = index),
            });
          } catch (e) {
            if (e instanceof CopyError) {
              const f = e.failure;
              if (f.kind === 'source-not-found') throw new BoxerError(d.copySourceNotFound(keyword, f.source, loc, isIgnored(options, f.source)));
              if (f.kind === 'dest-not-dir') throw new BoxerError(d.copyDestNotDir(keyword, f.dest, loc));
              throw new BoxerError(d.badPattern(f.source, f.message, loc));
            }
            throw new BoxerError(asConflict(keyword, inst.dest, e, loc));
          }
          break;
        }
        case 'from':
        case 'run':
        case 'onbuild':
        case 'healthcheck':
          throw new InternalError(`expected preflight() to reject ${inst.kind.toUpperCase()} at line ${loc.line}`);
        default: {
          const never: never = inst;
          throw new Error(`unhandled instruction ${(never as Instruction).kind}`);
        }
      }
    }
    const result = { tree, config, ...(author !== undefined ? { author } : {}) };
    done.set(stage, result);
    return result;
  };

  const result = await runStage(target);
  for (const name of Object.keys(buildArgs)) if (!usedArgs.has(name)) warnings.push(d.unusedBuildArg(name));
  for (const w of warnings) emit?.({ type: 'diagnostic', diagnostic: w });
  return { ...result, bases, steps, provenance, warnings };
}

/** Instructions and flags this version cannot execute, reported together before anything runs. */
function preflight(stage: Stage): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const inst of stage.instructions) {
    const loc = inst.location;
    switch (inst.kind) {
      case 'run':
        out.push(d.unsupportedInstruction('RUN', loc, 'build the program to wasm32-wasi outside boxer and COPY it in; RUN inside the box is on the roadmap'));
        break;
      case 'onbuild':
        out.push(d.unsupportedInstruction('ONBUILD', loc, 'remove ONBUILD; triggers are on the roadmap'));
        break;
      case 'healthcheck':
        out.push(d.unsupportedInstruction('HEALTHCHECK', loc, 'remove HEALTHCHECK; boxes have no health checks yet'));
        break;
      case 'copy':
      case 'add': {
        const kw = inst.kind.toUpperCase();
        if (inst.kind === 'copy' && inst.from !== undefined) out.push(d.unsupportedFlag(kw, '--from', loc, 'copy from the build context for now; COPY --from is on the roadmap'));
        if (inst.kind === 'copy' && inst.parents) out.push(d.unsupportedFlag(kw, '--parents', loc, 'spell out the destination directories'));
        if (inst.exclude.length > 0) out.push(d.unsupportedFlag(kw, '--exclude', loc, 'exclude the files in .dockerignore instead'));
        if (inst.heredocs && inst.heredocs.length > 0) out.push(d.unsupportedFlag(kw, '<<heredoc', loc, 'put the content in a file in the build context and COPY it'));
        if (inst.kind === 'add') {
          if (inst.checksum !== undefined) out.push(d.unsupportedFlag(kw, '--checksum', loc, 'ADD of URLs is not supported yet, so --checksum has nothing to check'));
          if (inst.unpack !== undefined) out.push(d.unsupportedFlag(kw, '--unpack', loc, 'ADD of archives is not supported yet'));
          if (inst.keepGitDir !== undefined) out.push(d.unsupportedFlag(kw, '--keep-git-dir', loc, 'ADD of git repositories is not supported yet'));
          for (const s of inst.sources) {
            if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@')) {
              out.push(d.unsupportedInstruction(`ADD of a URL (${s})`, loc, 'download the file first and COPY it from the build context'));
            }
          }
        }
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** `EXPOSE` value → ExposedPorts keys (`80` → `80/tcp`, ranges expanded, like nat.ParsePortSpecs). */
function exposeKeys(spec: string, loc: SourceLocation): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw new BoxerError(d.badValue('EXPOSE', spec, loc, 'write a port like 8080, 8080/tcp, 53/udp or 8000-8010'));
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  const proto = (m[3] ?? 'tcp').toLowerCase();
  if (lo < 1 || hi > 65535 || hi < lo) throw new BoxerError(d.badValue('EXPOSE', spec, loc, 'ports are 1-65535 and a range goes low-high'));
  const keys: string[] = [];
  for (let p = lo; p <= hi; p++) keys.push(`${p}/${proto}`);
  return keys;
}

function parseChmod(value: string, loc: SourceLocation): number {
  if (!/^[0-7]{3,4}$/.test(value)) throw new BoxerError(d.badChmod(value, loc));
  return parseInt(value, 8);
}


function asConflict(keyword: string, path: string, e: unknown, loc: SourceLocation): Diagnostic {
  if (e instanceof VfsError) return d.copyConflict(keyword, e.path || path, e.code, loc);
  if (e instanceof BoxerError) return e.diagnostic;
  throw e;
}

/** Whether a missing COPY source exists on the host but is excluded by .dockerignore (for the hint). */
function isIgnored(options: BuildImageOptions, source: string): boolean {
  const rel = cleanPath(source).slice(1);
  const patterns = options.ignorePatterns ?? [];
  return rel !== '' && patterns.length > 0 && ignore().add([...patterns]).ignores(rel);
}


