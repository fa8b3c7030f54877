// One guest run, synchronously, inside whatever thread holds it (a Node worker or a browser worker).
// In: box bytes (may be a view over shared memory), argv/env overrides, limits, stdio sinks. Out: the
// exit code. Launch problems throw BoxerError; a guest trap becomes exit 134 and a limit that stops
// the guest its own exit code, each with a diagnostic on `onDiagnostic`. Any other exception out of
// the guest is boxer's bug and propagates as it is.
//
// Before the engine sees the program: its preview1 imports are checked against the preview1
// signatures, and its memories' maximum is lowered to the memory limit (DESIGN §0.2).
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { readBox, type BoxLimits } from '@boxer/bundle';
import { resolveLaunch, type LaunchOptions } from './launch.js';
import { resolveLimits, memoryPages } from './limits.js';
import { WasiHost } from './wasi.js';
import { checkPreview1Imports, ImportRefused, limitMemory, MemoryTooSmall, ModuleRefused, WasmFormatError } from './wasm.js';
import { EXIT_TRAP } from './exit-codes.js';
import * as d from './diagnostics.js';
import type { AuditEvent } from './audit.js';

export { EXIT_TRAP };

export interface GuestRunOptions extends LaunchOptions {
  /** The box's bytes. */
  box: Uint8Array;
  /** Name of the box for diagnostics. */
  file?: string;
  /** Receives stdout in chunks of at most 64 KiB, each a fresh buffer the callee may keep. */
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
  /** Synchronous stdin; returns null at end of input. @default no input (EOF) */
  stdin?: () => Uint8Array | null;
  /** Overrides of the box's limits (which override the defaults). */
  limits?: Partial<BoxLimits>;
  onDiagnostic?: (d: Diagnostic) => void;
  /** Receives the run's own audit events (the `exec` of the program, once it is resolved). */
  onAudit?: (e: AuditEvent) => void;
}

export function runGuest(options: GuestRunOptions): number {
  const file = options.file ?? 'the box';
  const opened = readBox(options.box, { file });
  const limits = resolveLimits(opened.manifest.limits, options.limits, file);
  const tree = opened.tree();
  const launch = resolveLaunch(opened.manifest, tree, options);
  options.onAudit?.({ op: 'exec', resource: launch.path, decision: 'allow', grant: 'box' });
  const module = compile(launch.path, launch.module, limits);
  const host = new WasiHost({
    tree,
    args: launch.argv,
    env: launch.env,
    stdout: options.stdout,
    stderr: options.stderr,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    maxFds: limits.maxFds,
    maxOutputBytes: limits.maxOutputBytes,
    maxWriteBytes: limits.maxWriteBytes,
  });
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, host.imports() as WebAssembly.Imports);
  } catch (e) {
    if (e instanceof WebAssembly.LinkError || e instanceof WebAssembly.CompileError) throw new BoxerError(d.badModule(launch.path, e.message));
    // NOTE: a start function runs during instantiation: its trap is the guest's, like one in _start.
    const trap = trapMessage(e);
    if (trap === undefined) {
      // NOTE: V8 raises RangeError when it cannot allocate the initial memory.
      if (e instanceof RangeError) throw new BoxerError(d.badModule(launch.path, e.message));
      throw e;
    }
    options.onDiagnostic?.(d.trap(launch.path, trap));
    return EXIT_TRAP;
  }
  let code: number;
  try {
    code = host.start(instance);
  } catch (e) {
    const trap = trapMessage(e);
    if (trap === undefined) throw e;
    options.onDiagnostic?.(d.trap(launch.path, trap));
    return EXIT_TRAP;
  }
  const stopped = host.stopped;
  if (stopped) options.onDiagnostic?.(stopped);
  // NOTE: a process exit status is 8 bits on Linux (`exit(300)` is seen as 44), and docker run reports that.
  return code & 0xff;
}

/** Checks, limits and compiles the program; refusals are BoxerErrors naming it. */
function compile(path: string, bytes: Uint8Array, limits: BoxLimits): WebAssembly.Module {
  let patched: Uint8Array;
  try {
    checkPreview1Imports(bytes);
    patched = limitMemory(bytes, memoryPages(limits));
  } catch (e) {
    if (e instanceof MemoryTooSmall) throw new BoxerError(d.memoryLimit(path, e.minimumPages, limits.memoryBytes));
    if (e instanceof ImportRefused) throw new BoxerError(d.badImport(path, e.message));
    if (e instanceof ModuleRefused) throw new BoxerError(d.badModule(path, e.message));
    if (e instanceof WasmFormatError) throw new BoxerError(d.badModule(path, e.message));
    throw e;
  }
  try {
    return new WebAssembly.Module(patched as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new BoxerError(d.badModule(path, (e as Error).message));
  }
}

/**
 * The engine's message when `e` is the guest's own failure: a trap (WebAssembly.RuntimeError), a
 * wasm stack overflow (V8 raises RangeError "Maximum call stack size exceeded" for it) or a wasm
 * exception the guest threw and never caught. Anything else is not the guest's doing: undefined.
 */
function trapMessage(e: unknown): string | undefined {
  if (e instanceof WebAssembly.RuntimeError) return e.message;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return e.message;
  // NOTE: WebAssembly.Exception (exception handling) is not in TypeScript's lib yet.
  const WasmException = (WebAssembly as { Exception?: abstract new (...args: never[]) => object }).Exception;
  if (WasmException && e instanceof WasmException) return 'uncaught WebAssembly exception';
  return undefined;
}
