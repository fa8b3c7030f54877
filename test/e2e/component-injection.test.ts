// A component whose bytes try to become host JavaScript: jco writes core-module export names into
// the JS it generates without escaping them, so an export named `x'];<code>;//` would run <code> in
// boxer's worker, where Node's APIs are. boxer refuses such a component before its JS runs
// (node/component-cache.ts checkCoreNames); this test builds one and checks that nothing ran.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { boxer, tempDir } from './helpers.js';

const tmp = tempDir('boxer-injection-');
afterAll(() => tmp.cleanup());

describe('a component that names host JavaScript in a core export', () => {
  it('is refused with RUNTIME_BAD_MODULE before any of its JavaScript runs', async () => {
    const canary = join(tmp.path, 'PWNED');
    const name = `x'];process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(canary)},'PWNED');//`;
    const component = await parse(`(component
      (core module $m (func (export ${JSON.stringify(name)}) (result i32) i32.const 0))
      (core instance $i (instantiate $m))
      (func $run (result (result)) (canon lift (core func $i ${JSON.stringify(name)})))
      (instance $inst (export "run" (func $run)))
      (export "wasi:cli/run@0.2.0" (instance $inst)))`);
    const ctx = join(tmp.path, 'ctx');
    mkdirSync(ctx);
    writeFileSync(join(ctx, 'evil.wasm'), component);
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM scratch\nCOPY evil.wasm /evil.wasm\nENTRYPOINT ["/evil.wasm"]\n');
    const box = join(tmp.path, 'evil.box.wasm');
    expect((await boxer(['build', ctx, '-o', box, '--progress', 'quiet'])).exitCode).toBe(0);
    const r = await boxer(['run', box], { env: { XDG_CACHE_HOME: join(tmp.path, 'xdg') } });
    expect(r.exitCode).toBe(126);
    expect(r.stderr).toContain('RUNTIME_BAD_MODULE');
    expect(r.stderr).toContain('a core module of the component names an import or export');
    expect(existsSync(canary)).toBe(false);
  });
});
