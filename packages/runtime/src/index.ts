// @boxer/runtime: the zero-authority host. `common/` is isomorphic (no node: imports); `node/` adds
// worker threads and the watchdog.
export { runBox, shareBox, DEFAULT_OUTPUT_BUFFER } from './node/run.js';
export { useNodeSha256 } from './node/hash.js';
export type { RunBoxOptions, RunResult } from './node/run.js';
export { checkGrants, decideEnv, isEnvName, parseVolume, parseMount, checkMountTarget } from './common/grants.js';
export { parsePolicy, mergeGrants, learnPolicy, requestedGrants } from './common/policy.js';
export { parseKvEntry, parseKvGrant, formatKvGrant, KV_BUCKET_CEILING } from './common/kv.js';
export type { KvGrant } from './common/kv.js';
export type { MountUsage, RequestedItem } from './common/policy.js';
export type { Grants, MountGrant } from './common/grants.js';
export type { MountSpec, HostFs, HostStat } from './common/mounts.js';
export type { AuditEvent, AuditOp, AuditRecord } from './common/audit.js';
export { decideConnect, parseNetEntry, parseNetGrant, parsePublish, formatHostPort } from './common/net-policy.js';
export type { NetGrant, NetRule, NetDecision, PublishSpec } from './common/net-policy.js';
export { runComponent } from './p2/run-component.js';
export type { ComponentHost, ComponentRunOptions, LoadedComponent } from './p2/run-component.js';
export type { GuestChannel, GuestMessage, HostEvent } from './p2/channel.js';
export { runGuest } from './common/run-guest.js';
export type { GuestRunOptions } from './common/run-guest.js';
export { EXIT_TRAP, EXIT_TIMEOUT, EXIT_OUTPUT_LIMIT, EXIT_BROKEN_PIPE } from './common/exit-codes.js';
export { resolveLimits, checkLimit, LIMIT_CEILINGS, LIMIT_FLOORS } from './common/limits.js';
export { checkPreview1Imports, limitMemory, PREVIEW1_SIGNATURES } from './common/wasm.js';
export { resolveLaunch } from './common/launch.js';
export type { Launch, LaunchOptions } from './common/launch.js';
export * as diagnostics from './common/diagnostics.js';
export { WasiHost } from './common/wasi.js';
export type { WasiHostOptions, WasiClock } from './common/wasi.js';
export { Errno, errnoName } from './common/errno.js';
