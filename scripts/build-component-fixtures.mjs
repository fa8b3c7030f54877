#!/usr/bin/env node
// Wraps some of the C fixtures (wasm32-wasi command modules that scripts/build-fixtures.sh builds) into
// preview2 COMMAND components, so that the same programs run as components under `boxer run`
// (test/e2e/components-fs.test.ts). The wrapping is `wasm-tools component new` with the WASI
// preview1→preview2 command adapter that jco ships (node_modules/@bytecodealliance/jco/lib/
// wasi_snapshot_preview1.command.wasm), run offline through jco's API: the same thing as
// `jco new MODULE --wasi-command`. The output is byte-stable (checked: two builds compare equal), so
// the components are committed beside the modules and build-fixtures.sh --check guards them too.
//
// Usage: node scripts/build-component-fixtures.mjs MODULE_DIR OUT_DIR NAME...
//   reads MODULE_DIR/<NAME>.wasm for each NAME, writes OUT_DIR/<NAME>.component.wasm
//   (scripts/build-fixtures.sh builds the modules, with -DCONF_COMPONENT, and lists the names).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { componentNew, preview1AdapterCommandPath } from '@bytecodealliance/jco';

const [moduleDir, outDir, ...names] = process.argv.slice(2);
if (!moduleDir || !outDir || names.length === 0) {
  console.error('usage: build-component-fixtures.mjs MODULE_DIR OUT_DIR NAME...');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const adapter = readFileSync(preview1AdapterCommandPath());
for (const name of names) {
  const component = await componentNew(readFileSync(join(moduleDir, `${name}.wasm`)), [['wasi_snapshot_preview1', adapter]]);
  const out = join(outDir, `${name}.component.wasm`);
  writeFileSync(`${out}.tmp`, component);
  renameSync(`${out}.tmp`, out);
}
