// Character classes with Go's meaning, so the lexer and parser split text exactly where BuildKit does.
// In: one code point (string). Out: booleans. `\s` in JS differs from Go's unicode.IsSpace (JS adds
// U+FEFF and lacks U+0085), so the sets are spelled out here.

/** Go `unicode.IsSpace`. */
export function isSpace(ch: string): boolean {
  const c = ch.charCodeAt(0);
  // NOTE: ASCII fast path; the regexp is only for the rare non-ASCII code point.
  if (c < 0x80) return ch.length === 1 && (c === 0x20 || (c >= 0x09 && c <= 0x0d));
  return /^[\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/u.test(ch);
}

/** Go `unicode.IsLetter` (category L). */
export function isLetter(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ch.length === 1 && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a));
  return /^\p{L}$/u.test(ch);
}

/** Go `unicode.IsDigit` (category Nd). */
export function isDigit(ch: string): boolean {
  const c = ch.charCodeAt(0);
  if (c < 0x80) return ch.length === 1 && c >= 0x30 && c <= 0x39;
  return /^\p{Nd}$/u.test(ch);
}

/** Go `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  return trimRightSpace(trimLeftSpace(s));
}

/** Go `strings.TrimLeftFunc(s, unicode.IsSpace)`. */
export function trimLeftSpace(s: string): string {
  let i = 0;
  while (i < s.length) {
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (!isSpace(ch)) break;
    i += ch.length;
  }
  return s.slice(i);
}

/** Go `strings.TrimRightFunc(s, unicode.IsSpace)`. */
export function trimRightSpace(s: string): string {
  let end = s.length;
  while (end > 0) {
    let start = end - 1;
    const code = s.charCodeAt(start);
    if (code >= 0xdc00 && code <= 0xdfff && start > 0) {
      const hi = s.charCodeAt(start - 1);
      if (hi >= 0xd800 && hi <= 0xdbff) start -= 1;
    }
    if (!isSpace(s.slice(start, end))) break;
    end = start;
  }
  return s.slice(0, end);
}

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as the 3-byte replacement character). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}
