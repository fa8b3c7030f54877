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

/** wasi:http error-code, as jco represents the variant. */
export type HttpErrorCode = { tag: string; val?: unknown };

export type HeaderList = [name: string, value: Uint8Array][];

/** Host → guest. */
export type HostEvent =
  | { type: 'http.head'; id: number; status: number; headers: HeaderList }
  | { type: 'http.data'; id: number; data: Uint8Array }
  | { type: 'http.end'; id: number }
  | { type: 'http.error'; id: number; code: HttpErrorCode }
  | { type: 'http.incoming'; id: number; method: string; scheme: 'http' | 'https'; authority: string; pathWithQuery: string; headers: HeaderList; body: Uint8Array }
  | { type: 'stop' }
  | { type: 'component.loaded'; js: string; modules: [name: string, module: WebAssembly.Module][] }
  | { type: 'component.failed'; message: string };

/** Guest → host. */
export type GuestMessage =
  | { type: 'http.request'; id: number; method: string; scheme: 'http' | 'https'; authority: string; pathWithQuery: string; headers: HeaderList; connectTimeoutMs?: number }
  | { type: 'http.body'; id: number; data: Uint8Array }
  | { type: 'http.body-end'; id: number }
  | { type: 'http.abort'; id: number }
  | { type: 'http.response'; id: number; status: number; headers: HeaderList }
  | { type: 'http.response-body'; id: number; data: Uint8Array }
  | { type: 'http.response-end'; id: number }
  | { type: 'http.response-error'; id: number; message: string }
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
