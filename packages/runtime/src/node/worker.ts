// Worker entry: runs one guest with runGuest() and reports output and the exit code to the main
// thread (DESIGN §0.9). Output goes out as messages so the main thread stays the only writer of the
// host's stdio.
import { parentPort, workerData } from 'node:worker_threads';
import { isBoxerError } from '@boxer/diagnostics';
import { runGuest } from '../common/run-guest.js';
import type { WorkerInput, WorkerMessage } from './protocol.js';

const input = workerData as WorkerInput;
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);

try {
  const code = runGuest({
    box: new Uint8Array(input.box),
    file: input.file,
    ...(input.args ? { args: input.args } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.entrypoint !== undefined ? { entrypoint: input.entrypoint } : {}),
    ...(input.limits ? { limits: input.limits } : {}),
    stdout: (data) => post({ type: 'output', fd: 1, data }),
    stderr: (data) => post({ type: 'output', fd: 2, data }),
    onDiagnostic: (diagnostic) => post({ type: 'diagnostic', diagnostic: strip(diagnostic) }),
  });
  post({ type: 'exit', code });
} catch (e) {
  if (isBoxerError(e)) post({ type: 'failed', diagnostics: e.diagnostics.map(strip) });
  else post({ type: 'crashed', message: (e as Error)?.message ?? String(e), ...((e as Error)?.stack ? { stack: (e as Error).stack } : {}) });
}

/** `cause` may hold things that cannot cross a thread boundary. */
function strip<T extends { cause?: unknown }>(d: T): T {
  const { cause: _cause, ...rest } = d;
  return rest as T;
}
