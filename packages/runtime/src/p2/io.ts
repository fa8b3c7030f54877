// wasi:io (error, poll, streams) for a preview2 guest, and the reactor that makes the guest's
// waiting real: `poll`/`block` pump the host events (HTTP answers, incoming data) from the channel
// and sleep in `GuestChannel.wait` (Atomics.wait) until something is ready or a clock deadline.
// In: a GuestChannel (or none: no host events) and a monotonic clock. Out: the classes and functions
// jco's generated bindings call. Results follow jco's convention: a host function returns the ok
// value and throws the error payload (a plain value, never an Error, which would trap the guest).
import type { GuestChannel, HostEvent } from './channel.js';

/** Thrown through the guest to end it (proc exit, a limit); the runner turns it into an exit code. */
export class GuestExit extends Error {
  constructor(readonly code: number, readonly reason?: import('@boxer/diagnostics').Diagnostic) {
    super(`guest exit ${code}`);
  }
}

export class Reactor {
  private readonly listeners: ((e: HostEvent) => void)[] = [];
  private sleeper: Int32Array | undefined;

  constructor(
    readonly channel: GuestChannel | undefined,
    /** Monotonic time in nanoseconds. */
    readonly now: () => bigint,
  ) {}

  /** Adds a listener for host events; returns what removes it. */
  on(listener: (e: HostEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Delivers the host events that have arrived. */
  pump(): void {
    if (!this.channel) return;
    for (const e of this.channel.drain()) for (const l of this.listeners) l(e);
  }

  /** Waits until at least one of `pollables` is ready; returns the indices of the ready ones. */
  poll(pollables: readonly Pollable[]): number[] {
    if (pollables.length === 0) throw new Error('poll: empty list');
    for (;;) {
      this.pump();
      const ready: number[] = [];
      pollables.forEach((p, i) => {
        if (p.check()) ready.push(i);
      });
      if (ready.length > 0) return ready;
      let timeout = Infinity;
      for (const p of pollables) {
        if (p.deadline !== undefined) timeout = Math.min(timeout, Math.max(0, Number(p.deadline - this.now()) / 1e6));
      }
      this.sleep(timeout);
    }
  }

  private sleep(ms: number): void {
    if (this.channel) return this.channel.wait(ms);
    // NOTE: without a channel nothing but a clock can make a pollable ready.
    if (ms === Infinity) throw new Error('the guest waits for an event that can never come (no host events in this run)');
    this.sleeper ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(this.sleeper, 0, 0, Math.ceil(ms));
  }
}

export class Pollable {
  constructor(
    private readonly reactor: Reactor,
    private readonly isReady: () => boolean,
    /** Monotonic ns at which it becomes ready by itself (clock pollables). */
    readonly deadline?: bigint,
  ) {}

  /** Ready now (without pumping). */
  check(): boolean {
    return this.deadline !== undefined ? this.reactor.now() >= this.deadline : this.isReady();
  }

  ready(): boolean {
    this.reactor.pump();
    return this.check();
  }

  block(): void {
    this.reactor.poll([this]);
  }
}

/** wasi:io/error.error */
export class IoError {
  constructor(
    readonly message: string,
    /** A wasi:http error-code or wasi:filesystem error-code behind it, for `http-error-code`/`filesystem-error-code`. */
    readonly payload?: unknown,
  ) {}

  toDebugString(): string {
    return this.message;
  }
}

export type StreamError = { tag: 'closed' } | { tag: 'last-operation-failed'; val: IoError };
const CLOSED: StreamError = { tag: 'closed' };

/** What an input stream reads from. */
export interface ByteSource {
  /** Up to `max` bytes available now (possibly none), or null once the source has ended. Throws an IoError on failure. */
  read(max: number): Uint8Array | null;
  /** Whether `read` would return bytes, null or an error now. */
  ready(): boolean;
}

/** What an output stream writes to. */
export interface ByteSink {
  /** Takes `bytes` (the callee may keep them). Throws an IoError on failure, or a GuestExit. */
  write(bytes: Uint8Array): void;
  /** Bytes `write` accepts now. @default 1 MiB */
  capacity?(): number;
  /** The sink will take nothing more. */
  closed?(): boolean;
  /**
   * Whether `capacity()` is above 0, or the sink is closed or failed, now: what the stream's
   * pollable waits for. A sink with it is flow-controlled: `blocking-write-and-flush` waits for room.
   * @default always ready
   */
  ready?(): boolean;
  /** Whether everything written has left the host (what `blocking-flush` waits for). @default true */
  flushed?(): boolean;
}

const MAX_CHUNK = 1024 * 1024;

export class InputStream {
  constructor(
    private readonly reactor: Reactor,
    private readonly source: ByteSource,
  ) {}

  read(len: bigint): Uint8Array {
    this.reactor.pump();
    return this.take(len);
  }

  blockingRead(len: bigint): Uint8Array {
    this.reactor.poll([this.subscribe()]);
    return this.take(len);
  }

  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  blockingSkip(len: bigint): bigint {
    return BigInt(this.blockingRead(len).length);
  }

  subscribe(): Pollable {
    return new Pollable(this.reactor, () => this.source.ready());
  }

  private take(len: bigint): Uint8Array {
    const max = Number(len > BigInt(MAX_CHUNK) ? BigInt(MAX_CHUNK) : len);
    let chunk: Uint8Array | null;
    try {
      chunk = this.source.read(max);
    } catch (e) {
      if (e instanceof IoError) throw { tag: 'last-operation-failed', val: e } satisfies StreamError;
      throw e;
    }
    if (chunk === null) throw CLOSED;
    return chunk;
  }
}

export class OutputStream {
  constructor(
    private readonly reactor: Reactor,
    private readonly sink: ByteSink,
  ) {}

  checkWrite(): bigint {
    this.reactor.pump();
    if (this.sink.closed?.()) throw CLOSED;
    try {
      return BigInt(this.sink.capacity?.() ?? MAX_CHUNK);
    } catch (e) {
      if (e instanceof IoError) throw { tag: 'last-operation-failed', val: e } satisfies StreamError;
      throw e;
    }
  }

  write(contents: Uint8Array): void {
    if (this.sink.closed?.()) throw CLOSED;
    try {
      // NOTE: the bindings may hand a view into guest memory; the sink may keep what it gets.
      if (contents.length > 0) this.sink.write(contents.slice());
    } catch (e) {
      if (e instanceof IoError) throw { tag: 'last-operation-failed', val: e } satisfies StreamError;
      throw e;
    }
  }

  blockingWriteAndFlush(contents: Uint8Array): void {
    if (this.sink.ready) {
      // NOTE: a flow-controlled sink (a socket) takes what it has room for, then waits for more.
      for (let off = 0; off < contents.length; ) {
        this.reactor.poll([this.subscribe()]);
        const n = Math.min(contents.length - off, Number(this.checkWrite()));
        this.write(contents.subarray(off, off + n));
        off += n;
      }
      return this.blockingFlush();
    }
    for (let off = 0; off < contents.length || off === 0; ) {
      const n = Math.min(contents.length - off, MAX_CHUNK);
      this.write(contents.subarray(off, off + n));
      off += n;
      if (n === 0) break;
    }
  }

  flush(): void {
    if (this.sink.closed?.()) throw CLOSED;
  }

  blockingFlush(): void {
    this.flush();
    const sink = this.sink;
    if (sink.flushed) this.reactor.poll([new Pollable(this.reactor, () => sink.flushed!() || (sink.closed?.() ?? false))]);
    this.flush();
  }

  subscribe(): Pollable {
    return new Pollable(this.reactor, () => this.sink.ready?.() ?? true);
  }

  // NOTE: zeroes are written a chunk at a time, so that no length the guest gives makes the host
  // allocate more than MAX_CHUNK bytes (a file sink checks its own limits on each chunk).
  writeZeroes(len: bigint): void {
    // NOTE: the guest may write no more than check-write permits; past it the spec says it traps.
    if (BigInt.asUintN(64, len) > this.checkWrite()) throw new WebAssembly.RuntimeError('write-zeroes of more than check-write permits');
    this.write(new Uint8Array(Number(len)));
  }

  blockingWriteZeroesAndFlush(len: bigint): void {
    let left = BigInt.asUintN(64, len);
    if (left === 0n) return this.blockingWriteAndFlush(new Uint8Array(0));
    const chunk = new Uint8Array(Number(left < BigInt(MAX_CHUNK) ? left : BigInt(MAX_CHUNK)));
    while (left > 0n) {
      const n = left < BigInt(chunk.length) ? Number(left) : chunk.length;
      this.blockingWriteAndFlush(chunk.subarray(0, n));
      left -= BigInt(n);
    }
  }

  splice(src: InputStream, len: bigint): bigint {
    const bytes = src.read(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }

  blockingSplice(src: InputStream, len: bigint): bigint {
    const bytes = src.blockingRead(len);
    this.write(bytes);
    return BigInt(bytes.length);
  }
}

/** A source over bytes that are all there (a file's content, a whole request body). */
export function bytesSource(bytes: Uint8Array): ByteSource {
  let off = 0;
  return {
    read(max) {
      if (off >= bytes.length) return null;
      const chunk = bytes.slice(off, off + max);
      off += chunk.length;
      return chunk;
    },
    ready: () => true,
  };
}

/** A source fed by host events: `push` data, then `end()` or `fail()`. */
export class QueueSource implements ByteSource {
  private readonly chunks: Uint8Array[] = [];
  private ended = false;
  private error: IoError | undefined;

  push(data: Uint8Array): void {
    if (data.length > 0) this.chunks.push(data);
  }

  end(): void {
    this.ended = true;
  }

  fail(error: IoError): void {
    this.error = error;
  }

  get finished(): boolean {
    return (this.ended || this.error !== undefined) && this.chunks.length === 0;
  }

  /** Called with the size of every chunk the reader takes (flow-control credit for the sender). */
  onConsume: ((bytes: number) => void) | undefined;

  read(max: number): Uint8Array | null {
    const first = this.chunks[0];
    if (first) {
      if (first.length <= max) {
        this.chunks.shift();
        this.onConsume?.(first.length);
        return first;
      }
      this.chunks[0] = first.subarray(max);
      this.onConsume?.(max);
      return first.subarray(0, max);
    }
    if (this.error) throw this.error;
    return this.ended ? null : new Uint8Array(0);
  }

  ready(): boolean {
    return this.chunks.length > 0 || this.ended || this.error !== undefined;
  }
}

export function ioImports(reactor: Reactor): Record<string, Record<string, unknown>> {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': {
      Pollable,
      poll: (list: Pollable[]): Uint32Array => Uint32Array.from(reactor.poll(list)),
    },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}
