// Warnings a run gives once per kind (a denied host, a refused bucket), for at most MAX_KINDS kinds:
// a guest that tries new names in a loop cannot grow the set or flood stderr; the audit still
// records every attempt.

const MAX_KINDS = 100;

export class WarnOnce {
  private readonly seen = new Set<string>();

  /** True the first time `key` is seen, while fewer than MAX_KINDS keys were. */
  first(key: string): boolean {
    if (this.seen.has(key) || this.seen.size >= MAX_KINDS) return false;
    this.seen.add(key);
    return true;
  }
}
