// The main thread's side of a run's preview2 channel (DESIGN §0.9): one MessageChannel whose other
// end goes to the worker, and a shared counter bumped (Atomics.notify) after every message posted to
// the guest, which sleeps on it (node/guest-channel.ts). Guest messages go to the component loader
// (node/component-cache.ts), the network adapter (node/net-adapter.ts) or the key-value adapter
// (node/kv-adapter.ts).
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Diagnostic } from '@boxer/diagnostics';
import type { AuditEvent } from '../common/audit.js';
import type { Grants } from '../common/grants.js';
import type { GuestMessage, HostEvent } from '../p2/channel.js';
import { loadComponent, MemoryTooSmall, UnsafeComponentName } from './component-cache.js';
import { SIGNAL_SLOT } from './guest-channel.js';
import { KvAdapter } from './kv-adapter.js';
import { NetAdapter } from './net-adapter.js';

export interface P2HostOptions {
  grants?: Grants;
  /** Where transpiled components are cached (`<cacheDir>/components/<sha256>/`). */
  cacheDir?: string;
  memoryPages: number;
  /** Bytes one `--allow-kv` bucket may hold (the run's maxWriteBytes). @default 0 */
  kvMaxBytes?: number;
  emit: (e: AuditEvent) => void;
  /** Warnings and failures of the run; set by runBox once its promise exists. */
  events: { warn: (d: Diagnostic) => void; fail: (d: Diagnostic) => void };
  /** Timing of a component's preparation (transpile or cache hit), for tests and benchmarks. */
  onLoad?: (info: { cached: boolean; transpileMs: number; totalMs: number }) => void;
}

export interface P2Host {
  /** What the worker gets (`WorkerInput.p2`); `port` must be in the transfer list. */
  input: { port: MessagePort; signal: SharedArrayBuffer; published: boolean };
  close(): void;
}

export function startP2Host(o: P2HostOptions): P2Host {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const counter = new Int32Array(signal);
  let closed = false;
  const toGuest = (e: HostEvent): void => {
    if (closed) return;
    port1.postMessage(e);
    Atomics.add(counter, SIGNAL_SLOT, 1);
    Atomics.notify(counter, SIGNAL_SLOT);
  };
  const net = new NetAdapter({
    ...(o.grants?.net !== undefined ? { net: o.grants.net } : {}),
    ...(o.grants?.denyNet?.length ? { denyNet: o.grants.denyNet } : {}),
    ...(o.grants?.publish ? { publish: o.grants.publish } : {}),
    emit: o.emit,
    warn: (d) => o.events.warn(d),
    fail: (d) => o.events.fail(d),
    toGuest,
  });
  const kv = new KvAdapter({
    ...(o.grants?.kv ? { kv: o.grants.kv } : {}),
    maxBytes: o.kvMaxBytes ?? 0,
    emit: o.emit,
    warn: (d) => o.events.warn(d),
    fail: (d) => o.events.fail(d),
    toGuest,
  });
  port1.on('message', (m: GuestMessage) => {
    if (m.type === 'kv.call') return kv.onMessage(m);
    if (m.type !== 'component.load') return net.onMessage(m);
    const t0 = performance.now();
    loadComponent(m.bytes, { ...(o.cacheDir ? { cacheDir: o.cacheDir } : {}), memoryPages: o.memoryPages }).then(
      (r) => {
        o.onLoad?.({ cached: r.cached, transpileMs: r.transpileMs, totalMs: Math.round(performance.now() - t0) });
        toGuest({ type: 'component.loaded', js: r.js, modules: r.modules });
      },
      (e: unknown) => toGuest({ type: 'component.failed', message: e instanceof MemoryTooSmall || e instanceof UnsafeComponentName ? e.message : `jco could not transpile it: ${(e as Error)?.message ?? String(e)}` }),
    );
  });
  return {
    input: { port: port2, signal, published: (o.grants?.publish?.length ?? 0) > 0 },
    close(): void {
      closed = true;
      // NOTE: the kv adapter saves its FILEs here, before the run settles, whichever way it ended.
      kv.close();
      net.close();
      port1.close();
    },
  };
}
