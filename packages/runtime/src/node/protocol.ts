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
import type { MessagePort } from 'node:worker_threads';
import type { ResolvedMount } from './mount-adapter.js';
import type { MountUsage } from '../common/policy.js';

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
  /** `-i`: the stdin pipe (node/stdin-pipe.ts); without it the guest's stdin is at its end at once. */
  stdin?: SharedArrayBuffer;
  /** `-t`: which stdio descriptors the guest sees as terminals. */
  tty?: { stdin?: boolean; stdout?: boolean; stderr?: boolean };
  /** Whether ports are published by `-p` (explicit) or only by `--allow-requested` (see runGuest). */
  publishing?: 'explicit' | 'requested';
  /** `--learn`: report what the run did with each mount when it ends. */
  learn?: boolean;
  /** `--persist`: the store file and its bytes (absent before the first run). */
  persist?: { path: string; bytes?: Uint8Array };
  /** `-v`/`--mount` grants, host paths resolved by the main thread (mount-adapter.ts). */
  mounts?: ResolvedMount[];
  /** The run's limits, already resolved against the manifest by the main thread. */
  limits: BoxLimits;
  /** FLOW_SLOTS Int32 slots: see the header. */
  flow: SharedArrayBuffer;
  /** Output bytes that may be in flight before the worker waits. */
  flowLimit: number;
  /**
   * A preview2 component's channel to the main thread (node/guest-channel.ts): the worker's end of
   * a MessageChannel (transferred) and the shared signal counter the main thread bumps per message.
   */
  p2?: { port: MessagePort; signal: SharedArrayBuffer; published: boolean };
}

export type WorkerMessage =
  | { type: 'output'; fd: 1 | 2; data: Uint8Array }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | { type: 'audit'; event: AuditEvent }
  | { type: 'persist'; data: Uint8Array }
  | { type: 'mount-usage'; usage: MountUsage[] }
  | { type: 'exit'; code: number }
  | { type: 'failed'; diagnostics: Diagnostic[] }
  | { type: 'crashed'; message: string; stack?: string };
