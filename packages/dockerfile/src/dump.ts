// formatStages(): a stable, line-oriented text dump of a StagesResult for golden tests and debugging
// (in the spirit of BuildKit's parser testfiles/*/result). In: the result. Out: text, one instruction
// per line as `L<line> <kind> <json>`, JSON keys sorted, locations left out.
import type { Diagnostic } from '@boxer/diagnostics';
import type { Instruction, StagesResult } from './instructions.js';

const OMIT = new Set(['kind', 'location', 'endLine', 'original', 'flagLocations']);

function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || OMIT.has(k)) continue;
      out[k] = k === 'instruction' ? instructionFields(v as Instruction) : stable(v);
    }
    return out;
  }
  return value;
}

/** A nested instruction (ONBUILD's trigger) keeps its kind; keys stay sorted. */
function instructionFields(instr: Instruction): unknown {
  const fields = stable(instr) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of [...Object.keys(fields), 'kind'].sort()) out[k] = k === 'kind' ? instr.kind : fields[k];
  return out;
}

function line(instr: Instruction): string {
  return `L${instr.location.line} ${instr.kind} ${JSON.stringify(stable(instr))}`;
}

function diagLine(d: Diagnostic): string {
  return `${d.severity} ${d.code}${d.location ? ` L${d.location.line}` : ''}`;
}

/** Dumps directives, global ARGs, stages and (optionally extra) diagnostics as stable text. */
export function formatStages(result: StagesResult, extraDiagnostics: readonly Diagnostic[] = []): string {
  const out: string[] = [];
  for (const d of result.directives.list) out.push(`directive ${d.name}=${d.value}`);
  for (const a of result.globalArgs) out.push(line(a));
  for (const s of result.stages) {
    out.push(`stage ${s.index}${s.name !== undefined ? ` ${s.name}` : ''}`);
    out.push(`  ${line(s.from)}`);
    for (const i of s.instructions) out.push(`  ${line(i)}`);
  }
  for (const d of [...extraDiagnostics, ...result.diagnostics]) out.push(diagLine(d));
  return out.join('\n') + '\n';
}
