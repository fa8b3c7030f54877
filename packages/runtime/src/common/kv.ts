// Key-value buckets for `--allow-kv=bucket[:FILE]` (DESIGN §5): the grant's syntax, a bucket's
// contents and limits, and the calls the guest sends. Isomorphic and pure: the node host's kv
// adapter (node/kv-adapter.ts) holds the buckets, reads and writes their files (its format) and
// answers the guest; p2/keyvalue.ts is the guest's side (wasi:keyvalue@0.2.0-draft).
//
// Semantics follow the WIT of wasi:keyvalue 0.2.0-draft (WebAssembly/wasi-keyvalue's only tagged
// release): `get` of a missing key is `none`, `delete` of one does nothing, `increment` of a missing
// key sets it to the delta. The WIT leaves the bytes `increment` keeps unspecified; boxer keeps the
// decimal text of the u64, as Wasmtime's wasmtime-wasi-keyvalue (the reference host of this version)
// does, so a counter reads back as "2".
//
// Limits: a bucket holds at most `maxBytes` (keys' UTF-8 bytes plus values' bytes) and `maxBytes /
// 256` keys, like the writable layer's bytes and entries; a set past either fails with the
// interface's `other` error and nothing changes. Shrinking is always allowed.

/** The store interface's `error` variant, as jco represents it. */
export type KvError = { tag: 'no-such-store' } | { tag: 'access-denied' } | { tag: 'other'; val: string };

/** Largest bucket, whatever `--max-write` says: its FILE is one JSON text, which must stay well under V8's string limit. */
export const KV_BUCKET_CEILING = 64 * 1024 * 1024;
/** Keys returned by one `list-keys` page at most. */
export const KV_LIST_PAGE = 1000;

export interface KvGrant {
  bucket: string;
  /** The file the bucket lives in, as given; absent: in memory for the run. */
  file?: string;
}

/** `bucket` or `bucket:FILE` → its parts. Throws RangeError naming the problem. */
export function parseKvEntry(entry: string): KvGrant {
  if (typeof entry !== 'string') throw new RangeError(`--allow-kv: ${JSON.stringify(entry)} is not a bucket name`);
  const colon = entry.indexOf(':');
  const bucket = colon < 0 ? entry : entry.slice(0, colon);
  if (!isBucketName(bucket)) throw new RangeError(`--allow-kv=${entry}: ${JSON.stringify(bucket)} is not a bucket name (one or more characters, none of them a space, ",", ":" or NUL)`);
  if (colon < 0) return { bucket };
  const file = entry.slice(colon + 1);
  if (file === '' || file.includes('\0')) throw new RangeError(`--allow-kv=${entry}: expected bucket or bucket:FILE, with a file after the ":"`);
  return { bucket, file };
}

export function isBucketName(name: string): boolean {
  return /^[^\s:,\0]+$/u.test(name);
}

/** Every entry parsed; a bucket granted twice with different files is a RangeError (a bucket lives in one place). */
export function parseKvGrant(entries: readonly string[]): Map<string, KvGrant> {
  const out = new Map<string, KvGrant>();
  for (const e of entries) {
    const g = parseKvEntry(e);
    const prev = out.get(g.bucket);
    if (prev && prev.file !== g.file) throw new RangeError(`--allow-kv: bucket "${g.bucket}" is granted twice (${formatKvGrant(prev)} and ${formatKvGrant(g)}); a bucket lives in one place`);
    out.set(g.bucket, g);
  }
  return out;
}

export function formatKvGrant(g: KvGrant): string {
  return g.file === undefined ? g.bucket : `${g.bucket}:${g.file}`;
}

const utf8 = new TextEncoder();
const byteLength = (s: string): number => utf8.encode(s).length;

/** One bucket's contents, within its limits. Operations throw a `KvError` (a plain value, as jco expects). */
export class KvBucket {
  private readonly map = new Map<string, Uint8Array>();
  private size = 0;
  /** Changed since it was loaded (or created). */
  dirty = false;
  /** A write was refused for the bucket's limits. */
  refused = false;

  constructor(
    readonly name: string,
    readonly maxBytes: number,
    entries?: Iterable<[string, Uint8Array]>,
  ) {
    for (const [k, v] of entries ?? []) this.map.set(k, v);
    for (const [k, v] of this.map) this.size += byteLength(k) + v.length;
  }

  get maxKeys(): number {
    return Math.floor(this.maxBytes / 256);
  }

  /** Bytes held (keys' UTF-8 plus values). */
  get bytes(): number {
    return this.size;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    return v && v.slice();
  }

  exists(key: string): boolean {
    return this.map.has(key);
  }

  set(key: string, value: Uint8Array): void {
    const old = this.map.get(key);
    const keyBytes = byteLength(key);
    const next = this.size - (old ? keyBytes + old.length : 0) + keyBytes + value.length;
    if (next > this.size && next > this.maxBytes) throw this.full(`${next} bytes would pass its limit of ${this.maxBytes}`);
    if (!old && this.map.size + 1 > this.maxKeys) throw this.full(`a key more would pass its limit of ${this.maxKeys} keys`);
    this.map.set(key, value.slice());
    this.size = next;
    this.dirty = true;
  }

  delete(key: string): void {
    const old = this.map.get(key);
    if (!old) return;
    this.map.delete(key);
    this.size -= byteLength(key) + old.length;
    this.dirty = true;
  }

  /** A page of keys (sorted) from `cursor`, the index of the first key, and the cursor of the next page. */
  listKeys(cursor: bigint | undefined): { keys: string[]; cursor: bigint | undefined } {
    const all = [...this.map.keys()].sort();
    const from = cursor === undefined ? 0 : cursor > BigInt(all.length) ? all.length : Number(cursor);
    const keys = all.slice(from, from + KV_LIST_PAGE);
    const next = from + keys.length;
    return { keys, cursor: next < all.length ? BigInt(next) : undefined };
  }

  /** atomics.increment: the value is the decimal text of a u64; a missing key starts at 0. */
  increment(key: string, delta: bigint): bigint {
    const old = this.map.get(key);
    let current = 0n;
    if (old) {
      const text = new TextDecoder('utf-8', { fatal: false }).decode(old);
      if (!/^\d{1,20}$/.test(text)) throw { tag: 'other', val: `the value of "${key}" is not a decimal number, so it cannot be incremented` } satisfies KvError;
      current = BigInt(text);
    }
    const next = current + delta;
    if (next > 0xffff_ffff_ffff_ffffn) throw { tag: 'other', val: `incrementing "${key}" by ${delta} passes the largest u64` } satisfies KvError;
    this.set(key, utf8.encode(next.toString()));
    return next;
  }

  entries(): [string, Uint8Array][] {
    return [...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  private full(why: string): KvError {
    this.refused = true;
    return { tag: 'other', val: `the bucket "${this.name}" is full: ${why}` };
  }
}

/** One wasi:keyvalue call, as the guest's side (p2/keyvalue.ts) sends it to the host's adapter. */
export type KvCall =
  | { op: 'open'; bucket: string }
  | { op: 'get' | 'exists' | 'delete'; bucket: string; key: string }
  | { op: 'set'; bucket: string; key: string; value: Uint8Array }
  | { op: 'list-keys'; bucket: string; cursor?: bigint }
  | { op: 'increment'; bucket: string; key: string; delta: bigint }
  | { op: 'get-many' | 'delete-many'; bucket: string; keys: string[] }
  | { op: 'set-many'; bucket: string; entries: [string, Uint8Array][] };

/**
 * Runs a call other than `open` on an opened bucket; returns the ok value as jco's bindings want it
 * (`get-many`: `[key, value]` or undefined per key) and throws the `KvError`. Batch calls stop at the
 * first failure, keeping what was done before it (the WIT: batch operations are not atomic).
 */
export function applyKvCall(bucket: KvBucket, call: Exclude<KvCall, { op: 'open' }>): unknown {
  switch (call.op) {
    case 'get': return bucket.get(call.key);
    case 'exists': return bucket.exists(call.key);
    case 'delete': return bucket.delete(call.key);
    case 'set': return bucket.set(call.key, call.value);
    case 'list-keys': return bucket.listKeys(call.cursor);
    case 'increment': return bucket.increment(call.key, call.delta);
    case 'get-many': return call.keys.map((k) => {
      const v = bucket.get(k);
      return v === undefined ? undefined : [k, v];
    });
    case 'set-many':
      for (const [k, v] of call.entries) bucket.set(k, v);
      return undefined;
    case 'delete-many':
      for (const k of call.keys) bucket.delete(k);
      return undefined;
    default: {
      const never: never = call;
      throw { tag: 'other', val: `unknown call ${JSON.stringify((never as { op: string }).op)}` } satisfies KvError;
    }
  }
}
