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
  private readonly chars: string[];
  private pos = 0;
  private rawEscapes: boolean;
  private readonly escapeToken: string;

  constructor(
    word: string,
    private readonly lookup: Lookup,
    private readonly opts: ExpandOptions,
  ) {
    this.chars = Array.from(word);
    this.rawEscapes = opts.rawEscapes ?? false;
    this.escapeToken = opts.escapeToken ?? '\\';
  }

  private peek(): string {
    return this.pos < this.chars.length ? this.chars[this.pos]! : EOF;
  }

  private next(): string {
    return this.pos < this.chars.length ? this.chars[this.pos++]! : EOF;
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
    let result = '';
    let ch = this.next();
    if (this.opts.rawQuotes) result += ch;
    for (;;) {
      ch = this.next();
      if (ch === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (ch === "'") {
        if (this.opts.rawQuotes) result += ch;
        return result;
      }
      result += ch;
    }
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
    let name = '';
    while (this.peek() !== EOF) {
      const ch = this.peek();
      if (name === '' && isDigit(ch)) {
        while (this.peek() !== EOF && isDigit(this.peek())) name += this.next();
        return name;
      }
      if (name === '' && isSpecialParam(ch)) return this.next();
      if (!isLetter(ch) && !isDigit(ch) && ch !== '_') break;
      name += this.next();
    }
    return name;
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
