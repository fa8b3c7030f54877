// Helpers for tests that drive a preview2 import object directly (no guest): what a call threw (the
// canonical ABI's `result` errors are thrown values), and the loose type of a jco-shaped import.

/** What `fn` threw, or undefined when it returned. */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Import objects are shaped by the WIT, not by TypeScript types. */
export type Any = any;

/** A monotonic clock in nanoseconds, for the reactor of an import object. */
export const monotonic = (): bigint => process.hrtime.bigint();
