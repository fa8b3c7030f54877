// run(): a box file or bytes → a guest run in a worker, under the grants given (none by default).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { defaultCacheDir, looksLikeReference, pull, type RemoteOptions } from './artifact.js';
import { BoxerError } from '@boxer/diagnostics';
import { runBox, type RunBoxOptions, type RunResult } from '@boxer/runtime';
import { boxNotFound } from '../diagnostics.js';

export interface RunOptions extends Omit<RunBoxOptions, 'file'>, RemoteOptions {
  /** Path of a box, a reference to a pushed box (`127.0.0.1:5000/app:v1`), or its bytes. */
  box: string | Uint8Array;
}

export async function run(options: RunOptions): Promise<RunResult> {
  const { box, cacheDir, insecureRegistries, ...rest } = options;
  const file = typeof box === 'string' ? box : 'the box';
  const bytes = typeof box === 'string' ? await openBox(box, { ...(cacheDir ? { cacheDir } : {}), ...(insecureRegistries ? { insecureRegistries } : {}), ...(rest.signal ? { signal: rest.signal } : {}) }) : box;
  // NOTE: a preview2 component's transpiled JS is cached next to pulled blobs, outside any box.
  return runBox(bytes, { ...rest, file, cacheDir: cacheDir ?? defaultCacheDir() });
}

/** A box file's bytes, or — when no such file exists and `arg` reads as a reference — the pulled box. */
export async function openBox(arg: string, options: RemoteOptions = {}): Promise<Uint8Array> {
  if (!existsSync(arg) && looksLikeReference(arg)) return (await pull(arg, options)).box;
  return readBoxFile(arg);
}

export async function readBoxFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new BoxerError(boxNotFound(path, e));
  }
}
