#!/usr/bin/env node
// Builds the raw-TCP test component (fixtures/components/sockets/tcp.wat, a wasi:cli command that
// uses wasi:sockets 0.2.12 directly) with jco alone, offline, in well under a second: the WAT is
// compiled (`parse`), world.wit and jco's bundled wasi:* 0.2.12 packages are embedded as its
// component type (`componentEmbed`), and the module is wrapped into a component (`componentNew`).
// The e2e test (test/e2e/sockets.test.ts) builds it on each run, so nothing binary is committed.
//
// Usage: node scripts/build-socket-component.mjs OUT.wasm
// As a module: `await buildTcpComponent()` → the component's bytes.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentEmbed, componentNew, parse } from '@bytecodealliance/jco';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIR = join(ROOT, 'fixtures/components/sockets');
const BUILTIN = join(ROOT, 'node_modules/@bytecodealliance/jco/lib/wit/builtin/0.2.12');

/** world.wit plus every wasi:* package it uses, as nested `package … { }` blocks of one WIT source. */
function witSource() {
  let src = readFileSync(join(DIR, 'world.wit'), 'utf8');
  for (const name of ['cli', 'clocks', 'filesystem', 'io', 'random', 'sockets']) {
    const text = readFileSync(join(BUILTIN, `wasi-${name}`, 'package.wit'), 'utf8');
    const header = /^package ([^;]+);/m.exec(text);
    if (!header) throw new Error(`no package line in wasi-${name}/package.wit`);
    src += `\npackage ${header[1]} {\n${text.replace(header[0], '')}\n}\n`;
  }
  return src;
}

export async function buildTcpComponent() {
  const core = await parse(readFileSync(join(DIR, 'tcp.wat'), 'utf8'));
  const embedded = await componentEmbed({ binary: core, witSource: witSource(), world: 'tcp' });
  return componentNew(embedded);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    console.error('usage: build-socket-component.mjs OUT.wasm');
    process.exit(2);
  }
  writeFileSync(out, await buildTcpComponent());
}
