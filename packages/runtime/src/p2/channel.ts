// The messages between a preview2 guest (synchronous, in its worker) and the host side that does its
// asynchronous work (the node main thread: HTTP, listening, transpiling). Isomorphic types only; the
// node host implements `GuestChannel` with a MessagePort and `Atomics.wait` (node/guest-channel.ts),
// as DESIGN §0.9 describes.
//
// Outgoing HTTP: the guest sends `http.request`, then its body (`http.body`…, `http.body-end`); the
// host answers `http.head` (or `http.error`), then `http.data`… and `http.end` (or `http.error`).
// A denied request gets `http.error` with `HTTP-request-denied` and an audit `deny` record.
// Incoming HTTP (`-p`): the host sends `http.incoming` with the whole request body; the guest answers
// `http.response`, `http.response-body`…, `http.response-end` (or `http.response-error`).
// Key-value (`--allow-kv`): the guest sends `kv.call` and waits for the `kv.result` with its id (the
// ok value, or the wasi:keyvalue error); node/kv-adapter.ts answers.
// TCP (wasi:sockets): see `SocketGuestMessage`/`SocketHostEvent` below; node/net-adapter.ts answers.

import type { KvCall, KvError } from '../common/kv.js';

/** wasi:http error-code, as jco represents the variant. */
export type HttpErrorCode = { tag: string; val?: unknown };

export type HeaderList = [name: string, value: Uint8Array][];

/** wasi:sockets error-code (an enum: jco represents it as its case name). */
export type SocketErrorCode = string;

/** An IP address as text (IPv6 compressed, without brackets) and a port. */
export interface SocketAddress {
  address: string;
  port: number;
}

/**
 * Guest → host, for wasi:sockets. Socket ids are the guest's (positive) or, for connections the host
 * accepted on a listener, the host's (negative). Every start-* is answered by one event with its id:
 * `tcp.bound`/`tcp.listening`/`tcp.connected` or `tcp.error`. Flow control: the host stops reading a
 * connection while the bytes it sent in `tcp.data` and the guest has not yet given back in
 * `tcp.read` reach a window; the guest writes only as much as the bytes it sent in `tcp.send` and the
 * host has not yet acknowledged with `tcp.sent` leave room for.
 */
export type SocketGuestMessage =
  | { type: 'tcp.bind'; id: number; family: 4 | 6; local: SocketAddress }
  | { type: 'tcp.listen'; id: number; backlog: number }
  | { type: 'tcp.connect'; id: number; family: 4 | 6; remote: SocketAddress; keepAliveMs?: number }
  /** The guest took pending connection `conn` of listener `id` with accept(): the host starts reading it. */
  | { type: 'tcp.accept'; id: number; conn: number }
  | { type: 'tcp.send'; id: number; data: Uint8Array }
  /** The guest consumed `bytes` of what arrived. */
  | { type: 'tcp.read'; id: number; bytes: number }
  | { type: 'tcp.keep-alive'; id: number; keepAliveMs?: number }
  | { type: 'tcp.shutdown'; id: number; receive: boolean; send: boolean }
  | { type: 'tcp.close'; id: number }
  | { type: 'dns.resolve'; id: number; name: string };

/** Host → guest, for wasi:sockets. */
export type SocketHostEvent =
  | { type: 'tcp.bound'; id: number }
  | { type: 'tcp.listening'; id: number }
  | { type: 'tcp.connected'; id: number; local: SocketAddress; remote: SocketAddress }
  /** A connection to listener `id`, from then on known as `conn`. */
  | { type: 'tcp.incoming'; id: number; conn: number; local: SocketAddress; remote: SocketAddress }
  | { type: 'tcp.data'; id: number; data: Uint8Array }
  /** `bytes` the guest sent have left the host. */
  | { type: 'tcp.sent'; id: number; bytes: number }
  /** The peer will send nothing more. */
  | { type: 'tcp.end'; id: number }
  | { type: 'tcp.error'; id: number; code: SocketErrorCode }
  | { type: 'dns.addresses'; id: number; addresses: string[] }
  | { type: 'dns.error'; id: number; code: SocketErrorCode };

/** Host → guest. */
export type HostEvent =
  | { type: 'http.head'; id: number; status: number; headers: HeaderList }
  | { type: 'http.data'; id: number; data: Uint8Array }
  | { type: 'http.end'; id: number }
  | { type: 'http.error'; id: number; code: HttpErrorCode }
  | { type: 'http.incoming'; id: number; method: string; scheme: 'http' | 'https'; authority: string; pathWithQuery: string; headers: HeaderList; body: Uint8Array }
  | { type: 'kv.result'; id: number; ok?: unknown; error?: KvError }
  | SocketHostEvent
  | { type: 'stop' }
  | { type: 'component.loaded'; js: string; modules: [name: string, module: WebAssembly.Module][] }
  | { type: 'component.failed'; message: string };

/** Guest → host. */
export type GuestMessage =
  | { type: 'http.request'; id: number; method: string; scheme: 'http' | 'https'; authority: string; pathWithQuery: string; headers: HeaderList; connectTimeoutMs?: number }
  | { type: 'http.body'; id: number; data: Uint8Array }
  | { type: 'http.body-end'; id: number }
  | { type: 'http.abort'; id: number }
  /** The guest consumed `bytes` of response `id`'s body (the host reads on while HTTP_WINDOW bytes are unconsumed). */
  | { type: 'http.read'; id: number; bytes: number }
  | { type: 'http.response'; id: number; status: number; headers: HeaderList }
  | { type: 'http.response-body'; id: number; data: Uint8Array }
  | { type: 'http.response-end'; id: number }
  | { type: 'http.response-error'; id: number; message: string }
  | { type: 'kv.call'; id: number; call: KvCall }
  | SocketGuestMessage
  | { type: 'serve' }
  | { type: 'component.load'; path: string; bytes: Uint8Array };

export interface GuestChannel {
  /** Sends to the host side without waiting. */
  send(message: GuestMessage): void;
  /** The events that arrived since the last call, without waiting. */
  drain(): HostEvent[];
  /**
   * Waits until an event may have arrived since the last `drain()`, or `timeoutMs` passed
   * (Infinity: no limit). Returns at once when one already has.
   */
  wait(timeoutMs: number): void;
}
