// `-o` as in `docker buildx build` (DESIGN §0.1): a plain path writes a box; `type=…,dest=…` picks a target.
import { BoxerError, docsUrl } from '@boxer/diagnostics';

export interface OutputSpec {
  type: 'box';
  dest: string;
}

const PLANNED = new Set(['oci', 'web', 'portable']);
export const CLI_BAD_OUTPUT = 'CLI_BAD_OUTPUT';

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
    throw new BoxerError({ code: CLI_BAD_OUTPUT, severity: 'error', message: `output type ${JSON.stringify(type)} is not supported by this version of boxer`, hint: 'write a box with `-o app.wasm` (or `-o type=box,dest=app.wasm`)', url: docsUrl(CLI_BAD_OUTPUT) });
  }
  if (type !== 'box') throw bad(spec, `unknown type ${JSON.stringify(type)}`);
  if (!dest) throw bad(spec, 'dest= is missing');
  return { type: 'box', dest };
}

function bad(spec: string, why: string): BoxerError {
  return new BoxerError({ code: CLI_BAD_OUTPUT, severity: 'error', message: `invalid -o ${JSON.stringify(spec)}: ${why}`, hint: 'use `-o app.wasm` or `-o type=box,dest=app.wasm`', url: docsUrl(CLI_BAD_OUTPUT) });
}
