// The one shape every stage uses to report a problem (esbuild messages, rollup logs, BuildKit ranges).
// In: nothing. Out: the `Diagnostic` type, `BoxerError` (a user-facing failure that carries one or more
// diagnostics) and `InternalError` (a bug in boxer).

/** Where in a source file (usually the Dockerfile) a diagnostic points. */
export interface SourceLocation {
  /** Path of the file as the user named it. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 0-based column. */
  column: number;
  /** Length of the highlighted range on that line, in characters. */
  length: number;
  /** The full text of the line, for code frames. */
  lineText: string;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable code prefixed by the stage, e.g. `DOCKERFILE_UNKNOWN_INSTRUCTION`. */
  code: string;
  severity: Severity;
  /** Lower-case sentence that names the offending value. */
  message: string;
  location?: SourceLocation;
  /** The next thing the user can do. */
  hint?: string;
  /** Documentation page for the code. */
  url?: string;
  notes?: { message: string; location?: SourceLocation }[];
  cause?: unknown;
}

/** A failure the user can act on. Carries at least one diagnostic. */
export class BoxerError extends Error {
  readonly diagnostics: readonly Diagnostic[];
  constructor(diagnostic: Diagnostic | readonly Diagnostic[]) {
    const list = Array.isArray(diagnostic) ? (diagnostic as readonly Diagnostic[]) : [diagnostic as Diagnostic];
    if (list.length === 0) throw new InternalError('BoxerError needs at least one diagnostic');
    super(list[0]!.message, { cause: list[0]!.cause });
    this.name = 'BoxerError';
    this.diagnostics = list;
  }
  get diagnostic(): Diagnostic {
    return this.diagnostics[0]!;
  }
}

/** A broken invariant inside boxer: a bug, not a user error. Carries no code. */
export class InternalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InternalError';
  }
}

export function isBoxerError(e: unknown): e is BoxerError {
  return e instanceof BoxerError;
}

const DOCS_BASE = 'docs/diagnostics/';
/** The documentation URL of a diagnostic code (one page per code in docs/diagnostics/). */
export function docsUrl(code: string): string {
  return `${DOCS_BASE}${code}.md`;
}

/** Builds a location for `line` (1-based) of `text`, highlighting `column..column+length`. */
export function locationAt(file: string, text: string, line: number, column = 0, length?: number): SourceLocation {
  const lineText = text.split(/\r?\n/)[line - 1] ?? '';
  return { file, line, column, length: length ?? Math.max(0, lineText.length - column), lineText };
}
