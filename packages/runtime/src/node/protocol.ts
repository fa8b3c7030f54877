// Messages between the main thread (CLI, audit sink, watchdog) and the worker that holds one guest.
//
// Output flow control: `flow` is an Int32Array over shared memory whose slot FLOW_IN_FLIGHT counts
// the output bytes the worker has posted and the main thread's sinks have not finished writing. The
// worker adds a chunk's size before posting it and, while the count would go above `flowLimit`,
// blocks in `Atomics.wait` (the guest is inside fd_write then, so it simply waits, as a process
// writing to a full pipe does). The main thread subtracts a chunk's size once its sink is done with
// it (after the sink's promise settles) and calls `Atomics.notify`.
import type { Diagnostic } from '@boxer/diagnostics';
import type { BoxLimits } from '@boxer/bundle';
import type { AuditEvent } from '../common/audit.js';

/** Index of the in-flight byte count in the `flow` Int32Array. */
export const FLOW_IN_FLIGHT = 0;
/** Int32 slots in `flow`. */
export const FLOW_SLOTS = 1;

export interface WorkerInput {
  /** The box bytes, shared with the worker (never copied per run). */
  box: SharedArrayBuffer;
  file: string;
  args?: string[];
  env?: Record<string, string>;
  /** Host variables the grants passed (read on the main thread by env-adapter.ts). */
  hostEnv?: Record<string, string>;
  /** Whether the main thread wants audit events. */
  audit?: boolean;
  entrypoint?: string;
  /** The run's limits, already resolved against the manifest by the main thread. */
  limits: BoxLimits;
  /** FLOW_SLOTS Int32 slots: see the header. */
  flow: SharedArrayBuffer;
  /** Output bytes that may be in flight before the worker waits. */
  flowLimit: number;
}

export type WorkerMessage =
  | { type: 'output'; fd: 1 | 2; data: Uint8Array }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | { type: 'audit'; event: AuditEvent }
  | { type: 'exit'; code: number }
  | { type: 'failed'; diagnostics: Diagnostic[] }
  | { type: 'crashed'; message: string; stack?: string };
