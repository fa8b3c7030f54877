// Test helpers for whole runs: a box around one program (with chosen manifest limits), and WAT
// compiled at test time (jco's parser), so a test states the guest it runs next to its expectations.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from '@bytecodealliance/jco';
import { bundle } from '@boxer/bundle';
import { encodeSnapshot, Tree } from '@boxer/vfs';
import { fixtureDir } from './wasi-helpers.js';

/** A box whose ENTRYPOINT is `/prog.wasm` = `program`; `limits` go into the manifest as given (even ill-typed). */
export function makeBox(program: Uint8Array, options: { limits?: Record<string, unknown>; cmd?: string[] } = {}): Uint8Array {
  const tree = new Tree();
  tree.writeFile('/prog.wasm', program, { mode: 0o755 });
  return bundle({
    snapshot: encodeSnapshot(tree),
    config: { Env: ['PATH=/'], Entrypoint: ['/prog.wasm'], ...(options.cmd ? { Cmd: options.cmd } : {}), WorkingDir: '/' },
    bases: [],
    steps: [],
    provenance: {},
    ...(options.limits ? { limits: options.limits as never } : {}),
    boxerVersion: '0.0.0-test',
  }).box;
}

/** fixtures/wasm/<name>.wasm as bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(fixtureDir, `${name}.wasm`)));
}

/** A module from WebAssembly text. */
export async function wat(text: string): Promise<Uint8Array> {
  return new Uint8Array(await parse(text));
}
