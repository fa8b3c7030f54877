// The terminal progress renderer: one bar over all blobs in flight, redrawn in place, closed with a
// newline; other events pass through to the line reporter after the bar is cleared.
import { describe, expect, it } from 'vitest';
import type { BoxerEvent } from '@boxer/events';
import { progressBar, ttyProgress } from '../src/cli/progress.js';

describe('progressBar', () => {
  it('fills in proportion and clamps', () => {
    expect(progressBar(0, 100, 10)).toBe('[..........]   0%');
    expect(progressBar(50, 100, 10)).toBe('[#####.....]  50%');
    expect(progressBar(150, 100, 10)).toBe('[##########] 100%');
    expect(progressBar(0, 0, 4)).toBe('[....]   0%');
  });
});

describe('ttyProgress', () => {
  it('aggregates blobs on one redrawn line and ends it when every blob is done', () => {
    let out = '';
    const passed: BoxerEvent[] = [];
    const r = ttyProgress({ write: (s: string) => (out += s), columns: 120 }, (e) => passed.push(e));
    const p = (id: string, current: number, total: number): BoxerEvent => ({ type: 'progress', stage: 'pull', id, current, total });
    r(p('sha256:a', 0, 1048576));
    r(p('sha256:b', 524288, 1048576));
    r(p('sha256:a', 1048576, 1048576));
    expect(out.includes('\n')).toBe(false);
    expect(out.split('\r\x1b[2K').at(-1)).toContain('2 blobs [##################......]  75% 1.5 MiB / 2.0 MiB');
    r(p('sha256:b', 1048576, 1048576));
    expect(out.endsWith('100% 2.0 MiB / 2.0 MiB\n')).toBe(true);
    r({ type: 'step', index: 1, total: 1, text: 'FROM x' });
    expect(passed).toEqual([{ type: 'step', index: 1, total: 1, text: 'FROM x' }]);
  });
});
