// Shared helpers for end-to-end tests: drive the built CLI as a user would, and build the same C
// programs natively so expected values come from Linux, not from boxer.
import { execa, type Result, type ResultPromise } from 'execa';
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

/** The `net.*` audit records among the JSON lines `--audit -` wrote to stderr (time and box left out). */
export function netRecords(stderr: string): { op: unknown; resource: unknown; decision: unknown; grant: unknown }[] {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => String(r.op).startsWith('net.')).map(({ op, resource, decision, grant }) => ({ op, resource, decision, grant }));
}

/**
 * Starts `boxer run --audit - ARGS…` in the background and resolves once its `net.listen` record
 * says where it listens (`ip:port`). The caller kills `proc` when done.
 */
export async function startServing(args: string[], env: Record<string, string>): Promise<{ proc: ResultPromise; listening: string; stderr: () => string }> {
  const proc = execa('node', [BIN, 'run', '--audit', '-', ...args], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, extendEnv: false, reject: false, stdin: 'ignore',
  });
  let stderr = '';
  const listening = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no net.listen record; stderr so far:\n${stderr}`)), 45_000);
    proc.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const rec = netRecords(stderr).find((x) => x.op === 'net.listen');
      if (rec) {
        clearTimeout(timer);
        resolve(String(rec.resource));
      }
    });
    void proc.then(() => reject(new Error(`boxer exited before listening:\n${stderr}`)));
  });
  return { proc, listening, stderr: () => stderr };
}
