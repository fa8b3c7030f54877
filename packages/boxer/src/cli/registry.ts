// `boxer push` and `boxer pull`: boxes through an OCI registry as CNCF Wasm artifacts.
import type { Command } from 'commander';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pull, push } from '../api/artifact.js';
import { readBoxFile } from '../api/run.js';

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function registerRegistryCommands(program: Command, io: Io): void {
  program
    .command('push')
    .description('push a box to a registry as an OCI Wasm artifact')
    .argument('<box>', 'the box (.wasm)')
    .argument('<ref>', 'where to push, e.g. 127.0.0.1:5000/app:v1')
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry (repeatable; 127.0.0.1/localhost always are)', (v: string, a: string[]) => [...a, v], [] as string[])
    .action(async (box: string, ref: string, opts: { insecureRegistry: string[] }) => {
      const r = await push(await readBoxFile(box), ref, { insecureRegistries: opts.insecureRegistry });
      io.stdout.write(`${r.reference}@${r.digest}\n`);
    });

  program
    .command('pull')
    .description('pull a box from a registry')
    .argument('<ref>', 'the box to pull, e.g. 127.0.0.1:5000/app:v1')
    .requiredOption('-o, --output <file>', 'where to write the box')
    .option('--cache-dir <dir>', 'content-addressed cache (default: $XDG_CACHE_HOME/boxer)')
    .option('--insecure-registry <host>', 'allow plain HTTP to this registry (repeatable)', (v: string, a: string[]) => [...a, v], [] as string[])
    .action(async (ref: string, opts: { output: string; cacheDir?: string; insecureRegistry: string[] }) => {
      const r = await pull(ref, { insecureRegistries: opts.insecureRegistry, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) });
      await mkdir(dirname(resolve(opts.output)), { recursive: true });
      const tmp = `${opts.output}.${process.pid}.tmp`;
      await writeFile(tmp, r.box);
      await rename(tmp, opts.output);
      io.stderr.write(`pulled ${r.reference}@${r.digest} to ${opts.output} (${r.box.length} bytes)\n`);
    });
}
