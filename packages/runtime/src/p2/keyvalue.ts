// wasi:keyvalue@0.2.0-draft (store, atomics, batch) for a preview2 guest: `--allow-kv` buckets. The
// buckets live with the host's kv adapter (node/kv-adapter.ts, on the main thread), which checks the
// grant, audits `kv.open`, caps a bucket's size and loads/saves its FILE; every call here goes over
// the channel as `kv.call` and waits (Atomics.wait, through the reactor) for its `kv.result`.
// Without a channel every bucket is denied.
//
// Version: 0.2.0-draft is the only tagged release of WebAssembly/wasi-keyvalue and the one Wasmtime
// implements; jco and componentize-js ship no wasi:keyvalue of their own (a component brings its
// WIT), and jco keys imports without their version, so one version is served per interface.
// Results follow jco's convention: return the ok value, throw the error payload (`{ tag: … }`).
import type { AuditEvent } from '../common/audit.js';
import type { KvCall, KvError } from '../common/kv.js';
import type { HostEvent } from './channel.js';
import type { Reactor } from './io.js';

let nextId = 1;

export function keyvalueImports(reactor: Reactor, onAudit: ((e: AuditEvent) => void) | undefined): Record<string, Record<string, unknown>> {
  const channel = reactor.channel;

  const call = (c: KvCall): unknown => {
    if (!channel) throw { tag: 'access-denied' } satisfies KvError;
    const id = nextId++;
    let result = undefined as Extract<HostEvent, { type: 'kv.result' }> | undefined;
    const off = reactor.on((e) => {
      if (e.type === 'kv.result' && e.id === id) result = e;
    });
    try {
      channel.send({ type: 'kv.call', id, call: c });
      for (;;) {
        reactor.pump();
        if (result) break;
        channel.wait(Infinity);
      }
    } finally {
      off();
    }
    if (result.error) throw result.error;
    return result.ok;
  };

  /** wasi:keyvalue/store.bucket: a handle naming an opened bucket. */
  class Bucket {
    constructor(readonly name: string) {}

    get(key: string): Uint8Array | undefined {
      return call({ op: 'get', bucket: this.name, key }) as Uint8Array | undefined;
    }

    set(key: string, value: Uint8Array): void {
      call({ op: 'set', bucket: this.name, key, value });
    }

    delete(key: string): void {
      call({ op: 'delete', bucket: this.name, key });
    }

    exists(key: string): boolean {
      return call({ op: 'exists', bucket: this.name, key }) as boolean;
    }

    listKeys(cursor: bigint | undefined): { keys: string[]; cursor: bigint | undefined } {
      return call({ op: 'list-keys', bucket: this.name, ...(cursor !== undefined && cursor !== null ? { cursor } : {}) }) as { keys: string[]; cursor: bigint | undefined };
    }
  }

  const open = (identifier: string): Bucket => {
    if (!channel) {
      onAudit?.({ op: 'kv.open', resource: identifier, decision: 'deny', grant: 'none' });
      throw { tag: 'access-denied' } satisfies KvError;
    }
    call({ op: 'open', bucket: identifier });
    return new Bucket(identifier);
  };

  return {
    'wasi:keyvalue/store': { Bucket, open },
    'wasi:keyvalue/atomics': {
      increment: (bucket: Bucket, key: string, delta: bigint): bigint => call({ op: 'increment', bucket: bucket.name, key, delta }) as bigint,
    },
    'wasi:keyvalue/batch': {
      getMany: (bucket: Bucket, keys: string[]): ([string, Uint8Array] | undefined)[] => call({ op: 'get-many', bucket: bucket.name, keys }) as ([string, Uint8Array] | undefined)[],
      setMany: (bucket: Bucket, entries: [string, Uint8Array][]): void => void call({ op: 'set-many', bucket: bucket.name, entries }),
      deleteMany: (bucket: Bucket, keys: string[]): void => void call({ op: 'delete-many', bucket: bucket.name, keys }),
    },
  };
}
