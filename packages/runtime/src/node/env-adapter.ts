// The one door to the host's environment (DESIGN §0.8): the only module of the runtime that reads
// process.env. Applies the env grants (common/grants.ts) and emits one audit event per decision.
// Runs on the main thread; the worker gets only the variables granted.
import { decideEnv, type Grants } from '../common/grants.js';
import type { AuditEvent } from '../common/audit.js';

/** The host variables `grants` pass to the guest; `emit` receives each decision. */
export function grantedHostEnv(grants: Grants, emit: (e: AuditEvent) => void, host: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const { env, events } = decideEnv(grants, host);
  for (const e of events) emit(e);
  return env;
}
