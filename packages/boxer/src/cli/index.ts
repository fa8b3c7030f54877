// The boxer CLI: the only code that prints or sets the exit code (conventions c.4).
// `boxer build`, `boxer run`, `boxer inspect`; diagnostics are formatted here, never in libraries.
import { Command, CommanderError, Option } from 'commander';
import { BoxerError, InternalError, formatDiagnostic, type Diagnostic } from '@boxer/diagnostics';
import type { BoxerEvent } from '@boxer/events';
import { diagnostics as runtimeDiagnostics } from '@boxer/runtime';
import { build } from '../api/build.js';
import { run } from '../api/run.js';
import { inspect } from '../api/inspect.js';
import { VERSION } from '../version.js';
import { parseDuration, parseSize } from './units.js';
import { renderInspect } from './inspect-text.js';
import { badKeyValue } from '../diagnostics.js';

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
};

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const color = Boolean(io.stderr.isTTY) && !process.env.NO_COLOR;
  const printDiagnostic = (d: Diagnostic): void => void io.stderr.write(`${formatDiagnostic(d, { color })}\n`);
  let exitCode = 0;
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
    .addOption(new Option('--progress <mode>', 'progress output').choices(['auto', 'plain', 'json', 'quiet']).default('auto'))
    .action(async (context: string, opts: { file?: string; output?: string; buildArg: string[]; target?: string; allowNet?: boolean | string; progress: string }) => {
      const buildArgs = parseKeyValues(opts.buildArg, '--build-arg');
      const emit = opts.progress === 'quiet' ? undefined : opts.progress === 'json' ? jsonReporter(io) : plainReporter(io, printDiagnostic);
      const result = await build({
        context,
        ...(opts.file !== undefined ? { file: opts.file } : {}),
        ...(opts.output !== undefined ? { output: opts.output } : {}),
        buildArgs,
        ...(opts.target !== undefined ? { target: opts.target } : {}),
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
    .option('--timeout <duration>', 'stop the guest after this wall time (e.g. 30s, 5m)')
    .option('--max-fds <n>', 'open descriptor limit')
    .passThroughOptions()
    .action(async (box: string, args: string[], opts: { env: string[]; entrypoint?: string; timeout?: string; maxFds?: string }) => {
      const guestArgs = args[0] === '--' ? args.slice(1) : args;
      const env = parseKeyValues(opts.env, '-e', true);
      const limits = {
        ...(opts.timeout !== undefined ? { timeoutMs: parseDuration(opts.timeout, '--timeout') } : {}),
        ...(opts.maxFds !== undefined ? { maxFds: parseSize(opts.maxFds, '--max-fds', false) } : {}),
      };
      const result = await run({
        box,
        args: guestArgs,
        env,
        ...(opts.entrypoint !== undefined ? { entrypoint: opts.entrypoint } : {}),
        limits,
        stdout: (b) => write(io.stdout, b),
        stderr: (b) => write(io.stderr, b),
      });
      for (const d of result.diagnostics) printDiagnostic(d);
      exitCode = result.exitCode;
    });

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
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    if (e instanceof BoxerError) {
      for (const d of e.diagnostics) printDiagnostic(d);
      return RUN_EXIT[e.diagnostic.code] ?? EXIT_ERROR;
    }
    const err = e as Error;
    const internal = e instanceof InternalError;
    io.stderr.write(`boxer: ${internal ? 'internal error' : 'unexpected error'}: ${err?.message ?? String(e)}\n`);
    io.stderr.write('this is a bug in boxer; please report it with the command you ran and this trace:\n');
    io.stderr.write(`${err?.stack ?? ''}\n`);
    return EXIT_BUG;
  }
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

function write(stream: NodeJS.WritableStream, bytes: Uint8Array): Promise<void> | void {
  if (!stream.write(bytes)) return new Promise((resolve) => stream.once('drain', () => resolve()));
}

function plainReporter(io: Io, printDiagnostic: (d: Diagnostic) => void): (e: BoxerEvent) => void {
  return (e) => {
    if (e.type === 'step') io.stderr.write(`[${e.index}/${e.total}] ${e.text}\n`);
    else if (e.type === 'diagnostic') printDiagnostic(e.diagnostic);
  };
}

function jsonReporter(io: Io): (e: BoxerEvent) => void {
  return (e) => void io.stderr.write(`${JSON.stringify(e)}\n`);
}
