// The committed WASI programs are what their C sources build to (so tests never run stale binaries),
// and the example ships the same hello program.
import { execa } from 'execa';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './e2e/helpers.js';

describe('fixtures', () => {
  it('fixtures/wasm/*.wasm are byte-identical to a fresh clang-19 build of fixtures/wasm/src', async () => {
    const r = await execa('bash', [join(ROOT, 'scripts/build-fixtures.sh'), '--check'], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('examples/hello/hello.wasm is fixtures/wasm/hello.wasm', () => {
    expect(Buffer.compare(readFileSync(join(ROOT, 'examples/hello/hello.wasm')), readFileSync(join(ROOT, 'fixtures/wasm/hello.wasm')))).toBe(0);
  });
});
