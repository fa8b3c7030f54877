// BuildKit's shell lexer for one Dockerfile word: variable expansion, quote removal, escapes.
// In: a word, a variable lookup and lexer options. Out: the expanded word (ProcessWord) or the words it
// splits into after expansion (ProcessWords). Behaviour follows moby/buildkit
// frontend/dockerfile/shell/lex.go (Apache-2.0) rule for rule, including its quirks; the comments
// below say where a rule looks surprising.
import { BoxerError, type SourceLocation } from '@boxer/diagnostics';
import { badSubstitution, requiredVariable } from '../diagnostics.js';
import { isDigit, isLetter, isSpace } from './chars.js';

/** Looks a variable up; `undefined` means "not set" (distinct from set to ""). */
export type Lookup = (name: string) => string | undefined;

export interface ExpandOptions {
  /**
   * The escape character, from the `# escape=` parser directive.
   * @default '\\'
   */
  escapeToken?: string;
  /** Keep quote characters in the output (BuildKit `RawQuotes`). @default false */
  rawQuotes?: boolean;
  /** Keep escape characters in the output (BuildKit `RawEscapes`). @default false */
  rawEscapes?: boolean;
  /** Treat quotes as ordinary characters (BuildKit `SkipProcessQuotes`, used for heredoc bodies). @default false */
  skipProcessQuotes?: boolean;
  /** Leave references to unset variables as written (BuildKit `SkipUnsetEnv`). @default false */
  skipUnsetEnv?: boolean;
  /** Where the word comes from, attached to the diagnostic of a failed expansion. */
  location?: SourceLocation;
}

const EOF = '';
/** How deeply `${...}` may nest inside one word (see processDollar). */
const MAX_NESTING = 1000;

/** @internal An expansion failure before it is turned into a diagnostic. */
export class LexError extends Error {
  constructor(
    message: string,
    readonly required = false,
  ) {
    super(message);
    this.name = 'LexError';
  }
}

/** Go unicode.IsSpace characters (see chars.ts isSpace). */
const HAS_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/u;

class Words {
  word = '';
  words: string[] = [];
  inWord = false;

  addChar(ch: string): void {
    if (isSpace(ch) && this.inWord) {
      if (this.word.length !== 0) {
        this.words.push(this.word);
        this.word = '';
        this.inWord = false;
      }
    } else if (!isSpace(ch)) {
      this.addRawChar(ch);
    }
  }

  addRawChar(ch: string): void {
    this.word += ch;
    this.inWord = true;
  }

  addString(s: string): void {
    // NOTE: without white space, adding the characters one by one is the same as adding the string.
    if (s.length > 0 && !HAS_SPACE.test(s)) {
      this.addRawString(s);
      return;
    }
    for (const ch of s) this.addChar(ch);
  }

  addRawString(s: string): void {
    this.word += s;
    this.inWord = true;
  }

  getWords(): string[] {
    if (this.word.length > 0) {
      this.words.push(this.word);
      this.word = '';
      this.inWord = false;
    }
    return this.words;
  }
}

class ShellWord {
  /** The word; `pos` is a UTF-16 index into it, moved a code point at a time. */
  private readonly src: string;
  private pos = 0;
  private depth = 0;
  private rawEscapes: boolean;
  private readonly escapeToken: string;

  constructor(
    word: string,
    private readonly lookup: Lookup,
    private readonly opts: ExpandOptions,
  ) {
    this.src = word;
    this.rawEscapes = opts.rawEscapes ?? false;
    this.escapeToken = opts.escapeToken ?? '\\';
  }

  private peek(): string {
    if (this.pos >= this.src.length) return EOF;
    const c = this.src.charCodeAt(this.pos);
    if (c < 0xd800 || c > 0xdbff) return this.src[this.pos]!;
    return String.fromCodePoint(this.src.codePointAt(this.pos)!);
  }

  private next(): string {
    const ch = this.peek();
    this.pos += ch.length;
    return ch;
  }

  /** End of the run of characters from `pos` that processStopOn copies unchanged. */
  private plainRunEnd(stopChar: string, quotes: boolean): number {
    const s = this.src;
    let i = this.pos;
    while (i < s.length) {
      const ch = s[i]!;
      if (ch === '$' || ch === this.escapeToken || ch === stopChar || (quotes && (ch === "'" || ch === '"'))) break;
      i++;
    }
    return i;
  }

  process(): { result: string; words: string[] } {
    return this.processStopOn(EOF, this.rawEscapes);
  }

  private processStopOn(stopChar: string, rawEscapes: boolean): { result: string; words: string[] } {
    const saved = this.rawEscapes;
    this.rawEscapes = rawEscapes;
    try {
      let result = '';
      const words = new Words();
      const quotes = !this.opts.skipProcessQuotes;
      while (this.peek() !== EOF) {
        let ch = this.peek();
        if (stopChar !== EOF && ch === stopChar) {
          this.next();
          return { result, words: words.getWords() };
        }
        if (ch === '$' || (quotes && (ch === "'" || ch === '"'))) {
          const tmp = ch === '$' ? this.processDollar() : ch === "'" ? this.processSingleQuote() : this.processDoubleQuote();
          result += tmp;
          // NOTE: expanded values are split into words; quoted strings never are.
          if (ch === '$') words.addString(tmp);
          else words.addRawString(tmp);
          continue;
        }
        if (ch !== this.escapeToken) {
          // NOTE: a run of ordinary characters is copied in one piece (same result as one at a time).
          const end = this.plainRunEnd(stopChar, quotes);
          const run = this.src.slice(this.pos, end);
          this.pos = end;
          words.addString(run);
          result += run;
          continue;
        }
        ch = this.next();
        if (ch === this.escapeToken) {
          if (this.rawEscapes) {
            words.addRawChar(ch);
            result += ch;
          }
          ch = this.next();
          // NOTE: a trailing escape character is dropped (Go `break` leaves the loop here).
          if (ch === EOF) break;
          words.addRawChar(ch);
        } else {
          words.addChar(ch);
        }
        result += ch;
      }
      if (stopChar !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stopChar}`);
      return { result, words: words.getWords() };
    } finally {
      this.rawEscapes = saved;
    }
  }

  private processSingleQuote(): string {
    // Everything up to the next ' is literal; a ' cannot be escaped inside single quotes.
    const open = this.next();
    const close = this.src.indexOf("'", this.pos);
    if (close < 0) throw new LexError('unexpected end of statement while looking for matching single-quote');
    const body = this.src.slice(this.pos, close);
    this.pos = close + 1;
    return this.opts.rawQuotes ? open + body + "'" : body;
  }

  private processDoubleQuote(): string {
    // Literal except $ (expanded) and the escape character, which escapes only ", $ and itself.
    let result = '';
    let ch = this.next();
    if (this.opts.rawQuotes) result += ch;
    for (;;) {
      const p = this.peek();
      if (p === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (p === '"') {
        ch = this.next();
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      if (p === '$') {
        result += this.processDollar();
        continue;
      }
      ch = this.next();
      if (ch === this.escapeToken) {
        if (this.rawEscapes) result += ch;
        const after = this.peek();
        if (after === EOF) continue; // the escape at the end is ignored; the loop then reports the open quote
        if (after === '"' || after === '$' || after === this.escapeToken) ch = this.next();
      }
      result += ch;
    }
  }

  private processDollar(): string {
    // NOTE: Go's growable stack lets BuildKit nest ${a:-${b:-...}} without bound; a JS stack does not,
    // so nesting deeper than MAX_NESTING is refused (as a bad substitution) instead of overflowing.
    if (++this.depth > MAX_NESTING) throw new LexError(`syntax error: substitutions nested deeper than ${MAX_NESTING}`);
    try {
      return this.processDollarInner();
    } finally {
      this.depth--;
    }
  }

  private processDollarInner(): string {
    this.next(); // '$'
    if (this.peek() !== '{') {
      const name = this.processName();
      if (name === '') return '$';
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '$' + name;
      return value ?? '';
    }

    this.next(); // '{'
    const first = this.peek();
    if (first === EOF) throw new LexError("syntax error: missing '}'");
    if (first === '{' || first === '}' || first === ':') throw new LexError('syntax error: bad substitution');

    const name = this.processName();
    let ch = this.next();
    let chs = ch;
    let nullIsUnset = false;

    if (ch === '}') {
      const value = this.lookup(name);
      if (value === undefined && this.opts.skipUnsetEnv) return '${' + name + '}';
      return value ?? '';
    }

    if (ch === ':' || ch === '+' || ch === '-' || ch === '?' || ch === '#' || ch === '%') {
      if (ch === ':') {
        nullIsUnset = true;
        ch = this.next();
        chs += ch === EOF ? '\ufffd' : ch;
      }
      // NOTE: only # and % keep escapes in their word: it is a pattern, where \* and \? matter.
      const raw = ch === '#' || ch === '%';
      // NOTE: `${a:#p}` and `${a:%p}` are refused before the word is read (BuildKit lex.go processDollar).
      if (nullIsUnset && raw) throw new LexError(`unsupported modifier (${chs}) in substitution`);
      let word: string;
      try {
        word = this.processStopOn('}', raw).result;
      } catch (e) {
        if (this.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw e;
      }

      const value = this.lookup(name);
      const set = value !== undefined;
      if (this.opts.skipUnsetEnv && !set) return '${' + name + chs + word + '}';
      const v = value ?? '';

      switch (ch) {
        case '-':
          return !set || (nullIsUnset && v === '') ? word : v;
        case '+':
          return !set || (nullIsUnset && v === '') ? '' : word;
        case '?':
          if (!set) throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be unset'}`, true);
          if (nullIsUnset && v === '') throw new LexError(`${name}: ${word !== '' ? word : 'is not allowed to be empty'}`, true);
          return v;
        case '%':
        case '#': {
          // %/# remove the shortest match, %%/## the longest.
          let greedy = false;
          if (word.length > 0 && word[0] === ch) {
            greedy = true;
            word = word.slice(1);
          }
          return ch === '%' ? trimSuffix(word, v, greedy) : trimPrefix(word, v, greedy);
        }
        default:
          throw new LexError(`unsupported modifier (${chs}) in substitution`);
      }
    }

    if (ch === '/') {
      const replaceAll = this.peek() === '/';
      if (replaceAll) this.next();
      let pattern: string;
      try {
        pattern = this.processStopOn('/', true).result;
      } catch (e) {
        if (this.peek() === EOF) throw new LexError("syntax error: missing '/' in ${}");
        throw e;
      }
      let replacement: string;
      try {
        replacement = this.processStopOn('}', true).result;
      } catch (e) {
        if (this.peek() === EOF) throw new LexError("syntax error: missing '}'");
        throw e;
      }
      const value = this.lookup(name);
      if (this.opts.skipUnsetEnv && value === undefined) return '${' + name + '/' + pattern + '/' + replacement + '}';
      const re = patternToRegex(pattern, true, false);
      const v = value ?? '';
      if (replaceAll) return goReplaceAll(re, v, replacement);
      re.lastIndex = 0;
      const m = re.exec(v);
      if (!m) return v;
      // NOTE: the single replacement is inserted literally; only the // form expands $ templates (Go regexp).
      return v.slice(0, m.index) + replacement + v.slice(m.index + m[0].length);
    }

    throw new LexError(`unsupported modifier (${ch === EOF ? '\ufffd' : chs}) in substitution`);
  }

  private processName(): string {
    // A name is letters, digits and _; a leading digit reads all digits ($10), and a special
    // parameter ($@ $* $# $? $- $$ $! $0) is one character.
    const first = this.peek();
    if (first === EOF) return '';
    if (isDigit(first)) {
      const start = this.pos;
      while (this.peek() !== EOF && isDigit(this.peek())) this.next();
      return this.src.slice(start, this.pos);
    }
    if (isSpecialParam(first)) return this.next();
    const start = this.pos;
    for (;;) {
      const ch = this.peek();
      if (ch === EOF || (!isLetter(ch) && !isDigit(ch) && ch !== '_')) break;
      this.pos += ch.length;
    }
    return this.src.slice(start, this.pos);
  }
}

function isSpecialParam(ch: string): boolean {
  return ch === '@' || ch === '*' || ch === '#' || ch === '?' || ch === '-' || ch === '$' || ch === '!' || ch === '0';
}

/**
 * @internal Converts a shell wildcard pattern (`*`, `?`, `\` escapes, no brackets) to a RegExp the way
 * BuildKit's convertShellPatternToRegex does. Go's `.` excludes only "\n", hence `[^\n]`.
 */
export function patternToRegex(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let out = anchored ? '^' : '';
  const star = greedy ? '[^\\n]*' : '[^\\n]*?';
  for (let i = 0; i < chars.length; i++) {
    let tok = chars[i]!;
    switch (tok) {
      case '*':
        out += star;
        continue;
      case '?':
        out += '[^\\n]';
        continue;
      case '\\': {
        const nxt = chars[i + 1];
        // \} and \/ only protect the ${} syntax; the backslash is not part of the pattern.
        if (nxt === '}' || nxt === '/') continue;
        out += '\\';
        i++;
        tok = chars[i] ?? '\ufffd';
        if (tok !== '*' && tok !== '?' && tok !== '\\') {
          throw new LexError(`invalid pattern (${pattern}) in substitution: invalid escape '\\${tok}'`);
        }
        break;
      }
      case '[':
      case ']':
      case '{':
      case '}':
      case '.':
      case '+':
      case '(':
      case ')':
      case '|':
      case '^':
      case '$':
        out += '\\';
        break;
    }
    out += tok;
  }
  return new RegExp(out, 'gu');
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const re = patternToRegex(pattern, greedy, true);
  re.lastIndex = 0;
  const m = re.exec(value);
  return m ? value.slice(m.index + m[0].length) : value;
}

/** Reverses a pattern but keeps escapes in front of what they escape (a\*c -> c\*a). */
function reversePattern(pattern: string): string {
  const p = Array.from(pattern);
  const out: string[] = new Array<string>(p.length);
  const last = p.length - 1;
  for (let i = 0; i <= last; ) {
    const tok = p[i]!;
    const at = last - i;
    if (tok === '\\' && i !== last) {
      out[at - 1] = tok;
      out[at] = p[i + 1]!;
      i += 2;
    } else {
      out[at] = tok;
      i++;
    }
  }
  return out.join('');
}

function reverseString(s: string): string {
  return Array.from(s).reverse().join('');
}

function trimSuffix(pattern: string, value: string, greedy: boolean): string {
  // A regexp cannot find the shortest rightmost match, so search the reversed value for the
  // reversed pattern from the left instead.
  return reverseString(trimPrefix(reversePattern(pattern), reverseString(value), greedy));
}

/** Go's regexp.ReplaceAllString: empty matches right after a match are skipped; `$name` is a template. */
function goReplaceAll(re: RegExp, src: string, repl: string): string {
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    re.lastIndex = searchPos;
    const m = re.exec(src);
    if (!m) break;
    const a0 = m.index;
    const a1 = m.index + m[0].length;
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += goExpandTemplate(repl, m[0]);
    lastMatchEnd = a1;
    const cp = src.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}

/** Go regexp.Expand for a pattern without capture groups: $$ is "$", $0 the match, other names "". */
function goExpandTemplate(template: string, match: string): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$') {
      out += c;
      continue;
    }
    const rest = template.slice(i + 1);
    if (rest.startsWith('$')) {
      out += '$';
      i++;
      continue;
    }
    const braced = /^\{([A-Za-z0-9_]+)\}/.exec(rest);
    const plain = /^[A-Za-z0-9_]+/.exec(rest);
    const name = braced ? braced[1]! : plain ? plain[0] : undefined;
    if (name === undefined) {
      out += '$';
      continue;
    }
    i += braced ? braced[0].length : name.length;
    if (/^[0-9]+$/.test(name) && Number(name) === 0) out += match;
  }
  return out;
}

function fail(word: string, e: unknown, location: SourceLocation | undefined): never {
  if (e instanceof LexError) {
    throw new BoxerError(e.required ? requiredVariable(word, e.message, location) : badSubstitution(word, e.message, location));
  }
  throw e;
}

/**
 * Expands one word like BuildKit's `ProcessWord`: `$a`, `${a}`, `${a:-w}`, `${a-w}`, `${a:+w}`,
 * `${a+w}`, `${a:?msg}`, `${a?msg}`, `${a#p}`, `${a##p}`, `${a%p}`, `${a%%p}`, `${a/x/y}`, `${a//x/y}`,
 * escapes and quote removal.
 * @throws BoxerError (DOCKERFILE_BAD_SUBSTITUTION or DOCKERFILE_REQUIRED_VARIABLE) when the word is
 * malformed or a `${a?}` variable is missing.
 */
export function expandWord(word: string, lookup: Lookup, options: ExpandOptions = {}): string {
  try {
    return new ShellWord(word, lookup, options).process().result;
  } catch (e) {
    return fail(word, e, options.location);
  }
}

/** What {@link expandWordWithMatches} returns (BuildKit `ProcessWordResult`). */
export interface ExpandWithMatchesResult {
  /** The expanded word (ProcessWord). */
  result: string;
  /** The expanded word split into words (ProcessWords). */
  words: string[];
  /** Names that were looked up and set. */
  matched: Set<string>;
  /** Names that were looked up and not set (also inside `${a:-default}`: BuildKit counts every lookup). */
  unmatched: Set<string>;
}

/** Wraps `lookup` so that every name it is asked for lands in `matched` (set) or `unmatched` (unset). */
export function recordLookups(lookup: Lookup): { lookup: Lookup; matched: Set<string>; unmatched: Set<string> } {
  const matched = new Set<string>();
  const unmatched = new Set<string>();
  const recording: Lookup = (name) => {
    const v = lookup(name);
    (v === undefined ? unmatched : matched).add(name);
    return v;
  };
  return { lookup: recording, matched, unmatched };
}

/**
 * Expands like BuildKit's `ProcessWordWithMatches`: the result plus the variable names it looked up,
 * split into set and unset ones (what the UndefinedVar and UndefinedArgInFrom checks use).
 * @throws BoxerError like {@link expandWord}.
 */
export function expandWordWithMatches(word: string, lookup: Lookup, options: ExpandOptions = {}): ExpandWithMatchesResult {
  const { lookup: recording, matched, unmatched } = recordLookups(lookup);
  try {
    const r = new ShellWord(word, recording, options).process();
    return { result: r.result, words: r.words, matched, unmatched };
  } catch (e) {
    return fail(word, e, options.location);
  }
}

/**
 * Expands like BuildKit's `ProcessWords` and splits the result into words at unquoted whitespace
 * (after expansion; quoted parts are never split). Used for EXPOSE.
 * @throws BoxerError like {@link expandWord}.
 */
export function expandWords(word: string, lookup: Lookup, options: ExpandOptions = {}): string[] {
  try {
    return new ShellWord(word, lookup, options).process().words;
  } catch (e) {
    return fail(word, e, options.location);
  }
}

/** @internal Like expandWords, but returns undefined instead of throwing (for parser heuristics). */
export function tryExpandWords(word: string, lookup: Lookup, options: ExpandOptions): string[] | LexError {
  try {
    return new ShellWord(word, lookup, options).process().words;
  } catch (e) {
    if (e instanceof LexError) return e;
    throw e;
  }
}
