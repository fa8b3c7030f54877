// The door to the host for `--persist FILE|DIR` (DESIGN §0.8): reads the store before a run and
// writes the new one after it, on the main thread. In: the path the operator gave. Out: store bytes
// (or none yet), and the file written whole: to a temporary file beside it, then renamed over it, so
// a crash or a killed run never leaves half a store.
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeWhole } from './write-whole.js';
import { BoxerError } from '@boxer/diagnostics';
import { persistInvalid } from '../common/diagnostics.js';

/** The store file: PATH itself, or PATH/layer.boxer when PATH is a directory. */
export function storePath(path: string, cwd: string): string {
  const abs = resolve(cwd, path);
  try {
    if (statSync(abs).isDirectory()) return join(abs, 'layer.boxer');
  } catch {
    // NOTE: a path that does not exist yet names the store file itself.
  }
  return abs;
}

/** The store's bytes, or undefined when there is none yet. */
export function loadStore(file: string): Uint8Array | undefined {
  try {
    return readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new BoxerError(persistInvalid(file, `it cannot be read (${(e as Error).message})`));
  }
}

/** Writes the store whole: a temporary file in the same directory, flushed, then renamed over `file`. */
export function saveStore(file: string, bytes: Uint8Array): void {
  try {
    writeWhole(file, bytes);
  } catch (e) {
    throw new BoxerError(persistInvalid(file, `it cannot be written (${(e as Error).message}); the previous store, if any, is unchanged`));
  }
}
