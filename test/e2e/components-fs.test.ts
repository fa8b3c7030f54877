// Preview2 components' wasi:filesystem, end to end: the C fixtures that the preview1 tests run
// (files.test.ts, escape.test.ts, conformance.test.ts, mounts.test.ts) run again as COMMAND components
// (fixtures/components/<name>.component.wasm: the same source built with -DCONF_COMPONENT and wrapped
// with the WASI preview1→preview2 adapter jco ships; scripts/build-fixtures.sh), under `boxer run`.
// Expected values come from Linux: the same C source built natively with the same define, run on the
// same tree (in a chroot, or a chroot with a real bind mount, where the preview1 tests use one).
//
// Inside a component the preview1 calls are the adapter's (wasmtime's
// crates/wasi-preview1-component-adapter), which maps them onto wasi:filesystem, and boxer serves
// wasi:filesystem. Where the adapter itself answers differently from Linux (it never reaches boxer's
// host, or reshapes the call), the line is listed in ADAPTER with the reason, read in the adapter's
// source; every other line must be Linux's, and every listed line must still differ (so the list
// cannot go stale). The conformance suite's "wasi: " lines (raw preview1 calls, compared with the
// spec in conformance.test.ts) are not compared here: behind the adapter they test the adapter's
// preview1 implementation, which is wasmtime's code inside the component, not boxer's host.
import { execa } from 'execa';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, boxer, isRoot, tempDir } from './helpers.js';
import { confTree, escapeTree, filesData, plantMount } from './trees.js';

const tmp = tempDir('boxer-p2fs-');
/** boxer's cache for these runs: each component is transpiled once. */
const ENV = { XDG_CACHE_HOME: join(tmp.path, 'xdg') };
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const component = (name: string): string => join(FIXTURES, 'components', `${name}.component.wasm`);

interface Run { stdout: string; stderr: string; exitCode: number | undefined }
const run = (args: string[], input?: string): Promise<Run> =>
  boxer(args, { env: ENV, ...(input !== undefined ? { input } : {}) }).then((r) => ({ stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode }));

/** fixtures/wasm/src/<name>.c built natively as the component was built (-DCONF_COMPONENT). */
async function native(name: string): Promise<string> {
  const out = join(tmp.path, `${name}.native`);
  if (!existsSync(out)) await execa('gcc', ['-static', '-O2', '-std=c11', '-D_GNU_SOURCE', '-DCONF_COMPONENT', '-o', out, join(FIXTURES, 'wasm/src', `${name}.c`)]);
  return out;
}

async function build(name: string, files: Record<string, string>, dockerfile: string, extra?: (ctx: string) => void): Promise<string> {
  const ctx = join(tmp.path, `${name}-ctx`);
  mkdirSync(join(ctx, 'bin'), { recursive: true });
  for (const [to, from] of Object.entries(files)) cpSync(from, join(ctx, to));
  extra?.(ctx);
  writeFileSync(join(ctx, 'Dockerfile'), dockerfile);
  const out = join(tmp.path, `${name}.box.wasm`);
  const b = await boxer(['build', ctx, '-o', out, '--progress', 'quiet']);
  expect(b.exitCode, String(b.stderr)).toBe(0);
  return out;
}

/**
 * The exit code a component gets for the program's exit(code): the adapter's proc_exit calls
 * wasi:cli/exit with `ok` for 0 and `err` for anything else (lib.rs proc_exit), which is exit code 1.
 */
const adapterExit = (code: number | undefined): number | undefined => (code === undefined || code === 0 ? code : 1);
const lines = (s: string): string[] => s.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1);
const label = (line: string): string => (line.includes(': ') ? line.slice(0, line.indexOf(': ')) : line);

/**
 * The component's lines are Linux's, except the lines whose labels `adapter` lists (each must
 * differ, and only in its value).
 */
function expectLinux(boxed: string[], linux: string[], adapter: Record<string, string> = {}): void {
  expect(boxed.map(label)).toEqual(linux.map(label));
  const differing = boxed.flatMap((l, i) => (l === linux[i] ? [] : [label(l)]));
  expect(differing.filter((l) => !(l in adapter)), 'lines that differ from Linux').toEqual([]);
  expect(Object.keys(adapter).filter((l) => !differing.includes(l)), 'ADAPTER lines that no longer differ').toEqual([]);
  expect(boxed.filter((l) => !differing.includes(label(l)))).toEqual(linux.filter((l) => !differing.includes(label(l))));
}

// ---- what the adapter answers itself (wasmtime crates/wasi-preview1-component-adapter/src) --------

/** fd_read/fd_write/fd_pread/fd_pwrite move the first non-empty iovec only (lib.rs: "Skip leading empty buffers", then `(*iovs_ptr).buf`). */
const FIRST_IOVEC = 'the adapter reads and writes the first non-empty iovec only (a short count)';
/** Descriptors::get_file / get_dir / Streams::get_read_stream: a directory descriptor is EBADF before the host is asked. */
const DIR_FD = 'the adapter refuses file calls on a directory descriptor with EBADF itself (descriptors.rs get_file, get_read_stream)';
/** fd_allocate: "For all files, fail with NOTSUP, because this call does not exist in preview 2." */
const NO_FALLOCATE = 'fd_allocate is ENOTSUP in the adapter (no such call in preview2)';
const ADAPTER: Record<string, Record<string, string>> = {
  writeread: { 'read dir': DIR_FD },
  clocks: {
    'process cputime readable': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
    'thread cputime readable': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
  },
  conf_fd: {
    'readv 2+3': FIRST_IOVEC, 'readv data': FIRST_IOVEC, 'read rest': FIRST_IOVEC,
    'writev 2+0+3': FIRST_IOVEC, content: `${FIRST_IOVEC} (the writev above)`,
    'offset after ftruncate': `${FIRST_IOVEC} (the writev above)`, 'gap after write past end': `${FIRST_IOVEC} (the writev above)`,
    'posix_fallocate on O_RDONLY': NO_FALLOCATE, 'posix_fallocate on O_RDONLY len 0': NO_FALLOCATE,
    'posix_fallocate 0+100': NO_FALLOCATE, 'size after fallocate 0+100': NO_FALLOCATE,
    'posix_fallocate 10+10': NO_FALLOCATE, 'size after fallocate 10+10': NO_FALLOCATE,
    'posix_fallocate 90+20': NO_FALLOCATE, 'size after fallocate 90+20': NO_FALLOCATE,
    'posix_fallocate len 0': NO_FALLOCATE, 'pread zeros': NO_FALLOCATE, zeros: NO_FALLOCATE,
    'posix_fallocate stdout': NO_FALLOCATE, 'posix_fallocate stdin': NO_FALLOCATE,
    'lseek closed': 'the adapter answers ESPIPE for a closed descriptor (get_seekable_stream_mut)',
    'pread stdin': 'the adapter answers EINVAL for pread on stdio (get_file\'s default error)',
  },
  conf_path: {
    'readlink s/l (0)': 'the adapter reads the link into its own buffer when the guest\'s is short, and truncates it to 0 bytes without EINVAL',
    'preadv 3+0+4 at 2': FIRST_IOVEC, 'preadv data': FIRST_IOVEC, 'pwritev at 3': FIRST_IOVEC, 'o/pw': FIRST_IOVEC,
    // NOTE: descriptor numbers are the adapter's table, which reuses the last closed number first.
    'open ../../data/hello.txt': 'descriptor numbers are the adapter\'s', 'open data/sub/../../../data/hello.txt': 'descriptor numbers are the adapter\'s',
    'open data/abslink': 'descriptor numbers are the adapter\'s', 'open s/absdir/sub/inner.txt': 'descriptor numbers are the adapter\'s',
    'open s/up/data/hello.txt': 'descriptor numbers are the adapter\'s', 'open s/rootlink/../../s/absdir/link': 'descriptor numbers are the adapter\'s',
  },
  conf_dir: {
    'd_ino is lstat\'s st_ino for all 11 entries of data': 'the adapter gives `..` d_ino 0 (fd_readdir)',
    'read dir fd': DIR_FD, 'pread dir fd': DIR_FD, 'ftruncate dir fd': DIR_FD, 'posix_fadvise dir fd': DIR_FD,
    'fsync dir fd': DIR_FD, 'futimens dir fd': DIR_FD, 'dir mtime': `${DIR_FD} (the futimens above)`,
  },
  conf_poll: {
    'clock_nanosleep REALTIME TIMER_ABSTIME in the past': 'the adapter turns a past REALTIME deadline into an error (poll_oneoff subtracts now from it)',
    'poll O_WRONLY file IN|OUT': 'the adapter flags HANGUP when nothing is left to read, and wasi-libc then drops POLLOUT',
    'poll file at EOF IN': 'the adapter flags HANGUP when nothing is left to read',
    'poll stdin at end of input': 'the adapter reports stdin readable with no hangup (POLLIN) even when its stream is closed; Linux gives POLLHUP alone',
    'poll ready file with timeout 5000': 'the adapter flags HANGUP when nothing is left to read',
    'poll dir IN|OUT': DIR_FD,
    'poll closed fd and file': 'the adapter fails the whole poll_oneoff with EBADF instead of reporting POLLNVAL',
  },
  conf_misc: {
    'clock_getres PROCESS_CPUTIME_ID': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
    'clock_getres THREAD_CPUTIME_ID': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
    'clock_gettime PROCESS_CPUTIME_ID': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
    'PROCESS_CPUTIME advances while computing': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
    'clock_gettime THREAD_CPUTIME_ID': 'preview2 has no CPU-time clock (the adapter answers EBADF)',
  },
  conf_large: {},
};

afterAll(() => tmp.cleanup());

describe('a component\'s files (the box\'s tree)', () => {
  let box = '';
  let ctxData = '';

  beforeAll(async () => {
    box = await build('files', { 'bin/lsdir': component('lsdir'), 'bin/writeread': component('writeread'), 'bin/readdir': component('readdir'), 'bin/clocks': component('clocks') },
      'FROM scratch\nCOPY bin/ /bin/\nCOPY data /data\nENTRYPOINT ["/bin/lsdir"]\nCMD ["/data"]\n', (ctx) => {
        ctxData = join(ctx, 'data');
        filesData(ctxData);
      });
  }, 120_000);

  it('lsdir lists and reads what COPY put there, as Linux lists the context directory', async () => {
    const n = await execa(await native('lsdir'), [ctxData], { reject: false, stripFinalNewline: false });
    const b = await run(['run', box]);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(adapterExit(n.exitCode));
    expect(b.stdout).toBe(n.stdout);
    expect(b.stdout).toContain('file a.txt size=6 nlink=1 content="alpha\\n"');
  });

  it('writeread writes, renames, links, symlinks, sets times and removes like Linux', async () => {
    const n = await execa(await native('writeread'), [join(tmp.path, 'native-work/out.txt')], { reject: false, stripFinalNewline: false });
    const b = await run(['run', '--entrypoint', '/bin/writeread', box, '/work/out.txt']);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(adapterExit(n.exitCode));
    expectLinux(lines(b.stdout), lines(n.stdout), ADAPTER.writeread);
    expect(b.stdout).toContain('rename dir over non-empty dir: ENOTEMPTY');
    expect(b.stdout).toContain('mtime: 1500000000.000000007');
  });

  it('readdir reads a large directory in several calls, with seekdir and unlinks while reading, like Linux', async () => {
    const n = await execa(await native('readdir'), [join(tmp.path, 'native-rd')], { reject: false, stripFinalNewline: false });
    const b = await run(['run', '--entrypoint', '/bin/readdir', box, '/data/rd']);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(adapterExit(n.exitCode));
    expect(b.stdout).toBe(n.stdout);
  });

  it('clocks: clocks, sleeps, poll and randomness give Linux\'s facts', async () => {
    const n = await execa(await native('clocks'), [], { reject: false, stripFinalNewline: false });
    const b = await run(['run', '--entrypoint', '/bin/clocks', box]);
    expect(b.stderr).toBe('');
    expectLinux(lines(b.stdout), lines(n.stdout), ADAPTER.clocks);
    // NOTE: clocks exits 1 when any fact is "no": here the CPU-time clocks, the adapter's.
    expect(n.exitCode).toBe(0);
    expect(b.exitCode).toBe(1);
  });
});

describe('escape attempts from inside a component', () => {
  let box = '';
  let boxed: Run;
  const layout = escapeTree;

  beforeAll(async () => {
    box = await build('escape', {}, 'FROM scratch\nCOPY bin/ /bin/\nCOPY escape/ /escape/\nENTRYPOINT ["/bin/escape"]\n', (ctx) => layout(ctx, component('escape')));
    boxed = await run(['run', box]);
  }, 120_000);

  it('reach no host file', () => {
    expect(boxed.stderr).toBe('');
    expect(boxed.exitCode).toBe(0);
    const opens = boxed.stdout.split('\n').filter((l) => l.startsWith('open '));
    expect(opens.length).toBe(9);
    for (const line of opens) expect(line).toMatch(/: (ENOENT|ENOTCAPABLE)$/);
    expect(boxed.stdout).toContain(`env PATH=${DEFAULT_PATH}`);
  });

  it.skipIf(!isRoot)('behave exactly as the native program under chroot of the same tree', async () => {
    const jail = join(tmp.path, 'escape-jail');
    layout(jail, await native('escape'));
    const n = await execa('chroot', [jail, '/bin/escape'], { env: { PATH: DEFAULT_PATH }, extendEnv: false, reject: false, stripFinalNewline: false });
    expect(n.exitCode).toBe(0);
    expect(boxed.stdout).toBe(n.stdout);
  });
});

describe('the preview1 conformance programs as components (the adapter over boxer\'s wasi:filesystem)', () => {
  const PROGRAMS = ['conf_fd', 'conf_path', 'conf_dir', 'conf_poll', 'conf_misc', 'conf_large'] as const;
  const ARGS: Record<string, string[]> = { conf_misc: ['one', 'two words', '', 'ünï'] };
  const ENVS: Record<string, string> = { CONF_A: 'x', CONF_B: 'y=z', CONF_EMPTY: '' };
  const results = new Map<string, { linux: Run; boxed: Run }>();

  /** The starting tree of conformance.test.ts, with the components as its programs. */
  const layout = (root: string): void => confTree(root, PROGRAMS, component);

  beforeAll(async () => {
    const ctx = join(tmp.path, 'conf-tree');
    layout(join(ctx, 'root'));
    const box = await build('conf', {}, 'FROM scratch\nCOPY root/ /\nENTRYPOINT ["/bin/conf_misc.wasm"]\n', (c) => cpSync(join(ctx, 'root'), join(c, 'root'), { recursive: true, verbatimSymlinks: true }));
    const envFlags = Object.entries(ENVS).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    await Promise.all(PROGRAMS.map(async (p) => {
      const args = ARGS[p] ?? [];
      const cwd = join(tmp.path, `conf-native-${p}`);
      cpSync(join(ctx, 'root'), cwd, { recursive: true, verbatimSymlinks: true });
      const bin = await native(p);
      // NOTE: as in conformance.test.ts: real pipes for the native run's stdio, exactly the guest's env.
      const [n, b] = await Promise.all([
        execa('bash', ['--norc', '--noprofile', '-c', 'set -o pipefail; : | env -i "$@" | cat', 'conf', `PATH=${DEFAULT_PATH}`, ...Object.entries(ENVS).map(([k, v]) => `${k}=${v}`), bin, ...args],
          { cwd, env: { PATH: DEFAULT_PATH }, extendEnv: false, reject: false, stripFinalNewline: false }),
        run(['run', ...envFlags, '--entrypoint', `/bin/${p}.wasm`, box, ...args], ''),
      ]);
      results.set(p, { linux: { stdout: String(n.stdout), stderr: String(n.stderr), exitCode: n.exitCode }, boxed: b });
    }));
  }, 240_000);

  for (const p of PROGRAMS) {
    it(`${p}: prints what Linux prints (but for the adapter's own answers) and exits alike`, () => {
      const { linux, boxed } = results.get(p)!;
      expect(linux.stderr, 'native stderr').toBe('');
      expect(boxed.stderr, 'boxer stderr').toBe('');
      expectLinux(lines(boxed.stdout).filter((l) => !l.startsWith('wasi: ')), lines(linux.stdout), ADAPTER[p]);
      expect(boxed.exitCode).toBe(adapterExit(linux.exitCode));
      expect(linux.exitCode).toBe(p === 'conf_misc' ? 7 : 0);
    });
  }
});

describe('a -v mount seen by a component', () => {
  let box = '';
  beforeAll(async () => {
    box = await build('mounts', { 'bin/mountescape': component('mountescape'), 'bin/writeread': component('writeread'), 'bin/lsdir': component('lsdir') },
      'FROM scratch\nCOPY bin/ /bin/\nENTRYPOINT ["/bin/mountescape"]\n');
  }, 120_000);

  const plant = plantMount;

  it('is read and written live, and every file operation answers as on Linux (times aside)', async () => {
    const base = join(tmp.path, 'mount-rw');
    const { host } = plant(base);
    const ls = await run(['run', '-v', `${host}:/data:ro`, '--entrypoint', '/bin/lsdir', box, '/data']);
    expect(ls.stdout).toContain('file inside.txt size=7 nlink=1 content="INSIDE\\n"');
    expect(ls.stdout).toContain(`symlink abs -> ${join(base, 'outside', 'canary')}`);
    mkdirSync(join(base, 'native'));
    const n = await execa(await native('writeread'), [join(base, 'native', 'd', 'f.txt')], { reject: false, stripFinalNewline: false });
    const audit = join(base, 'audit.jsonl');
    const b = await run(['run', '--audit', audit, '-v', `${host}:/data`, '--entrypoint', '/bin/writeread', box, '/data/d/f.txt']);
    expect(b.stderr).toBe('');
    expect(b.exitCode).toBe(adapterExit(n.exitCode));
    // KNOWN GAP (as in mounts.test.ts): node:fs sets host times through doubles (about 0.5 µs), so
    // the lines that print nanoseconds, or check that an omitted time stayed exactly, differ.
    const untimed = (s: string): string[] => lines(s).filter((l) => !/^(mtime|atime)/.test(l));
    expectLinux(untimed(b.stdout), untimed(n.stdout), ADAPTER.writeread);
    expect(readdirSync(join(host, 'd')).sort()).toEqual(['created-through-link', 'dangling', 'dotlink', 'loop-a', 'loop-b']);
    const records = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { op: string; resource: string; decision: string; grant: string });
    expect(records.filter((r) => r.op === 'fs.write').map((r) => r.resource)).toContain(join(host, 'd', 'f.txt'));
    for (const r of records.filter((rec) => rec.op.startsWith('fs.'))) expect(r.grant).toBe(`-v ${host}:/data`);
  });

  it('refuses writes to a read-only mount with EROFS and records each denial', async () => {
    const base = join(tmp.path, 'mount-ro');
    const { host } = plant(base);
    const audit = join(base, 'audit.jsonl');
    const r = await run(['run', '--audit', audit, '--mount', `type=bind,source=${host},target=/data,readonly`, '--entrypoint', '/bin/writeread', box, '/data/x/y.txt']);
    expect(r.stdout).toContain('mkdir -p parent: EROFS');
    expect(existsSync(join(host, 'x'))).toBe(false);
    const denied = readFileSync(audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).filter((rec) => rec.decision === 'deny');
    expect(denied[0]).toMatchObject({ op: 'fs.write', resource: join(host, 'x'), grant: `-v ${host}:/data:ro` });
  });

  it.skipIf(!isRoot)('mountescape gets what the same program gets in a Linux bind mount, line for line, and the canary stays unread', async () => {
    const bases = { linux: join(tmp.path, 'esc-linux'), boxed: join(tmp.path, 'esc-boxed') };
    const ref = plant(bases.linux);
    const root = join(bases.linux, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'data'));
    cpSync(await native('mountescape'), join(root, 'bin', 'mountescape'));
    const script = `mount --bind "$1" "$2/data" && exec chroot "$2" /bin/mountescape /data "$3"`;
    const l = await execa('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', ref.host, root, ref.canary], { reject: false, stripFinalNewline: false });
    expect(l.exitCode, String(l.stderr)).toBe(0);
    const planted = plant(bases.boxed);
    const b = await run(['run', '-v', `${planted.host}:/data`, box, '/data', planted.canary]);
    expect(b.stderr).toBe('');
    const normal = (text: string, base: string): string => text.split(base).join('$BASE');
    expect(lines(normal(String(l.stdout), bases.linux)).length).toBeGreaterThan(35);
    expect(normal(b.stdout, bases.boxed)).toBe(normal(String(l.stdout), bases.linux));
    expect(b.stdout).not.toContain('READ SECRET');
    expect(statSync(planted.canary).atime.toISOString()).toBe('2001-01-01T00:00:00.000Z');
    expect(readFileSync(planted.canary, 'utf8')).toBe('SECRET\n');
    expect(readdirSync(planted.outside)).toEqual(['canary']);
  });

  it('is left out of --persist: the store keeps the tree, not the mount', async () => {
    const base = join(tmp.path, 'mount-persist');
    const { host } = plant(base);
    const store = join(base, 'store.boxer');
    const first = await run(['run', '--persist', store, '-v', `${host}:/mnt`, '--entrypoint', '/bin/writeread', box, '/mnt/w/f.txt']);
    expect(first.exitCode).toBe(0);
    expect(readdirSync(join(host, 'w')).length).toBeGreaterThan(0);
    // The same run's own writes to the tree are kept; the mount point went with the mount.
    const keep = await run(['run', '--persist', store, '--entrypoint', '/bin/writeread', box, '/kept/f.txt']);
    expect(keep.exitCode).toBe(0);
    const kept = await run(['run', '--persist', store, '--entrypoint', '/bin/lsdir', box, '/kept']);
    expect(kept.stdout).toContain('symlink dangling -> created-through-link');
    const mnt = await run(['run', '--persist', store, '--entrypoint', '/bin/lsdir', box, '/mnt']);
    expect(mnt.stdout).toBe('cannot open /mnt: ENOENT\n');
    // NOTE: lsdir exits 2 here; a component's exit code is 0 or 1 (adapterExit).
    expect(mnt.exitCode).toBe(adapterExit(2));
  });
});
