// The boxer CLI: the only code that prints or sets the exit code (conventions c.4).
// `boxer build`, `boxer run`, `boxer inspect`; diagnostics are formatted here, never in libraries.
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { BoxerError, InternalError, formatDiagnostic, type Diagnostic } from '@boxer/diagnostics';
import type { BoxerEvent } from '@boxer/events';
import { checkMountTarget, diagnostics as runtimeDiagnostics, EXIT_BROKEN_PIPE, EXIT_TIMEOUT, isEnvName, LIMIT_CEILINGS, LIMIT_FLOORS, mergeGrants, parseKvEntry, parseKvGrant, parseMount, parseNetEntry, parsePolicy, parsePublish, parseVolume, type AuditRecord, type Grants, type RequestedItem, type MountGrant } from '@boxer/runtime';
import { build } from '../api/build.js';
import { run } from '../api/run.js';
import { inspect } from '../api/inspect.js';
import { VERSION } from '../version.js';
import { useNodeSha256 } from '@boxer/runtime';
import { formatSize, parseDuration, parseSize } from './units.js';
import { renderInspect } from './inspect-text.js';
import { registerCheck } from './check.js';
import { ttyProgress, type TtyStream } from './progress.js';
import { registerRegistryCommands } from './registry.js';
import { auditUnwritable, badKeyValue, badTty, badValue } from '../diagnostics.js';

/** Exit codes, as `docker run` uses them for its own failures. */
const EXIT_USAGE = 2;
const EXIT_ERROR = 1;
const EXIT_BUG = 70;
const rt = runtimeDiagnostics;
const RUN_EXIT: Record<string, number> = {
  [rt.RUNTIME_COMMAND_NOT_FOUND]: 127,
  [rt.RUNTIME_NOT_EXECUTABLE]: 126,
  [rt.RUNTIME_NATIVE_BINARY]: 126,
  [rt.RUNTIME_SCRIPT_UNSUPPORTED]: 126,
  [rt.RUNTIME_COMPONENT_UNSUPPORTED]: 126,
  [rt.RUNTIME_BAD_MODULE]: 126,
  [rt.RUNTIME_MEMORY_LIMIT]: 126,
};

interface Io {
  /** What `boxer run -i` streams to the guest. @default process.stdin */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; destroy?: () => void };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /**
   * Ends the process at once. A run cut short (timeout, broken pipe) uses it when the reader of
   * stdout has not taken what boxer already wrote, so that boxer does not wait for that reader.
   */
  exit?: (code: number) => void;
}

/** The reader of stdout or stderr went away; the run stops and boxer exits 141 without a word. */
class BrokenPipe extends Error {}

/** boxer got SIGINT or SIGTERM during a run: the guest is stopped and boxer exits 128 + the signal's number. */
class Interrupted extends Error {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(signal);
  }
}

// NOTE: digests (snapshots, stores, pulled blobs) with node:crypto rather than the portable default.
useNodeSha256();

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, exit: (code) => process.exit(code) }): Promise<number> {
  const color = Boolean(io.stderr.isTTY) && !process.env.NO_COLOR;
  const printDiagnostic = (d: Diagnostic): void => void io.stderr.write(`${formatDiagnostic(d, { color })}\n`);
  let exitCode = 0;
  // NOTE: a reader that goes away (`boxer run box | head`) makes the next write fail with EPIPE. Without
  // a listener that error would crash boxer; with it, a run stops at once (its queued output is
  // dropped) and boxer exits 141 like a shell's SIGPIPE, without a message.
  const outputFailed = new AbortController();
  const onStreamError = (e: NodeJS.ErrnoException): void => {
    outputFailed.abort(e?.code === 'EPIPE' ? new BrokenPipe() : e);
  };
  io.stdout.on('error', onStreamError);
  io.stderr.on('error', onStreamError);
  const program = new Command('boxer')
    .description('Turn a Dockerfile into one WebAssembly file and run it under zero authority.')
    .version(VERSION)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  program
    .command('build')
    .description('build a box from a Dockerfile')
    .argument('[context]', 'build context directory', '.')
    .option('-f, --file <path>', 'Dockerfile (default: <context>/Dockerfile)')
    .option('-o, --output <dest>', 'write the box: a path, or type=box,dest=PATH')
    .option('--build-arg <KEY=VALUE>', 'set a build-time variable (repeatable)', collect, [] as string[])
    .option('--target <stage>', 'build this stage (default: the last)')
    .option('--allow-net [hosts]', 'let ADD download from these host[:port] entries (comma-separated), or from any host')
    .option('--platform <os/arch>', 'platform to pick from multi-platform base images after wasi/wasm (default: linux/amd64)')
    .option('--cache-dir <dir>', 'blob cache for pulled images (default: $XDG_CACHE_HOME/boxer)')
    .option('--insecure-registry <host>', 'reach this registry over plain HTTP (repeatable; 127.0.0.1/localhost always are)', collect, [] as string[])
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'plain', 'json', 'quiet']).default('auto'))
    .action(async (context: string, opts: { file?: string; output?: string; buildArg: string[]; target?: string; allowNet?: boolean | string; platform?: string; cacheDir?: string; insecureRegistry: string[]; progress: string }) => {
      const buildArgs = parseKeyValues(opts.buildArg, '--build-arg');
      const plain = plainReporter(io, printDiagnostic);
      const emit = opts.progress === 'quiet' ? undefined
        : opts.progress === 'json' ? jsonReporter(io)
        : opts.progress === 'auto' && io.stderr.isTTY ? ttyProgress(io.stderr as TtyStream, plain)
        : plain;
      const result = await build({
        context,
        ...(opts.file !== undefined ? { file: opts.file } : {}),
        ...(opts.output !== undefined ? { output: opts.output } : {}),
        buildArgs,
        ...(opts.target !== undefined ? { target: opts.target } : {}),
        ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
        ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
        ...(opts.insecureRegistry.length > 0 ? { insecureRegistries: opts.insecureRegistry } : {}),
        ...(typeof opts.allowNet === 'string' ? { allowNet: opts.allowNet.split(',').map((h) => h.trim()).filter(Boolean) } : opts.allowNet === true ? { allowNet: true } : {}),
        ...(emit ? { emit } : {}),
      });
      if (opts.progress === 'quiet') for (const w of result.warnings) printDiagnostic(w);
      const s = result.manifest.snapshot;
      if (opts.progress !== 'quiet' && opts.progress !== 'json') {
        io.stderr.write(`${result.output ? `wrote ${result.output}` : 'built (no -o given, nothing written)'}: ${result.box.length} bytes, ${s.files} files, ${s.dirs} directories, snapshot ${s.digest.slice(0, 19)}\n`);
      }
    });

  program
    .command('run')
    .description('run a box; arguments after the box replace its CMD')
    .argument('<box>', 'the box (.wasm) to run')
    .argument('[args...]', 'arguments for the guest')
    .option('-e, --env <KEY=VALUE>', 'set a variable in the guest (repeatable)', collect, [] as string[])
    .option('--entrypoint <path>', "replace the box's ENTRYPOINT (and drop its CMD)")
    .option('--timeout <duration>', "stop the guest after this wall time (e.g. 30s, 5m; default: the box's own)")
    .option('--memory <size>', "guest memory limit (e.g. 256m, 1g; at most 4g; default: the box's own)")
    .option('--max-fds <n>', "open descriptor limit (4 to 65536; default: the box's own)")
    .option('--max-output <size>', "stdout + stderr bytes before the guest is stopped (e.g. 64m; default: the box's own)")
    .option('--max-write <size>', "file bytes the guest may add to its writable layer (e.g. 1g; default: the box's own)")
    .option('--allow-env [names]', "pass these variables (comma-separated) from boxer's environment to the guest; bare: all of them", collect, [] as string[])
    .option('--deny-env <names>', 'never pass these variables (comma-separated; wins over --allow-env)', collect, [] as string[])
    .option('--audit <file>', 'write one JSON line per capability decision to FILE (- for stderr)')
    .option('-v, --volume <host:guest[:ro]>', 'mount a host directory at a guest path, live and confined to it (repeatable)', collect, [] as string[])
    .option('--mount <spec>', 'type=bind,source=DIR,target=PATH[,readonly] or type=tmpfs,target=PATH (repeatable)', collect, [] as string[])
    .option('--persist <file|dir>', "keep the box's filesystem across runs in FILE (or DIR/layer.boxer); refused for another box")
    .option('--allow-net [hosts]', 'allow outbound connections to these hosts (comma-separated: name[:port], *.name, IP[:port], [IPv6]:port, CIDR); bare: every host', collect, [] as string[])
    .option('--deny-net <hosts>', 'never connect to these hosts (the same entries as --allow-net; wins over it)', collect, [] as string[])
    .option('--allow-kv <bucket[:file]>', "let a component open these wasi:keyvalue buckets (comma-separated; bucket: in memory for the run, bucket:FILE: kept in FILE; repeatable)", collect, [] as string[])
    .option('-p, --publish <[ip:]host:guest>', "serve a component's wasi:http handler on a host port (127.0.0.1 unless an IP is given; repeatable)", collect, [] as string[])
    .option('--allow-requested', 'also grant what the box asks for (EXPOSE: -p on 127.0.0.1, VOLUME: tmpfs), listed before the run')
    .option('-i, --interactive', "stream boxer's stdin to the guest (without it the guest's stdin is empty)")
    .option('-t, --tty', 'the guest sees its stdin, stdout and stderr as terminals (isatty)')
    .option('--policy <file[#set]>', 'take grants from a JSON policy file (and one of its named permission sets); flags add to it (repeatable)', collect, [] as string[])
    .option('--learn <file>', 'allow what the grants allow, record it, and write to FILE (- for stderr) the smallest policy that lets this run do the same')
    .passThroughOptions()
    .action(async (box: string, args: string[], opts: { env: string[]; entrypoint?: string; timeout?: string; memory?: string; maxFds?: string; maxOutput?: string; maxWrite?: string; allowEnv: string[]; denyEnv: string[]; audit?: string; volume: string[]; mount: string[]; persist?: string; allowNet: string[]; denyNet: string[]; allowKv: string[]; publish: string[]; policy: string[]; learn?: string; interactive?: boolean; tty?: boolean; allowRequested?: boolean }) => {
      const guestArgs = args[0] === '--' ? args.slice(1) : args;
      const env = parseKeyValues(opts.env, '-e', true);
      const mounts = mountGrants(opts.volume, opts.mount);
      const envGranted = envGrants(opts.allowEnv, opts.denyEnv);
      const flagGrants: Grants = { ...envGranted, ...(mounts.length > 0 ? { mounts } : {}), ...(opts.persist !== undefined ? { persist: opts.persist } : {}) };
      const limits = {
        ...(opts.timeout !== undefined ? { timeoutMs: limitFlag(parseDuration(opts.timeout, '--timeout'), opts.timeout, '--timeout', 'timeoutMs', '30s') } : {}),
        ...(opts.memory !== undefined ? { memoryBytes: limitFlag(parseSize(opts.memory, '--memory'), opts.memory, '--memory', 'memoryBytes', '256m', 65536) } : {}),
        ...(opts.maxFds !== undefined ? { maxFds: limitFlag(parseSize(opts.maxFds, '--max-fds', false), opts.maxFds, '--max-fds', 'maxFds', '1024') } : {}),
        ...(opts.maxOutput !== undefined ? { maxOutputBytes: limitFlag(parseSize(opts.maxOutput, '--max-output'), opts.maxOutput, '--max-output', 'maxOutputBytes', '64m') } : {}),
        ...(opts.maxWrite !== undefined ? { maxWriteBytes: limitFlag(parseSize(opts.maxWrite, '--max-write'), opts.maxWrite, '--max-write', 'maxWriteBytes', '1g') } : {}),
      };
      const netGranted = netGrants(opts.allowNet, opts.denyNet, opts.publish);
      const grants = policyGrants(opts.policy, [flagGrants, netGranted ?? {}, kvGrants(opts.allowKv)]);
      if (grants.kv) checkKvFiles(grants.kv);
      const stdin = opts.interactive ? (io.stdin ?? process.stdin) : undefined;
      if (opts.interactive && opts.tty && !stdin!.isTTY) throw new BoxerError(badTty());
      const sink = opts.audit === undefined ? undefined : auditSink(opts.audit, io);
      // NOTE: Ctrl-C and SIGTERM stop the guest like `docker run` does: the worker is terminated,
      // nothing is persisted, and boxer exits 130 or 143.
      const interrupted = new AbortController();
      const onSigint = (): void => interrupted.abort(new Interrupted('SIGINT'));
      const onSigterm = (): void => interrupted.abort(new Interrupted('SIGTERM'));
      process.on('SIGINT', onSigint);
      process.on('SIGTERM', onSigterm);
      let result;
      try {
        result = await run({
          box,
          args: guestArgs,
          env,
          ...(Object.keys(grants).length > 0 ? { grants } : {}),
          ...(opts.learn !== undefined ? { learn: true } : {}),
          ...(opts.allowRequested ? { allowRequested: true, onRequested: (items: RequestedItem[]) => void io.stderr.write(formatRequested(items)) } : {}),
          ...(sink ? { audit: sink.write } : {}),
          ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
          limits,
          stdout: (b) => write(io.stdout, b),
          stderr: (b) => write(io.stderr, b),
          signal: AbortSignal.any([outputFailed.signal, interrupted.signal]),
          ...(stdin ? { stdin: stdin as AsyncIterable<Uint8Array> } : {}),
          ...(opts.tty ? { tty: { stdin: true, stdout: true, stderr: true } } : {}),
        });
      } catch (e) {
        if (e instanceof Interrupted) {
          exitCode = e.signal === 'SIGINT' ? 130 : 143;
          await exitNowIfStuck(io, exitCode);
          return;
        }
        if (e instanceof BrokenPipe) {
          exitCode = EXIT_BROKEN_PIPE;
          await exitNowIfStuck(io, exitCode);
          return;
        }
        throw e;
      } finally {
        sink?.close();
        process.off('SIGINT', onSigint);
        process.off('SIGTERM', onSigterm);
        // NOTE: a stdin still open (a terminal, a pipe nobody closed) would keep boxer alive.
        stdin?.destroy?.();
      }
      for (const d of result.diagnostics) printDiagnostic(d);
      exitCode = result.exitCode;
      if (opts.learn !== undefined && result.learned) writeLearned(opts.learn, result.learned, io);
      if (exitCode === EXIT_TIMEOUT) await exitNowIfStuck(io, exitCode);
    });

  registerCheck(program, io, color, (code) => void (exitCode = code), (values) => parseKeyValues(values, '--build-arg'));
  registerRegistryCommands(program, io);

  program
    .command('inspect')
    .description('show a box: image config, requested grants, limits and files')
    .argument('<box>', 'the box (.wasm)')
    .option('--json', 'print JSON')
    .action(async (box: string, opts: { json?: boolean }) => {
      const result = await inspect(box);
      io.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderInspect(result));
    });

  try {
    await program.parseAsync(expandBareAllowEnv(argv, program), { from: 'user' });
    return outputFailed.signal.reason instanceof BrokenPipe ? EXIT_BROKEN_PIPE : exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    if (e instanceof BoxerError) {
      for (const d of e.diagnostics) printDiagnostic(d);
      return RUN_EXIT[e.diagnostic.code] ?? EXIT_ERROR;
    }
    if (e instanceof BrokenPipe) return EXIT_BROKEN_PIPE;
    const err = e as Error;
    if (typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall === 'write') {
      io.stderr.write(`boxer: cannot write the box's output: ${err.message}\n`);
      return EXIT_ERROR;
    }
    const internal = e instanceof InternalError;
    io.stderr.write(`boxer: ${internal ? 'internal error' : 'unexpected error'}: ${err?.message ?? String(e)}\n`);
    io.stderr.write('this is a bug in boxer; please report it with the command you ran and this trace:\n');
    io.stderr.write(`${err?.stack ?? ''}\n`);
    return EXIT_BUG;
  }
}

/** What `--allow-env` with no list becomes before commander parses it (`=` is no variable name). */
const ALL_ENV = '=';

/**
 * Commander would take the box after a bare `--allow-env` as its value; as in Deno, only
 * `--allow-env=A,B` carries a list, so a bare one among `boxer run`'s options is rewritten first.
 */
function expandBareAllowEnv(argv: string[], program: Command): string[] {
  const run = program.commands.find((c) => c.name() === 'run');
  if (argv[0] !== 'run' || !run) return argv;
  const out = [...argv];
  for (let i = 1; i < out.length; i++) {
    const t = out[i]!;
    if (t === '--' || t === '-' || !t.startsWith('-')) break;
    if (t === '--allow-env') out[i] = `--allow-env=${ALL_ENV}`;
    else if (t === '--allow-net') out[i] = `--allow-net=${ALL_ENV}`;
    else if (!t.includes('=') && run.options.find((o) => o.long === t || o.short === t)?.required) i++;
  }
  return out;
}

/** `--allow-net`, `--deny-net` and `-p` values → Grants (undefined when none is given); a bad entry is CLI_BAD_VALUE. */
function netGrants(allow: string[], deny: string[], publish: string[]): Grants | undefined {
  if (allow.length === 0 && deny.length === 0 && publish.length === 0) return undefined;
  const list = (values: string[], flag: string): string[] => {
    const out = [...new Set(values.flatMap((v) => v.split(',').map((e) => e.trim())))];
    for (const e of out) {
      try {
        parseNetEntry(e);
      } catch (err) {
        throw new BoxerError({ ...badValue(flag, values.join(','), 'a comma-separated list of hosts', ''), message: (err as Error).message.replace('--allow-net', flag), hint: `e.g. ${flag}=example.com,127.0.0.1:8080,[::1]:8080,*.example.com,10.0.0.0/8` });
      }
    }
    return out;
  };
  const entries = allow.includes(ALL_ENV) ? true : list(allow, '--allow-net');
  const denied = list(deny, '--deny-net');
  for (const p of publish) {
    try {
      parsePublish(p);
    } catch (err) {
      throw new BoxerError({ ...badValue('-p', p, '[IP:]HOST_PORT:GUEST_PORT', ''), message: (err as Error).message, hint: 'e.g. -p 8080:80 (listens on 127.0.0.1:8080)' });
    }
  }
  return { ...(allow.length > 0 ? { net: entries } : {}), ...(denied.length > 0 ? { denyNet: denied } : {}), ...(publish.length > 0 ? { publish } : {}) };
}

/** `--allow-kv` values (each `bucket[:FILE]`, comma-separated) → Grants; a bad entry or a bucket given two files is CLI_BAD_VALUE. */
function kvGrants(values: string[]): Grants {
  if (values.length === 0) return {};
  const entries = [...new Set(values.flatMap((v) => v.split(',').map((e) => e.trim())))];
  try {
    parseKvGrant(entries);
  } catch (err) {
    throw new BoxerError({ ...badValue('--allow-kv', values.join(','), 'bucket or bucket:FILE, comma-separated', ''), message: (err as Error).message, hint: 'e.g. --allow-kv=counter (in memory for the run) or --allow-kv=counter:./counter.json (kept in that file)' });
  }
  return { kv: entries };
}

/** Two buckets whose files are one file (after resolving, from flags and policies together) are CLI_BAD_VALUE. */
function checkKvFiles(entries: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const { bucket, file } of parseKvGrant(entries).values()) {
    if (file === undefined) continue;
    const path = resolve(file);
    const other = seen.get(path);
    if (other !== undefined && other !== bucket) {
      throw new BoxerError({ ...badValue('--allow-kv', entries.join(','), 'one file per bucket', ''), message: `--allow-kv: buckets "${other}" and "${bucket}" are given the same file ${path}; each bucket needs its own`, hint: 'e.g. --allow-kv=a:a.json,b:b.json' });
    }
    seen.set(path, bucket);
  }
}

/** `--allow-env`/`--deny-env` values → Grants (undefined when neither is given). */
function envGrants(allow: string[], deny: string[]): Grants | undefined {
  if (allow.length === 0 && deny.length === 0) return undefined;
  const names = (value: string, flag: string): string[] => {
    const list = value.split(',').map((n) => n.trim());
    if (list.some((n) => !isEnvName(n))) throw new BoxerError({ ...badValue(flag, value, 'a comma-separated list of variable names', ''), hint: `e.g. ${flag}=HOME,LANG` });
    return list;
  };
  const all = allow.includes(ALL_ENV);
  return {
    ...(all ? { env: true as const } : allow.length > 0 ? { env: [...new Set(allow.flatMap((v) => names(v, '--allow-env')))] } : {}),
    ...(deny.length > 0 ? { denyEnv: [...new Set(deny.flatMap((v) => names(v, '--deny-env')))] } : {}),
  };
}

/** `-v` and `--mount` values → mount grants (docker's syntax); a bad one is a CLI_BAD_VALUE error. */
function mountGrants(volumes: string[], mounts: string[]): MountGrant[] {
  const parse = (flag: string, value: string, fn: (v: string) => MountGrant, expected: string, example: string): MountGrant => {
    try {
      const grant = fn(value);
      checkMountTarget(grant.target);
      return grant;
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new BoxerError({ ...badValue(flag, value, expected, ''), message: e.message, hint: `e.g. ${flag} ${example}` });
    }
  };
  return [
    ...volumes.map((v) => parse('-v', v, parseVolume, 'HOST:GUEST[:ro]', './data:/data:ro')),
    ...mounts.map((v) => parse('--mount', v, parseMount, 'type=bind,source=DIR,target=PATH[,readonly]', 'type=bind,source=./data,target=/data,readonly')),
  ];
}

/**
 * `--policy FILE[#SET]` files merged with the grants from flags. A relative mount source or store
 * in a file is relative to the file's directory; a bad file is a CLI_BAD_VALUE error naming it.
 */
function policyGrants(files: string[], fromFlags: Grants[]): Grants {
  const loaded = files.map((spec) => {
    const hash = spec.lastIndexOf('#');
    const file = hash > 0 ? spec.slice(0, hash) : spec;
    const set = hash > 0 ? spec.slice(hash + 1) : undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new BoxerError({ ...badValue('--policy', spec, 'a readable JSON policy file', ''), message: `--policy ${spec}: ${(e as Error).message}`, hint: 'check the path; write one with `boxer run --learn FILE …`' });
    }
    try {
      const g = parsePolicy(text, file, set);
      const dir = dirname(resolve(file));
      return {
        ...g,
        ...(g.mounts ? { mounts: g.mounts.map((m) => (m.type === 'tmpfs' ? m : { ...m, source: resolve(dir, m.source) })) } : {}),
        ...(g.persist !== undefined ? { persist: resolve(dir, g.persist) } : {}),
        ...(g.kv ? { kv: g.kv.map((e) => resolveKvFile(e, dir)) } : {}),
      };
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      throw new BoxerError({ ...badValue('--policy', spec, 'a JSON policy file', ''), message: e.message, hint: 'a policy is a JSON object with env, denyEnv, net, denyNet, publish, mounts, persist, kv and optional named sets; `boxer run --learn FILE` writes one' });
    }
  });
  try {
    return mergeGrants(...loaded, ...fromFlags);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new BoxerError({ ...badValue('--policy', files.join(' '), 'grants that agree', ''), message: e.message, hint: 'give one --persist store, and one FILE per --allow-kv bucket' });
  }
}

/** A policy file's `bucket:FILE` with FILE resolved from the file's directory (an invalid entry is left for parseKvGrant to name). */
function resolveKvFile(entry: string, dir: string): string {
  const colon = entry.indexOf(':');
  if (colon < 0) return entry;
  const { bucket, file } = parseKvEntry(entry);
  return file === undefined ? bucket : `${bucket}:${resolve(dir, file)}`;
}

/** The `--allow-requested` list, printed before the run: each request and its grant, or why not. */
function formatRequested(items: RequestedItem[]): string {
  if (items.length === 0) return 'boxer: --allow-requested: the box requests nothing (no EXPOSE, no VOLUME)\n';
  const width = Math.max(...items.map((i) => i.request.length));
  const lines = items.map((i) => `  ${i.request.padEnd(width)}  ${i.grant ? `granted: ${i.grant}` : `not granted: ${i.reason}`}`);
  return `boxer: the box requests:\n${lines.join('\n')}\n`;
}

/** `--learn FILE|-`: the learned policy as JSON, to stderr or FILE. */
function writeLearned(target: string, policy: Grants, io: Io): void {
  const text = `${JSON.stringify(policy, null, 2)}\n`;
  if (target === '-') {
    io.stderr.write(text);
    return;
  }
  try {
    writeFileSync(target, text);
  } catch (e) {
    throw new BoxerError(auditUnwritable(target, e));
  }
}

/** `--audit FILE|-`: JSON lines to stderr, or to FILE (created or truncated before the run starts). */
function auditSink(target: string, io: Io): { write: (r: AuditRecord) => void; close: () => void } {
  if (target === '-') return { write: (r) => void io.stderr.write(`${JSON.stringify(r)}\n`), close: () => {} };
  let fd: number;
  try {
    fd = openSync(target, 'w');
  } catch (e) {
    throw new BoxerError(auditUnwritable(target, e));
  }
  return {
    write: (r) => void writeSync(fd, `${JSON.stringify(r)}\n`),
    close: () => closeSync(fd),
  };
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseKeyValues(values: string[], flag: string, forGuest = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) {
      throw new BoxerError(badKeyValue(flag, v, forGuest));
    }
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/**
 * After a run was cut short: when stdout still holds bytes its reader has not taken (a slow or
 * stalled consumer), ends the process once stderr has flushed (at most a second), instead of
 * waiting for that reader. The queued output is dropped, like the rest of the guest's.
 */
async function exitNowIfStuck(io: Io, code: number): Promise<void> {
  const pending = (io.stdout as { writableLength?: number }).writableLength ?? 0;
  if (!io.exit || pending === 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    io.stderr.write('', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  io.exit(code);
}

/** A limit flag's value, refused (CLI_BAD_VALUE) outside what the runtime accepts. */
function limitFlag(value: number, text: string, flag: string, name: keyof typeof LIMIT_CEILINGS, example: string, floor = LIMIT_FLOORS[name]): number {
  const ceiling = LIMIT_CEILINGS[name];
  if (value < floor || value > ceiling) {
    const what =
      name === 'timeoutMs' ? `a duration of at most ${ceiling} ms (about 24 days)`
      : name === 'maxFds' ? `a whole number from ${floor} to ${ceiling}`
      : ceiling === Number.MAX_SAFE_INTEGER ? `a size of at most ${ceiling} bytes`
      : `a size from ${formatSize(floor)} to ${formatSize(ceiling)}`;
    throw new BoxerError(badValue(flag, text, what, example));
  }
  return value;
}

/** Writes to the host's stream; the promise (backpressure) settles on drain, or when the stream fails or closes. */
function write(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> | void {
  if ((stream as { destroyed?: boolean }).destroyed) return;
  if (!stream.write(bytes)) {
    return new Promise((resolve) => {
      const done = (): void => {
        stream.off('drain', done);
        stream.off('error', done);
        stream.off('close', done);
        resolve();
      };
      stream.on('drain', done);
      stream.on('error', done);
      stream.on('close', done);
    });
  }
}

function plainReporter(io: Io, printDiagnostic: (d: Diagnostic) => void): (e: BoxerEvent) => void {
  return (e) => {
    if (e.type === 'step') io.stderr.write(`[${e.index}/${e.total}] ${e.text}\n`);
    else if (e.type === 'diagnostic') printDiagnostic(e.diagnostic);
    // NOTE: one line per blob when it completes (BuildKit's plain mode), not a line per chunk.
    else if (e.type === 'progress' && e.total !== undefined && e.current === e.total) io.stderr.write(`  ${e.stage} ${e.id.slice(0, 19)} ${formatBytes(e.total)}\n`);
  };
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

function jsonReporter(io: Io): (e: BoxerEvent) => void {
  return (e) => void io.stderr.write(`${JSON.stringify(e)}\n`);
}
