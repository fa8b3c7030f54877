// Audit records (DESIGN §5): one per capability decision. Adapters and the guest runner produce
// `AuditEvent`s; the main thread, which owns the sink (§0.9), stamps each with the time and the box
// digest and hands the `AuditRecord` to `RunBoxOptions.audit` (`boxer run --audit FILE|-` writes
// them as JSONL).

export type AuditOp =
  /** A host environment variable passed to the guest (allow) or withheld by `--deny-env` (deny). */
  | 'env.read'
  /** The program the run starts (resource: its path in the box; grant: `box`, as it needs none). */
  | 'exec';

export interface AuditEvent {
  op: AuditOp;
  /** What the operation is on: a variable name, a program path. */
  resource: string;
  decision: 'allow' | 'deny';
  /** The grant that decided it, spelled as the CLI flag (`--allow-env=HOME`, `--deny-env=X`), or `box`. */
  grant: string;
}

export interface AuditRecord extends AuditEvent {
  /** ISO 8601, UTC. */
  time: string;
  /** `sha256:<hex>` of the box's bytes. */
  box: string;
}
