// Typed progress and log events. Libraries emit them; only the CLI renders them (pnpm core-loggers,
// BuildKit progress). In: nothing. Out: `BoxerEvent` and `Emit`.
import type { Diagnostic } from '@boxer/diagnostics';

export type Stage = 'parse' | 'plan' | 'context' | 'pull' | 'flatten' | 'build' | 'snapshot' | 'bundle' | 'run';

export type BoxerEvent =
  | { type: 'stage'; stage: Stage; status: 'start' | 'end'; durationMs?: number }
  | { type: 'progress'; stage: 'pull' | 'flatten' | 'context'; id: string; current: number; total?: number }
  | { type: 'step'; index: number; total: number; text: string; line?: number }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | { type: 'log'; level: 'debug' | 'info'; message: string };

export type Emit = (event: BoxerEvent) => void;

/** An `Emit` that drops everything, for callers that pass none. */
export const noopEmit: Emit = () => {};
