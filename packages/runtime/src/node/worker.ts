// Worker entry: runs one guest with runGuest() and reports output and the exit code to the main
// thread (DESIGN §0.9). Output goes out as messages so the main thread stays the only writer of the
// host's stdio; the shared `flow` counter bounds what is in flight (see protocol.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { isBoxerError } from '@boxer/diagnostics';
import { runGuest } from '../common/run-guest.js';
import type { AuditEvent } from '../common/audit.js';
import { FLOW_IN_FLIGHT, type WorkerInput, type WorkerMessage } from './protocol.js';
import { NodeHostFs } from './mount-adapter.js';
import { readStdinFrom, stdinStateFrom } from './stdin-pipe.js';
import { useNodeSha256 } from './hash.js';
import type { MountSpec } from '../common/mounts.js';
import type { MountUsage } from '../common/policy.js';
import { componentHost, PortGuestChannel } from './guest-channel.js';

useNodeSha256();
const input = workerData as WorkerInput;
const flow = new Int32Array(input.flow);
const post = (m: WorkerMessage, transfer?: ArrayBuffer[]): void => parentPort!.postMessage(m, transfer);

/** Posts one chunk of output once there is room for it in flight. Blocks the guest until then. */
function send(fd: 1 | 2, data: Uint8Array): void {
  for (;;) {
    const inFlight = Atomics.load(flow, FLOW_IN_FLIGHT);
    // NOTE: with nothing in flight any chunk may go, so one larger than the bound cannot deadlock.
    if (inFlight === 0 || inFlight + data.length <= input.flowLimit) break;
    Atomics.wait(flow, FLOW_IN_FLIGHT, inFlight);
  }
  Atomics.add(flow, FLOW_IN_FLIGHT, data.length);
  // NOTE: WasiHost hands over a fresh buffer per chunk; moving it avoids a copy per message.
  const whole = data.buffer instanceof ArrayBuffer && data.byteOffset === 0 && data.byteLength === data.buffer.byteLength;
  post({ type: 'output', fd, data }, whole ? [data.buffer as ArrayBuffer] : undefined);
}

try {
  const code = runGuest({
    box: new Uint8Array(input.box),
    file: input.file,
    ...(input.args ? { args: input.args } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.hostEnv ? { hostEnv: input.hostEnv } : {}),
    ...(input.audit ? { onAudit: (event: AuditEvent) => post({ type: 'audit', event }) } : {}),
    ...(input.entrypoint !== undefined ? { entrypoint: input.entrypoint } : {}),
    ...(input.stdin ? { stdin: readStdinFrom(input.stdin), stdinState: stdinStateFrom(input.stdin) } : {}),
    ...(input.publishing ? { publishing: input.publishing } : {}),
    ...(input.tty ? { tty: input.tty } : {}),
    ...(input.learn ? { onMountUsage: (usage: MountUsage[]) => post({ type: 'mount-usage', usage }) } : {}),
    ...(input.persist ? {
      persist: {
        path: input.persist.path,
        ...(input.persist.bytes ? { bytes: input.persist.bytes } : {}),
        save: (store: Uint8Array) => post({ type: 'persist', data: store }, [store.buffer as ArrayBuffer]),
      },
    } : {}),
    ...(input.mounts ? {
      mounts: input.mounts.filter((m) => m.type === 'bind').map((m): MountSpec => ({ target: m.target, readonly: m.readonly, source: m.source, fs: new NodeHostFs(m.source) })),
      tmpfs: input.mounts.filter((m) => m.type === 'tmpfs').map((m) => m.target),
    } : {}),
    ...(input.p2 ? { component: componentHost(new PortGuestChannel(input.p2.port, input.p2.signal), input.p2.published) } : {}),
    limits: input.limits,
    stdout: (data) => send(1, data),
    stderr: (data) => send(2, data),
    onDiagnostic: (diagnostic) => post({ type: 'diagnostic', diagnostic: strip(diagnostic) }),
  });
  post({ type: 'exit', code });
} catch (e) {
  if (isBoxerError(e)) post({ type: 'failed', diagnostics: e.diagnostics.map(strip) });
  else post({ type: 'crashed', message: (e as Error)?.message ?? String(e), ...((e as Error)?.stack ? { stack: (e as Error).stack } : {}) });
}

/** `cause` may hold things that cannot cross a thread boundary. */
function strip<T extends { cause?: unknown }>(d: T): T {
  const { cause: _cause, ...rest } = d;
  return rest as T;
}
