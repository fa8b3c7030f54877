// `-i`: the guest's stdin, streamed from the main thread into the worker over shared memory (DESIGN
// §0.9). The guest reads synchronously and never returns to the worker's event loop, so a chunk
// cannot arrive as a message; instead the main thread copies it into a shared buffer and notifies,
// and the worker `Atomics.wait`s until there is a chunk or the end of input. One chunk is in flight
// at a time (at most PIPE_BYTES), so a guest that does not read holds its writer back, like a pipe.
//
// Layout of the SharedArrayBuffer: Int32 slots [STATE, LENGTH] then PIPE_BYTES of data. STATE is
// EMPTY (the worker took the last chunk), FULL (LENGTH bytes wait in the data area) or ENDED (no
// more input; set once the source is done and the last chunk was taken).

/** Bytes one chunk may carry. */
export const PIPE_BYTES = 64 * 1024;
const STATE = 0;
const LENGTH = 1;
const HEADER = 8;
const EMPTY = 0;
const FULL = 1;
const ENDED = 2;

// NOTE: Atomics.waitAsync is in Node 16+ but only in TypeScript's ES2024 lib.
const waitAsync = (Atomics as unknown as {
  waitAsync(a: Int32Array, i: number, v: number, t?: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync.bind(Atomics);

export function createStdinPipe(): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + PIPE_BYTES);
}

/** What the guest's stdin can be fed from. */
export type StdinSource = AsyncIterable<Uint8Array | string> | Uint8Array | string;

/**
 * Main thread: copies `source` into the pipe chunk by chunk, each once the worker took the one
 * before, then marks the end. Resolves when the end is marked; stops early (marking the end) when
 * `stopped()` turns true, e.g. because the run is over.
 */
export async function feedStdin(pipe: SharedArrayBuffer, source: StdinSource, stopped: () => boolean): Promise<void> {
  const slots = new Int32Array(pipe, 0, 2);
  const data = new Uint8Array(pipe, HEADER);
  const put = async (bytes: Uint8Array): Promise<void> => {
    for (let at = 0; at < bytes.length;) {
      while (Atomics.load(slots, STATE) === FULL) {
        if (stopped()) return;
        // NOTE: waitAsync keeps the main thread's event loop free while the guest is not reading.
        const w = waitAsync(slots, STATE, FULL, 200);
        if (w.async) await w.value;
      }
      if (stopped()) return;
      const n = Math.min(PIPE_BYTES, bytes.length - at);
      data.set(bytes.subarray(at, at + n));
      at += n;
      Atomics.store(slots, LENGTH, n);
      Atomics.store(slots, STATE, FULL);
      Atomics.notify(slots, STATE);
    }
  };
  try {
    if (typeof source === 'string') await put(new TextEncoder().encode(source));
    else if (source instanceof Uint8Array) await put(source);
    else for await (const chunk of source) {
      if (stopped()) break;
      await put(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
    }
  } finally {
    // NOTE: the end is marked only after the worker took the last chunk, so nothing is lost.
    while (Atomics.load(slots, STATE) === FULL && !stopped()) {
      const w = waitAsync(slots, STATE, FULL, 200);
      if (w.async) await w.value;
    }
    Atomics.store(slots, STATE, ENDED);
    Atomics.notify(slots, STATE);
  }
}

/** Worker: a synchronous stdin for the guest: the next chunk (waiting for one), or null at the end. */
export function readStdinFrom(pipe: SharedArrayBuffer): () => Uint8Array | null {
  const slots = new Int32Array(pipe, 0, 2);
  const data = new Uint8Array(pipe, HEADER);
  return () => {
    for (;;) {
      const state = Atomics.load(slots, STATE);
      if (state === ENDED) return null;
      if (state === FULL) {
        const chunk = data.slice(0, Atomics.load(slots, LENGTH));
        Atomics.store(slots, STATE, EMPTY);
        Atomics.notify(slots, STATE);
        return chunk;
      }
      Atomics.wait(slots, STATE, EMPTY);
    }
  };
}

/** Worker: whether a read would return at once with data, return the end, or wait (for poll_oneoff). */
export function stdinStateFrom(pipe: SharedArrayBuffer): () => 'data' | 'waiting' | 'ended' {
  const slots = new Int32Array(pipe, 0, 2);
  return () => {
    const state = Atomics.load(slots, STATE);
    return state === FULL ? 'data' : state === ENDED ? 'ended' : 'waiting';
  };
}
