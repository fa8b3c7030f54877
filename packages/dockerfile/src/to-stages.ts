// toStages(): DockerfileAst -> typed instructions grouped into stages, plus the global ARGs before the
// first FROM. In: the AST from parse(). Out: stages, globalArgs and diagnostics; it never throws on bad
// input. Argument splitting follows moby/buildkit frontend/dockerfile/parser/line_parsers.go and the
// checks follow frontend/dockerfile/instructions/parse.go (Apache-2.0). Values stay raw: expansion is
// expandInstruction()'s job, because it needs the build's ARG/ENV state.
import { InternalError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { DockerfileAst, DockerfileNode } from './ast.js';
import * as diag from './diagnostics.js';
import { parseGoDuration } from './duration.js';
import { BFlags } from './flags.js';
import { chompHeredocContent, parseHeredoc, type Heredoc } from './heredoc.js';
import {
  INSTRUCTIONS,
  isInstructionKind,
  type AddInstruction,
  type ArgInstruction,
  type CommandForm,
  type CopyInstruction,
  type FromInstruction,
  type HealthcheckInstruction,
  type HealthcheckTiming,
  type Instruction,
  type InstructionBase,
  type InstructionKind,
  type KeyValue,
  type Stage,
  type StageOptions,
  type StagesResult,
} from './instructions.js';
import { parseHealthConfig, parseMaybeJSON, parseMaybeJSONToList, parseNameVal, parseStringsWhitespaceDelimited, parseWords } from './line-parsers.js';
import { expandWord } from './shell/lex.js';
import { trimSpace } from './shell/chars.js';
import { suggest } from './suggest.js';

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;
const RESERVED_STAGE_NAMES = new Set(['context', 'scratch']);
const UPPER_INSTRUCTIONS = INSTRUCTIONS.map((i) => i.toUpperCase());

class Ctx {
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly ast: DockerfileAst) {}

  /** Location of `--name` on the node's lines, or the node's location. */
  flagLoc(node: DockerfileNode, name: string): SourceLocation {
    const needle = `--${name}`;
    for (let line = node.startLine; line <= node.endLine; line++) {
      const text = this.ast.lines[line - 1] ?? '';
      const col = text.indexOf(needle);
      if (col < 0) continue;
      let end = col;
      while (end < text.length && !/\s/.test(text[end]!)) end++;
      return { file: this.ast.file, line, column: col, length: end - col, lineText: text };
    }
    return node.location;
  }
}

interface Req {
  node: DockerfileNode;
  /** Upper-case keyword for messages. */
  name: string;
  ctx: Ctx;
  flags: BFlags;
}

function base<K extends InstructionKind>(kind: K, req: Req): InstructionBase<K> {
  const b: InstructionBase<K> = { kind, location: req.node.location, endLine: req.node.endLine, original: trimSpace(req.node.original) };
  if (req.node.flags.length > 0) {
    const locs: Record<string, SourceLocation> = {};
    for (const f of req.node.flags) {
      const name = f.replace(/^--/, '').split('=')[0]!;
      if (!(name in locs)) locs[name] = req.ctx.flagLoc(req.node, name);
    }
    b.flagLocations = locs;
  }
  return b;
}

/** Runs flag checks; returns false when a flag was bad. */
function parseFlags(req: Req): boolean {
  const ds = req.flags.parse();
  req.ctx.diagnostics.push(...ds);
  return ds.length === 0;
}

/** BuildKit never calls flags.Parse() for some instructions: their flags are accepted and ignored. */
function ignoreFlags(req: Req): void {
  for (const f of req.node.flags) {
    const name = f.replace(/^--/, '').split('=')[0]!;
    req.ctx.diagnostics.push(diag.ignoredFlag(`--${name}`, req.name, req.ctx.flagLoc(req.node, name)));
  }
}

function err(req: Req, d: Diagnostic): undefined {
  req.ctx.diagnostics.push(d);
  return undefined;
}

/** BuildKit handleJSONArgs: exec form keeps the list; shell form is one string. */
function commandForm(args: string[], json: boolean): CommandForm {
  if (json) return { form: 'exec', args };
  return { form: 'shell', command: args.join(' ') };
}

/** parseString: the whole argument text is the one argument. */
function oneArgument(req: Req): string | undefined {
  if (req.node.args === '') {
    return err(req, diag.missingArgument(req.name, `${req.name} requires exactly one argument`, req.node.location));
  }
  return req.node.args;
}

function parseKvps(req: Req, which: 'ENV' | 'LABEL'): KeyValue[] | undefined {
  const r = parseNameVal(req.node.args, req.ctx.ast.escapeToken);
  const at = req.node.location;
  if (!r.ok) {
    if (r.error === 'no-value') return err(req, which === 'ENV' ? diag.envNoValue(r.key, at) : diag.labelNoValue(r.key, at));
    return err(req, diag.invalidKeyValue(which, r.word, at));
  }
  if (r.pairs.length === 0) return err(req, diag.missingArgument(which, `${which} requires at least one argument`, at));
  for (const p of r.pairs) {
    if (p.key === '') return err(req, diag.blankName(which, at));
  }
  for (const p of r.pairs) if (p.legacy) req.ctx.diagnostics.push(diag.legacyKeyValue(req.node.rawKeyword, p.key, at));
  return r.pairs.map((p) => ({ key: p.key, value: p.value }));
}

/** The typed variable-free check BuildKit applies to COPY --from (moby/buildkit#6153). */
function checkFromVariable(req: Req, value: string, at: SourceLocation): void {
  let same = false;
  try {
    same = expandWord(value, () => undefined, { escapeToken: req.ctx.ast.escapeToken }) === value;
  } catch {
    same = false;
  }
  if (!same) req.ctx.diagnostics.push(diag.fromFlagVariable(value, at));
}

/** Go encoding/csv for one record; undefined when malformed. */
export function parseCsvRecord(s: string): string[] | undefined {
  if (s === '') return undefined; // csv.Reader.Read gives io.EOF
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return undefined;
        if (s[i] === '"') {
          if (s[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += s[i++];
      }
      if (i < s.length && s[i] !== ',') return undefined;
    } else {
      while (i < s.length && s[i] !== ',') {
        if (s[i] === '"') return undefined;
        field += s[i++];
      }
    }
    fields.push(field);
    if (i >= s.length) return fields;
    i++; // ','
  }
}

function parseSourcesAndDest(req: Req, args: string[]): { sources: string[]; dest: string; heredocs: Heredoc[] } | undefined {
  const dest = args[args.length - 1]!;
  const h = parseHeredoc(dest);
  if (h !== undefined && !('error' in h)) {
    return err(req, diag.invalidHeredoc(`${req.name} cannot accept a heredoc as a destination`, req.node.location));
  }
  const sources: string[] = [];
  const heredocs: Heredoc[] = [];
  for (const src of args.slice(0, -1)) {
    const hd = parseHeredoc(src);
    // NOTE: BuildKit's MustParseHeredoc ignores malformed headers here: they are plain paths.
    if (hd === undefined || 'error' in hd) {
      sources.push(src);
      continue;
    }
    // NOTE: BuildKit looks bodies up in a map, so with a repeated name the last body wins.
    const body = req.node.heredocs.findLast((x) => x.name === hd.name)?.content ?? '';
    heredocs.push({ ...hd, content: hd.chomp ? chompHeredocContent(body) : body });
  }
  return { sources, dest, heredocs };
}

function parseFrom(req: Req): FromInstruction {
  const args = parseStringsWhitespaceDelimited(req.node.args);
  const at = req.node.location;
  let name: string | undefined;
  if (args.length === 3 && args[1]!.toLowerCase() === 'as') {
    const lower = args[2]!.toLowerCase();
    if (STAGE_NAME.test(lower)) name = lower;
    else req.ctx.diagnostics.push(diag.invalidStageName(args[2]!, at));
  } else if (args.length === 0) {
    req.ctx.diagnostics.push(diag.missingArgument('FROM', 'FROM requires either one or three arguments', at, 'write `FROM <image> [AS <name>]`'));
  } else if (args.length !== 1) {
    req.ctx.diagnostics.push(diag.tooManyArguments('FROM', 'FROM requires either one or three arguments', at, 'write `FROM <image> [AS <name>]`'));
  }
  req.flags.addString('platform');
  parseFlags(req);
  const from: FromInstruction = { ...base('from', req), image: args[0] ?? '' };
  if (name !== undefined) from.name = name;
  const platform = req.flags.string('platform');
  if (platform !== undefined) from.platform = platform;
  return from;
}

function parseCopyOrAdd(req: Req, kind: 'copy' | 'add'): CopyInstruction | AddInstruction | undefined {
  const r = parseMaybeJSONToList(req.node.args);
  if (r === 'not-strings') return err(req, diag.jsonNotStrings(req.name, req.node.location));
  if (r.args.length < 2) return err(req, diag.missingDestination(req.name, req.node.location));
  const f = req.flags.addStrings('exclude').addString('chown').addString('chmod').addBool('link');
  if (kind === 'copy') f.addString('from').addBool('parents');
  else f.addBool('keep-git-dir').addString('checksum').addBool('unpack');
  const flagsOk = parseFlags(req);
  const sd = parseSourcesAndDest(req, r.args);
  if (!sd || !flagsOk) return undefined;
  const common = { sources: sd.sources, dest: sd.dest, exclude: f.strings('exclude') };
  const opt = <T extends object>(o: T, key: string, v: unknown): T => {
    if (v !== undefined) (o as Record<string, unknown>)[key] = v;
    return o;
  };
  let out: CopyInstruction | AddInstruction;
  if (kind === 'copy') {
    const c: CopyInstruction = { ...base('copy', req), ...common };
    const from = f.string('from');
    if (from !== undefined) {
      c.from = from;
      checkFromVariable(req, from, req.ctx.flagLoc(req.node, 'from'));
    }
    opt(c, 'parents', f.bool('parents'));
    out = c;
  } else {
    const a: AddInstruction = { ...base('add', req), ...common };
    opt(a, 'checksum', f.string('checksum'));
    opt(a, 'keepGitDir', f.bool('keep-git-dir'));
    opt(a, 'unpack', f.bool('unpack'));
    out = a;
  }
  opt(out, 'chown', f.string('chown'));
  opt(out, 'chmod', f.string('chmod'));
  opt(out, 'link', f.bool('link'));
  if (sd.heredocs.length > 0) out.heredocs = sd.heredocs;
  return out;
}

function parseCommand(req: Req, kind: 'run' | 'cmd' | 'entrypoint'): Instruction | undefined {
  const r = parseMaybeJSON(req.node.args);
  if (r === 'not-strings') return err(req, diag.jsonNotStrings(req.name, req.node.location));
  if (kind === 'run') req.flags.addStrings('mount').addString('network').addString('security');
  if (!parseFlags(req)) return undefined;
  const form = commandForm(r.args, r.json);
  if (kind === 'cmd') return { ...base('cmd', req), ...form };
  if (kind === 'entrypoint') return { ...base('entrypoint', req), ...form };
  const run = { ...base('run', req), ...form, mounts: req.flags.strings('mount') } as Extract<Instruction, { kind: 'run' }>;
  let ok = true;
  const network = req.flags.string('network');
  if (network !== undefined) {
    if (!['default', 'none', 'host'].includes(network)) {
      req.ctx.diagnostics.push(diag.invalidFlagValue('network', `invalid network mode "${network}"`, req.ctx.flagLoc(req.node, 'network'), 'use default, none or host'));
      ok = false;
    }
    run.network = network;
  }
  const security = req.flags.string('security');
  if (security !== undefined) {
    if (!['sandbox', 'insecure'].includes(security)) {
      req.ctx.diagnostics.push(diag.invalidFlagValue('security', `security "${security}" is not valid`, req.ctx.flagLoc(req.node, 'security'), 'use sandbox or insecure'));
      ok = false;
    }
    run.security = security;
  }
  for (const m of run.mounts) {
    const fields = parseCsvRecord(m);
    if (!fields) {
      req.ctx.diagnostics.push(diag.invalidFlagValue('mount', `failed to parse csv mounts: "${m}"`, req.ctx.flagLoc(req.node, 'mount')));
      ok = false;
      continue;
    }
    for (const field of fields) {
      const eq = field.indexOf('=');
      if (eq >= 0 && field.slice(0, eq).toLowerCase() === 'from' && /\$./su.test(field.slice(eq + 1))) {
        req.ctx.diagnostics.push(diag.fromFlagVariable(field.slice(eq + 1), req.ctx.flagLoc(req.node, 'mount')));
        ok = false;
      }
    }
  }
  if (req.node.heredocs.length > 0 && r.json === false) run.heredocs = req.node.heredocs;
  return ok ? run : undefined;
}

function parseHealthcheck(req: Req): HealthcheckInstruction | undefined {
  const r = parseHealthConfig(req.node.args);
  const at = req.node.location;
  if (r === 'not-strings') return err(req, diag.jsonNotStrings(req.name, at));
  if (r.args.length === 0) return err(req, diag.missingArgument('HEALTHCHECK', 'HEALTHCHECK requires at least one argument', at, 'write `HEALTHCHECK CMD <command>` or `HEALTHCHECK NONE`'));
  const typ = r.args[0]!.toUpperCase();
  const rest = r.args.slice(1);
  if (typ === 'NONE') {
    if (rest.length !== 0) return err(req, diag.invalidHealthcheck('HEALTHCHECK NONE takes no arguments', at));
    ignoreFlags(req);
    return { ...base('healthcheck', req), type: 'none' };
  }
  const f = req.flags.addString('interval').addString('timeout').addString('start-period').addString('start-interval').addString('retries');
  let ok = parseFlags(req);
  if (typ !== 'CMD') return err(req, diag.invalidHealthcheck(`unknown type "${typ}" in HEALTHCHECK (try CMD)`, at));
  if (rest.length === 0) return err(req, diag.invalidHealthcheck('missing command after HEALTHCHECK CMD', at));
  const timing: HealthcheckTiming = {};
  const durations: [string, keyof HealthcheckTiming][] = [
    ['interval', 'interval'],
    ['timeout', 'timeout'],
    ['start-period', 'startPeriod'],
    ['start-interval', 'startInterval'],
  ];
  for (const [flag, key] of durations) {
    const v = f.string(flag);
    if (v === undefined || v === '') continue;
    const d = parseGoDuration(v);
    const loc = req.ctx.flagLoc(req.node, flag);
    if (typeof d !== 'number') {
      req.ctx.diagnostics.push(diag.invalidFlagValue(flag, d.error, loc, 'write a duration such as 30s, 1m30s or 500ms'));
      ok = false;
    } else if (d !== 0 && d < 1e6) {
      req.ctx.diagnostics.push(diag.invalidFlagValue(flag, `interval "${flag}" cannot be less than 1ms`, loc));
      ok = false;
    } else timing[key] = d;
  }
  const retries = f.string('retries');
  if (retries !== undefined && retries !== '') {
    const loc = req.ctx.flagLoc(req.node, 'retries');
    const n = /^[+-]?[0-9]+$/.test(retries) ? Number(retries) : Number.NaN;
    if (!Number.isInteger(n) || n > 2147483647 || n < -2147483648) {
      req.ctx.diagnostics.push(diag.invalidFlagValue('retries', `"${retries}" is not a 32-bit integer`, loc));
      ok = false;
    } else if (n < 0) {
      req.ctx.diagnostics.push(diag.invalidFlagValue('retries', `--retries cannot be negative (${n})`, loc));
      ok = false;
    } else timing.retries = n;
  }
  if (!ok) return undefined;
  return { ...base('healthcheck', req), type: 'cmd', ...commandForm(rest, r.json), ...timing };
}

function parseOnbuild(req: Req): Instruction | undefined {
  const at = req.node.location;
  if (req.node.args === '' || !req.node.child) return err(req, diag.missingArgument('ONBUILD', 'ONBUILD requires at least one argument', at, 'write `ONBUILD <instruction>`'));
  if (!parseFlags(req)) return undefined;
  const child = req.node.child;
  const trigger = child.rawKeyword.toUpperCase();
  if (trigger === 'ONBUILD') return err(req, diag.invalidOnbuild('chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', at));
  if (trigger === 'MAINTAINER' || trigger === 'FROM') return err(req, diag.invalidOnbuild(`${trigger} isn't allowed as an ONBUILD trigger`, at));
  let expression = req.node.original.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
  for (const h of req.node.heredocs) expression += '\n' + h.content + h.name;
  const out: Extract<Instruction, { kind: 'onbuild' }> = { ...base('onbuild', req), expression };
  // NOTE: BuildKit checks the trigger only when a child image runs it, so problems are warnings here.
  const sub = new Ctx(req.ctx.ast);
  const instruction = parseNode({ ...child, heredocs: req.node.heredocs }, sub);
  // NOTE: a non-string JSON array is a parse error in BuildKit even inside ONBUILD (parseSubCommand).
  const parseErrors = sub.diagnostics.filter((d) => d.code === diag.JSON_NOT_STRINGS);
  if (parseErrors.length > 0) {
    req.ctx.diagnostics.push(...parseErrors);
    return undefined;
  }
  const problems = sub.diagnostics.filter((d) => d.severity === 'error');
  if (problems.length > 0 || !instruction) {
    const d = diag.onbuildTriggerInvalid(child.rawKeyword, child.location, isInstructionKind(child.keyword) ? undefined : suggest(child.rawKeyword, UPPER_INSTRUCTIONS));
    d.notes = problems.map((p) => (p.location ? { message: p.message, location: p.location } : { message: p.message }));
    req.ctx.diagnostics.push(d);
  } else {
    out.instruction = instruction;
  }
  return out;
}

function parseInstructionNode(req: Req, kind: InstructionKind): Instruction | undefined {
  const { node, ctx } = req;
  const at = node.location;
  switch (kind) {
    case 'from':
      return parseFrom(req);
    case 'add':
    case 'copy':
      return parseCopyOrAdd(req, kind);
    case 'run':
    case 'cmd':
    case 'entrypoint':
      return parseCommand(req, kind);
    case 'env': {
      const pairs = parseKvps(req, 'ENV');
      if (!parseFlags(req) || !pairs) return undefined;
      return { ...base('env', req), pairs };
    }
    case 'label': {
      const pairs = parseKvps(req, 'LABEL');
      if (!parseFlags(req) || !pairs) return undefined;
      return { ...base('label', req), pairs };
    }
    case 'maintainer': {
      const name = oneArgument(req);
      if (!parseFlags(req) || name === undefined) return undefined;
      ctx.diagnostics.push(diag.maintainerDeprecated(at));
      return { ...base('maintainer', req), name };
    }
    case 'workdir': {
      const path = oneArgument(req);
      if (!parseFlags(req) || path === undefined) return undefined;
      return { ...base('workdir', req), path };
    }
    case 'user': {
      const user = oneArgument(req);
      if (!parseFlags(req) || user === undefined) return undefined;
      return { ...base('user', req), user };
    }
    case 'stopsignal': {
      const signal = oneArgument(req);
      ignoreFlags(req);
      if (signal === undefined) return undefined;
      return { ...base('stopsignal', req), signal };
    }
    case 'expose': {
      const ports = parseStringsWhitespaceDelimited(node.args);
      if (ports.length === 0) return err(req, diag.missingArgument('EXPOSE', 'EXPOSE requires at least one argument', at, 'write `EXPOSE <port>[/<protocol>]...`'));
      if (!parseFlags(req)) return undefined;
      // NOTE: BuildKit sorts the raw port words (sort.Strings).
      ports.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      return { ...base('expose', req), ports };
    }
    case 'volume': {
      const r = parseMaybeJSONToList(node.args);
      if (r === 'not-strings') return err(req, diag.jsonNotStrings('VOLUME', at));
      if (r.args.length === 0) return err(req, diag.missingArgument('VOLUME', 'VOLUME requires at least one argument', at, 'write `VOLUME /path` or `VOLUME ["/path"]`'));
      if (!parseFlags(req)) return undefined;
      const paths: string[] = [];
      for (const v of r.args) {
        const p = trimSpace(v);
        if (p === '') return err(req, diag.emptyVolume(at));
        paths.push(p);
      }
      return { ...base('volume', req), paths };
    }
    case 'arg': {
      const words = parseWords(node.args, ctx.ast.escapeToken);
      if (words.length === 0) return err(req, diag.missingArgument('ARG', 'ARG requires at least one argument', at, 'write `ARG name[=default]`'));
      ignoreFlags(req);
      const pairs: ArgInstruction['pairs'] = [];
      for (const w of words) {
        const eq = w.indexOf('=');
        if (eq === 0) return err(req, diag.blankName('ARG', at));
        pairs.push(eq > 0 ? { name: w.slice(0, eq), default: w.slice(eq + 1) } : { name: w });
      }
      return { ...base('arg', req), pairs };
    }
    case 'shell': {
      const r = parseMaybeJSON(node.args);
      if (r === 'not-strings') return err(req, diag.jsonNotStrings('SHELL', at));
      if (!parseFlags(req)) return undefined;
      if (r.args.length === 0) return err(req, diag.missingArgument('SHELL', 'SHELL requires at least one argument', at, 'write e.g. `SHELL ["/bin/sh", "-c"]`'));
      if (!r.json) return err(req, diag.shellNotJson(at));
      return { ...base('shell', req), form: 'exec', args: r.args };
    }
    case 'healthcheck':
      return parseHealthcheck(req);
    case 'onbuild':
      return parseOnbuild(req);
  }
}

function parseNode(node: DockerfileNode, ctx: Ctx): Instruction | undefined {
  if (!isInstructionKind(node.keyword)) {
    const at = { ...node.location, length: node.rawKeyword.length };
    ctx.diagnostics.push(diag.unknownInstruction(node.rawKeyword, at, suggest(node.rawKeyword, UPPER_INSTRUCTIONS)));
    return undefined;
  }
  const name = node.keyword.toUpperCase();
  const req: Req = { node, name, ctx, flags: new BFlags(node.flags, name, (flag) => ctx.flagLoc(node, flag)) };
  return parseInstructionNode(req, node.keyword);
}

/**
 * Turns the AST into typed instructions grouped by stage (BuildKit instructions.Parse). ARGs before
 * the first FROM become `globalArgs`. Never throws on bad input; an instruction with an error is
 * reported and left out (a FROM is always kept so the instructions after it keep their stage).
 */
export function toStages(ast: DockerfileAst, options: StageOptions = {}): StagesResult {
  void options;
  try {
    const ctx = new Ctx(ast);
    const stages: Stage[] = [];
    const globalArgs: ArgInstruction[] = [];
    const names = new Map<string, Stage>();
    for (const node of ast.nodes) {
      const instr = parseNode(node, ctx);
      if (!instr) continue;
      if (instr.kind === 'from') {
        const stage: Stage = { index: stages.length, from: instr, instructions: [], location: instr.location };
        if (instr.name !== undefined) {
          stage.name = instr.name;
          if (RESERVED_STAGE_NAMES.has(instr.name)) ctx.diagnostics.push(diag.reservedStageName(instr.name, instr.location));
          const first = names.get(instr.name);
          if (first) ctx.diagnostics.push(diag.duplicateStageName(instr.name, instr.location, first.location));
          else names.set(instr.name, stage);
        }
        stages.push(stage);
        continue;
      }
      const current = stages[stages.length - 1];
      if (!current) {
        if (instr.kind === 'arg') globalArgs.push(instr);
        else ctx.diagnostics.push(diag.instructionBeforeFrom(node.keyword.toUpperCase(), node.location));
        continue;
      }
      current.instructions.push(instr);
    }
    if (stages.length === 0 && ast.nodes.length > 0) {
      const lastLine = ast.nodes[ast.nodes.length - 1]!.endLine;
      const lineText = ast.lines[lastLine - 1] ?? '';
      ctx.diagnostics.push(diag.noFrom({ file: ast.file, line: lastLine, column: 0, length: lineText.length, lineText }));
    }
    // NOTE: the build-check warnings raised here honor `# check=skip=` like BuildKit's build does.
    const diagnostics = ctx.diagnostics.filter((d) => !('rule' in d) || diag.isCheckEnabled(String(d.rule), ast.directives.checkOptions));
    return { stages, globalArgs, diagnostics, escapeToken: ast.escapeToken, directives: ast.directives };
  } catch (e) {
    throw new InternalError(`@boxer/dockerfile: toStages failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
