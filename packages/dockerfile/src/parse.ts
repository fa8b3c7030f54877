// parse(): Dockerfile text -> DockerfileAst (one node per logical instruction, with locations).
// In: the file's text. Out: the AST and diagnostics; it never throws on bad input (only InternalError
// on a bug). Line handling follows moby/buildkit frontend/dockerfile/parser/parser.go and
// directives.go (Apache-2.0): parser directives, BOM, comments (also inside continuations), the
// escape-aware continuation rule, empty continuation lines, heredoc bodies, the 64 KiB line limit.
import { InternalError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { CheckDirective, DockerfileAst, DockerfileNode, ParseOptions, ParseResult, ParserDirective, ParserDirectives } from './ast.js';
import * as diag from './diagnostics.js';
import { heredocsFromLine, type Heredoc } from './heredoc.js';
import { parseJSON, splitCommand } from './line-parsers.js';
import { trimLeftSpace, trimSpace, utf8Length } from './shell/chars.js';

/** bufio.MaxScanTokenSize - 1: the longest line BuildKit's scanner reads. */
const MAX_LINE_BYTES = 65535;
const VALID_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_KEYWORDS = new Set(['add', 'copy', 'run']);

/** Splits text into lines that keep their "\n" (BuildKit scanLines). */
function splitLines(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      out.push(text.slice(start));
      break;
    }
    out.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  return out;
}

function trimNewline(s: string): string {
  let end = s.length;
  while (end > 0 && (s[end - 1] === '\n' || s[end - 1] === '\r')) end--;
  return s.slice(0, end);
}

function isComment(line: string): boolean {
  return trimLeftSpace(line).startsWith('#');
}

function escapeForRegex(ch: string): string {
  return ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

/** The continuation rule: the escape char last on the line (trailing blanks allowed), not itself escaped. */
function continuationRegex(escape: string): RegExp {
  const e = escapeForRegex(escape);
  return new RegExp(`([^${e}])${e}[ \\t]*$|^${e}[ \\t]*$`);
}

/**
 * Parses BuildKit's check options (`# check=skip=A,B;error=true;experimental=C`, or the
 * BUILDKIT_DOCKERFILE_CHECK build argument) like linter.ParseLintOptions. Returns undefined when malformed;
 * {@link checkDirectiveError} says why.
 */
export function parseCheckDirective(value: string): CheckDirective | undefined {
  const r = parseLintOptions(value);
  return typeof r === 'string' ? undefined : r;
}

/** Why a check directive is malformed (BuildKit's message), or undefined when it is fine. */
export function checkDirectiveError(value: string): string | undefined {
  const r = parseLintOptions(value);
  return typeof r === 'string' ? r : undefined;
}

function splitRules(v: string): string[] {
  return v.split(',').map((r) => r.trim());
}

function parseLintOptions(value: string): CheckDirective | string {
  const s = value.trim();
  const result: CheckDirective = { skip: [], error: false, experimental: [] };
  if (s === '') return result;
  // NOTE: Go strings.SplitN(s, ";", 3): a fourth part stays glued to the third.
  const parts = s.split(';');
  if (parts.length > 3) parts.splice(2, parts.length - 2, parts.slice(2).join(';'));
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq < 0) return `invalid check option "${p}"`;
    const k = p.slice(0, eq).trim();
    const v = p.slice(eq + 1).trim();
    if (k === 'skip') result.skip = v === 'all' ? 'all' : splitRules(v);
    else if (k === 'experimental') result.experimental = v === 'all' ? 'all' : splitRules(v);
    else if (k === 'error') {
      const b = parseGoBool(v);
      if (b === undefined) return `failed to parse check option "${p}": strconv.ParseBool: parsing "${v}": invalid syntax`;
      result.error = b;
    } else return `invalid check option "${k}"`;
  }
  return result;
}

/** Go strconv.ParseBool. */
function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

class Parser {
  readonly diagnostics: Diagnostic[] = [];
  readonly lines: string[] = [];
  readonly directives: ParserDirectives = { list: [] };
  escapeToken = '\\';
  private continuation = continuationRegex('\\');
  private directivesDone = false;
  private readonly seen = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly raw: string[],
  ) {
    this.lines = raw.map((l, i) => (i === 0 ? trimNewline(l).replace(/^\ufeff/, '') : trimNewline(l)));
  }

  loc(line: number, column = 0, length?: number): SourceLocation {
    const lineText = this.lines[line - 1] ?? '';
    const col = Math.min(column, lineText.length);
    return { file: this.file, line, column: col, length: length ?? Math.max(0, lineText.length - col), lineText };
  }

  /** Location of a whole line's text (leading blanks skipped). */
  lineLoc(line: number): SourceLocation {
    const text = this.lines[line - 1] ?? '';
    const col = text.length - trimLeftSpace(text).length;
    return this.loc(line, col, Math.max(0, text.trimEnd().length - col));
  }

  /** DirectiveParser.ParseLine plus setEscapeToken. Returns true when the line was a directive. */
  private possibleDirective(line: string, lineNo: number): boolean {
    if (this.directivesDone) return false;
    if (!line.startsWith('#')) {
      this.directivesDone = true;
      return false;
    }
    const rest = trimLeftSpace(line.slice(1));
    // Go RE2 `\s` is [\t\n\f\r ]; `.` excludes only "\n".
    const m = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/.exec(rest);
    if (!m) {
      this.directivesDone = true;
      return false;
    }
    const name = m[1]!.toLowerCase();
    if (!VALID_DIRECTIVES.has(name)) {
      this.directivesDone = true;
      return false;
    }
    const location = this.lineLoc(lineNo);
    if (this.seen.has(name)) {
      this.diagnostics.push(diag.duplicateDirective(name, location));
      return false;
    }
    this.seen.add(name);
    const value = m[2]!;
    if (name === 'escape') {
      if (value !== '`' && value !== '\\') {
        this.diagnostics.push(diag.invalidEscapeDirective(value, location));
        return false;
      }
      this.escapeToken = value;
      this.continuation = continuationRegex(value);
    }
    const d: ParserDirective = { name: name as ParserDirective['name'], value, location };
    this.directives.list.push(d);
    if (name === 'syntax') this.directives.syntax = value;
    else if (name === 'escape') this.directives.escape = value;
    else {
      this.directives.check = value;
      const parsed = parseLintOptions(value);
      if (typeof parsed === 'string') this.diagnostics.push(diag.invalidCheckDirective(parsed, location));
      else this.directives.checkOptions = parsed;
    }
    return true;
  }

  /** processLine: trim the newline (and leading blanks for a first line), look for a directive, drop comments. */
  private processLine(token: string, stripLeft: boolean, lineNo: number): { text: string; directive: boolean } {
    let t = trimNewline(token);
    if (stripLeft) t = trimLeftSpace(t);
    const directive = this.possibleDirective(t, lineNo);
    return { text: isComment(t) ? '' : t, directive };
  }

  private trimContinuation(line: string): { text: string; end: boolean } {
    if (this.continuation.test(line)) return { text: line.replace(this.continuation, '$1'), end: false };
    return { text: line, end: true };
  }

  private checkLength(index: number): void {
    let l = this.raw[index]!;
    if (l.endsWith('\n')) l = l.slice(0, -1);
    // NOTE: a UTF-16 code unit is at most 3 UTF-8 bytes, so short lines need no count.
    if (l.length * 3 > MAX_LINE_BYTES) {
      const bytes = utf8Length(index === 0 ? l.replace(/^\ufeff/, '') : l);
      if (bytes > MAX_LINE_BYTES) this.diagnostics.push(diag.lineTooLong(bytes, this.loc(index + 1, 0, 0)));
    }
  }

  private newNode(line: string, startLine: number, endLine: number, comments: string[], searchFrom = 0): DockerfileNode {
    const { cmd, rawCmd, flags, args } = splitCommand(line);
    const text = this.lines[startLine - 1] ?? '';
    let col = rawCmd === '' ? -1 : text.indexOf(rawCmd, searchFrom);
    if (col < 0) col = text.length - trimLeftSpace(text).length;
    const node: DockerfileNode = {
      keyword: cmd,
      rawKeyword: rawCmd,
      flags,
      args,
      original: line,
      heredocs: [],
      comments,
      startLine,
      endLine,
      location: this.loc(startLine, col, Math.max(0, text.trimEnd().length - col)),
    };
    // ONBUILD's trigger is an instruction of its own (BuildKit parseSubCommand).
    if (cmd === 'onbuild' && args !== '') node.child = this.newNode(args, startLine, endLine, [], col + rawCmd.length);
    return node;
  }

  private canContainHeredoc(node: DockerfileNode): boolean {
    const target = node.keyword === 'onbuild' && node.child ? node.child : node;
    if (!HEREDOC_KEYWORDS.has(target.keyword)) return false;
    return parseJSON(target.args).kind !== 'json';
  }

  run(): DockerfileNode[] {
    const nodes: DockerfileNode[] = [];
    const raw = this.raw;
    let i = 0;
    let currentLine = 0;
    let comments: string[] = [];

    while (i < raw.length) {
      this.checkLength(i);
      let first = raw[i++]!;
      if (currentLine === 0) first = first.replace(/^\ufeff/, '');
      if (isComment(first)) {
        const c = trimSpace(trimLeftSpace(trimNewline(first)).slice(1));
        comments = c === '' ? [] : [...comments, c];
      }
      const processed = this.processLine(first, true, currentLine + 1);
      if (processed.directive) comments = comments.slice(0, -1);
      currentLine++;
      const startLine = currentLine;
      let { text, end } = this.trimContinuation(processed.text);
      if (end && text === '') continue;

      let buf = text;
      let emptyContinuation = false;
      while (!end && i < raw.length) {
        this.checkLength(i);
        const rawLine = raw[i++]!;
        const p = this.processLine(rawLine, false, currentLine + 1);
        currentLine++;
        if (isComment(rawLine)) continue; // comment lines inside a continuation are dropped
        if (trimLeftSpace(trimNewline(p.text)) === '') {
          emptyContinuation = true;
          continue;
        }
        ({ text, end } = this.trimContinuation(p.text));
        buf += text;
      }
      if (emptyContinuation) this.diagnostics.push(diag.emptyContinuationLine(this.loc(currentLine, 0, 0)));

      const node = this.newNode(buf, startLine, currentLine, comments);
      if (emptyContinuation) node.emptyContinuationLine = currentLine;
      if (this.canContainHeredoc(node) && buf.includes('<<')) {
        const headers = heredocsFromLine(buf);
        if ('error' in headers) {
          this.diagnostics.push(diag.invalidHeredoc(headers.error, node.location));
        } else {
          for (const h of headers) {
            let content = '';
            let terminated = false;
            while (i < raw.length) {
              this.checkLength(i);
              const bodyLine = raw[i++]!;
              currentLine++;
              let candidate = trimNewline(bodyLine);
              if (h.chomp) candidate = candidate.replace(/^\t+/, '');
              if (candidate === h.name) {
                terminated = true;
                break;
              }
              content += bodyLine;
            }
            const heredoc: Heredoc = { ...h, content };
            node.heredocs.push(heredoc);
            if (!terminated) {
              this.diagnostics.push(diag.unterminatedHeredoc(h.name, node.location));
              break;
            }
          }
        }
      }
      node.endLine = currentLine;
      if (node.child) node.child.endLine = currentLine;
      nodes.push(node);
      comments = [];
    }

    if (nodes.length === 0) this.diagnostics.push(diag.empty(this.loc(Math.max(1, currentLine), 0, 0)));
    return nodes;
  }
}

/**
 * Parses Dockerfile text into an AST with locations. Never throws on bad input: problems come back
 * as diagnostics (a BuildKit parse error becomes an error diagnostic; parsing goes on so that several
 * mistakes are reported at once).
 */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.file ?? 'Dockerfile';
  try {
    const p = new Parser(file, splitLines(text));
    const nodes = p.run();
    const ast: DockerfileAst = { file, lines: p.lines, directives: p.directives, escapeToken: p.escapeToken, nodes };
    // NOTE: NoEmptyContinuation honors `# check=skip=` like BuildKit's build does.
    const diagnostics = p.diagnostics.filter((d) => !('rule' in d) || diag.isCheckEnabled(String(d.rule), ast.directives.checkOptions));
    return { ast, diagnostics };
  } catch (e) {
    throw new InternalError(`@boxer/dockerfile: parse failed unexpectedly: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}
