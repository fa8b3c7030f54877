// The box format: a valid module, its sections findable, its stub compiled from stub.wat, and every
// damaged or foreign input refused with its own diagnostic.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from '@bytecodealliance/jco';
import { BoxerError } from '@boxer/diagnostics';
import { Tree, encodeSnapshot } from '@boxer/vfs';
import { bundle, readBox, sections, customSection, encodeU32, decodeU32, SECTION_MANIFEST } from '@boxer/bundle';
import { emptyConfig } from '@boxer/image';
import { STUB_BASE64 } from '../src/stub.generated.js';

function makeBox(): Uint8Array {
  const t = new Tree();
  t.writeFile('/hello.txt', new TextEncoder().encode('hi'));
  return bundle({ snapshot: encodeSnapshot(t), config: { ...emptyConfig(), Cmd: ['/x'] }, bases: [{ stage: '0', ref: 'scratch' }], steps: [], provenance: {}, boxerVersion: '0.0.0-test' }).box;
}

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    if (e instanceof BoxerError) return e.diagnostic.code;
    throw e;
  }
  return 'ok';
};

describe('bundle', () => {
  it('produces a module the engine validates, with the manifest first', () => {
    const box = makeBox();
    expect(WebAssembly.validate(box)).toBe(true);
    const names = [...sections(box)].filter((s) => s.id === 0).map((s) => s.name);
    expect(names).toEqual(['boxer.manifest', 'boxer.snapshot.index', 'boxer.snapshot.data']);
    expect(new WebAssembly.Module(box)).toBeInstanceOf(WebAssembly.Module);
    expect(WebAssembly.Module.customSections(new WebAssembly.Module(box), SECTION_MANIFEST)).toHaveLength(1);
  });

  it('embeds the stub compiled from stub.wat by wasm-tools', async () => {
    const wat = readFileSync(new URL('../src/stub/stub.wat', import.meta.url), 'utf8');
    const compiled = await parse(wat);
    expect(Buffer.from(compiled).toString('base64')).toBe(STUB_BASE64);
  });

  it('round-trips through readBox', () => {
    const opened = readBox(makeBox());
    expect(opened.manifest.config.Cmd).toEqual(['/x']);
    expect(opened.manifest.formatVersion).toBe('1.0');
    expect(opened.tree().get('/hello.txt').kind).toBe('file');
  });
});

describe('readBox refuses', () => {
  it('non-Wasm bytes', () => expect(code(() => readBox(new TextEncoder().encode('#!/bin/sh\n')))).toBe('BOX_NOT_WASM'));
  it('a plain module', () => expect(code(() => readBox(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])))).toBe('BOX_NOT_A_BOX'));
  it('a truncated box', () => {
    const box = makeBox();
    expect(code(() => readBox(box.subarray(0, box.length - 3)))).toBe('BOX_MALFORMED');
  });
  it('a section length past the end', () => {
    const box = makeBox().slice();
    box[9] = 0xff; // first section's size LEB, now huge
    expect(code(() => readBox(box))).toBe('BOX_MALFORMED');
  });
  it('an index that does not match the manifest digest', () => {
    const box = makeBox().slice();
    const idx = [...sections(box)].find((s) => s.name === 'boxer.snapshot.index')!;
    box[idx.payload.byteOffset + 5] ^= 1;
    expect(code(() => readBox(box))).toBe('BOX_MALFORMED');
  });
  it('a newer major format', () => {
    const box = makeBox();
    const text = Buffer.from(box).toString('latin1');
    const patched = Buffer.from(text.replace('"formatVersion":"1.0"', '"formatVersion":"9.0"'), 'latin1');
    // Same length replacement keeps every section size intact.
    expect(patched.length).toBe(box.length);
    expect(code(() => readBox(patched))).toBe('BOX_TOO_NEW');
  });
});

describe('LEB128', () => {
  it('encodes and decodes u32 edges', () => {
    for (const n of [0, 1, 127, 128, 16383, 16384, 2 ** 31, 0xffffffff]) {
      const bytes = Uint8Array.from(encodeU32(n));
      expect(decodeU32(bytes, 0)).toEqual([n, bytes.length]);
    }
  });
});

/** Rebuilds `box` with its manifest changed by `mutate` (the other sections kept as they are). */
function withManifest(box: Uint8Array, mutate: (m: Record<string, any>) => void): Uint8Array {
  const parts: Uint8Array[] = [box.subarray(0, 8)];
  let offset = 8;
  for (const s of sections(box)) {
    const end = s.payload.byteOffset - box.byteOffset + s.payload.length;
    if (s.name === SECTION_MANIFEST) {
      const m = JSON.parse(new TextDecoder().decode(s.payload));
      mutate(m);
      parts.push(...customSection(SECTION_MANIFEST, new TextEncoder().encode(JSON.stringify(m))));
    } else {
      parts.push(box.subarray(offset, end));
    }
    offset = end;
  }
  return Buffer.concat(parts);
}

describe('hostile manifests are BOX_MALFORMED, never a crash', () => {
  const cases: [string, (m: Record<string, any>) => void][] = [
    ['no provenance', (m) => delete m.provenance],
    ['no limits', (m) => delete m.limits],
    ['limits of the wrong type', (m) => (m.limits.maxFds = 'lots')],
    ['negative limits', (m) => (m.limits.memoryBytes = -1)],
    ['bases not an array', (m) => (m.bases = {})],
    ['labels that are not strings', (m) => (m.config.Labels = { a: 1 })],
    ['Cmd of numbers', (m) => (m.config.Cmd = [1, 2])],
    ['provenance pointing past the steps', (m) => (m.provenance = { '/x': 5 })],
    ['a snapshot count that is not a number', (m) => (m.snapshot.files = '3')],
  ];
  for (const [name, mutate] of cases) {
    it(`rejects ${name}`, () => {
      expect(code(() => readBox(withManifest(makeBox(), mutate)))).toBe('BOX_MALFORMED');
    });
  }
  it('accepts the manifest it wrote', () => {
    expect(code(() => readBox(withManifest(makeBox(), () => {})))).toBe('ok');
  });
});
