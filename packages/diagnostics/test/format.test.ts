// Text rendering of diagnostics: esbuild-style `file:line:col: error CODE: message`, a code frame
// with a caret under the range, and hint/docs lines.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, locationAt, printable, BoxerError, type Diagnostic } from '@boxer/diagnostics';

const text = 'FROM scratch\nCOPPY a b\n';
const d: Diagnostic = { code: 'X_CODE', severity: 'error', message: 'unknown instruction "COPPY"', location: locationAt('Dockerfile', text, 2, 0, 5), hint: 'did you mean COPY?', url: 'docs/diagnostics/X_CODE.md' };

describe('formatDiagnostic', () => {
  it('prints location (1-based column), code, frame, hint and docs', () => {
    expect(formatDiagnostic(d).split('\n')).toEqual([
      'Dockerfile:2:1: error X_CODE: unknown instruction "COPPY"',
      '2 | COPPY a b',
      '  | ^^^^^',
      '  hint: did you mean COPY?',
      '  docs: docs/diagnostics/X_CODE.md',
    ]);
  });

  it('clips a very long line to a window around the column, caret still under the range', () => {
    const long = `${'x'.repeat(40_000)}ABC${'y'.repeat(30_000)}`;
    const out = formatDiagnostic({ ...d, location: { file: 'Dockerfile', line: 1, column: 40_000, length: 3, lineText: long } }).split('\n');
    const frame = out[1]!;
    const caret = out[2]!;
    expect(frame.length).toBeLessThan(200);
    expect(frame.startsWith('1 | …')).toBe(true);
    expect(frame.endsWith('…')).toBe(true);
    const at = caret.indexOf('^');
    expect(frame.slice(at, at + 3)).toBe('ABC');
    expect(caret.trim().endsWith('^^^')).toBe(true);
  });

  it('BoxerError carries every diagnostic and refuses none', () => {
    const e = new BoxerError([d, { ...d, code: 'Y' }]);
    expect(e.diagnostics.map((x) => x.code)).toEqual(['X_CODE', 'Y']);
    expect(e.diagnostic.code).toBe('X_CODE');
    expect(() => new BoxerError([])).toThrow();
  });
});

describe('printable', () => {
  it('escapes terminal control sequences from untrusted text, keeping tabs and ordinary Unicode', () => {
    expect(printable('A=\x1b[1A\x1b[2Kcmd')).toBe('A=\\x1b[1A\\x1b[2Kcmd');
    expect(printable('x\r\n\x07\x9b\x7f')).toBe('x\\x0d\\x0a\\x07\\x9b\\x7f');
    expect(printable('tab\there é ✓')).toBe('tab\there é ✓');
    const out = formatDiagnostic({ ...d, message: 'evil \x1b]0;pwned\x07 name' });
    expect(out).not.toMatch(/[\x1b\x07]/);
  });
});
