// The starting trees the C fixtures run on, shared by the preview1 tests and the same programs run as
// preview2 components (components-fs.test.ts): each is laid out once here, for the build context and
// for the native reference run alike.
import { copyFileSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** files.test.ts's data directory: files, a binary, an empty file, a relative and a dangling link. */
export function filesData(data: string): void {
  mkdirSync(join(data, 'nested/deeper'), { recursive: true });
  writeFileSync(join(data, 'a.txt'), 'alpha\n');
  writeFileSync(join(data, 'nested/b.bin'), Buffer.from([0, 1, 2, 255, 10]));
  writeFileSync(join(data, 'nested/deeper/empty'), '');
  writeFileSync(join(data, 'big.txt'), 'x'.repeat(5000));
  symlinkSync('nested/b.bin', join(data, 'link'));
  symlinkSync('/nowhere', join(data, 'dangling'));
}

/** escape.c's tree under `root` (a build context or a chroot), with `program` as /bin/escape. */
export function escapeTree(root: string, program: string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  copyFileSync(program, join(root, 'bin/escape'));
  mkdirSync(join(root, 'escape/rel'), { recursive: true });
  symlinkSync('/', join(root, 'escape/rootlink'));
  symlinkSync('/etc/passwd', join(root, 'escape/abslink'));
  symlinkSync('../../../../../../etc/passwd', join(root, 'escape/rellink'));
}

/** The conformance programs' starting tree: `bin/<p>.wasm` from `program(p)`, and data/ with every kind of link. */
export function confTree(root: string, programs: readonly string[], program: (p: string) => string): void {
  mkdirSync(join(root, 'bin'), { recursive: true });
  for (const p of programs) copyFileSync(program(p), join(root, `bin/${p}.wasm`));
  const data = join(root, 'data');
  mkdirSync(join(data, 'sub'), { recursive: true });
  writeFileSync(join(data, 'hello.txt'), 'hello, world\n');
  writeFileSync(join(data, 'empty'), '');
  writeFileSync(join(data, 'sub/inner.txt'), 'inner\n');
  symlinkSync('hello.txt', join(data, 'link'));
  symlinkSync('sub', join(data, 'dirlink'));
  symlinkSync('nowhere', join(data, 'dangling'));
  symlinkSync('/data/hello.txt', join(data, 'abslink'));
  symlinkSync('loop2', join(data, 'loop1'));
  symlinkSync('loop1', join(data, 'loop2'));
}

/** A fresh copy of the planted layout under `base` for mount tests: host/ (to mount) and outside/canary. */
export function plantMount(base: string): { host: string; outside: string; canary: string } {
  const host = join(base, 'host');
  const outside = join(base, 'outside');
  mkdirSync(join(host, 'sub'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  const canary = join(outside, 'canary');
  writeFileSync(canary, 'SECRET\n');
  writeFileSync(join(host, 'inside.txt'), 'INSIDE\n');
  symlinkSync(canary, join(host, 'abs'));
  symlinkSync('../outside/canary', join(host, 'rel'));
  symlinkSync(`${'../'.repeat(12)}${canary.slice(1)}`, join(host, 'deeprel'));
  symlinkSync('..', join(host, 'dotdot'));
  symlinkSync('/', join(host, 'rootlink'));
  symlinkSync(outside, join(host, 'absdir'));
  symlinkSync('../outside', join(host, 'reldir'));
  symlinkSync('loop', join(host, 'loop'));
  symlinkSync(join(outside, 'created-by-guest'), join(host, 'dangling'));
  symlinkSync('../../outside/canary', join(host, 'sub', 'up'));
  // NOTE: the canary's atime is set before its mtime, so that any read of it moves the atime
  // (relatime updates an atime that is older than the mtime).
  utimesSync(canary, new Date('2001-01-01T00:00:00Z'), new Date('2002-01-01T00:00:00Z'));
  return { host, outside, canary };
}
