// What runGuest checks and changes in a program before the engine runs it (DESIGN §0.2): the memory
// limit patched into the module (memory.grow past it fails in the guest, a minimum above it is
// refused), preview1 imports checked against the preview1 signatures (wasi-libc's
// __wasilibc_real.c), and only the guest's own failures reported as traps.
import { describe, expect, it } from 'vitest';
import { print } from '@bytecodealliance/jco';
import { BoxerError, type Diagnostic } from '@boxer/diagnostics';
import { Tree } from '@boxer/vfs';
import { runGuest } from '../src/common/run-guest.js';
import { WasiHost } from '../src/common/wasi.js';
import { checkPreview1Imports, limitMemory, MemoryTooSmall, ModuleRefused, PREVIEW1_SIGNATURES } from '../src/common/wasm.js';
import { EXIT_TRAP } from '../src/common/exit-codes.js';
import { fixture, makeBox, wat } from './box-helpers.js';

const PAGE = 65536;

function run(program: Uint8Array, limits: Record<string, number> = {}, sinks: { stdout?: (b: Uint8Array) => void } = {}): { code: number; diagnostics: Diagnostic[]; out: string } {
  const diagnostics: Diagnostic[] = [];
  let out = '';
  const code = runGuest({
    box: makeBox(program),
    limits,
    stdout: sinks.stdout ?? ((b) => void (out += new TextDecoder().decode(b))),
    stderr: () => {},
    onDiagnostic: (d) => diagnostics.push(d),
  });
  return { code, diagnostics, out };
}

function refusal(fn: () => unknown): Diagnostic {
  try {
    fn();
  } catch (e) {
    if (e instanceof BoxerError) return e.diagnostic;
    throw e;
  }
  throw new Error('expected a BoxerError');
}

/** Exit code = 1 if memory.grow(3) from 1 page gave 1, + 2 if a further memory.grow(1) gave -1. */
const GROW = `(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.add
      (i32.eq (memory.grow (i32.const 3)) (i32.const 1))
      (i32.mul (i32.eq (memory.grow (i32.const 1)) (i32.const -1)) (i32.const 2))))))`;

describe('the memory limit', () => {
  it('makes memory.grow past it fail in the guest (-1), as an engine with a maximum does', async () => {
    const program = await wat(GROW);
    expect(run(program, { memoryBytes: 4 * PAGE }).code).toBe(3);
    // The same program with room for one more page: the second grow succeeds.
    expect(run(program, { memoryBytes: 5 * PAGE }).code).toBe(1);
  });

  it('reaches a C program as malloc() returning NULL', () => {
    const r = run(fixture('alloc'), { memoryBytes: 8 * 1024 * 1024 });
    expect(r.code).toBe(0);
    expect(r.out).toContain('alloc: malloc failed');
    const got = Number(/alloc: (\d+) MiB/.exec(r.out)![1]);
    expect(got).toBeGreaterThan(0);
    expect(got).toBeLessThan(8);
  });

  it('refuses a module whose minimum is above it, naming the limit', async () => {
    const program = await wat('(module (memory (export "memory") 10) (func (export "_start")))');
    const d = refusal(() => run(program, { memoryBytes: 5 * PAGE }));
    expect(d.code).toBe('RUNTIME_MEMORY_LIMIT');
    expect(d.message).toContain('320 KiB');
    expect(d.message).toContain('640 KiB');
    expect(d.hint).toContain('--memory');
    expect(run(program, { memoryBytes: 10 * PAGE }).code).toBe(0);
  });

  it('caps imported memories and keeps a smaller maximum or the shared flag', async () => {
    const imported = await wat('(module (import "env" "memory" (memory 1)) (import "env" "m2" (memory 2 100 shared)) (func (export "_start")))');
    const out = await print(limitMemory(imported, 8));
    expect(out).toMatch(/\(import "env" "memory" \(memory \(;0;\) 1 8\)\)/);
    expect(out).toMatch(/\(import "env" "m2" \(memory \(;1;\) 2 8 shared\)\)/);
    const small = await wat('(module (memory (export "memory") 1 3) (func (export "_start")))');
    expect(await print(limitMemory(small, 8))).toMatch(/\(memory \(;0;\) 1 3\)/);
    expect(() => limitMemory(imported, 1)).toThrow(MemoryTooSmall);
  });

  it('leaves a module without memory as it is', async () => {
    const none = await wat('(module (func (export "_start")))');
    expect(limitMemory(none, 1)).toBe(none);
  });
});

describe('preview1 imports', () => {
  const refused = async (text: string): Promise<Diagnostic> => refusal(() => run(texts.get(text)!));
  const texts = new Map<string, Uint8Array>();
  const module = async (imports: string, body = ''): Promise<string> => {
    const text = `(module ${imports} (memory (export "memory") 1) (func (export "_start") ${body}))`;
    texts.set(text, await wat(text));
    return text;
  };

  it('refuses fd_fdstat_set_rights imported with an i32 where preview1 has an i64', async () => {
    // Called, it used to throw a TypeError inside the host ("internal error … a bug in boxer").
    const text = await module(
      '(import "wasi_snapshot_preview1" "fd_fdstat_set_rights" (func $f (param i32 i32 i64) (result i32)))',
      '(drop (call $f (i32.const 1) (i32.const 0) (i64.const 0)))',
    );
    const d = await refused(text);
    expect(d.code).toBe('RUNTIME_BAD_MODULE');
    expect(d.message).toContain('"wasi_snapshot_preview1.fd_fdstat_set_rights"');
    expect(d.message).toContain('(i32, i32, i64) -> (i32)');
    expect(d.message).toContain('(i32, i64, i64) -> (i32)');
  });

  it('refuses sched_yield returning i64', async () => {
    const text = await module('(import "wasi_snapshot_preview1" "sched_yield" (func $y (result i64)))', '(drop (call $y))');
    const d = await refused(text);
    expect(d.code).toBe('RUNTIME_BAD_MODULE');
    expect(d.message).toContain('"wasi_snapshot_preview1.sched_yield" with the signature () -> (i64)');
  });

  it('refuses an unknown preview1 name and a non-function import from preview1', async () => {
    const unknown = await refused(await module('(import "wasi_snapshot_preview1" "fd_frobnicate" (func))'));
    expect(unknown.code).toBe('RUNTIME_BAD_MODULE');
    expect(unknown.message).toContain('"wasi_snapshot_preview1.fd_frobnicate", which is not a WASI preview1 function');
    const global = await refused(await module('(import "wasi_snapshot_preview1" "fd_write" (global i32))'));
    expect(global.message).toContain('as a global');
  });

  it('accepts every fixture built with wasi-libc, and imports from other modules are left to the linker', async () => {
    for (const name of ['hello', 'cat', 'clocks', 'escape', 'fds', 'lsdir', 'readdir', 'spin', 'writeread', 'flood', 'fill', 'alloc']) {
      expect(() => checkPreview1Imports(fixture(name)), name).not.toThrow();
    }
    const other = await wat('(module (import "env" "sched_yield" (func (result i64))) (func (export "_start")))');
    expect(() => checkPreview1Imports(other)).not.toThrow();
    expect(() => checkPreview1Imports(texts.values().next().value!)).toThrow(ModuleRefused);
  });

  it('the signature table names exactly the functions the host provides', () => {
    const host = new WasiHost({ tree: new Tree(), args: [], env: [], stdout: () => {}, stderr: () => {} });
    expect(Object.keys(host.imports().wasi_snapshot_preview1).sort()).toEqual(Object.keys(PREVIEW1_SIGNATURES).sort());
  });
});

describe('traps and internal errors', () => {
  it('reports unreachable and a wasm stack overflow as traps (exit 134)', async () => {
    const unreachable = run(await wat('(module (memory (export "memory") 1) (func (export "_start") unreachable))'));
    expect(unreachable.code).toBe(EXIT_TRAP);
    expect(unreachable.diagnostics.map((d) => d.code)).toEqual(['RUNTIME_TRAP']);
    const recursion = run(await wat('(module (memory (export "memory") 1) (func $f (call $f)) (func (export "_start") (call $f)))'));
    expect(recursion.code).toBe(EXIT_TRAP);
    expect(recursion.diagnostics[0]!.message).toMatch(/call stack/i);
  });

  it('lets any other exception out of the guest through, as boxer\'s error, not a trap', () => {
    // A host-side failure (here a stdout sink that throws a RangeError) is not the guest's crash.
    const boom = new RangeError('Invalid typed array length: 4294967295');
    expect(() => run(fixture('hello'), {}, { stdout: () => { throw boom; } })).toThrow(boom);
  });

  it('a WASI call from a start function is the guest\'s trap, not a host error', async () => {
    const program = await wat(`(module
      (import "wasi_snapshot_preview1" "sched_yield" (func $y (result i32)))
      (memory (export "memory") 1)
      (func $init (drop (call $y)))
      (start $init)
      (func (export "_start")))`);
    const r = run(program);
    expect(r.code).toBe(EXIT_TRAP);
    expect(r.diagnostics[0]!.message).toContain('sched_yield');
  });
});
