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
import type { Tree } from '@boxer/vfs';
import { decodeStore, encodeStore } from './persist.js';
import type { MountUsage } from './policy.js';
import { cover, uncover } from './mounts.js';
import { resolveLaunch, type LaunchOptions } from './launch.js';
import { resolveLimits, memoryPages } from './limits.js';
import { WasiHost } from './wasi.js';
import { GuestFs } from './guest-fs.js';
import { resolveClock } from './clock.js';
import { checkPreview1Imports, ImportRefused, limitMemory, MemoryTooSmall, ModuleRefused, WasmFormatError } from './wasm.js';
import { EXIT_TRAP } from './exit-codes.js';
import * as d from './diagnostics.js';
import type { AuditEvent } from './audit.js';
import { runComponent, type ComponentHost } from '../p2/run-component.js';
import type { MountSpec } from './mounts.js';

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
  /** Receives the run's own audit events (the `exec` of the program, once it is resolved, and every use of a mount). */
  onAudit?: (e: AuditEvent) => void;
  /** Host directories to link into the tree (see mounts.ts); they are linked after the program is found. */
  mounts?: readonly MountSpec[];
  /** Guest paths that get an empty in-memory directory (`--mount type=tmpfs`), shadowing the image's. */
  tmpfs?: readonly string[];
  /**
   * Whether ports are to be published (`-p`: `explicit`; only from EXPOSE by `--allow-requested`:
   * `requested`). A preview1 program cannot serve: explicit is refused, requested is a warning.
   */
  publishing?: 'explicit' | 'requested';
  /** How this host runs a preview2 component (transpile, host events); without it a component is refused. */
  component?: ComponentHost;
  /**
   * `--persist`: the store to start from (`bytes`, absent the first time; checked against this box)
   * and `save`, handed the new store once the guest has run (whatever its exit code; not when it
   * never started, and not when its thread is terminated, so a killed run keeps the old store).
   */
  persist?: { path: string; bytes?: Uint8Array; save: (store: Uint8Array) => void };
  /** Whether a stdin read would return at once, end, or wait (poll_oneoff reports stdin by it). */
  stdinState?: () => 'data' | 'waiting' | 'ended';
  /** Which stdio descriptors the guest sees as terminals (`-t`). @default none */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Receives, once the guest has run, what it did with each mount (for --learn). */
  onMountUsage?: (usage: MountUsage[]) => void;
}

export function runGuest(options: GuestRunOptions): number {
  const file = options.file ?? 'the box';
  const opened = readBox(options.box, { file });
  const limits = resolveLimits(opened.manifest.limits, options.limits, file);
  const boxSnapshot = opened.manifest.snapshot.digest;
  const tree = options.persist?.bytes ? decodeStore(options.persist.bytes, boxSnapshot, options.persist.path) : opened.tree();
  const launch = resolveLaunch(opened.manifest, tree, options);
  options.onAudit?.({ op: 'exec', resource: launch.path, decision: 'allow', grant: 'box' });
  if (launch.kind === 'component') {
    // NOTE: a preview2 component runs through jco with boxer's own imports (p2/run-component.ts),
    // over the same GuestFs a preview1 program gets: the tree, tmpfs and bind mounts, the write budget.
    if (!options.component) throw new BoxerError(d.componentUnsupported(launch.path));
    const componentTmpfs = (options.tmpfs ?? []).map((target) => cover(tree, target, tree.makeDir({ mode: 0o1777 })));
    const fs = new GuestFs({
      tree,
      realtime: resolveClock().realtime,
      maxWriteBytes: limits.maxWriteBytes,
      ...(options.mounts ? { mounts: options.mounts } : {}),
      ...(options.onAudit ? { onAudit: options.onAudit } : {}),
      ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
    });
    let componentCode: number;
    try {
      componentCode = runComponent({ path: launch.path, bytes: launch.module, argv: launch.argv, env: launch.env, tree, fs, limits, stdout: options.stdout, stderr: options.stderr, ...(options.stdin ? { stdin: options.stdin } : {}), ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}), ...(options.onAudit ? { onAudit: options.onAudit } : {}), host: options.component });
    } finally {
      fs.closeMounts();
    }
    if (options.onMountUsage && options.mounts?.length) options.onMountUsage(fs.mountUsage());
    if (options.persist) {
      // NOTE: what the run left, minus what is not the box's (mounts are the host's, tmpfs is gone).
      fs.detachMounts();
      for (const t of componentTmpfs.reverse()) uncover(tree, t);
      options.persist.save(storeOf(tree, boxSnapshot, limits, options.persist.path));
    }
    return componentCode;
  }
  if (options.publishing === 'explicit') throw new BoxerError(d.nothingToPublish(launch.path, true));
  if (options.publishing === 'requested') options.onDiagnostic?.(d.nothingToPublish(launch.path, false));
  const module = compile(launch.path, launch.module, limits);
  const tmpfs = (options.tmpfs ?? []).map((target) => cover(tree, target, tree.makeDir({ mode: 0o1777 })));
  const host = new WasiHost({
    tree,
    args: launch.argv,
    env: launch.env,
    stdout: options.stdout,
    stderr: options.stderr,
    ...(options.stdin ? { stdin: options.stdin } : {}),
    ...(options.tty ? { tty: options.tty } : {}),
    ...(options.stdinState ? { stdinState: options.stdinState } : {}),
    ...(options.onDiagnostic ? { onDiagnostic: options.onDiagnostic } : {}),
    maxFds: limits.maxFds,
    maxOutputBytes: limits.maxOutputBytes,
    maxWriteBytes: limits.maxWriteBytes,
    ...(options.mounts ? { mounts: options.mounts } : {}),
    ...(options.onAudit ? { onAudit: options.onAudit } : {}),
  });
  const persist = options.persist;
  const code = runInstance(module, host, launch.path, options);
  if (options.onMountUsage && options.mounts?.length) options.onMountUsage(host.mountUsage());
  if (!persist) return code;
  // NOTE: what the run left, minus what is not the box's (mounts are the host's, tmpfs is gone).
  host.detachMounts();
  for (const t of tmpfs.reverse()) uncover(tree, t);
  persist.save(storeOf(tree, boxSnapshot, limits, persist.path));
  return code;
}

/** Instantiates and starts the program: its exit code, or 134 for a trap (reported on onDiagnostic). */
function runInstance(module: WebAssembly.Module, host: WasiHost, path: string, options: GuestRunOptions): number {
  const launch = { path };
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

/**
 * The --persist store of `tree`. A store holds every byte of every file (holes too), so a guest
 * whose sparse files are larger than its write limit could make the store, and every later run's
 * memory, as large as it likes: such a tree is refused (RUNTIME_PERSIST_INVALID) and the old store
 * kept.
 */
function storeOf(tree: Tree, boxSnapshot: string, limits: BoxLimits, path: string): Uint8Array {
  let sparse = 0;
  for (const [, node] of tree.walk()) if (node.kind === 'file' && node.pages) sparse += node.size;
  if (sparse > limits.maxWriteBytes) throw new BoxerError(d.persistInvalid(path, `the guest left sparse files of ${sparse} bytes in all, more than its write limit of ${limits.maxWriteBytes} bytes, and a store keeps every byte; the previous store is unchanged`));
  return encodeStore(tree, boxSnapshot);
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
