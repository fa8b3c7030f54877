#!/usr/bin/env node
// `npm test`: the one command that runs every test on a fresh Debian + Node 20 machine.
// 1. installs npm dependencies if they are missing (npm ci), 2. installs missing system tools through
// scripts/setup-system.sh (idempotent), 3. compiles the packages (tsc -b), 4. runs vitest, 5. ends with
// a plain `N passed, N failed, N skipped` line. Flags: --fast skips tests tagged slow; others go to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

if (!existsSync('node_modules/.package-lock.json')) {
  console.log('test: installing npm dependencies (npm ci)');
  if (sh('npm', ['ci']) !== 0) process.exit(1);
}

const tools = ['clang-19', 'wasm-ld-19', 'gcc', 'docker-registry', 'umoci', 'skopeo', 'openssl', 'zstd', 'strace'];
const missing = tools.filter((t) => !have(t));
// gcc -static needs the static libc; gcc prints a bare name when it has no such file.
const staticLibc = have('gcc') ? spawnSync('gcc', ['-print-file-name=libc.a'], { encoding: 'utf8' }).stdout.trim() : '';
if (missing.length > 0 || !existsSync('/usr/lib/wasm32-wasi/libc.a') || !staticLibc.startsWith('/') || !existsSync(staticLibc)) {
  console.log(`test: installing system tools (${missing.join(', ') || 'wasi-libc / static libc'}) with scripts/setup-system.sh`);
  if (sh('bash', ['scripts/setup-system.sh']) !== 0) process.exit(1);
}

if (sh('npx', ['tsc', '-b']) !== 0) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const args = process.argv.slice(2);
const fast = args.includes('--fast');
const rest = args.filter((a) => a !== '--fast');
const out = mkdtempSync(join(tmpdir(), 'boxer-test-'));
const report = join(out, 'vitest.json');
const status = sh('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...rest], {
  env: { ...process.env, ...(fast ? { BOXER_TEST_FAST: '1' } : {}) },
});
let passed = 0, failed = 0, skipped = 0;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0) + (r.testResults ?? []).filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length;
  skipped = r.numPendingTests + r.numTodoTests;
} else {
  failed = 1;
}
rmSync(out, { recursive: true, force: true });
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
