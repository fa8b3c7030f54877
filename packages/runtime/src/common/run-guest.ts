// One guest run, synchronously, inside whatever thread holds it (a Node worker or a browser worker).
// In: box bytes (may be a view over shared memory), argv/env overrides, stdio sinks. Out: the exit
// code. Launch problems throw BoxerError; a guest trap becomes exit 134 plus a diagnostic on `onDiagnostic`.
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { readBox, DEFAULT_LIMITS, type BoxLimits } from '@boxer/bundle';
import { resolveLaunch, type LaunchOptions } from './launch.js';
import { WasiHost } from './wasi.js';
import * as d from './diagnostics.js';

export const EXIT_TRAP = 134;

export interface GuestRunOptions extends LaunchOptions {
  /** The box's bytes. */
  box: Uint8Array;
  /** Name of the box for diagnostics. */
  file?: string;
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
  /** Synchronous stdin; returns null at end of input. @default no input (EOF) */
  stdin?: () => Uint8Array | null;
  limits?: Partial<BoxLimits>;
  onDiagnostic?: (d: Diagnostic) => void;
}

export function runGuest(options: GuestRunOptions): number {
  const opened = readBox(options.box, { file: options.file });
  const limits = { ...DEFAULT_LIMITS, ...opened.manifest.limits, ...options.limits };
  const tree = opened.tree();
  const launch = resolveLaunch(opened.manifest, tree, options);
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(launch.module as Uint8Array<ArrayBuffer>);
  } catch (e) {
    throw new BoxerError(d.badModule(launch.path, (e as Error).message));
  }
  const host = new WasiHost({
    tree,
    args: launch.argv,
    env: launch.env,
    stdout: options.stdout,
    stderr: options.stderr,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    maxFds: limits.maxFds,
  });
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(module, host.imports() as WebAssembly.Imports);
  } catch (e) {
    throw new BoxerError(d.badModule(launch.path, (e as Error).message));
  }
  try {
    // NOTE: a process exit status is 8 bits on Linux (`exit(300)` is seen as 44), and docker run reports that.
    return host.start(instance) & 0xff;
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError || e instanceof RangeError) {
      options.onDiagnostic?.(d.trap(launch.path, (e as Error).message));
      return EXIT_TRAP;
    }
    throw e;
  }
}
