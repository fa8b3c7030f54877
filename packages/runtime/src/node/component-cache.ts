// A preview2 component → jco's generated JS and its compiled core modules, on the main thread.
// The JS is boxer's own trusted code (DESIGN §0.6): jco-transpile makes it here, at run time, from
// the component's bytes, with instantiation `sync` and no WASI shim, so its only inputs are the
// import object boxer builds. It is cached outside the box, keyed by the component's sha256, in
// `<cacheDir>/components/<hex>/` (written whole to a temporary directory, then renamed; `meta.json`
// records the transpiler's version and each file's sha256, checked on every read, so a changed,
// partial or foreign entry is made again). Nothing from the box is ever evaluated as JS.
//
// Core modules get their memory maximum lowered to the run's memory limit (as preview1 modules do,
// DESIGN §0.2), then are compiled off-thread and handed to the worker as WebAssembly.Module objects.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { limitMemory, MemoryTooSmall } from '../common/wasm.js';

export interface ComponentLoadOptions {
  /** `$XDG_CACHE_HOME/boxer` or so; without it the component is transpiled for this run only. */
  cacheDir?: string;
  /** The memory limit in pages. */
  memoryPages: number;
}

export interface ComponentLoadResult {
  js: string;
  modules: [name: string, module: WebAssembly.Module][];
  /** Taken from the cache (true) or transpiled now (false). */
  cached: boolean;
  /** Milliseconds spent transpiling (0 on a cache hit). */
  transpileMs: number;
}

/** Thrown when a core module's minimum memory is above the limit. */
export { MemoryTooSmall };

const TRANSPILE_OPTIONS = {
  name: 'component',
  instantiation: 'sync',
  wasiShim: false,
  nodejsCompat: false,
  tlaCompat: false,
  base64Cutoff: 0,
  emitTypescriptDeclarations: false,
  noComponentErrorWrapping: false,
  minify: false,
  optimize: false,
} as const;

let transpilerVersion: string | undefined;
function jcoVersion(): string {
  if (transpilerVersion) return transpilerVersion;
  const require = createRequire(import.meta.url);
  const main = require.resolve('@bytecodealliance/jco-transpile');
  const pkg = JSON.parse(readFileSync(join(dirname(main), '..', 'package.json'), 'utf8')) as { version: string };
  transpilerVersion = `jco-transpile@${pkg.version} ${JSON.stringify(TRANSPILE_OPTIONS)}`;
  return transpilerVersion;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Meta {
  transpiler: string;
  files: Record<string, string>;
}

function readCached(dir: string): Record<string, Uint8Array> | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Meta;
    if (meta.transpiler !== jcoVersion()) return undefined;
    const files: Record<string, Uint8Array> = {};
    for (const [name, digest] of Object.entries(meta.files)) {
      if (name.includes('/') || name.startsWith('.')) return undefined;
      const bytes = readFileSync(join(dir, name));
      if (sha256(bytes) !== digest) return undefined;
      files[name] = bytes;
    }
    return files;
  } catch {
    return undefined;
  }
}

function writeCached(dir: string, files: Record<string, Uint8Array>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const meta: Meta = { transpiler: jcoVersion(), files: {} };
    for (const [name, bytes] of Object.entries(files)) {
      writeFileSync(join(tmp, name), bytes);
      meta.files[name] = sha256(bytes);
    }
    writeFileSync(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
    // NOTE: a stale or damaged entry is moved out of the way first; a concurrent writer's rename may win.
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    }
  } catch {
    // NOTE: the cache is an optimisation: a run never fails because it cannot write it.
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function loadComponent(bytes: Uint8Array, options: ComponentLoadOptions): Promise<ComponentLoadResult> {
  const digest = sha256(bytes);
  const dir = options.cacheDir ? join(options.cacheDir, 'components', digest) : undefined;
  let files = dir ? readCached(dir) : undefined;
  const cached = files !== undefined;
  let transpileMs = 0;
  if (!files) {
    const t0 = performance.now();
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    const out = await transpileBytes(bytes, { ...TRANSPILE_OPTIONS });
    transpileMs = Math.round(performance.now() - t0);
    files = {};
    for (const [name, content] of Object.entries(out.files)) {
      if (name === 'component.js' || /^component\.core\d*\.wasm$/.test(name)) files[name] = content;
    }
    if (dir) writeCached(dir, files);
  }
  const js = files['component.js'];
  if (!js) throw new Error('jco-transpile produced no component.js');
  const modules: [string, WebAssembly.Module][] = [];
  for (const [name, content] of Object.entries(files)) {
    if (!name.endsWith('.wasm')) continue;
    const limited = limitMemory(content, options.memoryPages);
    const module = await WebAssembly.compile(limited as Uint8Array<ArrayBuffer>);
    checkCoreNames(module);
    modules.push([name, module]);
  }
  return { js: new TextDecoder().decode(js), modules, cached, transpileMs };
}

/**
 * Characters a core module's import and export names may hold. jco writes these names into the
 * JavaScript it generates without escaping them (`exports0['NAME']`), so a component whose core
 * module exports `x'];…;//` would turn its bytes into host JavaScript; boxer refuses any name
 * outside this set (every toolchain's names fit it: `cabi_realloc`, `wasi:cli/run@0.2.0`,
 * `[method]descriptor.read-via-stream`, `$root`, `#func`) before the JS runs.
 */
const SAFE_CORE_NAME = /^[A-Za-z0-9_$#@.:/[\]|-]*$/;

/** A component refused because of what a core module of it names (see SAFE_CORE_NAME). */
export class UnsafeComponentName extends Error {}

/** Throws UnsafeComponentName when a core module has a name jco would write into JavaScript unsafely. */
export function checkCoreNames(module: WebAssembly.Module): void {
  const names = [
    ...WebAssembly.Module.exports(module).map((e) => e.name),
    ...WebAssembly.Module.imports(module).flatMap((i) => [i.module, i.name]),
  ];
  const bad = names.find((n) => !SAFE_CORE_NAME.test(n));
  if (bad !== undefined) throw new UnsafeComponentName(`a core module of the component names an import or export ${JSON.stringify(bad)}, which holds characters boxer does not let into the JavaScript it generates (only letters, digits and _ $ # @ . : / [ ] | -)`);
}

/** Names of the cached entries (for tests and `boxer` housekeeping). */
export function cachedComponents(cacheDir: string): string[] {
  try {
    return readdirSync(join(cacheDir, 'components')).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
}
