// Messages between the main thread (CLI, audit sink, watchdog) and the worker that holds one guest.
import type { Diagnostic } from '@boxer/diagnostics';
import type { BoxLimits } from '@boxer/bundle';

export interface WorkerInput {
  /** The box bytes, shared with the worker (never copied per run). */
  box: SharedArrayBuffer;
  file: string;
  args?: string[];
  env?: Record<string, string>;
  entrypoint?: string;
  limits?: Partial<BoxLimits>;
}

export type WorkerMessage =
  | { type: 'output'; fd: 1 | 2; data: Uint8Array }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | { type: 'exit'; code: number }
  | { type: 'failed'; diagnostics: Diagnostic[] }
  | { type: 'crashed'; message: string; stack?: string };
