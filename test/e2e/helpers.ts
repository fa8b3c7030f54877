// Shared helpers for end-to-end tests: drive the built CLI as a user would, and build the same C
// programs natively so expected values come from Linux, not from boxer.
import { execa, type Result } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'packages/boxer/bin/boxer.js');
export const FIXTURES = join(ROOT, 'fixtures');

/** Runs `boxer …` with a minimal environment plus `env`, never throwing on a non-zero exit. */
export function boxer(args: string[], options: { env?: Record<string, string>; cwd?: string; input?: string } = {}): Promise<Result> {
  return execa('node', [BIN, ...args], {
    reject: false,
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    extendEnv: false,
    stripFinalNewline: false,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
  });
}

export function tempDir(prefix = 'boxer-e2e-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Compiles fixtures/wasm/src/<name>.c natively (gcc -static) into `dir` and returns the binary path. */
export async function compileNative(name: string, dir: string): Promise<string> {
  const out = join(dir, `${name}.native`);
  await execa('gcc', ['-static', '-O2', '-std=c11', '-D_GNU_SOURCE', '-o', out, join(FIXTURES, 'wasm/src', `${name}.c`)]);
  return out;
}

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
