// boxer's own WASI preview1 conformance suite. Each fixtures/wasm/src/conf_*.c is written against
// POSIX and built twice from the same source: natively with gcc (the reference is Linux) and for
// wasm32-wasi (fixtures/wasm/conf_*.wasm). Both runs start from the same tree (a fresh copy of it for
// the native run, the box's snapshot for boxer), with the same argv, environment and stdio (pipes),
// and must print the same lines and exit with the same code. Lines starting with "wasi: " exist only
// in the wasm build (prestats, rights, raw preview1 calls) and are compared with
// fixtures/wasm/expected/<name>.txt, whose values come from the WASI spec and wasi-testsuite (cited
// in the C sources). See fixtures/wasm/src/conf.h for how the two runs are kept comparable.
// Where boxer still differs from the reference, the C source leaves the lines out under
// `#ifdef CONF_KNOWN_GAPS` with a `// KNOWN GAP:` comment (build both sides with -DCONF_KNOWN_GAPS
// to see them); where the difference is wasi-libc's, not boxer's, a NOTE says so.
import { execa } from 'execa';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxer, compileNative, FIXTURES, tempDir } from './helpers.js';
import { confTree } from './trees.js';

const PROGRAMS = ['conf_fd', 'conf_path', 'conf_dir', 'conf_poll', 'conf_misc', 'conf_large'] as const;
type Program = (typeof PROGRAMS)[number];
const ARGS: Partial<Record<Program, string[]>> = { conf_misc: ['one', 'two words', '', 'ünï'] };
/** The guest's environment: the image's (FROM scratch: Docker's default PATH) plus these `-e`. */
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const ENV: Record<string, string> = { CONF_A: 'x', CONF_B: 'y=z', CONF_EMPTY: '' };

/** The functions of wasi_snapshot_preview1.witx: 46 since sock_accept joined the 45 in 2022. */
const PREVIEW1 = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get', 'clock_time_get', 'fd_advise',
  'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get', 'fd_fdstat_set_flags', 'fd_fdstat_set_rights',
  'fd_filestat_get', 'fd_filestat_set_size', 'fd_filestat_set_times', 'fd_pread', 'fd_prestat_get',
  'fd_prestat_dir_name', 'fd_pwrite', 'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek', 'fd_sync', 'fd_tell',
  'fd_write', 'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link', 'path_open',
  'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink', 'path_unlink_file', 'poll_oneoff',
  'proc_exit', 'proc_raise', 'random_get', 'sched_yield', 'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
];

interface Run { stdout: string; stderr: string; exitCode: number | undefined }

const tmp = tempDir('boxer-conf-');
const native = new Map<Program, Run>();
const boxed = new Map<Program, Run>();

/** The starting tree every program sees (the box's / and the native run's cwd). */
const layout = (root: string): void => confTree(root, PROGRAMS, (p) => join(FIXTURES, `wasm/${p}.wasm`));

beforeAll(async () => {
  const ctx = join(tmp.path, 'ctx');
  layout(join(ctx, 'root'));
  writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY root/ /\nENTRYPOINT ["/bin/conf_misc.wasm"]\n');
  const box = join(tmp.path, 'conf.wasm');
  const [built, ...binaries] = await Promise.all([
    boxer(['build', ctx, '-o', box]),
    ...PROGRAMS.map((p) => compileNative(p, tmp.path)),
  ]);
  expect(built.exitCode, built.stderr).toBe(0);
  const envFlags = Object.entries(ENV).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await Promise.all(PROGRAMS.map(async (p, i) => {
    const args = ARGS[p] ?? [];
    const cwd = join(tmp.path, `native-${p}`);
    cpSync(join(ctx, 'root'), cwd, { recursive: true, verbatimSymlinks: true });
    const [n, b] = await Promise.all([
      // NOTE: Node gives a child sockets for stdio, where boxer's guest sees pipe-like stdio; bash
      // puts the native program between real pipes (an empty stdin, stdout through cat) and env -i
      // gives it exactly the guest's environment.
      execa('bash', ['--norc', '--noprofile', '-c', 'set -o pipefail; : | env -i "$@" | cat', 'conf', `PATH=${DEFAULT_PATH}`, ...Object.entries(ENV).map(([k, v]) => `${k}=${v}`), binaries[i]!, ...args],
        { cwd, env: { PATH: DEFAULT_PATH }, extendEnv: false, reject: false, stripFinalNewline: false }),
      boxer(['run', ...envFlags, '--entrypoint', `/bin/${p}.wasm`, box, ...args], { input: '' }),
    ]);
    native.set(p, { stdout: String(n.stdout), stderr: String(n.stderr), exitCode: n.exitCode });
    boxed.set(p, { stdout: String(b.stdout), stderr: String(b.stderr), exitCode: b.exitCode });
  }));
});
afterAll(() => tmp.cleanup());

const lines = (s: string): string[] => s.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
const isWasiLine = (l: string): boolean => l.startsWith('wasi: ');

describe('WASI preview1 conformance (same C program on Linux and under boxer run)', () => {
  for (const p of PROGRAMS) {
    it(`${p}: prints what Linux prints and exits alike`, () => {
      const n = native.get(p)!;
      const b = boxed.get(p)!;
      expect(n.stderr, 'native stderr').toBe('');
      expect(b.stderr, 'boxer stderr').toBe('');
      expect(lines(b.stdout).filter((l) => !isWasiLine(l))).toEqual(lines(n.stdout));
      expect(b.exitCode).toBe(n.exitCode);
      expect(n.exitCode).toBe(p === 'conf_misc' ? 7 : 0);
    });

    it(`${p}: WASI-only lines give the spec's answers`, () => {
      const expected = readFileSync(join(FIXTURES, `wasm/expected/${p}.txt`), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      expect(lines(boxed.get(p)!.stdout).filter(isWasiLine)).toEqual(expected);
    });
  }

  it('exercises every preview1 function', () => {
    const src = join(FIXTURES, 'wasm/src');
    const text = readdirSync(src).filter((f) => /^conf.*\.[ch]$/.test(f)).map((f) => readFileSync(join(src, f), 'utf8')).join('\n');
    // A function counts when a source calls __wasi_<name> (or imports it by name), or names it in a
    // "covers:" comment (" * covers: fd_advise (posix_fadvise), ..." and its " *   " continuation
    // lines) with the libc call that reaches it.
    const covers = [...text.matchAll(/^ \* covers:.*(?:\n \* {3}.*)*/gm)].map((m) => m[0]).join('\n');
    expect(covers).not.toBe('');
    const missing = PREVIEW1.filter((f) => !text.includes(`__wasi_${f}(`) && !text.includes(`import_name("${f}")`) && !new RegExp(`\\b${f}\\b`).test(covers));
    expect(missing).toEqual([]);
    expect(PREVIEW1).toHaveLength(46);
  });
});
