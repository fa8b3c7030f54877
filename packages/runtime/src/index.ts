// @boxer/runtime: the zero-authority host. `common/` is isomorphic (no node: imports); `node/` adds
// worker threads and the watchdog.
export { runBox, shareBox, EXIT_TIMEOUT } from './node/run.js';
export type { RunBoxOptions, RunResult } from './node/run.js';
export { runGuest, EXIT_TRAP } from './common/run-guest.js';
export type { GuestRunOptions } from './common/run-guest.js';
export { resolveLaunch } from './common/launch.js';
export type { Launch, LaunchOptions } from './common/launch.js';
export * as diagnostics from './common/diagnostics.js';
export { WasiHost } from './common/wasi.js';
export type { WasiHostOptions, WasiClock } from './common/wasi.js';
export { Errno, errnoName } from './common/errno.js';
