// Test helpers for the WASI host: run a fixture under WasiHost over a Tree, build the same C source
// natively (the reference, DESIGN §0.10) and run it over a real directory holding the same tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileContent, Tree, type VNode } from '@boxer/vfs';
import { concatBytes as concat } from '@boxer/bundle';
import { WasiHost, type WasiHostOptions } from '../src/common/wasi.js';

export const root = new URL('../../../', import.meta.url).pathname;
export const fixtureDir = join(root, 'fixtures/wasm');
export const srcDir = join(fixtureDir, 'src');

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

const modules = new Map<string, WebAssembly.Module>();
export function fixtureModule(name: string): WebAssembly.Module {
  let m = modules.get(name);
  if (!m) {
    m = new WebAssembly.Module(readFileSync(join(fixtureDir, `${name}.wasm`)));
    modules.set(name, m);
  }
  return m;
}

export type WasiRunOptions = Partial<Omit<WasiHostOptions, 'stdout' | 'stderr' | 'args'>> & { args?: string[] };

/** Runs fixtures/wasm/<name>.wasm with argv [name, ...args] over `tree` (default: an empty tree). */
export function runWasi(name: string, options: WasiRunOptions = {}): RunResult & { tree: Tree } {
  const tree = options.tree ?? new Tree();
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const host = new WasiHost({
    ...options,
    tree,
    args: [name, ...(options.args ?? [])],
    env: options.env ?? [],
    stdout: (b) => out.push(b),
    stderr: (b) => err.push(b),
  });
  const instance = new WebAssembly.Instance(fixtureModule(name), host.imports() as WebAssembly.Imports);
  const code = host.start(instance);
  return { stdout: dec(concat(out)), stderr: dec(concat(err)), code, tree };
}

export { concatBytes as concat } from '@boxer/bundle';

export function hasTool(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export const canCompileNative = hasTool('gcc') && existsSync('/usr/lib/x86_64-linux-gnu/libc.a');
export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

const NATIVE_FLAGS = ['-static', '-O2', '-std=c11', '-D_GNU_SOURCE', '-w'];

/**
 * Builds fixtures/wasm/src/<name>.c with `gcc -static` into a cache keyed by the source, errname.h,
 * the flags and the compiler version, and returns the binary's path.
 */
export function compileNative(name: string): string {
  const source = readFileSync(join(srcDir, `${name}.c`));
  const header = readFileSync(join(srcDir, 'errname.h'));
  const version = execFileSync('gcc', ['--version']).toString().split('\n')[0];
  const key = createHash('sha256').update(source).update(header).update(NATIVE_FLAGS.join(' ')).update(version ?? '').digest('hex').slice(0, 16);
  const cache = join(tmpdir(), 'boxer-native-fixtures');
  mkdirSync(cache, { recursive: true });
  const bin = join(cache, `${name}-${key}`);
  if (!existsSync(bin)) {
    const tmp = `${bin}.${process.pid}.tmp`;
    execFileSync('gcc', [...NATIVE_FLAGS, join(srcDir, `${name}.c`), '-o', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(tmp, bin);
  }
  return bin;
}

export interface NativeRunOptions {
  args?: string[];
  env?: Record<string, string>;
  cwd?: string;
  stdin?: Uint8Array;
  /** RLIMIT_NOFILE for the run (`ulimit -n`). */
  maxFds?: number;
}

/** Runs a native binary with exactly the given environment. */
export function runNative(bin: string, options: NativeRunOptions = {}): RunResult {
  const args = options.args ?? [];
  const [cmd, argv] = options.maxFds !== undefined
    ? ['/bin/sh', ['-c', `ulimit -n ${options.maxFds} && exec "$0" "$@"`, bin, ...args]]
    : [bin, args];
  const r = spawnSync(cmd, argv as string[], { cwd: options.cwd ?? '/', env: options.env ?? {}, input: options.stdin ?? new Uint8Array(0) });
  if (r.error) throw r.error;
  return { stdout: r.stdout.toString(), stderr: r.stderr.toString(), code: r.status ?? 128 + 1 };
}

export function tempDir(prefix = 'boxer-wasi-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Writes `tree` below `dir` as real files: directories, files with their bytes and mode, symlinks
 * with their targets as written, and hard links as hard links.
 */
export function materialize(tree: Tree, dir: string): void {
  const seen = new Map<VNode, string>();
  for (const [path, node] of tree.walk()) {
    if (path === '/') continue;
    const real = join(dir, path);
    const first = seen.get(node);
    if (first !== undefined) {
      linkSync(first, real);
      continue;
    }
    if (node.kind === 'dir') {
      mkdirSync(real);
      chmodSync(real, node.mode & 0o7777);
    } else if (node.kind === 'file') {
      writeFileSync(real, fileContent(node));
      chmodSync(real, node.mode & 0o7777);
      seen.set(node, real);
    } else {
      symlinkSync(node.target, real);
      seen.set(node, real);
    }
  }
}

/** A tiny module exporting one page of memory and `_start`; `body` is the code of `_start`. */
export function tinyModule(body: number[] = [0x0b]): WebAssembly.Module {
  const code = [0x00, ...body];
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
    0x03, 0x02, 0x01, 0x00, // function 0 has type 0
    0x05, 0x03, 0x01, 0x00, 0x01, // memory: min 1 page
    0x07, 0x13, 0x02, 0x06, ...enc('memory'), 0x02, 0x00, 0x06, ...enc('_start'), 0x00, 0x00,
    0x0a, code.length + 2, 0x01, code.length, ...code,
  ];
  return new WebAssembly.Module(new Uint8Array(bytes));
}
