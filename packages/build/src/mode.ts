// `--chmod` values: octal (`0755`, as BuildKit's ParseUint(…, 8, 32)) or chmod(1) symbolic clauses
// (`u+x,go-w`, `a=rX`), applied to each copied file and directory's own mode.

export type ModeFn = (mode: number, isDir: boolean) => number;

const WHO: Record<string, number> = { u: 0o4700, g: 0o2070, o: 0o1007, a: 0o7777 };

/** Parses a --chmod value; undefined when it is neither octal nor valid symbolic syntax. */
export function parseChmod(spec: string): ModeFn | undefined {
  if (/^[0-7]{1,4}$/.test(spec)) {
    const octal = parseInt(spec, 8);
    return () => octal;
  }
  const clauses: { who: number; actions: { op: string; perms: string }[] }[] = [];
  for (const clause of spec.split(',')) {
    const m = /^([ugoa]*)((?:[-+=][rwxXst]*)+)$/.exec(clause);
    if (!m) return undefined;
    const who = m[1] === '' ? WHO.a! : [...m[1]!].reduce((w, c) => w | WHO[c]!, 0);
    const actions = [...m[2]!.matchAll(/([-+=])([rwxXst]*)/g)].map((a) => ({ op: a[1]!, perms: a[2]! }));
    clauses.push({ who, actions });
  }
  return (mode, isDir) => {
    let out = mode & 0o7777;
    for (const { who, actions } of clauses) {
      for (const { op, perms } of actions) {
        let bits = 0;
        for (const p of perms) {
          if (p === 'r') bits |= 0o444;
          else if (p === 'w') bits |= 0o222;
          else if (p === 'x') bits |= 0o111;
          // X: execute only for directories or files that already have an execute bit.
          else if (p === 'X' && (isDir || (mode & 0o111) !== 0)) bits |= 0o111;
          else if (p === 's') bits |= 0o6000;
          else if (p === 't') bits |= 0o1000;
        }
        bits &= who;
        if (op === '+') out |= bits;
        else if (op === '-') out &= ~bits;
        else out = (out & ~(who & 0o777 | (who & 0o6000))) | bits;
      }
    }
    return out;
  };
}
