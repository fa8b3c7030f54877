// Go's time.ParseDuration, for HEALTHCHECK --interval and friends. In: "1m30s", "500ms", "1.5h", "0".
// Out: nanoseconds (a float for the rare sub-nanosecond fraction is truncated like Go does), or an error.

const UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  '\u00b5s': 1e3, // micro sign
  '\u03bcs': 1e3, // Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Parses a Go duration string. Returns nanoseconds or an error message. */
export function parseGoDuration(input: string): number | { error: string } {
  const bad = { error: `time: invalid duration "${input}"` };
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return bad;
  let total = 0;
  while (s !== '') {
    const m = /^([0-9]*)(\.[0-9]*)?/.exec(s)!;
    const intPart = m[1]!;
    const frac = m[2] ?? '';
    if (intPart === '' && (frac === '' || frac === '.')) return bad;
    s = s.slice(m[0].length);
    const u = /^[^0-9.]+/.exec(s);
    if (!u) return { error: `time: missing unit in duration "${input}"` };
    const unit = UNITS[u[0]];
    if (unit === undefined) return { error: `time: unknown unit "${u[0]}" in duration "${input}"` };
    s = s.slice(u[0].length);
    const v = Number((intPart === '' ? '0' : intPart) + (frac === '.' ? '' : frac));
    total += Math.trunc(v * unit);
  }
  return neg ? -total : total;
}
