// Splitting one logical Dockerfile line into keyword, builder flags and arguments, and the per-keyword
// argument parsers. In: the joined line text. Out: strings. Behaviour follows moby/buildkit
// frontend/dockerfile/parser/split_command.go and line_parsers.go (Apache-2.0).
import { isSpace, trimLeftSpace, trimSpace } from './shell/chars.js';

/** BuildKit's `[\t\v\f\r ]+` (tokenWhitespace / reWhitespace). */
const WHITESPACE = /[\t\v\f\r ]+/;

/** Splits a line into the lower-cased keyword (and as written), builder flags and the rest. */
export function splitCommand(line: string): { cmd: string; rawCmd: string; flags: string[]; args: string } {
  const trimmed = trimSpace(line);
  const m = WHITESPACE.exec(trimmed);
  const rawCmd = m ? trimmed.slice(0, m.index) : trimmed;
  let flags: string[] = [];
  let args = '';
  if (m) {
    const rest = trimmed.slice(m.index + m[0].length);
    ({ rest: args, flags } = extractBuilderFlags(rest));
  }
  return { cmd: rawCmd.toLowerCase(), rawCmd, flags, args: trimSpace(args) };
}

/**
 * Reads leading `--flag[=value]` words (quotes removed, `\` escapes) and returns them with the rest of
 * the line. NOTE: the escape here is always `\`, whatever `# escape=` says (as in BuildKit).
 * NOTE: BuildKit walks this line byte by byte and turns each byte into a rune, which garbles non-ASCII
 * flag values (`--chown=jürgen`); boxer walks code points, so such values stay intact.
 */
export function extractBuilderFlags(line: string): { rest: string; flags: string[] } {
  const IN_SPACES = 0;
  const IN_WORD = 1;
  const IN_QUOTE = 2;
  const words: string[] = [];
  let phase = IN_SPACES;
  let word = '';
  let quote = '';
  let blankOK = false;
  const n = line.length;
  let ch = '';
  let width = 0;
  // NOTE: walks UTF-16 indexes a code point at a time (no Array.from: a line can be megabytes long).
  for (let pos = 0; pos <= n; pos += width) {
    width = 0;
    if (pos !== n) {
      ch = codePointAt(line, pos);
      width = ch.length;
    }
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch)) continue;
      if (ch !== '-' || pos + 1 === n || line[pos + 1] !== '-') return { rest: line.slice(pos), flags: words };
      phase = IN_WORD;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === n) {
      if (word !== '--' && (blankOK || word.length > 0)) words.push(word);
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        phase = IN_SPACES;
        if (word === '--') return { rest: line.slice(pos), flags: words };
        if (blankOK || word.length > 0) words.push(word);
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
        continue;
      }
      if (ch === '\\') {
        if (pos + width === n) continue;
        pos += width;
        ch = codePointAt(line, pos);
        width = ch.length;
      }
      word += ch;
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote) {
        phase = IN_WORD;
        continue;
      }
      if (ch === '\\') {
        if (pos + width === n) {
          phase = IN_WORD;
          continue;
        }
        pos += width;
        ch = codePointAt(line, pos);
        width = ch.length;
      }
      word += ch;
    }
  }
  return { rest: '', flags: words };
}

/** The code point at UTF-16 index `i` as a string (a lone surrogate stays one unit). */
function codePointAt(s: string, i: number): string {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return s[i]!;
  return String.fromCodePoint(s.codePointAt(i)!);
}

/**
 * Splits into words at unquoted whitespace, keeping quotes and escapes in the words (they are removed
 * later, at expansion). Used by ENV, LABEL and ARG.
 */
export function parseWords(rest: string, escapeToken: string): string[] {
  const IN_SPACES = 0;
  const IN_WORD = 1;
  const IN_QUOTE = 2;
  const words: string[] = [];
  let phase = IN_SPACES;
  let quote = '';
  let blankOK = false;
  // NOTE: a word is always a slice of `rest` (BuildKit copies every character except an escape that
  // ends the input), so it is kept as [start, end) instead of being built a character at a time.
  let start = 0;
  let end = 0;
  const n = rest.length;
  let ch = '';
  let width = 0;
  const push = () => {
    if (blankOK || end > start) words.push(rest.slice(start, end));
  };
  for (let pos = 0; pos <= n; pos += width) {
    width = 0;
    if (pos !== n) {
      ch = codePointAt(rest, pos);
      width = ch.length;
    }
    if (phase === IN_SPACES) {
      if (pos === n) break;
      if (isSpace(ch)) continue;
      phase = IN_WORD;
      start = pos;
      end = pos;
    }
    if ((phase === IN_WORD || phase === IN_QUOTE) && pos === n) {
      push();
      break;
    }
    if (phase === IN_WORD) {
      if (isSpace(ch)) {
        phase = IN_SPACES;
        push();
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = IN_QUOTE;
      }
      if (ch === escapeToken) {
        if (pos + width === n) continue; // an escape at the end of the line is dropped
        // Unquoted: keep the escape and the next character, even if it is a quote.
        pos += width;
        width = codePointAt(rest, pos).length;
      }
      end = pos + width;
      continue;
    }
    if (phase === IN_QUOTE) {
      if (ch === quote) phase = IN_WORD;
      // The escape character escapes inside "..." but not inside '...'.
      if (ch === escapeToken && quote !== "'") {
        if (pos + width === n) {
          phase = IN_WORD;
          continue;
        }
        pos += width;
        width = codePointAt(rest, pos).length;
      }
      end = pos + width;
    }
  }
  return words;
}

/** A key/value pair as BuildKit's parseNameVal yields it; `legacy` is the `KEY value` form. */
export interface RawPair {
  key: string;
  value: string;
  legacy: boolean;
}

export type NameValResult = { ok: true; pairs: RawPair[] } | { ok: false; error: 'no-value'; key: string } | { ok: false; error: 'no-equals'; word: string };

/** ENV and LABEL: `KEY value` (legacy, one pair) or `k=v k2="v 2"` (quotes kept). */
export function parseNameVal(rest: string, escapeToken: string): NameValResult {
  const words = parseWords(rest, escapeToken);
  if (words.length === 0) return { ok: true, pairs: [] };
  if (!words[0]!.includes('=')) {
    const m = WHITESPACE.exec(rest);
    if (!m) return { ok: false, error: 'no-value', key: rest };
    return { ok: true, pairs: [{ key: rest.slice(0, m.index), value: rest.slice(m.index + m[0].length), legacy: true }] };
  }
  const pairs: RawPair[] = [];
  for (const word of words) {
    const eq = word.indexOf('=');
    if (eq < 0) return { ok: false, error: 'no-equals', word };
    pairs.push({ key: word.slice(0, eq), value: word.slice(eq + 1), legacy: false });
  }
  return { ok: true, pairs };
}

/** EXPOSE and FROM: split at whitespace, nothing else. */
export function parseStringsWhitespaceDelimited(rest: string): string[] {
  if (rest === '') return [];
  return rest.split(new RegExp(WHITESPACE.source, 'g'));
}

export type JsonResult = { kind: 'json'; args: string[] } | { kind: 'not-json' } | { kind: 'not-strings' };

/**
 * A JSON array of strings (exec form). Anything that does not parse as JSON is "not-json" (shell form);
 * a JSON array with a non-string element is an error in BuildKit ("not-strings").
 */
export function parseJSON(rest: string): JsonResult {
  const s = trimLeftSpace(rest);
  if (!s.startsWith('[')) return { kind: 'not-json' };
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return { kind: 'not-json' };
  }
  if (!Array.isArray(value)) return { kind: 'not-json' };
  const args: string[] = [];
  for (const v of value) {
    if (typeof v !== 'string') return { kind: 'not-strings' };
    args.push(v);
  }
  return { kind: 'json', args };
}

/** CMD, ENTRYPOINT, RUN, SHELL: JSON exec form, or the whole rest as one shell-form string. */
export function parseMaybeJSON(rest: string): { json: boolean; args: string[] } | 'not-strings' {
  if (rest === '') return { json: false, args: [] };
  const r = parseJSON(rest);
  if (r.kind === 'json') return { json: true, args: r.args };
  if (r.kind === 'not-strings') return 'not-strings';
  return { json: false, args: [rest] };
}

/** ADD, COPY, VOLUME: JSON list, or whitespace-separated words. */
export function parseMaybeJSONToList(rest: string): { json: boolean; args: string[] } | 'not-strings' {
  const r = parseJSON(rest);
  if (r.kind === 'json') return { json: true, args: r.args };
  if (r.kind === 'not-strings') return 'not-strings';
  return { json: false, args: parseStringsWhitespaceDelimited(rest) };
}

/** HEALTHCHECK: the type word (CMD, NONE, ...) then a maybe-JSON command. */
export function parseHealthConfig(rest: string): { json: boolean; args: string[] } | 'not-strings' {
  // NOTE: BuildKit scans bytes with unicode.IsSpace(rune(byte)); for ASCII whitespace that is the same.
  let sep = 0;
  while (sep < rest.length && !isSpace(rest[sep]!)) sep++;
  let next = sep;
  while (next < rest.length && isSpace(rest[next]!)) next++;
  if (sep === 0) return { json: false, args: [] };
  const typ = rest.slice(0, sep);
  const cmd = parseMaybeJSON(rest.slice(next));
  if (cmd === 'not-strings') return cmd;
  return { json: cmd.json, args: [typ, ...cmd.args] };
}
