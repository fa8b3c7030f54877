// "Did you mean ...?" for unknown instructions and flags, the way BuildKit's util/suggest does it:
// case-insensitive Levenshtein distance below 3, the closest option wins, and the suggestion takes the
// case of what the user wrote. In: a value and the options. Out: the suggestion or undefined.

/** Levenshtein distance over code points. */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[t.length]!;
}

function matchCase(val: string, orig: string): string {
  if (orig === orig.toLowerCase()) return val.toLowerCase();
  if (orig === orig.toUpperCase()) return val.toUpperCase();
  return val;
}

/**
 * The closest option (distance < 3), or undefined (BuildKit util/suggest Search). An exact match returns
 * undefined: nothing to suggest. Case-insensitive by default, answering in the case the user wrote;
 * `caseSensitive` compares as written and answers with the option as it is (used for variable names).
 */
export function suggest(value: string, options: readonly string[], caseSensitive = false): string | undefined {
  const val = caseSensitive ? value : value.toLowerCase();
  let match: string | undefined;
  let min = 3;
  for (const o of options) {
    const opt = caseSensitive ? o : o.toLowerCase();
    if (opt === val) return undefined;
    // NOTE: the distance is at least the difference in length, so far-off lengths need no matrix.
    if (Math.abs(opt.length - val.length) >= min * 2) continue;
    const d = levenshtein(val, opt);
    if (d < min) {
      match = caseSensitive ? opt : matchCase(opt, value);
      min = d;
    }
  }
  return match;
}
