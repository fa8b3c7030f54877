// Here-document words (`<<EOF`, `<<-"EOF"`, `3<<EOF`) in RUN, COPY and ADD lines.
// In: a logical line or one word. Out: heredoc headers (name, chomp, expand, fd); the parser reads the
// bodies. Behaviour follows moby/buildkit frontend/dockerfile/parser/parser.go (heredocFromMatch,
// heredocsFromLine) (Apache-2.0).
import { LexError, tryExpandWords } from './shell/lex.js';

/** A here-document attached to an instruction. */
export interface Heredoc {
  /** The terminator word with quotes removed; for COPY/ADD also the file name. */
  name: string;
  /**
   * The body, every line with its line ending. For RUN this is the raw text (strip leading tabs
   * yourself when `chomp` is set, as BuildKit's runner does); for COPY/ADD sources it is already chomped.
   */
  content: string;
  /** `<<-`: leading tabs are removed from the body and the terminator line. */
  chomp: boolean;
  /** False when any part of the terminator word was quoted (`<<'EOF'`): no variable expansion in the body. */
  expand: boolean;
  /** The `3` in `3<<EOF`; 0 when not given. */
  fileDescriptor: number;
}

const HEREDOC_RE = /^(\d*)<<(-?)([^<]*)$/u;
const none = (): undefined => undefined;

/**
 * Parses one word as a heredoc header. Returns undefined when the word is not a heredoc, or an error
 * message when it looks like one but is malformed (`<<'EOF`).
 */
export function parseHeredoc(word: string): Omit<Heredoc, 'content'> | undefined | { error: string } {
  const m = HEREDOC_RE.exec(word);
  if (!m) return undefined;
  const rest = m[3]!;
  if (rest.length === 0) return undefined;
  const plain = tryExpandWords(rest, none, { skipUnsetEnv: true });
  if (plain instanceof LexError) return { error: `invalid heredoc "${word}": ${plain.message}` };
  if (plain.length !== 1) return undefined;
  const raw = tryExpandWords(rest, none, { skipUnsetEnv: true, rawQuotes: true });
  if (raw instanceof LexError) return { error: `invalid heredoc "${word}": ${raw.message}` };
  if (raw.length !== plain.length) return { error: `internal lexing of heredoc produced inconsistent results: ${rest}` };
  const name = plain[0]!;
  const quotes = (s: string): number => (s.match(/['"]/g) ?? []).length;
  // NOTE: quotes that survive in the unquoted reading were literal; any that vanished were quoting.
  const expand = quotes(name) === quotes(raw[0]!);
  return { name, chomp: m[2] === '-', expand, fileDescriptor: m[1] ? Number.parseInt(m[1], 10) : 0 };
}

/** Heredoc headers in a whole logical line, in order (BuildKit heredocsFromLine). */
export function heredocsFromLine(line: string): Omit<Heredoc, 'content'>[] | { error: string } {
  const words = tryExpandWords(line, none, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true });
  if (words instanceof LexError) return [];
  const docs: Omit<Heredoc, 'content'>[] = [];
  for (const w of words) {
    const h = parseHeredoc(w);
    if (h === undefined) continue;
    if ('error' in h) return h;
    docs.push(h);
  }
  return docs;
}

/** Removes leading tabs from every line (BuildKit ChompHeredocContent). */
export function chompHeredocContent(src: string): string {
  // NOTE: Go's (?m)^ starts a line only after "\n" (JS's m flag also after "\r"), hence no m flag.
  return src.replace(/(^|\n)\t+/g, '$1');
}
