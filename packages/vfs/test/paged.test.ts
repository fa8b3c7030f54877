// Large and sparse files: past DENSE_LIMIT a file keeps its content in pages, holes read as zeros
// (POSIX write(2)/lseek(2): "subsequent reads of data in the gap shall return bytes with the value
// 0") and allocate nothing, as on tmpfs. Checked against a plain-array model of a file under random
// writes and truncates, and at offsets past 4 GiB.
import { describe, expect, it } from 'vitest';
import { Tree, allocatedBytes, fileContent, readAt, truncate, writeAt, DENSE_LIMIT, PAGE_SIZE } from '@boxer/vfs';

const GiB = 2 ** 30;

describe('paged files', () => {
  it('a write at 5 GiB makes a 5 GiB + n file that holds one page, zeros before it', () => {
    const f = new Tree().makeFile();
    writeAt(f, 5 * GiB, new Uint8Array([1, 2, 3]));
    expect(f.size).toBe(5 * GiB + 3);
    expect(allocatedBytes(f)).toBe(PAGE_SIZE);
    const out = new Uint8Array(6);
    expect(readAt(f, 5 * GiB - 3, out)).toBe(6);
    expect([...out]).toEqual([0, 0, 0, 1, 2, 3]);
    expect(readAt(f, 5 * GiB + 3, out)).toBe(0);
  });

  it('a truncate to 4 GiB + 1 allocates nothing; shrinking then growing reads zeros where data was', () => {
    const f = new Tree().makeFile();
    truncate(f, 4 * GiB + 1);
    expect(f.size).toBe(4 * GiB + 1);
    expect(allocatedBytes(f)).toBe(0);
    writeAt(f, 4 * GiB - 2, new Uint8Array([9, 9, 9]));
    truncate(f, 4 * GiB - 1);
    truncate(f, 4 * GiB + 1);
    const out = new Uint8Array(3);
    readAt(f, 4 * GiB - 2, out);
    expect([...out]).toEqual([9, 0, 0]);
  });

  it('matches a plain-buffer model of a file under random writes and truncates across DENSE_LIMIT', () => {
    let seed = 12345;
    const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const limit = 3 * DENSE_LIMIT;
    for (let round = 0; round < 8; round++) {
      const f = new Tree().makeFile(new Uint8Array([5, 6, 7]));
      // The model: one zero-filled buffer large enough for every op, and a length.
      const model = new Uint8Array(limit + 3 * PAGE_SIZE);
      model.set([5, 6, 7]);
      let size = 3;
      for (let op = 0; op < 25; op++) {
        if (rand(4) === 0) {
          const to = rand(limit);
          truncate(f, to);
          if (to < size) model.fill(0, to, size);
          size = to;
        } else {
          const at = rand(limit);
          const bytes = Uint8Array.from({ length: 1 + rand(3 * PAGE_SIZE) }, () => 1 + rand(255));
          writeAt(f, at, bytes);
          model.set(bytes, at);
          size = Math.max(size, at + bytes.length);
        }
        expect(f.size).toBe(size);
      }
      expect(Buffer.from(fileContent(f)).equals(Buffer.from(model.subarray(0, size)))).toBe(true);
    }
  });

  it('a snapshot file stays a zero-copy view until it is written past DENSE_LIMIT', () => {
    const shared = new Uint8Array(100).fill(4);
    const f = new Tree().makeFile(shared);
    expect(fileContent(f).buffer).toBe(shared.buffer);
    writeAt(f, DENSE_LIMIT, new Uint8Array([1]));
    expect(f.pages).toBeDefined();
    expect(shared.every((b) => b === 4)).toBe(true);
    const head = new Uint8Array(101);
    readAt(f, 0, head);
    expect(head.subarray(0, 100).every((b) => b === 4)).toBe(true);
  });
});
