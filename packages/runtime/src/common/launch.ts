// ENTRYPOINT/CMD → the program to start, resolved inside the box's tree the way execve/runc would:
// argv = Entrypoint ++ (args given at run time, else Cmd); argv[0] without a `/` is searched in the
// image's PATH; relative paths start at WorkingDir. The file's magic decides how it runs.
// In: manifest config, tree, overrides. Out: `Launch` or a BoxerError naming the binary.
import { BoxerError } from '@boxer/diagnostics';
import { digestOf, fileContent, VfsError, type FileNode, type Tree } from '@boxer/vfs';
import type { BoxManifest } from '@boxer/bundle';
import * as d from './diagnostics.js';

export interface LaunchOptions {
  /** Arguments after the box on the command line: they replace CMD (`docker run IMAGE args…`). */
  args?: readonly string[];
  /** `-e K=V` values; they override the image's Env and `hostEnv`. */
  env?: Readonly<Record<string, string>>;
  /** Host variables a grant passed (`--allow-env`); they override the image's Env. */
  hostEnv?: Readonly<Record<string, string>>;
  /**
   * `--entrypoint`: replaces the image's ENTRYPOINT and, as in `docker run`, drops its CMD (only the
   * run's own args follow it). An empty string clears the ENTRYPOINT.
   */
  entrypoint?: string;
}

export interface Launch {
  /** Absolute path of the program in the tree. */
  path: string;
  /** argv as the guest sees it (argv[0] as written in the config). */
  argv: string[];
  /** `K=V` entries: the image's Env, then granted host variables, then `-e` (each overriding the one before). */
  env: string[];
  /** The program's bytes (a view into the box). */
  module: Uint8Array;
  workdir: string;
  /** A preview1 core module, or a preview2 component (run through jco by a host that supports them). */
  kind: 'module' | 'component';
}

export function resolveLaunch(manifest: BoxManifest, tree: Tree, options: LaunchOptions = {}): Launch {
  const config = manifest.config;
  const env = mergeEnv(mergeEnv(config.Env, options.hostEnv ?? {}), options.env ?? {});
  const given = options.args && options.args.length > 0 ? [...options.args] : undefined;
  const entrypoint = options.entrypoint !== undefined ? (options.entrypoint === '' ? [] : [options.entrypoint]) : (config.Entrypoint ?? []);
  const cmd = options.entrypoint !== undefined ? [] : (config.Cmd ?? []);
  const argv = [...entrypoint, ...(given ?? cmd)];
  if (argv.length === 0 || argv[0] === '') throw new BoxerError(d.noCommand());
  const workdir = config.WorkingDir || '/';
  const name = argv[0]!;
  const candidates = name.includes('/')
    ? [name.startsWith('/') ? name : `${workdir.replace(/\/$/, '')}/${name}`]
    : (lookupEnv(env, 'PATH') ?? '').split(':').filter(Boolean).map((dir) => `${dir.replace(/\/$/, '')}/${name}`);
  let found: { path: string; file: FileNode } | undefined;
  for (const path of candidates) {
    let node;
    try {
      node = tree.tryGet(path);
    } catch (e) {
      if (e instanceof VfsError) continue;
      throw e;
    }
    if (node?.kind === 'file') {
      found = { path, file: node };
      break;
    }
    if (node?.kind === 'dir' && name.includes('/')) throw new BoxerError(d.notExecutable(name, 'it is a directory'));
  }
  if (!found) {
    const shellForm = argv.length >= 3 && argv[1] === '-c' && (config.Shell ? name === config.Shell[0] : name === '/bin/sh');
    throw new BoxerError(shellForm ? d.shellFormWithoutShell(name, argv.at(-1)!) : name.includes('/') ? d.commandNotFound(name) : d.commandNotInPath(name));
  }
  const bytes = fileContent(found.file);
  // NOTE: the program is checked against the digest `boxer inspect` shows before it runs (the index is
  // covered by the manifest's snapshot digest; file bytes are not, until checked here).
  if (found.file.digest !== undefined && digestOf(bytes) !== found.file.digest) throw new BoxerError(d.tamperedProgram(found.path, found.file.digest));
  const kind = sniff(bytes);
  if (kind === 'elf') throw new BoxerError(d.nativeBinary(found.path));
  if (kind === 'script') throw new BoxerError(d.scriptUnsupported(found.path, firstLine(bytes)));
  if (kind !== 'module' && kind !== 'component') throw new BoxerError(d.notExecutable(found.path, 'it is neither a WebAssembly module nor a script'));
  return { path: found.path, argv, env, module: bytes, workdir, kind };
}

type Kind = 'module' | 'component' | 'elf' | 'script' | 'unknown';
function sniff(b: Uint8Array): Kind {
  if (b.length >= 8 && b[0] === 0 && b[1] === 0x61 && b[2] === 0x73 && b[3] === 0x6d) {
    return b[4] === 1 && b[5] === 0 && b[6] === 0 && b[7] === 0 ? 'module' : 'component';
  }
  if (b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46) return 'elf';
  if (b.length >= 2 && b[0] === 0x23 && b[1] === 0x21) return 'script';
  return 'unknown';
}

function firstLine(b: Uint8Array): string {
  const end = b.indexOf(0x0a);
  return new TextDecoder().decode(b.subarray(0, end === -1 ? Math.min(b.length, 200) : Math.min(end, 200)));
}

function mergeEnv(base: readonly string[], overrides: Readonly<Record<string, string>>): string[] {
  const out = [...base];
  for (const [k, v] of Object.entries(overrides)) {
    const i = out.findIndex((e) => e === k || e.startsWith(`${k}=`));
    if (i === -1) out.push(`${k}=${v}`);
    else out[i] = `${k}=${v}`;
  }
  return out;
}

function lookupEnv(env: readonly string[], name: string): string | undefined {
  const e = env.find((x) => x.startsWith(`${name}=`));
  return e === undefined ? undefined : e.slice(name.length + 1);
}
