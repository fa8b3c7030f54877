// wasi:cli (environment, exit, stdio, terminal-*), wasi:clocks and wasi:random for a preview2 guest:
// exactly what the preview1 host gives (argv, the resolved env, stdio, clocks, randomness), no more.
// stdout and stderr together are capped at `maxOutputBytes` like in WasiHost: the write that crosses
// the limit passes on what fits, then the guest is stopped (EXIT_OUTPUT_LIMIT).
import { outputLimit } from '../common/diagnostics.js';
import { EXIT_OUTPUT_LIMIT } from '../common/exit-codes.js';
import { GuestExit, InputStream, OutputStream, Pollable, type Reactor } from './io.js';

export interface CliOptions {
  args: readonly string[];
  env: readonly string[];
  stdout: (bytes: Uint8Array) => void;
  stderr: (bytes: Uint8Array) => void;
  stdin?: () => Uint8Array | null;
  maxOutputBytes: number;
  /** Fills a buffer with random bytes. @default crypto.getRandomValues */
  random?: (buffer: Uint8Array) => void;
  /** Output bytes counted so far, shared by every instance of one run (a service has one per request). */
  usage: { outputBytes: number };
}

/** Largest buffer handed to a stdout/stderr sink (the worker moves each one across threads). */
const OUTPUT_CHUNK = 65536;

class TerminalInput {}
class TerminalOutput {}

export function cliImports(reactor: Reactor, o: CliOptions): Record<string, Record<string, unknown>> {
  const env: [string, string][] = o.env.map((e) => {
    const eq = e.indexOf('=');
    return eq < 0 ? [e, ''] : [e.slice(0, eq), e.slice(eq + 1)];
  });
  const sink = (write: (b: Uint8Array) => void) => ({
    write(bytes: Uint8Array): void {
      const room = Math.max(0, o.maxOutputBytes - o.usage.outputBytes);
      const pass = bytes.length > room ? bytes.subarray(0, room) : bytes;
      for (let off = 0; off < pass.length; off += OUTPUT_CHUNK) write(pass.slice(off, off + OUTPUT_CHUNK));
      o.usage.outputBytes += pass.length;
      if (bytes.length > room) throw new GuestExit(EXIT_OUTPUT_LIMIT, outputLimit(o.maxOutputBytes));
    },
  });
  const stdout = new OutputStream(reactor, sink(o.stdout));
  const stderr = new OutputStream(reactor, sink(o.stderr));
  let stdinEnded = !o.stdin;
  const stdin = new InputStream(reactor, {
    read(max) {
      if (stdinEnded) return null;
      const chunk = o.stdin!();
      if (chunk === null) {
        stdinEnded = true;
        return null;
      }
      return chunk.length > max ? chunk.subarray(0, max) : chunk;
    },
    // NOTE: stdin is read synchronously (it blocks inside read), so it always counts as ready.
    ready: () => true,
  });
  const random = o.random ?? ((b: Uint8Array) => crypto.getRandomValues(b));
  const randomBytes = (len: bigint): Uint8Array => {
    const out = new Uint8Array(Number(len));
    for (let off = 0; off < out.length; off += 65536) random(out.subarray(off, off + 65536));
    return out;
  };
  const randomU64 = (): bigint => new DataView(randomBytes(8n).buffer).getBigUint64(0, true);
  const exit = (code: number): never => {
    throw new GuestExit(code & 0xff);
  };
  const wallNow = (): { seconds: bigint; nanoseconds: number } => {
    const ms = Date.now();
    return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
  };
  return {
    'wasi:cli/environment': {
      getArguments: (): string[] => [...o.args],
      getEnvironment: (): [string, string][] => env.map(([k, v]) => [k, v]),
      // NOTE: like the preview1 host, the guest starts at `/` (DESIGN §0.13).
      initialCwd: (): string => '/',
    },
    'wasi:cli/exit': {
      exit: (status: { tag: 'ok' | 'err' }): never => exit(status.tag === 'ok' ? 0 : 1),
      exitWithCode: (code: number): never => exit(code),
    },
    'wasi:cli/stdin': { getStdin: (): InputStream => stdin },
    'wasi:cli/stdout': { getStdout: (): OutputStream => stdout },
    'wasi:cli/stderr': { getStderr: (): OutputStream => stderr },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: (): undefined => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: (): undefined => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: (): undefined => undefined },
    'wasi:clocks/monotonic-clock': {
      now: (): bigint => reactor.now(),
      resolution: (): bigint => 1000n,
      subscribeInstant: (when: bigint): Pollable => new Pollable(reactor, () => true, when),
      subscribeDuration: (d: bigint): Pollable => new Pollable(reactor, () => true, reactor.now() + d),
    },
    'wasi:clocks/wall-clock': {
      now: wallNow,
      resolution: (): { seconds: bigint; nanoseconds: number } => ({ seconds: 0n, nanoseconds: 1e6 }),
    },
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': { getInsecureRandomBytes: randomBytes, getInsecureRandomU64: randomU64 },
    'wasi:random/insecure-seed': { insecureSeed: (): [bigint, bigint] => [randomU64(), randomU64()] },
  };
}
