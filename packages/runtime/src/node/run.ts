// Node host: runs a box in a fresh worker thread and streams its output. The main thread keeps the
// wall-time watchdog: a guest that spins is stopped with worker.terminate() (DESIGN §0.2, §0.9).
// In: box bytes + options. Out: `RunResult` (exit code, diagnostics) once the worker is gone.
//
// Output is flow-controlled (protocol.ts): at most `outputBuffer` bytes are ever between the guest
// and the sinks, and a sink that returns a promise holds the guest back until it settles. When the
// run ends by its timeout or its AbortSignal, the worker is terminated at once and output still
// queued is dropped; when the guest exits, its output is passed on before the result resolves.
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { BoxerError, InternalError, type Diagnostic } from '@boxer/diagnostics';
import { readBox, type BoxLimits } from '@boxer/bundle';
import * as d from '../common/diagnostics.js';
import { EXIT_HOST_MEMORY, EXIT_TIMEOUT, HOST_HEAP_MB } from '../common/exit-codes.js';
import { memoryPages, resolveLimits } from '../common/limits.js';
import { checkGrants, type Grants } from '../common/grants.js';
import type { AuditEvent, AuditRecord } from '../common/audit.js';
import { grantedHostEnv } from './env-adapter.js';
import { resolveMounts } from './mount-adapter.js';
import { createStdinPipe, feedStdin, type StdinSource } from './stdin-pipe.js';
import { learnPolicy, mergeGrants, requestedGrants, type MountUsage, type RequestedItem } from '../common/policy.js';
import { loadStore, saveStore, storePath } from './persist-adapter.js';
import { resolveKvEntry } from './kv-adapter.js';
import { FLOW_IN_FLIGHT, FLOW_SLOTS, type WorkerInput, type WorkerMessage } from './protocol.js';
import { startP2Host } from './p2-host.js';

export { EXIT_TIMEOUT };

/** Default for `RunBoxOptions.outputBuffer`. */
export const DEFAULT_OUTPUT_BUFFER = 4 * 1024 * 1024;

export interface RunBoxOptions {
  /** Name of the box for diagnostics. */
  file?: string;
  /** Arguments replacing CMD. */
  args?: string[];
  /** `-e` values: they override the image's Env and granted host variables, and need no grant. */
  env?: Record<string, string>;
  /** What the run may take from the host (deny by default): see `Grants`. Invalid grants throw RangeError. */
  grants?: Grants;
  /**
   * Receives one record per capability decision, in order (`boxer run --audit`): each host variable
   * passed or denied, then the `exec` of the program. Called on the calling thread; an exception
   * from it ends the run (runBox rejects with it).
   */
  audit?: (record: AuditRecord) => void;
  /** `--entrypoint`: replaces ENTRYPOINT and drops CMD, as in `docker run`. */
  entrypoint?: string;
  /**
   * Where a preview2 component's transpiled JS is cached, outside the box (`<cacheDir>/components/<sha256>/`).
   * @default none: a component is transpiled for each run
   */
  cacheDir?: string;
  /**
   * Overrides of the box's limits (`boxer inspect` shows the box's own). Each must lie within the
   * host's floor and ceiling (`LIMIT_FLOORS`, `LIMIT_CEILINGS`), else runBox throws RangeError.
   */
  limits?: Partial<BoxLimits>;
  /**
   * Receives the guest's stdout bytes (chunks of at most 64 KiB). Return a promise to apply
   * backpressure: the guest waits in fd_write while `outputBuffer` bytes are unwritten. @default discard
   */
  stdout?: (bytes: Uint8Array) => void | Promise<void>;
  stderr?: (bytes: Uint8Array) => void | Promise<void>;
  /**
   * Output bytes that may be on their way from the guest to the sinks (posted, queued or being
   * written) before the guest is held back. From 64 KiB to 1 GiB. @default 4 MiB
   */
  outputBuffer?: number;
  /** Stops the run at once (the worker is terminated, queued output dropped); runBox rejects with its reason. */
  signal?: AbortSignal;
  /**
   * `--allow-requested`: also grant what the box's manifest asks for (EXPOSEd TCP ports published on
   * 127.0.0.1, VOLUMEs as empty in-memory directories); `onRequested` hears, before the run, each
   * request and what it became or why it was not granted.
   */
  allowRequested?: boolean;
  onRequested?: (items: RequestedItem[]) => void;
  /**
   * `-i`: what the guest reads on stdin, streamed as it reads (an async iterable such as
   * `process.stdin`, or bytes/text). Without it the guest's stdin is at its end at once.
   */
  stdin?: StdinSource;
  /** `-t`: the guest's stdin/stdout/stderr report as terminals (isatty). @default none */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /**
   * `--learn` (DESIGN §0.3): run with `grants` as the ceiling, record every decision, and return in
   * `RunResult.learned` the smallest grants that let the same run do what it did.
   */
  learn?: boolean;
  /** MiB of JS heap the run's worker may use for boxer's own state (RUNTIME_HOST_MEMORY past it). @default HOST_HEAP_MB (2048) */
  hostHeapMb?: number;
}

export interface RunResult {
  exitCode: number;
  /** Problems reported during the run (a trap, a limit). Launch failures reject with BoxerError instead. */
  diagnostics: Diagnostic[];
  output: {
    /** Bytes the sinks were given. */
    bytes: number;
    /** Most output bytes in flight between the guest and the sinks at any time (at most `outputBuffer`). */
    peakBufferedBytes: number;
  };
  /** With `learn`: the smallest grants within the ceiling that give this run what it used. */
  learned?: Grants;
}

/** Shares `bytes` with workers: one copy into shared memory, reused by every run of the same box. */
export function shareBox(bytes: Uint8Array): SharedArrayBuffer {
  if (bytes.buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  const sab = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(sab).set(bytes);
  return sab;
}

export async function runBox(box: Uint8Array | SharedArrayBuffer, options: RunBoxOptions = {}): Promise<RunResult> {
  const shared = box instanceof SharedArrayBuffer ? box : shareBox(box);
  const file = options.file ?? 'the box';
  const flowLimit = options.outputBuffer ?? DEFAULT_OUTPUT_BUFFER;
  if (!Number.isSafeInteger(flowLimit) || flowLimit < 65536 || flowLimit > 2 ** 30) throw new RangeError(`outputBuffer must be a whole number of bytes from 65536 to 2^30, got ${flowLimit}`);
  // NOTE: the main thread reads the manifest too (cheap: the snapshot is not decoded), for the
  // limit it enforces itself, the wall time; a damaged box fails here without starting a worker.
  const manifest = readBox(new Uint8Array(shared), { file }).manifest;
  const limits = resolveLimits(manifest.limits, options.limits, file);
  if (options.grants) checkGrants(options.grants);
  let grants = options.grants;
  if (options.allowRequested) {
    const requested = requestedGrants(manifest.requested);
    options.onRequested?.(requested.items);
    grants = mergeGrants(grants ?? {}, requested.grants);
  }
  options.signal?.throwIfAborted();
  const boxDigest = options.audit ? `sha256:${createHash('sha256').update(new Uint8Array(shared)).digest('hex')}` : '';
  // NOTE: --learn needs every decision too, with or without an audit sink.
  const learned: AuditEvent[] | undefined = options.learn ? [] : undefined;
  const audit = options.audit || learned
    ? (e: AuditEvent): void => {
        learned?.push(e);
        options.audit?.({ time: new Date().toISOString(), box: boxDigest, ...e });
      }
    : undefined;
  let mountUsage: MountUsage[] = [];
  const learn = (): Grants => {
    const policy = learnPolicy(grants ?? {}, learned ?? [], mountUsage);
    // NOTE: files in the learned policy are absolute, so it means the same wherever it is written.
    if (policy.kv) policy.kv = policy.kv.map((e) => resolveKvEntry(e, process.cwd()));
    return persistFile !== undefined ? { ...policy, persist: persistFile } : policy;
  };
  const mounts = grants?.mounts?.length ? resolveMounts(grants.mounts, process.cwd()) : undefined;
  const hostEnv = grants ? grantedHostEnv(grants, audit ?? (() => {})) : undefined;
  const persistGrant = grants?.persist !== undefined ? `--persist ${grants.persist}` : '';
  const persistFile = grants?.persist !== undefined ? storePath(grants.persist, process.cwd()) : undefined;
  const stored = persistFile !== undefined ? loadStore(persistFile) : undefined;
  if (persistFile !== undefined && stored) audit?.({ op: 'persist.read', resource: persistFile, decision: 'allow', grant: persistGrant });
  const p2Events = { warn: (diag: Diagnostic): void => void diagnostics.push(diag), fail: (_diag: Diagnostic): void => {} };
  const p2 = startP2Host({ ...(grants ? { grants } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}), memoryPages: memoryPages(limits), kvMaxBytes: limits.maxWriteBytes, emit: audit ?? (() => {}), events: p2Events });
  const stdinPipe = options.stdin !== undefined ? createStdinPipe() : undefined;
  const flowBuffer = new SharedArrayBuffer(FLOW_SLOTS * 4);
  const flow = new Int32Array(flowBuffer);
  const input: WorkerInput = {
    box: shared,
    file,
    ...(options.args ? { args: options.args } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(hostEnv && Object.keys(hostEnv).length > 0 ? { hostEnv } : {}),
    ...(audit ? { audit: true } : {}),
    ...(learned ? { learn: true } : {}),
    ...(stdinPipe ? { stdin: stdinPipe } : {}),
    ...(options.grants?.publish?.length ? { publishing: 'explicit' as const } : grants?.publish?.length ? { publishing: 'requested' as const } : {}),
    ...(options.tty ? { tty: options.tty } : {}),
    ...(options.entrypoint !== undefined ? { entrypoint: options.entrypoint } : {}),
    ...(mounts ? { mounts } : {}),
    ...(persistFile !== undefined ? { persist: { path: persistFile, ...(stored ? { bytes: stored } : {}) } } : {}),
    limits,
    flow: flowBuffer,
    flowLimit,
    p2: p2.input,
  };
  // NOTE: a ceiling on the host memory one run may make boxer hold (its tree, mount nodes, buffers):
  // past it the worker dies alone with ERR_WORKER_OUT_OF_MEMORY instead of the process.
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, transferList: [p2.input.port], stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: options.hostHeapMb ?? HOST_HEAP_MB } });
  const diagnostics: Diagnostic[] = [];
  const output = { bytes: 0, peakBufferedBytes: 0 };
  return new Promise<RunResult>((resolve, reject) => {
    /** The promise has been settled. */
    let settled = false;
    /** The worker reported its end (exit, failed); what it wrote is still being passed on. */
    let ended = false;
    /** Output that is still queued goes nowhere (timeout, abort, a failing sink). */
    let dropping = false;
    // Output writes are chained so they reach the sinks in order.
    let writes: Promise<void> = Promise.resolve();
    // NOTE: a failing stdin source ends the guest's input; the run goes on (as with a closed pipe).
    if (stdinPipe) void feedStdin(stdinPipe, options.stdin!, () => settled || ended).catch(() => {});

    const cleanup = (): void => {
      clearTimeout(timer);
      p2.close();
      options.signal?.removeEventListener('abort', onAbort);
    };
    /** Ends the run now: terminates the worker, drops queued output, settles. */
    const stopNow = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      dropping = true;
      cleanup();
      void worker.terminate();
      settle();
    };
    /** The worker is done: settles once its output has been written (an abort can still cut that short). */
    const endAfterOutput = (settle: () => void): void => {
      if (settled || ended) return;
      ended = true;
      clearTimeout(timer);
      void worker.terminate();
      void writes.then(() => {
        if (settled) return;
        settled = true;
        cleanup();
        settle();
      });
    };

    const timeoutMs = limits.timeoutMs;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
          diagnostics.push(d.timeout(timeoutMs));
          stopNow(() => resolve({ exitCode: EXIT_TIMEOUT, diagnostics, output }));
        }, timeoutMs)
      : undefined;
    const onAbort = (): void => stopNow(() => reject(options.signal!.reason));
    p2Events.fail = (diag) => stopNow(() => reject(new BoxerError(diag)));
    options.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: WorkerMessage) => {
      if (settled) return;
      switch (m.type) {
        case 'output': {
          const n = m.data.length;
          output.peakBufferedBytes = Math.max(output.peakBufferedBytes, Atomics.load(flow, FLOW_IN_FLIGHT));
          const sink = m.fd === 1 ? options.stdout : options.stderr;
          writes = writes.then(async () => {
            try {
              if (!dropping && sink) {
                await sink(m.data);
                output.bytes += n;
              }
            } catch (e) {
              stopNow(() => reject(e));
            } finally {
              Atomics.sub(flow, FLOW_IN_FLIGHT, n);
              Atomics.notify(flow, FLOW_IN_FLIGHT);
            }
          });
          break;
        }
        case 'diagnostic':
          diagnostics.push(m.diagnostic);
          break;
        case 'persist':
          try {
            saveStore(persistFile!, m.data);
            audit?.({ op: 'persist.write', resource: persistFile!, decision: 'allow', grant: persistGrant });
          } catch (e) {
            stopNow(() => reject(e));
          }
          break;
        case 'mount-usage':
          mountUsage = m.usage;
          break;
        case 'audit':
          try {
            audit?.(m.event);
          } catch (e) {
            stopNow(() => reject(e));
          }
          break;
        case 'exit':
          endAfterOutput(() => resolve({ exitCode: m.code, diagnostics, output, ...(learned ? { learned: learn() } : {}) }));
          break;
        case 'failed':
          endAfterOutput(() => reject(new BoxerError(m.diagnostics)));
          break;
        case 'crashed':
          stopNow(() => reject(new InternalError(`the runtime worker crashed: ${m.message}\n${m.stack ?? ''}`)));
          break;
      }
    });
    worker.on('error', (e) => {
      if ((e as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        diagnostics.push(d.hostMemory(options.hostHeapMb ?? HOST_HEAP_MB));
        return stopNow(() => resolve({ exitCode: EXIT_HOST_MEMORY, diagnostics, output }));
      }
      stopNow(() => reject(new InternalError(`the runtime worker failed: ${e.message}`, { cause: e })));
    });
    worker.on('exit', (code) => {
      if (!ended) stopNow(() => reject(new InternalError(`the runtime worker exited (${code}) without reporting a result`)));
    });
  });
}
