// One preview2 component run, synchronously, in the thread that holds the guest. In: the resolved
// launch (a component's bytes), the guest's tree and limits, stdio sinks, and a ComponentHost that
// turns the component into jco's generated JS plus compiled core modules (the node host transpiles
// on the main thread and caches outside the box, node/component-cache.ts) and carries host events.
// Out: the exit code.
//
// The import object is boxer's own (DESIGN §0.6): wasi:cli/clocks/random/io from p2/cli.ts and
// p2/io.ts, wasi:filesystem over the same GuestFs as the preview1 host (the tree, the mounts, the
// write budget: common/guest-fs.ts, p2/filesystem.ts), wasi:http over the channel (p2/http.ts),
// wasi:keyvalue over the channel (p2/keyvalue.ts), wasi:sockets TCP over the channel (p2/sockets.ts). jco's JS is
// evaluated with `new Function` (it is boxer's trusted code, generated on this machine; never read
// from the box).
//
// A component that exports wasi:cli/run is a command: run() and exit (0, or 1 when it returns an
// error). One that exports only wasi:http/incoming-handler is a service: it needs `-p`, tells the
// host it is ready (`serve`), then handles one request at a time until the run is stopped.
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import type { BoxLimits } from '@boxer/bundle';
import type { Tree } from '@boxer/vfs';
import type { AuditEvent } from '../common/audit.js';
import { GuestFs } from '../common/guest-fs.js';
import * as d from '../common/diagnostics.js';
import { EXIT_TRAP } from '../common/exit-codes.js';
import type { GuestChannel, HostEvent } from './channel.js';
import { cliImports } from './cli.js';
import { filesystemImports } from './filesystem.js';
import { INCOMING, httpImports } from './http.js';
import { GuestExit, Reactor, ioImports } from './io.js';
import { keyvalueImports } from './keyvalue.js';
import { socketsImports } from './sockets.js';

export interface LoadedComponent {
  /** jco's generated ES module text (instantiation mode `sync`). */
  js: string;
  /** Its core modules by file name, compiled (their memories already capped at the memory limit). */
  modules: ReadonlyMap<string, WebAssembly.Module>;
}

export interface ComponentHost {
  /** Transpiles and compiles the component (blocking); throws BoxerError when it cannot. */
  load(path: string, bytes: Uint8Array): LoadedComponent;
  /** Host events and the network; without one, HTTP is denied and nothing can be served. */
  channel?: GuestChannel;
  /** Whether `-p` published anything. */
  published: boolean;
}

export interface ComponentRunOptions {
  path: string;
  bytes: Uint8Array;
  argv: readonly string[];
  env: readonly string[];
  tree: Tree;
  /**
   * The guest's filesystem over `tree`, with its mounts; one for the whole run (every instance of a
   * service shares it, and its write budget). @default one over `tree` with the run's limits, no mounts
   */
  fs?: GuestFs;
  limits: BoxLimits;
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
  stdin?: () => Uint8Array | null;
  onDiagnostic?: (d: Diagnostic) => void;
  onAudit?: (e: AuditEvent) => void;
  host: ComponentHost;
}

type Instantiate = (getCoreModule: (name: string) => WebAssembly.Module, imports: Record<string, unknown>) => Record<string, unknown>;
type Incoming = {
  request: (e: Extract<HostEvent, { type: 'http.incoming' }>) => [unknown, unknown];
  done: (id: number, failure?: string) => void;
  dispose: () => void;
};
type Iface = Record<string, (...a: unknown[]) => unknown>;

/** One instance of the component and its own wasi:http state. */
interface Instance {
  exports: Record<string, unknown>;
  incoming: Incoming;
  /** Closes what the instance's descriptors hold. */
  files: { dispose(): void };
  used: boolean;
}

export function runComponent(o: ComponentRunOptions): number {
  const loaded = o.host.load(o.path, o.bytes);
  const instantiate = evaluate(loaded.js);
  const clock = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
  const t0 = clock();
  const reactor = new Reactor(o.host.channel, () => BigInt(Math.round((clock() - t0) * 1e6)) + 1_000_000_000n);
  const usage = { outputBytes: 0 };
  const fs = o.fs ?? new GuestFs({ tree: o.tree, realtime: () => BigInt(Date.now()) * 1_000_000n, maxWriteBytes: o.limits.maxWriteBytes, ...(o.onAudit ? { onAudit: o.onAudit } : {}), ...(o.onDiagnostic ? { onDiagnostic: o.onDiagnostic } : {}) });
  const getCoreModule = (name: string): WebAssembly.Module => {
    const m = loaded.modules.get(name);
    if (!m) throw new BoxerError(d.badModule(o.path, `the transpiled component has no core module ${name}`));
    return m;
  };
  /** A fresh instance (a service gets one per request, as wasi:http hosts do: StarlingMonkey needs it). */
  const instance = (): Instance | number => {
    const http = httpImports(reactor, o.host.channel);
    const incoming = http[INCOMING] as unknown as Incoming;
    delete http[INCOMING];
    const files = filesystemImports(reactor, { fs, maxDescriptors: o.limits.maxFds });
    const imports = {
      ...ioImports(reactor),
      ...cliImports(reactor, { args: o.argv, env: o.env, stdout: o.stdout, stderr: o.stderr, ...(o.stdin ? { stdin: o.stdin } : {}), maxOutputBytes: o.limits.maxOutputBytes, usage }),
      ...files.imports,
      ...http,
      ...socketsImports(reactor, o.host.channel, o.onAudit, o.onDiagnostic),
      ...keyvalueImports(reactor, o.onAudit),
    };
    try {
      return { exports: instantiate(getCoreModule, imports), incoming, files, used: false };
    } catch (e) {
      incoming.dispose();
      files.dispose();
      const ended = guestEnd(o, e);
      if (ended !== undefined) return ended;
      if (e instanceof WebAssembly.LinkError || e instanceof WebAssembly.CompileError) throw new BoxerError(d.badModule(o.path, e.message));
      throw e;
    }
  };
  const first = instance();
  if (typeof first === 'number') return first;
  const find = (exports: Record<string, unknown>, prefix: string, alias: string): Iface | undefined =>
    (exports[alias] ?? Object.entries(exports).find(([k]) => k.startsWith(prefix))?.[1]) as Iface | undefined;
  const run = find(first.exports, 'wasi:cli/run@', 'run');
  if (run?.run) {
    try {
      run.run();
      return 0;
    } catch (e) {
      const ended = guestEnd(o, e);
      if (ended !== undefined) return ended;
      // NOTE: jco throws a ComponentError carrying `payload` when run() returns `err`.
      if (e && typeof e === 'object' && 'payload' in e) return 1;
      throw e;
    }
  }
  if (!find(first.exports, 'wasi:http/incoming-handler@', 'incomingHandler')?.handle) {
    throw new BoxerError(d.componentNoEntry(o.path, Object.keys(first.exports).filter((k) => k.includes(':'))));
  }
  const channel = o.host.channel;
  if (!o.host.published || !channel) throw new BoxerError(d.notPublished(o.path));
  const queue: HostEvent[] = [];
  reactor.on((e) => {
    if (e.type === 'http.incoming' || e.type === 'stop') queue.push(e);
  });
  channel.send({ type: 'serve' });
  let current: Instance = first;
  for (;;) {
    reactor.pump();
    const e = queue.shift();
    if (!e) {
      channel.wait(Infinity);
      continue;
    }
    if (e.type === 'stop') return 0;
    if (e.type !== 'http.incoming') continue;
    if (current.used) {
      current.incoming.dispose();
      current.files.dispose();
      const next = instance();
      if (typeof next === 'number') return next;
      current = next;
    }
    current.used = true;
    const [request, out] = current.incoming.request(e);
    try {
      find(current.exports, 'wasi:http/incoming-handler@', 'incomingHandler')!.handle!(request, out);
      current.incoming.done(e.id);
    } catch (err) {
      current.incoming.done(e.id, err instanceof Error ? err.message : String(err));
      // NOTE: a trap ends that request's instance only (the client gets a 500); the next one is fresh.
      const trap = trapMessage(err);
      if (trap !== undefined) {
        o.onDiagnostic?.(d.trap(o.path, trap));
        continue;
      }
      const ended = guestEnd(o, err);
      if (ended !== undefined) return ended;
      throw err;
    }
  }
}

/** The exit code when `e` ends the guest (its exit, a limit, a trap), else undefined. */
function guestEnd(o: ComponentRunOptions, e: unknown): number | undefined {
  if (e instanceof GuestExit) {
    if (e.reason) o.onDiagnostic?.(e.reason);
    return e.code;
  }
  const trap = trapMessage(e);
  if (trap !== undefined) {
    o.onDiagnostic?.(d.trap(o.path, trap));
    return EXIT_TRAP;
  }
  return undefined;
}

function trapMessage(e: unknown): string | undefined {
  if (e instanceof WebAssembly.RuntimeError) return e.message;
  if (e instanceof RangeError && /call stack/i.test(e.message)) return e.message;
  // NOTE: jco's lifting and lowering make views of the guest's memory at the pointers the guest
  // gives (a buffer to read into, a realloc'd result area); one outside its memory fails there with
  // V8's RangeError. The canonical ABI makes that a trap (wasmtime: "out of bounds"), as it is here.
  if (e instanceof RangeError && /outside the bounds|out of bounds|Invalid typed array length/i.test(e.message)) return `out of bounds memory access (${e.message})`;
  return undefined;
}

/**
 * jco's module text → its `instantiate`. The text is what jco-transpile generated on this machine for
 * `instantiation: 'sync'`: two top-level exports (`instantiate`, `_util`) and no imports.
 */
function evaluate(js: string): Instantiate {
  const body = js
    .replace(/^export function instantiate\(/m, 'function instantiate(')
    .replace(/^export const _util = /m, 'const _util = ');
  if (/^(?:export|import)[\s{*]/m.test(body)) throw new Error('unexpected module syntax in jco output (an export or import besides instantiate/_util)');
  return new Function(`"use strict";\n${body}\nreturn instantiate;`)() as Instantiate;
}
