// The worker's side of a preview2 guest's channel to the main thread (DESIGN §0.9): messages go both
// ways over one MessagePort; the main thread bumps a shared counter and `Atomics.notify`s after each
// message it posts, so the guest, which never returns to the worker's event loop while it runs,
// sleeps in `Atomics.wait` and takes messages with `receiveMessageOnPort` (how synckit and jco's
// preview2-shim make async host work look synchronous to a guest).
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { BoxerError } from '@boxer/diagnostics';
import * as d from '../common/diagnostics.js';
import type { GuestChannel, GuestMessage, HostEvent } from '../p2/channel.js';
import type { ComponentHost, LoadedComponent } from '../p2/run-component.js';

/** Int32 slot of the signal counter. */
export const SIGNAL_SLOT = 0;

export class PortGuestChannel implements GuestChannel {
  private readonly signal: Int32Array;
  private seen = 0;

  constructor(
    private readonly port: MessagePort,
    signal: SharedArrayBuffer,
  ) {
    this.signal = new Int32Array(signal);
  }

  send(message: GuestMessage): void {
    this.port.postMessage(message);
  }

  drain(): HostEvent[] {
    this.seen = Atomics.load(this.signal, SIGNAL_SLOT);
    const out: HostEvent[] = [];
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) out.push(m.message as HostEvent);
    return out;
  }

  wait(timeoutMs: number): void {
    Atomics.wait(this.signal, SIGNAL_SLOT, this.seen, timeoutMs === Infinity ? undefined : Math.max(0, Math.ceil(timeoutMs)));
  }
}

/** A ComponentHost whose `load` asks the main thread (node/component-cache.ts) and waits for the answer. */
export function componentHost(channel: PortGuestChannel, published: boolean): ComponentHost {
  return {
    channel,
    published,
    load(path: string, bytes: Uint8Array): LoadedComponent {
      channel.send({ type: 'component.load', path, bytes });
      for (;;) {
        for (const e of channel.drain()) {
          if (e.type === 'component.loaded') return { js: e.js, modules: new Map(e.modules) };
          if (e.type === 'component.failed') throw new BoxerError(d.badModule(path, e.message));
        }
        channel.wait(Infinity);
      }
    },
  };
}
