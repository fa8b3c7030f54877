// Go's path.Match (the wildcard language of COPY/ADD sources in BuildKit): `*` matches any run of
// non-`/` characters, `?` one non-`/` character, `[...]` a class with ranges and `^`/`!` negation,
// `\` escapes. Written by hand because JS glob libraries (minimatch, picomatch) implement shell/globstar
// semantics that differ from Go's on `**`, dotfiles and classes.

/** True when `pattern` has any wildcard character (BuildKit's `containsWildcards`). */
export function hasWildcards(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '*' || c === '?' || c === '[') return true;
  }
  return false;
}

/** Matches one path component (no `/` in `name`) against a pattern component. Throws on a malformed class. */
export function matchComponent(pattern: string, name: string): boolean {
  return matchAt(pattern, 0, name, 0);
}

function matchAt(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return !s.slice(si).includes('/');
      for (let k = si; k <= s.length; k++) {
        if (k > si && s[k - 1] === '/') return false;
        if (matchAt(p, pi, s, k)) return true;
      }
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      if (s[si] === '/') return false;
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const end = classEnd(p, pi);
      if (!matchClass(p.slice(pi + 1, end), s[si]!)) return false;
      pi = end + 1;
      si++;
      continue;
    }
    let lit = c;
    if (c === '\\') {
      if (pi + 1 >= p.length) throw new SyntaxError('trailing backslash');
      lit = p[++pi]!;
    }
    if (s[si] !== lit) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function classEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === '^' || p[i] === '!') i++;
  if (p[i] === ']') i++;
  for (; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i;
  }
  throw new SyntaxError('unterminated [');
}

function matchClass(body: string, ch: string): boolean {
  let negate = false;
  let i = 0;
  if (body[0] === '^' || body[0] === '!') {
    negate = true;
    i = 1;
  }
  let matched = false;
  while (i < body.length) {
    let lo = body[i]!;
    if (lo === '\\') lo = body[++i]!;
    let hi = lo;
    if (body[i + 1] === '-' && i + 2 < body.length) {
      hi = body[i + 2]!;
      if (hi === '\\') hi = body[i + 3]!, i++;
      i += 2;
    }
    if (lo <= ch && ch <= hi) matched = true;
    i++;
  }
  return matched !== negate;
}
