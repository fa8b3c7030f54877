export { BoxerError, InternalError, isBoxerError, docsUrl, locationAt } from './diagnostic.js';
export type { Diagnostic, Severity, SourceLocation } from './diagnostic.js';
export { formatDiagnostic, printable } from './format.js';
export type { FormatOptions } from './format.js';
