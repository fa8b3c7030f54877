// The syntax tree `parse()` produces: one node per logical instruction line, with the pieces BuildKit's
// parser separates (keyword, builder flags, argument text, heredoc bodies) and source locations.
// In: nothing (types only). Out: `DockerfileAst`, `DockerfileNode`, `ParserDirectives`.
import type { Diagnostic, SourceLocation } from '@boxer/diagnostics';
import type { Heredoc } from './heredoc.js';

/** A `# name=value` line at the top of the file. */
export interface ParserDirective {
  /** Lower-cased: `syntax`, `escape` or `check`. */
  name: 'syntax' | 'escape' | 'check';
  value: string;
  location: SourceLocation;
}

/** The parsed `# check=` directive (BuildKit build checks). */
export interface CheckDirective {
  /** Check names to skip, or `'all'`. */
  skip: string[] | 'all';
  /** `error=true`: check warnings fail the build. */
  error: boolean;
  /** Experimental checks to run, or `'all'` (`experimental=`); they are not affected by `skip`. */
  experimental: string[] | 'all';
}

export interface ParserDirectives {
  /** `# syntax=` (the frontend image; boxer reads it but always uses its own parser). */
  syntax?: string;
  /** `# escape=` as written (`\` or `` ` ``). */
  escape?: string;
  /** `# check=` as written. */
  check?: string;
  /** `# check=` parsed; undefined when absent or malformed. */
  checkOptions?: CheckDirective;
  /** All directives in file order. */
  list: ParserDirective[];
}

/** One logical instruction: a line plus its continuation lines and heredoc bodies. */
export interface DockerfileNode {
  /** Lower-cased keyword (`copy`), as BuildKit dispatches it. Unknown keywords are kept. */
  keyword: string;
  /** The keyword as written (`Copy`). */
  rawKeyword: string;
  /** Builder flags with quotes removed, e.g. `--from=build` (BuildKit splitCommand). */
  flags: string[];
  /** The argument text after the flags, trimmed; what BuildKit's line parsers see. */
  args: string;
  /** The logical line: continuation characters and comment lines removed, lines joined. */
  original: string;
  /** Here-documents whose bodies follow the line (RUN, COPY, ADD and ONBUILD of those). */
  heredocs: Heredoc[];
  /** ONBUILD: the trigger instruction, parsed as a node of its own (it shares the parent's lines). */
  child?: DockerfileNode;
  /** The line BuildKit reports an empty continuation line at (NoEmptyContinuation), when the instruction had one. */
  emptyContinuationLine?: number;
  /** Comment lines directly above the instruction, without `#`. */
  comments: string[];
  /** 1-based first line. */
  startLine: number;
  /** 1-based last line (including heredoc bodies). */
  endLine: number;
  /** The keyword's position on the first line; `length` runs to the end of that line. */
  location: SourceLocation;
}

export interface DockerfileAst {
  /** File name used in locations. */
  file: string;
  /** Physical lines without line endings (BOM removed), for locations and code frames. */
  lines: string[];
  directives: ParserDirectives;
  /** The escape character in effect (`\` unless `# escape=` changed it). */
  escapeToken: string;
  nodes: DockerfileNode[];
}

export interface ParseOptions {
  /**
   * File name used in diagnostics' locations.
   * @default 'Dockerfile'
   */
  file?: string;
}

export interface ParseResult {
  ast: DockerfileAst;
  /** Problems found while reading lines, directives and heredocs. Errors mean BuildKit would refuse the file. */
  diagnostics: Diagnostic[];
}
