// Audit records (DESIGN §5): one per capability decision. Adapters and the guest runner produce
// `AuditEvent`s; the main thread, which owns the sink (§0.9), stamps each with the time and the box
// digest and hands the `AuditRecord` to `RunBoxOptions.audit` (`boxer run --audit FILE|-` writes
// them as JSONL).

export type AuditOp =
  /** A host environment variable passed to the guest (allow) or withheld by `--deny-env` (deny). */
  | 'env.read'
  /** The program the run starts (resource: its path in the box; grant: `box`, as it needs none). */
  | 'exec'
  /** A mount's file opened for reading or its directory listed (resource: the host path). */
  | 'fs.read'
  /** A mount's entry written, created, removed, renamed, linked or re-timed (deny: a read-only mount). */
  | 'fs.write'
  /** The `--persist` store read before the run (resource: its path). */
  | 'persist.read'
  /** The `--persist` store written after the run. */
  | 'persist.write'
  /** An outbound connection (resource: `host:port` as the guest named it; grant: the `--allow-net` entry, or `none`). */
  | 'net.connect'
  /**
   * A `-p` listener opened on the host for the guest's incoming-handler or its wasi:sockets listener
   * (resource: `ip:port`); deny: a TCP bind on an address:port no `-p` publishes (resource: the guest's).
   */
  | 'net.listen'
  /** A wasi:sockets name lookup (resource: the name; deny: no `--allow-net` entry could allow it, it was not looked up). */
  | 'net.resolve'
  /**
   * A wasi:keyvalue bucket opened (resource: the bucket name; grant: `--allow-kv=bucket[:FILE]`, or
   * `none` when no grant names it and the guest got `access-denied`).
   */
  | 'kv.open'
  /** A `--allow-kv=bucket:FILE` bucket's FILE written after the run (resource: the file's path). */
  | 'kv.save';

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
