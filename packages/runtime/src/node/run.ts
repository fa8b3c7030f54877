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
import { EXIT_TIMEOUT } from '../common/exit-codes.js';
import { resolveLimits } from '../common/limits.js';
import { checkGrants, type Grants } from '../common/grants.js';
import type { AuditEvent, AuditRecord } from '../common/audit.js';
import { grantedHostEnv } from './env-adapter.js';
import { FLOW_IN_FLIGHT, FLOW_SLOTS, type WorkerInput, type WorkerMessage } from './protocol.js';

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
  const limits = resolveLimits(readBox(new Uint8Array(shared), { file }).manifest.limits, options.limits, file);
  if (options.grants) checkGrants(options.grants);
  options.signal?.throwIfAborted();
  const boxDigest = options.audit ? `sha256:${createHash('sha256').update(new Uint8Array(shared)).digest('hex')}` : '';
  const audit = options.audit ? (e: AuditEvent): void => options.audit!({ time: new Date().toISOString(), box: boxDigest, ...e }) : undefined;
  const hostEnv = options.grants ? grantedHostEnv(options.grants, audit ?? (() => {})) : undefined;
  const flowBuffer = new SharedArrayBuffer(FLOW_SLOTS * 4);
  const flow = new Int32Array(flowBuffer);
  const input: WorkerInput = {
    box: shared,
    file,
    ...(options.args ? { args: options.args } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(hostEnv && Object.keys(hostEnv).length > 0 ? { hostEnv } : {}),
    ...(audit ? { audit: true } : {}),
    ...(options.entrypoint !== undefined ? { entrypoint: options.entrypoint } : {}),
    limits,
    flow: flowBuffer,
    flowLimit,
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, stdout: false, stderr: false });
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

    const cleanup = (): void => {
      clearTimeout(timer);
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
        case 'audit':
          try {
            audit?.(m.event);
          } catch (e) {
            stopNow(() => reject(e));
          }
          break;
        case 'exit':
          endAfterOutput(() => resolve({ exitCode: m.code, diagnostics, output }));
          break;
        case 'failed':
          endAfterOutput(() => reject(new BoxerError(m.diagnostics)));
          break;
        case 'crashed':
          stopNow(() => reject(new InternalError(`the runtime worker crashed: ${m.message}\n${m.stack ?? ''}`)));
          break;
      }
    });
    worker.on('error', (e) => stopNow(() => reject(new InternalError(`the runtime worker failed: ${e.message}`, { cause: e }))));
    worker.on('exit', (code) => {
      if (!ended) stopNow(() => reject(new InternalError(`the runtime worker exited (${code}) without reporting a result`)));
    });
  });
}
