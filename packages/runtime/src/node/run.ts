// Node host: runs a box in a fresh worker thread and streams its output. The main thread keeps the
// wall-time watchdog: a guest that spins is stopped with worker.terminate() (DESIGN §0.2, §0.9).
// In: box bytes + options. Out: `RunResult` (exit code, diagnostics) once the worker is gone.
import { Worker } from 'node:worker_threads';
import { BoxerError, InternalError, type Diagnostic } from '@boxer/diagnostics';
import type { BoxLimits } from '@boxer/bundle';
import * as d from '../common/diagnostics.js';
import type { WorkerInput, WorkerMessage } from './protocol.js';

export const EXIT_TIMEOUT = 124;

export interface RunBoxOptions {
  /** Name of the box for diagnostics. */
  file?: string;
  /** Arguments replacing CMD. */
  args?: string[];
  /** `-e` values. */
  env?: Record<string, string>;
  /** `--entrypoint`: replaces ENTRYPOINT and drops CMD, as in `docker run`. */
  entrypoint?: string;
  limits?: Partial<BoxLimits>;
  /** Receives the guest's stdout bytes. Return a promise to apply backpressure. @default discard */
  stdout?: (bytes: Uint8Array) => void | Promise<void>;
  stderr?: (bytes: Uint8Array) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  /** Problems reported during the run (a trap, a limit). Launch failures reject with BoxerError instead. */
  diagnostics: Diagnostic[];
}

/** Shares `bytes` with workers: one copy into shared memory, reused by every run of the same box. */
export function shareBox(bytes: Uint8Array): SharedArrayBuffer {
  if (bytes.buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer;
  const sab = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(sab).set(bytes);
  return sab;
}

export function runBox(box: Uint8Array | SharedArrayBuffer, options: RunBoxOptions = {}): Promise<RunResult> {
  const input: WorkerInput = {
    box: box instanceof SharedArrayBuffer ? box : shareBox(box),
    file: options.file ?? 'the box',
    ...(options.args ? { args: options.args } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.entrypoint !== undefined ? { entrypoint: options.entrypoint } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  };
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input, stdout: false, stderr: false });
  const diagnostics: Diagnostic[] = [];
  return new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    // Output writes are chained so they reach the sinks in order, and the result waits for them.
    let writes: Promise<void> = Promise.resolve();
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      void writes.then(fn, reject);
      void worker.terminate();
    };
    const timeoutMs = options.limits?.timeoutMs ?? 0;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
          diagnostics.push(d.timeout(timeoutMs));
          finish(() => resolve({ exitCode: EXIT_TIMEOUT, diagnostics }));
        }, timeoutMs)
      : undefined;
    const onAbort = (): void => finish(() => reject(options.signal!.reason));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (m: WorkerMessage) => {
      switch (m.type) {
        case 'output': {
          const sink = m.fd === 1 ? options.stdout : options.stderr;
          if (sink) writes = writes.then(() => sink(m.data));
          break;
        }
        case 'diagnostic':
          diagnostics.push(m.diagnostic);
          break;
        case 'exit':
          finish(() => resolve({ exitCode: m.code, diagnostics }));
          break;
        case 'failed':
          finish(() => reject(new BoxerError(m.diagnostics)));
          break;
        case 'crashed':
          finish(() => reject(new InternalError(`the runtime worker crashed: ${m.message}\n${m.stack ?? ''}`)));
          break;
      }
    });
    worker.on('error', (e) => finish(() => reject(new InternalError(`the runtime worker failed: ${e.message}`, { cause: e }))));
    worker.on('exit', (code) => finish(() => reject(new InternalError(`the runtime worker exited (${code}) without reporting a result`))));
  });
}
