// `-o` as in `docker buildx build` (DESIGN §0.1): a plain path writes a box; `type=…,dest=…` picks a target.
import { BoxerError } from '@boxer/diagnostics';
import { badOutput, plannedOutput } from '../diagnostics.js';

export interface OutputSpec {
  /** `box`: the .wasm; `oci`: an OCI image layout holding the box as a Wasm artifact (a dir, or a .tar). */
  type: 'box' | 'oci';
  dest: string;
  /** `oci` only: the tag recorded in index.json (`name=` as in buildx). @default 'latest' */
  tag?: string;
}

const PLANNED = new Set(['web', 'portable']);

export function parseOutput(spec: string): OutputSpec {
  if (!/^[a-z]+=/.test(spec)) return { type: 'box', dest: spec };
  const fields = new Map<string, string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(spec, `${JSON.stringify(part)} is not key=value`);
    fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const type = fields.get('type') ?? 'box';
  const dest = fields.get('dest');
  if (PLANNED.has(type)) {
    throw new BoxerError(plannedOutput(type));
  }
  if (type !== 'box' && type !== 'oci') throw bad(spec, `unknown type ${JSON.stringify(type)}`);
  if (!dest) throw bad(spec, 'dest= is missing');
  const name = fields.get('name');
  return { type, dest, ...(type === 'oci' && name ? { tag: name.includes(':') ? name.slice(name.lastIndexOf(':') + 1) : name } : {}) };
}

function bad(spec: string, why: string): BoxerError {
  return new BoxerError(badOutput(spec, why));
}
