// The limits one run gets (DESIGN §5). In: the box manifest's `limits` (untrusted: a box is a file
// anyone can edit) and the run's own overrides (flags, API options). Out: `BoxLimits` where every
// value is a whole number within the host's ceilings.
//
// The manifest's values are the box's *requests*: boxer fills in the defaults for what it leaves
// out and caps what it asks for at the host's ceilings. A manifest value of the wrong type is a
// damaged box (BOX_MALFORMED). Overrides come from the operator; the CLI validates its flags, and
// an API caller that passes a value outside the ceilings gets a RangeError.
import { BoxerError } from '@boxer/diagnostics';
import { DEFAULT_LIMITS, type BoxLimits } from '@boxer/bundle';
import { badManifestLimit } from './diagnostics.js';
import { MAX_PAGES, PAGE_SIZE } from './wasm.js';

/** The largest value of each limit this host accepts. */
export const LIMIT_CEILINGS: Readonly<BoxLimits> = {
  /** A 32-bit guest's whole address space: 65536 pages of 64 KiB. */
  memoryBytes: MAX_PAGES * PAGE_SIZE,
  /** setTimeout() fires at once for delays above 2^31-1 ms (about 24.8 days). */
  timeoutMs: 2 ** 31 - 1,
  maxFds: 65536,
  maxOutputBytes: Number.MAX_SAFE_INTEGER,
  maxWriteBytes: Number.MAX_SAFE_INTEGER,
};

/** The smallest value of each limit that lets a guest start. */
export const LIMIT_FLOORS: Readonly<BoxLimits> = {
  memoryBytes: 0,
  timeoutMs: 0,
  /** stdin, stdout, stderr and the preopened root. */
  maxFds: 4,
  maxOutputBytes: 0,
  maxWriteBytes: 0,
};

const NAMES = Object.keys(DEFAULT_LIMITS) as (keyof BoxLimits)[];

/**
 * Defaults ← the manifest's requests (validated, capped at the ceilings) ← `overrides` (validated,
 * never capped: a value outside the floor/ceiling throws RangeError).
 */
export function resolveLimits(manifestLimits: unknown, overrides: Partial<BoxLimits> | undefined, file = 'the box'): BoxLimits {
  const out: BoxLimits = { ...DEFAULT_LIMITS };
  if (manifestLimits !== undefined && manifestLimits !== null) {
    if (typeof manifestLimits !== 'object' || Array.isArray(manifestLimits)) throw new BoxerError(badManifestLimit(file, '', manifestLimits, 'an object'));
    for (const name of NAMES) {
      const v = (manifestLimits as Record<string, unknown>)[name];
      if (v === undefined) continue;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new BoxerError(badManifestLimit(file, name, v, 'a whole number of at least 0'));
      if (v < LIMIT_FLOORS[name]) throw new BoxerError(badManifestLimit(file, name, v, `at least ${LIMIT_FLOORS[name]}`));
      out[name] = Math.min(v, LIMIT_CEILINGS[name]);
    }
  }
  for (const name of NAMES) {
    const v = overrides?.[name];
    if (v === undefined) continue;
    checkLimit(name, v);
    out[name] = v;
  }
  return out;
}

/** Throws RangeError unless `value` is a whole number between the floor and the ceiling of `name`. */
export function checkLimit(name: keyof BoxLimits, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < LIMIT_FLOORS[name] || value > LIMIT_CEILINGS[name]) {
    throw new RangeError(`limits.${name} must be a whole number from ${LIMIT_FLOORS[name]} to ${LIMIT_CEILINGS[name]}, got ${String(value)}`);
  }
}

/** The memory limit in pages (whole pages only: a part of a page cannot be given). */
export function memoryPages(limits: BoxLimits): number {
  return Math.min(MAX_PAGES, Math.floor(limits.memoryBytes / PAGE_SIZE));
}
