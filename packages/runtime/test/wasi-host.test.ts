// WasiHost driven call by call: a tiny module supplies the memory and the test calls the imports
// directly, to reach error paths no C program reaches on purpose (bad pointers, descriptor limits,
// renumbering over the preopen). Expected errnos are the preview1 spec's and Linux's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tree, decodeSnapshot, encodeSnapshot, fileContent, MAX_SYMLINKS, type FileNode } from '@boxer/vfs';
import { BoxerError } from '@boxer/diagnostics';
import { WasiHost, type WasiHostOptions } from '../src/common/wasi.js';
import { Errno } from '../src/common/errno.js';
import { FileType, OFlags, Rights } from '../src/common/abi.js';
import { dec, enc, runWasi, tinyModule } from './wasi-helpers.js';

type Call = (...args: (number | bigint)[]) => number;
const ALL = (1n << 30n) - 1n;
const FOLLOW = 1;

function setup(options: Partial<WasiHostOptions> = {}) {
  const tree = options.tree ?? new Tree();
  const out: Uint8Array[] = [];
  const err: Uint8Array[] = [];
  const host = new WasiHost({
    args: ['prog', 'a b', 'ünï'],
    env: ['A=1', 'B=two'],
    stdout: (b) => out.push(b),
    stderr: (b) => err.push(b),
    ...options,
    tree,
  });
  const instance = new WebAssembly.Instance(tinyModule(), host.imports() as WebAssembly.Imports);
  host.initialize(instance);
  const memory = instance.exports.memory as WebAssembly.Memory;
  const w = host.imports().wasi_snapshot_preview1 as unknown as Record<string, Call>;
  let next = 1024;
  const m = {
    get size() {
      return memory.buffer.byteLength;
    },
    dv: () => new DataView(memory.buffer),
    u8: () => new Uint8Array(memory.buffer),
    alloc(n: number): number {
      const p = next;
      next += (n + 7) & ~7;
      return p;
    },
    str(s: string | Uint8Array): [number, number] {
      const b = typeof s === 'string' ? enc(s) : s;
      const p = m.alloc(b.length);
      m.u8().set(b, p);
      return [p, b.length];
    },
    u32: (p: number) => m.dv().getUint32(p, true),
    u64: (p: number) => m.dv().getBigUint64(p, true),
    bytes: (p: number, n: number) => m.u8().slice(p, p + n),
    /** An iovec array for the given buffers: returns [iovsPtr, count]. */
    iovs(bufs: [number, number][]): [number, number] {
      const p = m.alloc(bufs.length * 8);
      bufs.forEach(([ptr, len], i) => {
        m.dv().setUint32(p + i * 8, ptr, true);
        m.dv().setUint32(p + i * 8 + 4, len, true);
      });
      return [p, bufs.length];
    },
  };
  const ret = m.alloc(8);
  const open = (path: string, o: { oflags?: number; base?: bigint; inheriting?: bigint; fdflags?: number; dirflags?: number; dirfd?: number } = {}): [number, number] => {
    const [p, l] = m.str(path);
    // NOTE: a directory is opened without FD_WRITE, as wasi-libc's open(O_RDONLY|O_DIRECTORY) does
    // (with it, path_open is EISDIR: wasi-testsuite path_open_preopen.rs).
    const base = o.base ?? ((o.oflags ?? 0) & OFlags.DIRECTORY ? ALL & ~Rights.FD_WRITE : ALL);
    const e = w.path_open!(o.dirfd ?? 3, o.dirflags ?? FOLLOW, p, l, o.oflags ?? 0, base, o.inheriting ?? ALL, o.fdflags ?? 0, ret);
    return [e, e === 0 ? m.u32(ret) : -1];
  };
  const write = (fd: number, data: string | Uint8Array): [number, number] => {
    const [p, l] = m.str(data);
    const [iov, n] = m.iovs([[p, l]]);
    const e = w.fd_write!(fd, iov, n, ret);
    return [e, m.u32(ret)];
  };
  const read = (fd: number, len = 256): [number, string] => {
    const buf = m.alloc(len);
    const [iov, n] = m.iovs([[buf, len]]);
    const e = w.fd_read!(fd, iov, n, ret);
    return [e, e === 0 ? dec(m.bytes(buf, m.u32(ret))) : ''];
  };
  const stat = (path: string, flags = FOLLOW): { errno: number; ino: bigint; type: number; nlink: bigint; size: bigint; mtim: bigint } => {
    const [p, l] = m.str(path);
    const buf = m.alloc(64);
    const errno = w.path_filestat_get!(3, flags, p, l, buf);
    return { errno, ino: m.u64(buf + 8), type: m.u8()[buf + 16]!, nlink: m.u64(buf + 24), size: m.u64(buf + 32), mtim: m.u64(buf + 48) };
  };
  const path = (name: 'path_create_directory' | 'path_unlink_file' | 'path_remove_directory', p: string): number => {
    const [ptr, len] = m.str(p);
    return w[name]!(3, ptr, len);
  };
  return { host, w, m, tree, out, err, ret, open, write, read, stat, path, memory };
}

describe('WasiHost: guest pointers', () => {
  it('answers EFAULT for every out-of-range pointer or length, never a host exception', () => {
    const { w, m, ret } = setup();
    const end = m.size;
    const [buf, len] = m.str('hi');
    const [iov, n] = m.iovs([[buf, len]]);
    const [badIov] = m.iovs([[end - 1, 2]]);
    expect(w.fd_write!(1, end - 4, 1, ret)).toBe(Errno.FAULT); // iovec array past the end
    expect(w.fd_write!(1, badIov, 1, ret)).toBe(Errno.FAULT); // buffer past the end
    expect(w.fd_write!(1, iov, n, end - 2)).toBe(Errno.FAULT); // result pointer past the end
    expect(w.fd_write!(1, -8, 1, ret)).toBe(Errno.FAULT); // a "negative" i32 is a u32 near 4 GiB
    expect(w.fd_write!(1, iov, 0x7fffffff, ret)).toBe(Errno.FAULT); // count * 8 overflows u32
    expect(w.fd_read!(0, iov, n, end)).toBe(Errno.FAULT);
    expect(w.args_get!(end - 4, 1024)).toBe(Errno.FAULT);
    expect(w.args_sizes_get!(ret, end)).toBe(Errno.FAULT);
    expect(w.environ_get!(1024, end - 1)).toBe(Errno.FAULT);
    expect(w.clock_time_get!(1, 0n, end - 7)).toBe(Errno.FAULT);
    expect(w.clock_res_get!(0, -1)).toBe(Errno.FAULT);
    expect(w.random_get!(end - 10, 11)).toBe(Errno.FAULT);
    expect(w.path_open!(3, 0, end - 2, 5, 0, ALL, ALL, 0, ret)).toBe(Errno.FAULT);
    const [p, l] = m.str('x');
    expect(w.path_open!(3, 0, p, l, OFlags.CREAT, ALL, ALL, 0, end)).toBe(Errno.FAULT);
    expect(w.fd_prestat_get!(3, end - 4)).toBe(Errno.FAULT);
    expect(w.fd_prestat_dir_name!(3, end, 1)).toBe(Errno.FAULT);
    expect(w.fd_fdstat_get!(3, end - 8)).toBe(Errno.FAULT);
    expect(w.fd_filestat_get!(3, end - 63)).toBe(Errno.FAULT);
    expect(w.fd_readdir!(3, end - 10, 100, 0n, ret)).toBe(Errno.FAULT);
    expect(w.fd_seek!(3, 0n, 0, end)).toBe(Errno.FAULT);
    expect(w.poll_oneoff!(end - 47, 1024, 1, ret)).toBe(Errno.FAULT);
    expect(w.path_readlink!(3, p, l, end - 1, 10, ret)).toBe(Errno.FAULT);
    expect(w.path_symlink!(end, 4, 3, p, l)).toBe(Errno.FAULT);
  });

  it('checks every pointer before acting: a bad result pointer leaves no side effect', () => {
    const { w, m, out, tree, ret } = setup();
    const [buf, len] = m.str('must not appear');
    const [iov, n] = m.iovs([[buf, len]]);
    expect(w.fd_write!(1, iov, n, m.size)).toBe(Errno.FAULT);
    expect(out).toHaveLength(0);
    const [p, l] = m.str('created');
    expect(w.path_open!(3, 0, p, l, OFlags.CREAT, ALL, ALL, 0, m.size - 3)).toBe(Errno.FAULT);
    expect(tree.tryGet('/created')).toBeUndefined();
    expect(w.fd_fdstat_get!(4, ret)).toBe(Errno.BADF); // no descriptor was allocated
  });

  it('follows memory growth: a pointer into a newly grown page works', () => {
    const { w, m, memory, out, ret } = setup();
    const before = m.size;
    expect(w.fd_write!(1, before, 1, ret)).toBe(Errno.FAULT);
    memory.grow(1);
    const data = enc('grown');
    m.u8().set(data, before + 16);
    m.dv().setUint32(before, before + 16, true);
    m.dv().setUint32(before + 4, data.length, true);
    expect(w.fd_write!(1, before, 1, before + 8)).toBe(Errno.SUCCESS);
    expect(dec(out[0]!)).toBe('grown');
  });

  it('hands stdout a copy: later changes to guest memory do not reach it', () => {
    const { write, m, out, err } = setup();
    const [p] = m.str('first');
    expect(write(1, 'stable')).toEqual([0, 6]);
    expect(write(2, 'to stderr')).toEqual([0, 9]);
    m.u8().fill(0x41, 0, m.size);
    expect(dec(out[0]!)).toBe('stable');
    expect(dec(err[0]!)).toBe('to stderr');
    expect(out[0]!.buffer).not.toBe(m.u8().buffer);
    void p;
  });
});

describe('WasiHost: descriptors', () => {
  it('preopens exactly fd 3 named "/" with directory rights', () => {
    const { w, m, ret } = setup();
    expect(w.fd_prestat_get!(3, ret)).toBe(0);
    expect(m.u8()[ret]).toBe(0);
    expect(m.u32(ret + 4)).toBe(1);
    const name = m.alloc(8);
    expect(w.fd_prestat_dir_name!(3, name, 1)).toBe(0);
    expect(dec(m.bytes(name, 1))).toBe('/');
    expect(w.fd_prestat_dir_name!(3, name, 0)).toBe(Errno.NAMETOOLONG);
    for (const fd of [0, 1, 2, 4, 5]) expect(w.fd_prestat_get!(fd, ret)).toBe(Errno.BADF);
    const st = m.alloc(24);
    expect(w.fd_fdstat_get!(3, st)).toBe(0);
    expect(m.u8()[st]).toBe(FileType.DIRECTORY);
    const base = m.u64(st + 8);
    expect(base & Rights.PATH_OPEN).toBeTruthy();
    expect(base & Rights.FD_SEEK).toBeFalsy();
    expect(m.u64(st + 16) & Rights.FD_READ).toBeTruthy();
  });

  it('stdio reports terminals only where told to (isatty)', () => {
    const plain = setup();
    const st = plain.m.alloc(24);
    expect(plain.w.fd_fdstat_get!(1, st)).toBe(0);
    expect(plain.m.u8()[st]).toBe(FileType.UNKNOWN);
    const tty = setup({ tty: { stdout: true } });
    const st2 = tty.m.alloc(24);
    expect(tty.w.fd_fdstat_get!(1, st2)).toBe(0);
    expect(tty.m.u8()[st2]).toBe(FileType.CHARACTER_DEVICE);
    expect(tty.m.u64(st2 + 8) & (Rights.FD_SEEK | Rights.FD_TELL)).toBe(0n);
  });

  it('gives EMFILE at maxFds, creates nothing then, and reuses the lowest closed number', () => {
    const tree = new Tree();
    tree.writeFile('/f', enc('data'));
    const { w, open } = setup({ tree, maxFds: 8 });
    const fds = [4, 5, 6, 7].map(() => open('f'));
    expect(fds.map(([e, fd]) => [e, fd])).toEqual([[0, 4], [0, 5], [0, 6], [0, 7]]);
    expect(open('f')[0]).toBe(Errno.MFILE);
    expect(open('new', { oflags: OFlags.CREAT })[0]).toBe(Errno.MFILE);
    expect(tree.tryGet('/new')).toBeUndefined();
    expect(w.fd_close!(5)).toBe(0);
    expect(w.fd_close!(5)).toBe(Errno.BADF);
    expect(open('f')).toEqual([0, 5]);
    expect(w.fd_close!(1)).toBe(0);
    expect(open('f')).toEqual([0, 1]); // stdout's number is reused like POSIX
  });

  it('answers EBADF on closed and never-opened descriptors for every fd call', () => {
    const { w, ret, m } = setup();
    const [iov, n] = m.iovs([[m.alloc(8), 8]]);
    for (const fd of [9, 1000, -1]) {
      expect(w.fd_read!(fd, iov, n, ret)).toBe(Errno.BADF);
      expect(w.fd_write!(fd, iov, n, ret)).toBe(Errno.BADF);
      expect(w.fd_close!(fd)).toBe(Errno.BADF);
      expect(w.fd_seek!(fd, 0n, 0, ret)).toBe(Errno.BADF);
      expect(w.fd_tell!(fd, ret)).toBe(Errno.BADF);
      expect(w.fd_fdstat_get!(fd, ret)).toBe(Errno.BADF);
      expect(w.fd_filestat_get!(fd, m.alloc(64))).toBe(Errno.BADF);
      expect(w.fd_sync!(fd)).toBe(Errno.BADF);
      expect(w.fd_readdir!(fd, m.alloc(64), 64, 0n, ret)).toBe(Errno.BADF);
      expect(w.fd_renumber!(fd, 3)).toBe(Errno.BADF);
      expect(w.fd_renumber!(3, fd)).toBe(Errno.BADF);
    }
  });

  it('fd_renumber over the preopen replaces it: fd 3 becomes the file, the preopen is gone', () => {
    const tree = new Tree();
    tree.writeFile('/f', enc('content'));
    const { w, open, read, ret } = setup({ tree });
    const [, fd] = open('f');
    expect(fd).toBe(4);
    expect(w.fd_renumber!(4, 3)).toBe(0);
    expect(w.fd_prestat_get!(3, ret)).toBe(Errno.BADF);
    expect(read(3)).toEqual([0, 'content']);
    expect(w.fd_close!(4)).toBe(Errno.BADF);
    expect(open('f')[0]).toBe(Errno.NOTDIR); // fd 3 is a file now: no path resolves through it
    expect(w.fd_renumber!(3, 3)).toBe(0);
  });

  it('seek/tell: files move, directories are EBADF, stdio is ESPIPE', () => {
    const tree = new Tree();
    tree.writeFile('/f', enc('0123456789'));
    const { w, open, read, m, ret } = setup({ tree });
    const [, fd] = open('f');
    expect(w.fd_seek!(fd, 4n, 0, ret)).toBe(0);
    expect(m.u64(ret)).toBe(4n);
    expect(read(fd, 3)).toEqual([0, '456']);
    expect(w.fd_tell!(fd, ret)).toBe(0);
    expect(m.u64(ret)).toBe(7n);
    expect(w.fd_seek!(fd, -2n, 2, ret)).toBe(0);
    expect(m.u64(ret)).toBe(8n);
    expect(w.fd_seek!(fd, -100n, 1, ret)).toBe(Errno.INVAL);
    expect(w.fd_seek!(fd, 0n, 3, ret)).toBe(Errno.INVAL);
    expect(w.fd_seek!(3, 0n, 1, ret)).toBe(Errno.BADF);
    expect(w.fd_seek!(1, 0n, 1, ret)).toBe(Errno.SPIPE);
    expect(w.fd_tell!(0, ret)).toBe(Errno.SPIPE);
  });

  it('read and write honour the access mode the descriptor was opened with', () => {
    const tree = new Tree();
    tree.writeFile('/f', enc('abc'));
    const { open, read, write, w } = setup({ tree });
    const [, ro] = open('f', { base: Rights.FD_READ | Rights.FD_SEEK });
    expect(write(ro, 'x')[0]).toBe(Errno.BADF);
    expect(w.fd_filestat_set_size!(ro, 0n)).toBe(Errno.INVAL);
    const [, wo] = open('f', { base: Rights.FD_WRITE });
    expect(read(wo)[0]).toBe(Errno.BADF);
    expect(read(3)[0]).toBe(Errno.ISDIR);
    expect(write(3, 'x')[0]).toBe(Errno.BADF);
    expect(write(0, 'x')[0]).toBe(Errno.BADF);
    expect(read(1)[0]).toBe(Errno.BADF);
    // Rights can be dropped, never raised.
    expect(w.fd_fdstat_set_rights!(ro, Rights.FD_READ, 0n)).toBe(0);
    expect(w.fd_fdstat_set_rights!(ro, Rights.FD_READ | Rights.FD_WRITE, 0n)).toBe(Errno.NOTCAPABLE);
  });

  it('sockets: none exist, so a descriptor is ENOTSOCK and a missing one EBADF', () => {
    const { w, ret } = setup();
    for (const name of ['sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown']) {
      expect(w[name]!(1, 0, 0, 0, ret, ret)).toBe(Errno.NOTSOCK);
      expect(w[name]!(3, 0, 0, 0, ret, ret)).toBe(Errno.NOTSOCK);
      expect(w[name]!(77, 0, 0, 0, ret, ret)).toBe(Errno.BADF);
    }
    expect(w.proc_raise!(6)).toBe(Errno.NOSYS);
    expect(w.sched_yield!()).toBe(0);
  });
});

describe('WasiHost: paths stay inside the tree', () => {
  function tree(): Tree {
    const t = new Tree();
    t.mkdirp('/etc');
    t.writeFile('/etc/passwd', enc('in-tree passwd\n'));
    t.mkdirp('/a/b');
    t.symlink('/a/abs', '/etc/passwd');
    t.symlink('/a/rootlink', '/');
    t.symlink('/a/up', '../../../../../..');
    t.symlink('/loop1', 'loop2');
    t.symlink('/loop2', 'loop1');
    return t;
  }

  it('`..` at the root stays at the root', () => {
    const { stat, open, read } = setup({ tree: tree() });
    const root = stat('.');
    expect(stat('..').ino).toBe(root.ino);
    expect(stat('../../..').ino).toBe(root.ino);
    expect(stat('a/b/../../../..').ino).toBe(root.ino);
    const [e, fd] = open('../../../etc/passwd');
    expect(e).toBe(0);
    expect(read(fd)).toEqual([0, 'in-tree passwd\n']);
  });

  it('absolute symlink targets resolve from the tree root', () => {
    const { open, read, stat } = setup({ tree: tree() });
    expect(read(open('a/abs')[1])).toEqual([0, 'in-tree passwd\n']);
    expect(read(open('a/rootlink/etc/passwd')[1])).toEqual([0, 'in-tree passwd\n']);
    expect(read(open('a/up/etc/passwd')[1])).toEqual([0, 'in-tree passwd\n']);
    expect(stat('a/rootlink').ino).toBe(stat('.').ino);
  });

  it('refuses absolute path arguments (WASI paths are relative to a descriptor)', () => {
    const { open, stat } = setup({ tree: tree() });
    expect(open('/etc/passwd')[0]).toBe(Errno.NOTCAPABLE);
    expect(stat('/etc').errno).toBe(Errno.NOTCAPABLE);
  });

  it('symlink loops and over-long chains are ELOOP; NOFOLLOW on a link is ELOOP', () => {
    const t = tree();
    for (let i = 0; i < MAX_SYMLINKS + 1; i++) t.symlink(`/chain${i}`, i === MAX_SYMLINKS ? '/etc/passwd' : `chain${i + 1}`);
    const { open, stat } = setup({ tree: t });
    expect(open('loop1')[0]).toBe(Errno.LOOP);
    expect(stat('loop1').errno).toBe(Errno.LOOP);
    expect(stat('loop1', 0).errno).toBe(0);
    expect(stat('loop1', 0).type).toBe(FileType.SYMBOLIC_LINK);
    // Linux follows at most 40 links: chain1 needs 40, chain0 needs 41.
    expect(open('chain1')[0]).toBe(0);
    expect(open('chain0')[0]).toBe(Errno.LOOP);
    expect(open('a/abs', { dirflags: 0 })[0]).toBe(Errno.LOOP);
  });

  it('rejects NUL bytes and invalid UTF-8 in paths', () => {
    const { w, m, ret } = setup({ tree: tree() });
    const [p, l] = m.str('etc/passwd\0');
    expect(w.path_open!(3, 1, p, l, 0, ALL, ALL, 0, ret)).toBe(Errno.INVAL);
    const [q, k] = m.str(new Uint8Array([0x66, 0xff, 0xfe]));
    expect(w.path_open!(3, 1, q, k, 0, ALL, ALL, 0, ret)).toBe(Errno.ILSEQ);
  });

  it('directory descriptors resolve relative paths from themselves', () => {
    const t = tree();
    t.writeFile('/a/b/inner', enc('inner'));
    const { open, read } = setup({ tree: t });
    const [, dirfd] = open('a/b', { oflags: OFlags.DIRECTORY });
    expect(read(open('inner', { dirfd })[1])).toEqual([0, 'inner']);
    expect(read(open('../../etc/passwd', { dirfd })[1])).toEqual([0, 'in-tree passwd\n']);
    expect(open('x', { dirfd: open('etc/passwd')[1] })[0]).toBe(Errno.NOTDIR);
  });
});

describe('WasiHost: files are copy-on-write over snapshot bytes', () => {
  function snapshotTree() {
    const base = new Tree();
    base.mkdirp('/data');
    base.writeFile('/data/a.txt', enc('original contents'));
    base.writeFile('/data/b.txt', enc('original contents')); // deduplicated: one blob, two files
    base.writeFile('/data/c.txt', enc('truncate me'));
    const snap = encodeSnapshot(base);
    const data = snap.data.slice();
    return { tree: decodeSnapshot(snap.index, data), data, pristine: data.slice() };
  }

  it('writes, appends, truncation and O_TRUNC change the tree, never the snapshot bytes', () => {
    const { tree, data, pristine } = snapshotTree();
    const { open, write, w, read } = setup({ tree });
    const [, a] = open('data/a.txt');
    expect(write(a, 'OVERWRITTEN')).toEqual([0, 11]);
    const [, b] = open('data/b.txt', { fdflags: 1 /* APPEND */ });
    expect(write(b, '+more')).toEqual([0, 5]);
    const [, c] = open('data/c.txt');
    expect(w.fd_filestat_set_size!(c, 3n)).toBe(0);
    expect(w.fd_filestat_set_size!(c, 6n)).toBe(0);
    open('data/b.txt', { oflags: OFlags.TRUNC });
    expect(data).toEqual(pristine);
    const text = (p: string) => dec(fileContent(tree.get(p) as FileNode));
    expect(text('/data/a.txt')).toBe('OVERWRITTENntents');
    expect(text('/data/b.txt')).toBe('');
    expect(text('/data/c.txt')).toBe('tru\0\0\0');
    expect(read(open('data/a.txt')[1])).toEqual([0, 'OVERWRITTENntents']);
  });

  it('a C program writing over snapshot files leaves the snapshot intact', () => {
    const { tree, data, pristine } = snapshotTree();
    const r = runWasi('writeread', { tree, args: ['/data/a.txt'] });
    expect(r.code).toBe(0);
    expect(data).toEqual(pristine);
    expect(tree.tryGet('/data/a.txt')).toBeUndefined(); // writeread renames and unlinks it
    expect(dec(fileContent(tree.get('/data/b.txt') as FileNode))).toBe('original contents');
  });
});

describe('WasiHost: directories', () => {
  it('fd_readdir lists . and .. then sorted names, with resumable cookies and cut records', () => {
    const t = new Tree();
    t.mkdirp('/d/sub');
    t.writeFile('/d/b-file', enc('x'));
    t.symlink('/d/a-link', 'b-file');
    const { w, m, open, ret } = setup({ tree: t });
    const [, fd] = open('d', { oflags: OFlags.DIRECTORY });
    const parse = (buf: number, used: number) => {
      const out: { next: bigint; name: string; type: number }[] = [];
      for (let at = buf; at + 24 <= buf + used; ) {
        const len = m.u32(at + 16);
        if (at + 24 + len > buf + used) break;
        out.push({ next: m.u64(at), name: dec(m.bytes(at + 24, len)), type: m.u8()[at + 20]! });
        at += 24 + len;
      }
      return out;
    };
    const buf = m.alloc(4096);
    expect(w.fd_readdir!(fd, buf, 4096, 0n, ret)).toBe(0);
    const all = parse(buf, m.u32(ret));
    expect(all.map((e) => e.name)).toEqual(['.', '..', 'a-link', 'b-file', 'sub']);
    expect(all.map((e) => e.type)).toEqual([FileType.DIRECTORY, FileType.DIRECTORY, FileType.SYMBOLIC_LINK, FileType.REGULAR_FILE, FileType.DIRECTORY]);
    // A buffer too small for everything is filled to the brim (the last record cut short).
    expect(w.fd_readdir!(fd, buf, 60, 0n, ret)).toBe(0);
    expect(m.u32(ret)).toBe(60);
    const first = parse(buf, 60);
    expect(first.map((e) => e.name)).toEqual(['.', '..']);
    expect(w.fd_readdir!(fd, buf, 4096, first[1]!.next, ret)).toBe(0);
    expect(parse(buf, m.u32(ret)).map((e) => e.name)).toEqual(['a-link', 'b-file', 'sub']);
    // Entries removed after the listing began are skipped, not shifted into.
    expect(w.fd_readdir!(fd, buf, 4096, 0n, ret)).toBe(0);
    const [p, l] = m.str('d/a-link');
    expect(w.path_unlink_file!(3, p, l)).toBe(0);
    expect(w.fd_readdir!(fd, buf, 4096, 3n, ret)).toBe(0);
    expect(parse(buf, m.u32(ret)).map((e) => e.name)).toEqual(['b-file', 'sub']);
    expect(w.fd_readdir!(fd, buf, 4096, 99n, ret)).toBe(0);
    expect(m.u32(ret)).toBe(0);
    expect(w.fd_readdir!(open('d/b-file')[1], buf, 4096, 0n, ret)).toBe(Errno.NOTDIR);
  });

  it('filestat: inode numbers from the tree, nlink for links and directories, times in ns', () => {
    const t = new Tree();
    t.mkdirp('/d/x');
    t.mkdirp('/d/y');
    t.writeFile('/d/f', enc('12345'), { mtime: 1_700_000_000_123_456_789n });
    t.link(t.getDir('/d'), 'g', t.get('/d/f'));
    const { stat, w, m } = setup({ tree: t });
    const f = stat('d/f');
    expect(f).toMatchObject({ errno: 0, ino: BigInt(t.get('/d/f').ino), type: FileType.REGULAR_FILE, nlink: 2n, size: 5n, mtim: 1_700_000_000_123_456_789n });
    expect(stat('d').nlink).toBe(4n);
    const [p, l] = m.str('d/f');
    expect(w.path_filestat_set_times!(3, 0, p, l, 5n, 7n, 1 | 4)).toBe(0);
    expect(stat('d/f').mtim).toBe(7n);
    expect(w.path_filestat_set_times!(3, 0, p, l, 0n, 0n, 1 | 2)).toBe(Errno.INVAL);
  });
});

describe('WasiHost: process', () => {
  it('args and environ arrive as NUL-terminated UTF-8 with pointers', () => {
    const { w, m } = setup();
    const count = m.alloc(4);
    const size = m.alloc(4);
    expect(w.args_sizes_get!(count, size)).toBe(0);
    expect(m.u32(count)).toBe(3);
    expect(m.u32(size)).toBe(enc('prog\0a b\0ünï\0').length);
    const ptrs = m.alloc(12);
    const buf = m.alloc(m.u32(size));
    expect(w.args_get!(ptrs, buf)).toBe(0);
    expect(m.u32(ptrs)).toBe(buf);
    expect(dec(m.bytes(m.u32(ptrs + 8), enc('ünï').length))).toBe('ünï');
    expect(w.environ_sizes_get!(count, size)).toBe(0);
    expect([m.u32(count), m.u32(size)]).toEqual([2, 10]);
    const eptrs = m.alloc(8);
    const ebuf = m.alloc(10);
    expect(w.environ_get!(eptrs, ebuf)).toBe(0);
    expect(dec(m.bytes(ebuf, 10))).toBe('A=1\0B=two\0');
  });

  it('start() returns the proc_exit code, 0 when _start returns, and lets a trap through', () => {
    expect(runWasi('hello', { args: ['--exit', '42'] }).code).toBe(42);
    expect(runWasi('hello').code).toBe(0);
    expect(() => runWasi('hello', { args: ['--trap'] })).toThrow(WebAssembly.RuntimeError);
    const host = new WasiHost({ tree: new Tree(), args: ['t'], env: [], stdout: () => {}, stderr: () => {} });
    expect(() => host.start(new WebAssembly.Instance(tinyModule([0x00, 0x0b]), host.imports() as WebAssembly.Imports))).toThrow(WebAssembly.RuntimeError);
    const ok = new WasiHost({ tree: new Tree(), args: ['t'], env: [], stdout: () => {}, stderr: () => {} });
    expect(ok.start(new WebAssembly.Instance(tinyModule(), ok.imports() as WebAssembly.Imports))).toBe(0);
  });

  it('refuses a module without _start, and a second run on one host', () => {
    const host = new WasiHost({ tree: new Tree(), args: ['t'], env: [], stdout: () => {}, stderr: () => {} });
    const noStart = new WebAssembly.Module(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, ...enc('memory'), 2, 0]));
    expect(() => host.start(new WebAssembly.Instance(noStart, {}))).toThrow(BoxerError);
    const again = new WasiHost({ tree: new Tree(), args: ['t'], env: [], stdout: () => {}, stderr: () => {} });
    again.start(new WebAssembly.Instance(tinyModule(), again.imports() as WebAssembly.Imports));
    expect(() => again.start(new WebAssembly.Instance(tinyModule(), again.imports() as WebAssembly.Imports))).toThrow(/already ran/);
    expect(() => new WasiHost({ tree: new Tree(), args: [], env: [], stdout: () => {}, stderr: () => {}, maxFds: 3 })).toThrow(RangeError);
  });

  it('a stdout callback that throws (an output limit) stops the guest with that error', () => {
    const host = new WasiHost({ tree: new Tree(), args: ['hello'], env: [], stdout: () => {
      throw new Error('output limit reached');
    }, stderr: () => {} });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(runWasiModuleBytes('hello')), host.imports() as WebAssembly.Imports);
    expect(() => host.start(instance)).toThrow('output limit reached');
  });

  it('stdin: chunks are split across reads, kept between them, and null is end of input', () => {
    const chunks = [enc('abcdefgh'), enc('ij'), null, enc('after-eof')];
    const { read } = setup({ stdin: () => chunks.shift() ?? null });
    expect(read(0, 3)).toEqual([0, 'abc']);
    expect(read(0, 100)).toEqual([0, 'defgh']); // the rest of the chunk, no second callback
    expect(read(0, 100)).toEqual([0, 'ij']);
    expect(read(0, 100)).toEqual([0, '']);
    expect(read(0, 100)).toEqual([0, 'after-eof']); // a terminal may deliver more after ^D
    expect(setup().read(0, 10)).toEqual([0, '']);
  });

  it('random_get fills large buffers in chunks of at most 64 KiB', () => {
    const sizes: number[] = [];
    let n = 0;
    const { w, m, memory } = setup({ random: (b) => {
      sizes.push(b.length);
      b.fill(++n);
    } });
    memory.grow(4);
    const buf = 65536;
    expect(w.random_get!(buf, 200_000)).toBe(0);
    expect(sizes).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    const got = m.bytes(buf, 200_000);
    expect([got[0], got[65535], got[65536], got[199_999]]).toEqual([1, 1, 2, 4]);
    expect(w.random_get!(buf, 0)).toBe(0);
  });

  it('random_get uses crypto.getRandomValues by default', () => {
    const { w, m } = setup();
    const buf = m.alloc(64);
    expect(w.random_get!(buf, 64)).toBe(0);
    expect(m.bytes(buf, 64).some((b) => b !== 0)).toBe(true);
  });
});

describe('WasiHost: clocks and poll_oneoff', () => {
  function fakeClock() {
    let mono = 1_000_000_000n;
    const slept: bigint[] = [];
    return {
      slept,
      clock: {
        realtime: () => 1_700_000_000_000_000_000n + mono,
        monotonic: () => mono,
        cputime: () => 42n,
        resolution: 1000n,
        sleep: (ns: bigint) => {
          slept.push(ns);
          mono += ns;
        },
      },
    };
  }

  it('clock_time_get and clock_res_get read the given clocks; unknown ids are EINVAL', () => {
    const { clock } = fakeClock();
    const { w, m, ret } = setup({ clock });
    expect(w.clock_time_get!(0, 0n, ret)).toBe(0);
    expect(m.u64(ret)).toBe(1_700_000_001_000_000_000n);
    expect(w.clock_time_get!(1, 0n, ret)).toBe(0);
    expect(m.u64(ret)).toBe(1_000_000_000n);
    expect(w.clock_time_get!(2, 0n, ret)).toBe(0);
    expect(m.u64(ret)).toBe(42n);
    expect(w.clock_res_get!(3, ret)).toBe(0);
    expect(m.u64(ret)).toBe(1000n);
    expect(w.clock_time_get!(4, 0n, ret)).toBe(Errno.INVAL);
    expect(w.clock_res_get!(99, ret)).toBe(Errno.INVAL);
  });

  it('sleeps for a relative or absolute clock subscription and reports it', () => {
    const { clock, slept } = fakeClock();
    const { w, m, ret } = setup({ clock });
    const subs = m.alloc(48 * 2);
    const events = m.alloc(32 * 2);
    const sub = (i: number, userdata: bigint, id: number, timeout: bigint, flags: number) => {
      const at = subs + i * 48;
      m.u8().fill(0, at, at + 48);
      m.dv().setBigUint64(at, userdata, true);
      m.dv().setUint8(at + 8, 0);
      m.dv().setUint32(at + 16, id, true);
      m.dv().setBigUint64(at + 24, timeout, true);
      m.dv().setUint16(at + 40, flags, true);
    };
    sub(0, 7n, 1, 5_000_000n, 0);
    expect(w.poll_oneoff!(subs, events, 1, ret)).toBe(0);
    expect(m.u32(ret)).toBe(1);
    expect(slept).toEqual([5_000_000n]);
    expect([m.u64(events), m.dv().getUint16(events + 8, true), m.u8()[events + 10]]).toEqual([7n, 0, 0]);
    // Absolute on the monotonic clock, and a later second timer that does not fire yet.
    sub(0, 8n, 1, 1_010_000_000n, 1);
    sub(1, 9n, 1, 60_000_000_000n, 0);
    expect(w.poll_oneoff!(subs, events, 2, ret)).toBe(0);
    expect(m.u32(ret)).toBe(1);
    expect(slept[1]).toBe(5_000_000n);
    expect(m.u64(events)).toBe(8n);
    expect(w.poll_oneoff!(subs, events, 0, ret)).toBe(Errno.INVAL);
    sub(0, 1n, 77, 1n, 0);
    expect(w.poll_oneoff!(subs, events, 1, ret)).toBe(0);
    expect(m.dv().getUint16(events + 8, true)).toBe(Errno.INVAL);
  });

  it('fd subscriptions are ready at once with the bytes left, and bad descriptors are EBADF events', () => {
    const { clock, slept } = fakeClock();
    const tree = new Tree();
    tree.writeFile('/f', enc('0123456789'));
    const { w, m, ret, open, read } = setup({ clock, tree });
    const [, fd] = open('f');
    read(fd, 4);
    const subs = m.alloc(48 * 3);
    const events = m.alloc(32 * 3);
    const set = (i: number, type: number, target: number) => {
      const at = subs + i * 48;
      m.u8().fill(0, at, at + 48);
      m.dv().setBigUint64(at, BigInt(100 + i), true);
      m.dv().setUint8(at + 8, type);
      m.dv().setUint32(at + 16, target, true);
    };
    set(0, 1, fd);
    set(1, 2, 1);
    set(2, 1, 55);
    expect(w.poll_oneoff!(subs, events, 3, ret)).toBe(0);
    expect(m.u32(ret)).toBe(3);
    expect(m.u64(events + 16)).toBe(6n);
    expect(m.dv().getUint16(events + 32 + 8, true)).toBe(0);
    expect(m.dv().getUint16(events + 64 + 8, true)).toBe(Errno.BADF);
    expect(slept).toEqual([]);
  });
});

/** The bytes of a fixture, for tests that build their own host. */
function runWasiModuleBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../../fixtures/wasm/${name}.wasm`, import.meta.url)));
}
