// Docker-like units for limits: sizes `256m`, `1g`, `64k` (powers of 1024), durations `30s`, `5m`, `1h`, `250ms`.
import { BoxerError } from '@boxer/diagnostics';
import { badValue } from '../diagnostics.js';

const SIZE: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const TIME: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseSize(value: string, flag: string, units = true): number {
  const m = /^(\d+)([bkmgt]?)$/i.exec(value.trim());
  if (!m || (!units && m[2] !== '')) throw units ? bad(value, flag, 'a size such as 512k, 256m or 1g', '256m') : bad(value, flag, 'a whole number', '1024');
  return Number(m[1]) * SIZE[m[2]!.toLowerCase()]!;
}

export function parseDuration(value: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!m) throw bad(value, flag, 'a duration such as 500ms, 30s, 5m or 1h', '30s');
  return Math.round(Number(m[1]) * TIME[m[2]!]!);
}

function bad(value: string, flag: string, what: string, example: string): BoxerError {
  return new BoxerError(badValue(flag, value, what, example));
}

/** Bytes in the units `parseSize` takes (`256m`) when exact, else a plain number of bytes. */
export function formatSize(n: number): string {
  for (const unit of ['t', 'g', 'm', 'k'] as const) if (n >= SIZE[unit]! && n % SIZE[unit]! === 0) return `${n / SIZE[unit]!}${unit}`;
  return String(n);
}
