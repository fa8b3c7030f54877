// Text rendering of diagnostics: `file:line:col: error CODE: message`, a code frame, hint and docs link.
// Pure: returns strings; printing is the CLI's job.
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** Add ANSI colours. @default false */
  color?: boolean;
}

/**
 * Escapes control characters (C0 but tab, DEL, C1) as `\xHH`, so text taken from a box or a
 * Dockerfile cannot move the cursor or rewrite what a terminal shows (CSI, OSC sequences).
 */
export function printable(text: string): string {
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Longest slice of a source line shown in a code frame. */
const MAX_FRAME = 160;

export function formatDiagnostic(d: Diagnostic, options: FormatOptions = {}): string {
  const c = options.color
    ? { red: (s: string) => `\x1b[31m${s}\x1b[39m`, yellow: (s: string) => `\x1b[33m${s}\x1b[39m`, dim: (s: string) => `\x1b[2m${s}\x1b[22m`, bold: (s: string) => `\x1b[1m${s}\x1b[22m` }
    : { red: id, yellow: id, dim: id, bold: id };
  const sev = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const where = d.location ? `${printable(d.location.file)}:${d.location.line}:${d.location.column + 1}: ` : '';
  const lines = [`${where}${sev} ${c.bold(printable(d.code))}: ${printable(d.message)}`];
  if (d.location && d.location.lineText) {
    const num = String(d.location.line);
    const gutter = ' '.repeat(num.length);
    // NOTE: long lines are clipped to a window around the column, so a 64 KiB line stays one screen.
    const full = printable(d.location.lineText);
    const start = full.length > MAX_FRAME ? Math.max(0, Math.min(d.location.column - 20, full.length - MAX_FRAME)) : 0;
    const text = full.slice(start, start + MAX_FRAME);
    const pre = start > 0 ? '…' : '';
    const post = start + MAX_FRAME < full.length ? '…' : '';
    lines.push(`${c.dim(`${num} |`)} ${pre}${text}${post}`);
    const col = d.location.column - start;
    const len = Math.max(1, Math.min(d.location.length, text.length - col));
    lines.push(`${c.dim(`${gutter} |`)} ${' '.repeat(pre.length + Math.max(0, col))}${c.red('^'.repeat(len))}`);
  }
  for (const n of d.notes ?? []) {
    const nwhere = n.location ? `${printable(n.location.file)}:${n.location.line}:${n.location.column + 1}: ` : '';
    lines.push(`  note: ${nwhere}${printable(n.message)}`);
  }
  if (d.hint) lines.push(`  hint: ${printable(d.hint)}`);
  if (d.url) lines.push(`  docs: ${c.dim(printable(d.url))}`);
  return lines.join('\n');
}

function id(s: string): string {
  return s;
}
