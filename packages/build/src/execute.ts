// The stage executor: Dockerfile text + build context → the target stage's tree and image config.
// In: `BuildImageOptions`. Out: `BuildImageResult` (tree, config, provenance), or a BoxerError holding
// every error diagnostic found before anything ran. Mirrors BuildKit's dockerfile2llb: a stage graph
// (FROM <stage>, COPY --from, ONBUILD triggers) from which only what the target needs is built, one
// handler per instruction kind, expansion with the stage's ENV/ARG state, and its metadata rules
// (PATH default, ENTRYPOINT resetting an inherited CMD, WORKDIR mkdir, triggers not carried over).
import { BoxerError, InternalError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { Emit } from '@boxer/events';
import { CHECK_FAILED, check, expandInstruction, parse, toStages, type ArgInstruction, type CopyInstruction, type Instruction, type Stage } from '@boxer/dockerfile';
import { getEnv, resolveBase, setEnv, type ImageConfig, type ResolveBaseOptions } from '@boxer/image';
import { Tree, VfsError } from '@boxer/vfs';
import type { BuildStep } from '@boxer/bundle';
import { checkContextDir, loadContext, type LoadedContext } from './context.js';
import { cleanPath, CopyError, copyInto, joinPath, matchSource } from './copy.js';
import { findArchives } from './archive.js';
import { download, isGitSource, isUrl, type NetAllow } from './remote.js';
import { extractTar } from '@boxer/layers';
import * as d from './diagnostics.js';
import { ignore } from './ignore.js';
import { parseChmod } from './mode.js';
import { resolveOwner } from './users.js';

/** BuildKit's `system.DefaultPathEnv` for non-Windows platforms. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The platform boxes target: WASI on Wasm. */
export const TARGET_PLATFORM = { os: 'wasi', arch: 'wasm', variant: '' } as const;

/** Unpacking limits for ADD archives: the whole tree stays in memory, so less than a layer's. */
const ADD_LIMITS = { maxBytes: 2 * 1024 ** 3 } as const;

/**
 * Sets `obj[key]` as an own property even for keys like `__proto__` (plain assignment would change
 * the prototype and drop the entry).
 */
function setKey<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Build args BuildKit accepts without an ARG declaration (proxy settings, for RUN). */
const PROXY_ARGS = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

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
  /** Hosts `ADD <url>` may download from (`--allow-net`): true for any, or `host[:port]` entries. @default none */
  allowNet?: NetAllow;
  /** How FROM and COPY --from reach images: blob cache, platform, registries allowed over plain HTTP, credentials. */
  images?: Omit<ResolveBaseOptions, 'location' | 'baseDir' | 'emit' | 'signal'>;
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
  /** The stage's own ONBUILD triggers, typed, for a stage built FROM this one. */
  triggers: Instruction[];
}

/** What a COPY --from names: an earlier stage, or an image to resolve. */
type CopySource = { stage: Stage } | { image: string };

/** `os/arch` of the machine running the build, in OCI terms (BuildKit's BUILDPLATFORM). */
function buildPlatform(): { os: string; arch: string; variant: string } {
  const arch = ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[process.arch] ?? process.arch;
  return { os: process.platform === 'win32' ? 'windows' : process.platform, arch, variant: arch === 'arm' ? 'v7' : '' };
}

/** BuildKit's automatic platform ARGs, defined in the global scope (visible in FROM, redeclare to use). */
export function predefinedArgs(): Map<string, string> {
  const b = buildPlatform();
  const t = TARGET_PLATFORM;
  const fmt = (p: { os: string; arch: string; variant: string }) => `${p.os}/${p.arch}${p.variant ? `/${p.variant}` : ''}`;
  return new Map([
    ['BUILDPLATFORM', fmt(b)], ['BUILDOS', b.os], ['BUILDARCH', b.arch], ['BUILDVARIANT', b.variant],
    ['TARGETPLATFORM', fmt(t)], ['TARGETOS', t.os], ['TARGETARCH', t.arch], ['TARGETVARIANT', t.variant],
  ]);
}

export async function buildImage(options: BuildImageOptions): Promise<BuildImageResult> {
  const { text, file } = options.dockerfile;
  const emit = options.emit;
  const warnings: Diagnostic[] = [];
  const parsed = parse(text, { file });
  const staged = toStages(parsed.ast, {});
  // BuildKit runs its build checks during every build: their warnings are printed, and with
  // `# check=error=true` they fail it (DOCKERFILE_CHECK_FAILED).
  const linted = check(parsed.ast, { ...(options.buildArgs ? { buildArgs: options.buildArgs } : {}), platformArgs: Object.fromEntries(predefinedArgs()) });
  const seen = new Set<string>();
  const all = [...parsed.diagnostics, ...staged.diagnostics, ...linted.warnings, ...linted.errors.filter((e) => e.code === CHECK_FAILED)].filter((x) => {
    const key = `${x.code}:${x.location?.line}:${x.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const errors = all.filter((x) => x.severity === 'error');
  warnings.push(...all.filter((x) => x.severity === 'warning'));
  const stages = staged.stages;
  const ex = { escapeToken: staged.escapeToken };
  if (errors.length > 0) throw new BoxerError([...errors, ...warnings]);
  if (stages.length === 0) throw new InternalError('expected the front end to report a Dockerfile without stages');

  let target: Stage | undefined = stages[stages.length - 1]!;
  if (options.target !== undefined) {
    target = stages.find((s) => s.name !== undefined && s.name.toLowerCase() === options.target!.toLowerCase());
    if (!target) throw new BoxerError(d.targetNotFound(options.target, stages.flatMap((s) => (s.name ? [s.name] : []))));
  }

  // Global ARGs: the predefined platform ARGs, then ARGs before the first FROM, visible in FROM lines
  // only (BuildKit buildMetaArgs); a stage sees them when it redeclares them without a value.
  const buildArgs = options.buildArgs ?? {};
  const usedArgs = new Set<string>(Object.keys(buildArgs).filter((k) => PROXY_ARGS.has(k)));
  /** Declares an expanded ARG's names in `into`: a build arg wins over the default; with neither, an inherited value. */
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
  const globalArgs = predefinedArgs();
  for (const arg of staged.globalArgs) declareArgs(expandInstruction(arg, (name) => globalArgs.get(name), ex), globalArgs);
  const fromImage = (stage: Stage): string => {
    for (const name of globalArgs.keys()) if (new RegExp(`\\$(\\{)?${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(stage.from.image)) usedArgs.add(name);
    return expandInstruction(stage.from, (name) => globalArgs.get(name), ex).image;
  };

  // The stage graph. Names only reach earlier stages, so it has no cycles (BuildKit: "needs to be
  // defined before current stage").
  const stageNamed = (name: string, before: Stage): Stage | undefined =>
    stages.slice(0, stages.indexOf(before)).find((s) => s.name !== undefined && s.name.toLowerCase() === name.toLowerCase());
  const baseStage = new Map<Stage, Stage | undefined>(stages.map((s) => [s, stageNamed(fromImage(s), s)]));
  const copySource = (from: string, current: Stage, loc: SourceLocation): CopySource => {
    if (/^\d+$/.test(from)) {
      const i = Number(from);
      if (i >= stages.indexOf(current)) throw new BoxerError(d.copyFromLaterStage(from, current, loc));
      return { stage: stages[i]! };
    }
    const named = stageNamed(from, current);
    if (named) return { stage: named };
    if (stages.some((s) => s.name?.toLowerCase() === from.toLowerCase())) throw new BoxerError(d.copyFromLaterStage(from, current, loc));
    return { image: from };
  };
  /** Triggers a stage runs first: its base stage's ONBUILD instructions. */
  const triggersOf = (stage: Stage): Instruction[] => {
    const base = baseStage.get(stage);
    return base ? base.instructions.flatMap((i) => (i.kind === 'onbuild' && i.instruction ? [i.instruction] : [])) : [];
  };
  const needed = new Set<Stage>();
  const visit = (stage: Stage): void => {
    if (needed.has(stage)) return;
    needed.add(stage);
    const base = baseStage.get(stage);
    if (base) visit(base);
    for (const inst of [...triggersOf(stage), ...stage.instructions]) {
      if (inst.kind === 'copy' && inst.from !== undefined) {
        const src = copySource(inst.from, stage, inst.location);
        if ('stage' in src) visit(src.stage);
      }
    }
  };
  visit(target);

  // Report every unsupported instruction of the stages we will run before running any.
  for (const stage of stages) {
    if (!needed.has(stage)) continue;
    for (const trigger of triggersOf(stage)) errors.push(...preflight(trigger, stage.from.location));
    for (const inst of stage.instructions) errors.push(...preflight(inst));
  }
  // NOTE: warnings found so far go out with the errors, so a failed build still shows them.
  if (errors.length > 0) throw new BoxerError([...errors, ...warnings]);

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
  const totalSteps = stages.filter((s) => needed.has(s)).reduce((n, s) => n + s.instructions.length + triggersOf(s).length + 1, 0);
  let stepNo = 0;
  const done = new Map<Stage, StageResult>();
  const images = new Map<string, Promise<Tree>>();
  const baseOptions = (location: SourceLocation): ResolveBaseOptions => ({ ...options.images, location, baseDir: options.contextDir, ...(emit ? { emit } : {}) });
  const imageTree = (ref: string, loc: SourceLocation): Promise<Tree> => {
    let t = images.get(ref);
    if (!t) images.set(ref, (t = resolveBase(ref, baseOptions(loc)).then((b) => b.tree)));
    return t;
  };

  const runStage = async (stage: Stage): Promise<StageResult> => {
    const cached = done.get(stage);
    if (cached) return cached;
    // Stages this one reads from are built first, so their steps come before its own.
    const parent = baseStage.get(stage);
    const parentResult = parent ? await runStage(parent) : undefined;
    for (const inst of [...triggersOf(stage), ...stage.instructions]) {
      if (inst.kind === 'copy' && inst.from !== undefined) {
        const src = copySource(inst.from, stage, inst.location);
        if ('stage' in src) await runStage(src.stage);
      }
    }
    emit?.({ type: 'step', index: ++stepNo, total: totalSteps, text: stage.from.original, line: stage.from.location.line });
    let tree: Tree;
    let config: ImageConfig;
    let author: string | undefined;
    let imageTriggers: Instruction[] = [];
    if (parentResult) {
      tree = parentResult.tree.clone();
      config = structuredClone(parentResult.config);
      author = parentResult.author;
      // NOTE: ONBUILD triggers do not carry over to the stage after the one that runs them (BuildKit init()).
      delete config.OnBuild;
    } else {
      const image = fromImage(stage);
      const base = await resolveBase(image, baseOptions(stage.from.location));
      tree = base.tree;
      config = base.config;
      bases.push({ stage: stage.name ?? String(stage.index), ref: base.ref, ...(base.digest ? { digest: base.digest } : {}) });
      // An image's ONBUILD triggers run first in the stage built FROM it, and are not carried over.
      imageTriggers = parseTriggers(config.OnBuild ?? [], stage.from.location, file);
      delete config.OnBuild;
    }
    // NOTE: BuildKit makes sure PATH is always set (dockerfile2llb dispatchStages).
    if (getEnv(config.Env, 'PATH') === undefined) config.Env.push(`PATH=${DEFAULT_PATH}`);

    const args = new Map<string, string>();
    const lookup = (name: string): string | undefined => getEnv(config.Env, name) ?? args.get(name);
    const triggers: Instruction[] = [];
    let cmdSet = false;
    const triggerList = parentResult?.triggers ?? imageTriggers;
    for (const raw of [...triggerList, ...stage.instructions]) {
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
          for (const { key, value } of inst.pairs) setKey(config.Labels, key, value);
          break;
        case 'workdir': {
          const wd = inst.path.startsWith('/') ? cleanPath(inst.path) : joinPath(config.WorkingDir || '/', inst.path);
          config.WorkingDir = wd;
          if (wd !== '/') {
            const index = step();
            const owner = config.User ? resolveOwner(tree, config.User, loc, 'USER') : { uid: 0, gid: 0 };
            try {
              const before = tree.tryGet(wd);
              tree.mkdirp(wd, { mode: 0o755, mtime: sourceMtime, ...owner });
              if (!before) provenance[wd] = index;
            } catch (e) {
              throw new BoxerError(asConflict('WORKDIR', wd, e, loc));
            }
          }
          break;
        }
        case 'user':
          config.User = inst.user;
          break;
        case 'expose':
          config.ExposedPorts ??= {};
          for (const p of inst.ports) for (const key of exposeKeys(p, loc)) setKey(config.ExposedPorts, key, {});
          break;
        case 'volume':
          config.Volumes ??= {};
          for (const v of inst.paths) {
            if (v.trim() === '') throw new BoxerError(d.badValue('VOLUME', v, loc, 'VOLUME needs a non-empty path'));
            setKey(config.Volumes, v, {});
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
        case 'onbuild':
          // Recorded in the image config and kept typed for a stage built FROM this one.
          (config.OnBuild ??= []).push(inst.expression);
          if (inst.instruction) triggers.push(inst.instruction);
          break;
        case 'copy':
        case 'add': {
          const keyword = inst.kind.toUpperCase();
          const index = step();
          const chown = inst.chown ? resolveOwner(tree, inst.chown, loc) : undefined;
          const chmod = inst.chmod !== undefined ? parseChmod(inst.chmod) : undefined;
          if (inst.chmod !== undefined && !chmod) throw new BoxerError(d.badChmod(inst.chmod, loc));
          const from = inst.kind === 'copy' && inst.from !== undefined ? copySource(inst.from, stage, loc) : undefined;
          const heredocs = inst.heredocs ?? [];
          // The build context's files are root-owned and stamped with SOURCE_DATE_EPOCH; a stage's or an
          // image's keep their owner and mtime (BuildKit's copy keeps them when no --chown is given).
          const fromContext = from === undefined && heredocs.length === 0;
          let src: Tree;
          let sources = inst.sources;
          if (heredocs.length > 0) {
            src = heredocTree(heredocs, sourceMtime);
            sources = heredocs.map((h) => `/${h.name}`);
          } else if (from === undefined) src = getContext();
          else if ('stage' in from) src = done.get(from.stage)!.tree;
          else src = await imageTree(from.image, loc);
          // ADD <url> downloads (only with --allow-net for that host) and never unpacks.
          if (inst.kind === 'add' && sources.some(isUrl)) {
            const urls = sources.filter(isUrl);
            const destIsDir = inst.dest.endsWith('/') || sources.length > 1;
            if (sources.length > 1 && !destIsDir) throw new BoxerError(d.copyDestNotDir(keyword, inst.dest, loc));
            for (const u of urls) {
              const got = await download(u, { allow: options.allowNet, ...(inst.checksum !== undefined ? { checksum: inst.checksum } : {}), location: loc });
              const fetched = new Tree();
              fetched.writeFile(`/${got.name}`, got.bytes, { mode: chmod ? chmod(0o600, false) : 0o600, mtime: got.mtime ?? sourceMtime });
              copyInto(tree, fetched, [`/${got.name}`], inst.dest, {
                workdir: config.WorkingDir || '/', owner: chown ?? { uid: 0, gid: 0 }, createdMtime: sourceMtime,
                onPath: (p) => void (provenance[p] = index),
              });
            }
            sources = sources.filter((x) => !isUrl(x));
            if (sources.length === 0) break;
          }
          // ADD unpacks local tar archives (identity, gzip, bzip2, xz, decided by content) into the
          // destination directory; other sources copy like COPY (Docker reference, ADD).
          if (inst.kind === 'add' && fromContext) {
            const archives = await findArchives(src, sources);
            if (archives.size > 0) {
              const destDir = inst.dest.startsWith('/') ? cleanPath(inst.dest) : joinPath(config.WorkingDir || '/', inst.dest);
              for (const [path, bytes] of archives) {
                const unpacked = new Tree();
                const r = await extractTar(unpacked, bytes, { name: path.slice(1), limits: ADD_LIMITS }).catch((e: unknown) => {
                  throw e instanceof BoxerError ? new BoxerError(e.diagnostics.map((x) => ({ location: loc, ...x }))) : e;
                });
                warnings.push(...r.warnings.map((w) => ({ ...w, location: loc })));
                tree.mkdirp(destDir, { mode: 0o755, mtime: sourceMtime, ...(chown ?? {}) });
                copyInto(tree, unpacked, ['/'], `${destDir}/`, {
                  workdir: '/', ...(chown ? { owner: chown } : {}), ...(chmod ? { chmod } : {}), createdMtime: sourceMtime,
                  onPath: (p) => void (provenance[p] = index),
                });
              }
              sources = sources.filter((s) => !matchSource(src, s).every((m) => archives.has(m.path)));
              if (sources.length === 0) break;
            }
          }
          try {
            copyInto(tree, src, sources, inst.dest, {
              workdir: config.WorkingDir || '/',
              ...(chown ? { owner: chown } : fromContext || heredocs.length > 0 ? { owner: { uid: 0, gid: 0 } } : {}),
              ...(chmod ? { chmod } : {}),
              ...(fromContext || heredocs.length > 0 ? { mtime: sourceMtime } : {}),
              createdMtime: sourceMtime,
              exclude: inst.exclude,
              parents: inst.kind === 'copy' && inst.parents === true,
              onPath: (p) => void (provenance[p] = index),
            });
          } catch (e) {
            if (e instanceof CopyError) {
              const f = e.failure;
              if (f.kind === 'source-not-found') {
                throw new BoxerError(from !== undefined
                  ? d.copySourceNotInStage(keyword, f.source, 'stage' in from ? (from.stage.name ?? String(from.stage.index)) : from.image, loc)
                  : d.copySourceNotFound(keyword, f.source, loc, isIgnored(options, f.source)));
              }
              if (f.kind === 'dest-not-dir') throw new BoxerError(d.copyDestNotDir(keyword, f.dest, loc));
              throw new BoxerError(d.badPattern(f.source, f.message, loc));
            }
            throw new BoxerError(asConflict(keyword, inst.dest, e, loc));
          }
          break;
        }
        case 'from':
        case 'run':
        case 'healthcheck':
          throw new InternalError(`expected preflight() to reject ${inst.kind.toUpperCase()} at line ${loc.line}`);
        default: {
          const never: never = inst;
          throw new InternalError(`unhandled instruction ${(never as Instruction).kind}`);
        }
      }
    }
    const result: StageResult = { tree, config, triggers, ...(author !== undefined ? { author } : {}) };
    done.set(stage, result);
    return result;
  };

  const { triggers: _triggers, ...result } = await runStage(target);
  for (const name of Object.keys(buildArgs)) if (!usedArgs.has(name)) warnings.push(d.unusedBuildArg(name));
  for (const w of warnings) emit?.({ type: 'diagnostic', diagnostic: w });
  return { ...result, bases, steps, provenance, warnings };
}

/**
 * What this version cannot execute in one instruction, reported before anything runs. `triggeredAt`
 * is the FROM line that runs an ONBUILD trigger.
 */
function preflight(inst: Instruction, triggeredAt?: SourceLocation): Diagnostic[] {
  const out: Diagnostic[] = [];
  const loc = inst.location;
  const note = triggeredAt ? [{ message: 'run as an ONBUILD trigger by this FROM', location: triggeredAt }] : undefined;
  const push = (x: Diagnostic): void => void out.push(note ? { ...x, notes: note } : x);
  switch (inst.kind) {
    case 'run':
      push(d.unsupportedInstruction('RUN', loc, 'build the program to wasm32-wasi outside boxer and COPY it in; RUN inside the box is on the roadmap'));
      break;
    case 'healthcheck':
      push(d.unsupportedInstruction('HEALTHCHECK', loc, 'remove HEALTHCHECK; boxes have no health checks yet'));
      break;
    case 'copy':
    case 'add': {
      const kw = inst.kind.toUpperCase();
      if (inst.heredocs && inst.heredocs.length > 0 && inst.sources.length > 0) {
        push(d.unsupportedFlag(kw, 'with both heredoc and file sources', loc, 'split it into one COPY for the files and one for the heredocs'));
      }
      if (inst.kind === 'add') {
        if (inst.checksum !== undefined && !inst.sources.every((x) => /^https?:\/\//.test(x))) {
          push(d.unsupportedFlag(kw, '--checksum', loc, '--checksum applies to http(s) sources only; local files are checked by the build context'));
        }
        if (inst.unpack !== undefined) push(d.unsupportedFlag(kw, '--unpack', loc, 'URLs are never unpacked by this version; download the archive into the context and ADD it from there (local archives are unpacked)'));
        if (inst.keepGitDir !== undefined) push(d.unsupportedFlag(kw, '--keep-git-dir', loc, 'ADD of git repositories is not supported yet'));
        for (const s of inst.sources) {
          if (isGitSource(s)) push(d.unsupportedInstruction(`ADD of a git repository (${s})`, loc, 'clone it into the build context and COPY what the image needs'));
          else if (isUrl(s) && !/^https?:\/\//i.test(s)) push(d.unsupportedInstruction(`ADD of a ${s.split(':')[0]} URL`, loc, 'ADD downloads http(s) URLs only; fetch the file first and COPY it'));
        }
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/**
 * An image config's ONBUILD triggers (instruction text) as typed instructions located at the FROM line
 * that runs them (BuildKit resets their location the same way); each is checked like any instruction.
 */
function parseTriggers(triggers: readonly string[], at: SourceLocation, file: string): Instruction[] {
  const out: Instruction[] = [];
  for (const trigger of triggers) {
    const { ast, diagnostics } = parse(`FROM scratch\n${trigger}\n`, { file });
    const staged = toStages(ast, {});
    const inst = staged.stages[0]?.instructions[0];
    const problems = [...diagnostics, ...staged.diagnostics].filter((x) => x.severity === 'error');
    if (!inst || problems.length > 0 || staged.stages[0]!.instructions.length !== 1) {
      throw new BoxerError(d.badTrigger(trigger, at, problems[0]?.message ?? 'not a single instruction'));
    }
    const problemsHere = preflight({ ...inst, location: at }, at);
    if (problemsHere.length > 0) throw new BoxerError(problemsHere);
    out.push({ ...inst, location: at, original: trigger });
  }
  return out;
}

/** A source tree holding COPY's heredoc files, each named after its delimiter (BuildKit's inline files). */
function heredocTree(heredocs: NonNullable<CopyInstruction['heredocs']>, mtime: bigint): Tree {
  const t = new Tree();
  const enc = new TextEncoder();
  for (const h of heredocs) t.writeFile(`/${h.name}`, enc.encode(h.content), { mode: 0o644, mtime });
  return t;
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
