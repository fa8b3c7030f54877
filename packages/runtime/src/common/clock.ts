// Clocks and sleeping for the WASI host, without `node:` imports. In: optional overrides from the
// embedder. Out: nanosecond readings (bigint) and a synchronous sleep.
//
// Sleeping blocks the calling thread with Atomics.wait on a private Int32Array over a
// SharedArrayBuffer (allowed in Node's main thread and in workers). Where that is unavailable (a
// browser's main thread, or a page without cross-origin isolation) the default sleep returns at once:
// a guest's sleep then ends early. There is no busy-wait.

export interface WasiClock {
  /** Wall-clock time in ns since the Unix epoch. @default performance.timeOrigin + performance.now() */
  realtime?: () => bigint;
  /** Monotonic time in ns from an arbitrary start. @default performance.now() */
  monotonic?: () => bigint;
  /** CPU time of the guest in ns (process and thread clocks). @default the monotonic time since the host was made */
  cputime?: () => bigint;
  /** Resolution reported for every clock, in ns. @default 1000n (1 µs) */
  resolution?: bigint;
  /** Blocks the calling thread for `ns` nanoseconds. @default Atomics.wait, or nothing when unavailable */
  sleep?: (ns: bigint) => void;
}

export interface ResolvedClock {
  realtime: () => bigint;
  monotonic: () => bigint;
  cputime: () => bigint;
  resolution: bigint;
  sleep: (ns: bigint) => void;
}

function perfNowNs(): bigint {
  return BigInt(Math.round(globalThis.performance.now() * 1e6));
}

export function resolveClock(clock: WasiClock = {}): ResolvedClock {
  const monotonic = clock.monotonic ?? perfNowNs;
  // NOTE: µs of the origin kept apart from the ns offset: a double cannot hold epoch ns exactly.
  const originUs = BigInt(Math.round(globalThis.performance.timeOrigin * 1000));
  const realtime = clock.realtime ?? (() => originUs * 1000n + perfNowNs());
  const start = monotonic();
  return {
    realtime,
    monotonic,
    cputime: clock.cputime ?? (() => monotonic() - start),
    resolution: clock.resolution ?? 1000n,
    sleep: clock.sleep ?? atomicsSleep,
  };
}

let waitCell: Int32Array | null | undefined;

/** Sleeps with Atomics.wait; returns at once where blocking is not allowed. */
export function atomicsSleep(ns: bigint): void {
  if (ns <= 0n) return;
  if (waitCell === undefined) {
    waitCell = typeof SharedArrayBuffer === 'function' && typeof Atomics.wait === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : null;
  }
  if (waitCell === null) return;
  const ms = Number(ns) / 1e6;
  try {
    Atomics.wait(waitCell, 0, 0, ms);
  } catch {
    // NOTE: a browser main thread refuses Atomics.wait; remember and stop trying.
    waitCell = null;
  }
}
