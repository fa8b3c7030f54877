// The door to the host for `--allow-kv=bucket[:FILE]` (DESIGN §0.8): the only module of the runtime
// that touches a bucket's FILE. Runs on the main thread, for one run. In: the guest's `kv.call`
// messages (p2/channel.ts, sent by p2/keyvalue.ts) and the grants. Out: `kv.result` answers, one
// audit `kv.open` per open (allow, or deny with grant `none`), `kv.save` per FILE written, and
// warnings (a denied bucket, a full one).
//
// The buckets live here, not in the guest's worker, so what a guest stored is kept however the run
// ends (its own exit, a timeout, Ctrl-C: each call is answered whole or not at all) and a service
// that is stopped keeps its data. A bucket with a FILE is loaded when the guest first opens it and,
// if it changed, saved when the run ends: written whole to a temporary file beside FILE, flushed,
// then renamed over it. A bucket without one starts empty and is dropped with the run.
//
// FILE format (version 1), UTF-8 JSON, keys sorted, values base64:
//   {"format": "boxer-kv/1", "entries": {"count": "Mg==", …}}
// A FILE that does not exist yet is an empty bucket; one that cannot be read as this format fails
// the run with RUNTIME_KV_INVALID and is left as it is.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeWhole } from './write-whole.js';
import type { Diagnostic } from '@boxer/diagnostics';
import { WarnOnce } from '../common/warn-once.js';
import type { AuditEvent } from '../common/audit.js';
import { kvDenied, kvFull, kvInvalid } from '../common/diagnostics.js';
import { applyKvCall, formatKvGrant, KV_BUCKET_CEILING, KvBucket, parseKvEntry, parseKvGrant, type KvCall, type KvError, type KvGrant } from '../common/kv.js';
import type { GuestMessage, HostEvent } from '../p2/channel.js';

export const KV_FILE_FORMAT = 'boxer-kv/1';

export interface KvAdapterOptions {
  /** `--allow-kv` entries (`bucket` or `bucket:FILE`). */
  kv?: readonly string[];
  /** Where a relative FILE is resolved from. @default process.cwd() */
  cwd?: string;
  /** Bytes (keys plus values) one bucket may hold: the run's maxWriteBytes, at most KV_BUCKET_CEILING. */
  maxBytes: number;
  emit: (e: AuditEvent) => void;
  /** A warning (or an error that does not stop the run) for the run's diagnostics. */
  warn: (d: Diagnostic) => void;
  /** Ends the run with an error (a FILE that cannot be read as a bucket). */
  fail: (d: Diagnostic) => void;
  toGuest: (e: HostEvent) => void;
}

interface OpenBucket {
  bucket: KvBucket;
  grant: KvGrant;
  /** The FILE, resolved; absent for a bucket in memory. */
  path?: string;
}

export class KvAdapter {
  private readonly grants: Map<string, KvGrant>;
  private readonly buckets = new Map<string, OpenBucket>();
  /** Warnings given once per kind, for a bounded number of kinds (the audit records every attempt). */
  private readonly warnings = new WarnOnce();
  private readonly maxBytes: number;
  private closed = false;

  constructor(private readonly o: KvAdapterOptions) {
    this.grants = parseKvGrant(o.kv ?? []);
    this.maxBytes = Math.max(0, Math.min(o.maxBytes, KV_BUCKET_CEILING));
    const files = new Map<string, string>();
    for (const g of this.grants.values()) {
      if (g.file === undefined) continue;
      const path = this.pathOf(g.file);
      const other = files.get(path);
      if (other !== undefined) throw new RangeError(`--allow-kv: buckets "${other}" and "${g.bucket}" are given the same file ${path}; each bucket needs its own`);
      files.set(path, g.bucket);
    }
  }

  onMessage(m: Extract<GuestMessage, { type: 'kv.call' }>): void {
    if (this.closed) return;
    let answer: { ok?: unknown; error?: KvError };
    try {
      answer = { ok: this.call(m.call) };
    } catch (e) {
      answer = { error: isKvError(e) ? e : { tag: 'other', val: (e as Error)?.message ?? String(e) } };
    }
    this.o.toGuest({ type: 'kv.result', id: m.id, ...answer });
  }

  /** Saves every changed bucket that has a FILE, then takes no more calls. Never throws: a failed save is reported. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { bucket, grant, path } of this.buckets.values()) {
      if (path === undefined || !bucket.dirty) continue;
      try {
        writeWhole(path, encodeKvFile(bucket.entries()));
        this.o.emit({ op: 'kv.save', resource: path, decision: 'allow', grant: `--allow-kv=${formatKvGrant(grant)}` });
      } catch (e) {
        this.o.warn(kvInvalid(path, `it cannot be written (${(e as Error).message}); the previous file, if any, is unchanged`));
      }
    }
  }

  private pathOf(file: string): string {
    return resolve(this.o.cwd ?? process.cwd(), file);
  }

  private call(c: KvCall): unknown {
    if (c.op === 'open') return void this.open(c.bucket);
    const open = this.buckets.get(c.bucket);
    // NOTE: the guest's side only names buckets it opened; anything else is refused like an ungranted open.
    if (!open) throw { tag: 'access-denied' } satisfies KvError;
    try {
      return applyKvCall(open.bucket, c);
    } finally {
      if (open.bucket.refused && this.warnings.first(`full:${c.bucket}`)) {
        this.o.warn(kvFull(c.bucket, this.maxBytes));
      }
    }
  }

  private open(name: string): void {
    const grant = this.grants.get(name);
    if (!grant) {
      this.o.emit({ op: 'kv.open', resource: name, decision: 'deny', grant: 'none' });
      if (this.warnings.first(`deny:${name}`)) {
        this.o.warn(kvDenied(name));
      }
      throw { tag: 'access-denied' } satisfies KvError;
    }
    if (!this.buckets.has(name)) {
      const path = grant.file !== undefined ? this.pathOf(grant.file) : undefined;
      let entries: [string, Uint8Array][] | undefined;
      if (path !== undefined) {
        try {
          entries = loadKvFile(path);
        } catch (e) {
          const why = (e as Error).message;
          this.o.fail(kvInvalid(path, why));
          throw { tag: 'other', val: `the bucket "${name}" cannot be loaded: ${why}` } satisfies KvError;
        }
      }
      this.buckets.set(name, { bucket: new KvBucket(name, this.maxBytes, entries), grant, ...(path !== undefined ? { path } : {}) });
    }
    this.o.emit({ op: 'kv.open', resource: name, decision: 'allow', grant: `--allow-kv=${formatKvGrant(grant)}` });
  }
}

function isKvError(e: unknown): e is KvError {
  return typeof e === 'object' && e !== null && ['no-such-store', 'access-denied', 'other'].includes((e as { tag?: unknown }).tag as string);
}

/** A FILE's entries; none when it does not exist. Throws Error saying what is wrong with it. */
export function loadKvFile(path: string): [string, Uint8Array][] | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`it cannot be read (${(e as Error).message})`);
  }
  return decodeKvFile(bytes);
}

/** The bytes of a FILE holding `entries` (sorted by key). */
export function encodeKvFile(entries: readonly [string, Uint8Array][]): Uint8Array {
  const lines = entries.map(([k, v]) => `\n    ${JSON.stringify(k)}: "${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}"`);
  return Buffer.from(`{\n  "format": "${KV_FILE_FORMAT}",\n  "entries": {${lines.join(',')}${lines.length ? '\n  ' : ''}}\n}\n`, 'utf8');
}

/** A FILE's entries. Throws Error saying what is wrong with it. */
export function decodeKvFile(bytes: Uint8Array): [string, Uint8Array][] {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new Error(`it is not a boxer key-value file (not UTF-8 JSON: ${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('it is not a boxer key-value file (not a JSON object)');
  const { format, entries } = raw as Record<string, unknown>;
  if (format !== KV_FILE_FORMAT) throw new Error(`it is not a boxer key-value file ("format" is ${JSON.stringify(format)}, not "${KV_FILE_FORMAT}")`);
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw new Error('its "entries" is not an object');
  const out: [string, Uint8Array][] = [];
  // NOTE: JSON.parse makes every key an own property (even "__proto__"), so Object.entries sees them all.
  for (const [k, v] of Object.entries(entries)) {
    if (typeof v !== 'string' || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new Error(`the value of ${JSON.stringify(k)} is not base64`);
    out.push([k, new Uint8Array(Buffer.from(v, 'base64'))]);
  }
  return out;
}


/** A `bucket:FILE` entry with FILE made absolute (from `cwd`); `bucket` alone as it is. */
export function resolveKvEntry(entry: string, cwd: string): string {
  const g = parseKvEntry(entry);
  return g.file === undefined ? g.bucket : `${g.bucket}:${resolve(cwd, g.file)}`;
}
