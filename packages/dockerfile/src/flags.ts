// Builder flags (`--from=build`, `--link`) checked against what an instruction accepts, like BuildKit's
// frontend/dockerfile/instructions/bflag.go. In: the node's flag words and the accepted flags. Out: the
// values, and diagnostics for unknown, duplicate or malformed flags (all of them, not just the first).
import type { Diagnostic, SourceLocation } from '@boxer/diagnostics';
import * as diag from './diagnostics.js';
import { suggest } from './suggest.js';

type FlagType = 'bool' | 'string' | 'strings';

export class BFlags {
  private readonly defs = new Map<string, FlagType>();
  private readonly values = new Map<string, string>();
  private readonly lists = new Map<string, string[]>();
  readonly used = new Set<string>();

  constructor(
    private readonly args: readonly string[],
    private readonly instruction: string,
    private readonly locate: (flag: string) => SourceLocation,
  ) {}

  addBool(name: string): this {
    this.defs.set(name, 'bool');
    return this;
  }
  addString(name: string): this {
    this.defs.set(name, 'string');
    return this;
  }
  addStrings(name: string): this {
    this.defs.set(name, 'strings');
    return this;
  }

  /** The value of a string flag, undefined when not given. */
  string(name: string): string | undefined {
    return this.values.get(name);
  }
  /** A bool flag: undefined when not given. */
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return v === undefined ? undefined : v === 'true';
  }
  strings(name: string): string[] {
    return this.lists.get(name) ?? [];
  }

  /** Parses every flag word; returns the diagnostics (empty when all flags are fine). */
  parse(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (const arg of this.args) {
      if (arg === '--') break;
      const body = arg.startsWith('--') ? arg.slice(2) : arg;
      const eq = body.indexOf('=');
      const name = eq >= 0 ? body.slice(0, eq) : body;
      const value = eq >= 0 ? body.slice(eq + 1) : '';
      const type = this.defs.get(name);
      const at = this.locate(name);
      if (type === undefined) {
        out.push(diag.unknownFlag(name, this.instruction, at, suggest(name, [...this.defs.keys()])));
        continue;
      }
      if (this.used.has(name) && type !== 'strings') {
        out.push(diag.duplicateFlag(name, this.instruction, at));
        continue;
      }
      this.used.add(name);
      if (type === 'bool') {
        if (eq >= 0 && value === '') {
          out.push(diag.invalidFlagValue(name, 'missing a value', at, `write --${name} or --${name}=true|false`));
          continue;
        }
        const lower = value.toLowerCase();
        if (lower === '') this.values.set(name, 'true');
        else if (lower === 'true' || lower === 'false') this.values.set(name, lower);
        else out.push(diag.invalidFlagValue(name, `expecting a boolean value, not "${value}"`, at, `write --${name}=true or --${name}=false`));
        continue;
      }
      if (eq < 0) {
        out.push(diag.invalidFlagValue(name, 'missing a value', at, `write --${name}=<value>`));
        continue;
      }
      if (type === 'string') this.values.set(name, value);
      else this.lists.set(name, [...this.strings(name), value]);
    }
    return out;
  }
}
