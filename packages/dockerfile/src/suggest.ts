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

/** The closest option (distance < 3), or undefined. An exact match returns undefined: nothing to suggest. */
export function suggest(value: string, options: readonly string[]): string | undefined {
  const val = value.toLowerCase();
  let match: string | undefined;
  let min = 3;
  for (const o of options) {
    const opt = o.toLowerCase();
    if (opt === val) return undefined;
    const d = levenshtein(val, opt);
    if (d < min) {
      match = matchCase(opt, value);
      min = d;
    }
  }
  return match;
}
