// The `--progress=auto` renderer on a terminal: build steps as lines, and one progress bar line for
// the blobs being pulled (bytes done / total over every blob in flight), redrawn in place with `\r`
// and finished with a newline when the last blob completes. Elsewhere (`plain`) the CLI prints one
// line per completed blob instead.
import type { BoxerEvent } from '@boxer/events';

export interface TtyStream {
  write(s: string): unknown;
  columns?: number;
}

const WIDTH = 24;

export function progressBar(done: number, total: number, width = WIDTH): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 0;
  const full = Math.round(ratio * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

function mib(n: number): string {
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** A reporter for a terminal. `other` receives every event that is not pull progress. */
export function ttyProgress(out: TtyStream, other: (e: BoxerEvent) => void): (e: BoxerEvent) => void {
  const blobs = new Map<string, { current: number; total: number }>();
  let drawn = false;
  const clear = (): void => {
    if (drawn) out.write('\r\x1b[2K');
    drawn = false;
  };
  return (e) => {
    if (e.type !== 'progress' || e.total === undefined) {
      clear();
      other(e);
      return;
    }
    blobs.set(e.id, { current: e.current, total: e.total });
    const all = [...blobs.values()];
    const done = all.reduce((n, b) => n + b.current, 0);
    const total = all.reduce((n, b) => n + b.total, 0);
    const finished = all.every((b) => b.current >= b.total);
    const line = `  ${e.stage} ${all.length} blob${all.length === 1 ? '' : 's'} ${progressBar(done, total)} ${mib(done)} / ${mib(total)}`;
    out.write(`\r\x1b[2K${line.slice(0, Math.max(20, (out.columns || 80) - 1))}`);
    drawn = true;
    if (finished) {
      out.write('\n');
      drawn = false;
      blobs.clear();
    }
  };
}
