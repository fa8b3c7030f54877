// run(): a box file or bytes → a guest run in a worker, under the grants given (none by default).
import { readFile } from 'node:fs/promises';
import { BoxerError } from '@boxer/diagnostics';
import { runBox, type RunBoxOptions, type RunResult } from '@boxer/runtime';
import { boxNotFound } from '../diagnostics.js';

export interface RunOptions extends Omit<RunBoxOptions, 'file'> {
  /** Path of a box, or its bytes. */
  box: string | Uint8Array;
}

export async function run(options: RunOptions): Promise<RunResult> {
  const { box, ...rest } = options;
  const file = typeof box === 'string' ? box : 'the box';
  const bytes = typeof box === 'string' ? await readBoxFile(box) : box;
  return runBox(bytes, { ...rest, file });
}

export async function readBoxFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new BoxerError(boxNotFound(path, e));
  }
}
