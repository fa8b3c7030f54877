#!/usr/bin/env node
// Builds the preview2 test components (fixtures/components/src/*.js) with componentize-js (the JS runs
// inside StarlingMonkey, a Wasm JS engine: DESIGN §0.6). No --aot (weval would need the network).
//
// The output is NOT byte-stable: wizer snapshots the engine after it ran with real randomness and
// clocks, so two builds of the same source differ in their data segments (checked: ~2.5 MB of 12.5 MB
// differ). And each component is 12–14 MB. So the components are not committed: tests build them on
// first use into a cache keyed by the sha256 of everything that goes in (sources, world, tool
// versions), and reuse them after that.
//
// Usage: node scripts/build-components.mjs [OUT_DIR]   (default: node_modules/.cache/boxer/components)
// As a module: `await buildComponents({ outDir })` → { client, server, kv } (paths of the .wasm files).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'fixtures/components/src');
const WORLD = join(ROOT, 'fixtures/components/wit/world.wit');
/** WIT packages that jco does not ship (wasi:keyvalue), copied into the WIT directory as deps. */
const OWN_DEPS = join(ROOT, 'fixtures/components/wit/deps');
export const DEFAULT_OUT = join(ROOT, 'node_modules/.cache/boxer/components');
/** Fixture name → WIT world. */
const COMPONENTS = { client: 'client', server: 'server', kv: 'kv' };

const require = createRequire(import.meta.url);
const versionOf = (pkg) => JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;

/**
 * The wasi:* packages at 0.2.10, from jco's bundled WIT: io, clocks and sockets as jco ships them
 * for 0.2.10 (they match the engine's own imports), the others from its 0.2.12 snapshot relabelled
 * 0.2.10 (the same declarations; unstable features stay gated). Their `world` blocks are dropped:
 * the fixture worlds only name interfaces.
 */
function writeWitDeps(into) {
  const builtin = join(ROOT, 'node_modules/@bytecodealliance/jco/lib/wit/builtin');
  for (const name of ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets']) {
    const own = join(builtin, '0.2.10', `wasi-${name}`, 'package.wit');
    const text = existsSync(own) ? readFileSync(own, 'utf8') : readFileSync(join(builtin, '0.2.12', `wasi-${name}`, 'package.wit'), 'utf8').replaceAll('@0.2.12', '@0.2.10');
    mkdirSync(join(into, 'deps', name), { recursive: true });
    writeFileSync(join(into, 'deps', name, 'package.wit'), text.replace(/\nworld [a-z-]+ \{[\s\S]*?\n\}/g, '\n'));
  }
  for (const pkg of readdirSync(OWN_DEPS)) {
    mkdirSync(join(into, 'deps', pkg), { recursive: true });
    for (const f of readdirSync(join(OWN_DEPS, pkg))) copyFileSync(join(OWN_DEPS, pkg, f), join(into, 'deps', pkg, f));
  }
  copyFileSync(WORLD, join(into, 'world.wit'));
}

/** The files of OWN_DEPS, sorted, for the inputs digest. */
function ownDepFiles() {
  return readdirSync(OWN_DEPS).sort().flatMap((pkg) => readdirSync(join(OWN_DEPS, pkg)).sort().map((f) => join(OWN_DEPS, pkg, f)));
}

function inputsDigest(name) {
  const h = createHash('sha256');
  h.update(`componentize-js@${versionOf('@bytecodealliance/componentize-js')} jco@${versionOf('@bytecodealliance/jco')}\n`);
  h.update(readFileSync(WORLD));
  for (const f of ownDepFiles()) h.update(readFileSync(f));
  h.update(readFileSync(join(SRC, `${name}.js`)));
  h.update(readFileSync(fileURLToPath(import.meta.url)));
  return h.digest('hex').slice(0, 16);
}

/** Builds what is missing; returns the path of each component. */
export async function buildComponents({ outDir = DEFAULT_OUT, log = () => {} } = {}) {
  mkdirSync(outDir, { recursive: true });
  const out = {};
  const missing = [];
  for (const name of Object.keys(COMPONENTS)) {
    const file = join(outDir, `${name}-${inputsDigest(name)}.wasm`);
    out[name] = file;
    if (!existsSync(file)) missing.push(name);
  }
  if (missing.length === 0) return out;
  const wit = mkdtempSync(join(tmpdir(), 'boxer-wit-'));
  try {
    writeWitDeps(wit);
    // NOTE: componentize-js 0.22's WIT reader is itself a component run on preview2-shim, whose
    // filesystem starts with no preopens (0.26): give it the WIT directory and nothing else.
    const shimFs = require.resolve('@bytecodealliance/preview2-shim/filesystem', { paths: [join(ROOT, 'node_modules/@bytecodealliance/componentize-js')] });
    const { _setPreopens } = await import(shimFs);
    _setPreopens({ [wit]: wit });
    const { componentize } = await import('@bytecodealliance/componentize-js');
    for (const name of missing) {
      const t0 = Date.now();
      const { component } = await componentize({ sourcePath: join(SRC, `${name}.js`), witPath: wit, worldName: COMPONENTS[name] });
      const tmp = `${out[name]}.tmp-${process.pid}`;
      writeFileSync(tmp, component);
      renameSync(tmp, out[name]);
      log(`built ${name}: ${component.length} bytes in ${Date.now() - t0} ms → ${out[name]}`);
    }
  } finally {
    rmSync(wit, { recursive: true, force: true });
  }
  // NOTE: older builds of the same fixture (other inputs) are removed.
  for (const f of readdirSync(outDir)) {
    const m = /^([a-z]+)-[0-9a-f]{16}\.wasm$/.exec(f);
    if (m && out[m[1]] && join(outDir, f) !== out[m[1]]) rmSync(join(outDir, f), { force: true });
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outDir = process.argv[2] ?? DEFAULT_OUT;
  const built = await buildComponents({ outDir, log: (m) => console.log(m) });
  for (const [name, file] of Object.entries(built)) console.log(`${name}: ${file}`);
}
