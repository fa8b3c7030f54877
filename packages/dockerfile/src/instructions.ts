// The typed instructions and stages `toStages()` produces: a discriminated union keyed on `kind`,
// shaped after BuildKit's frontend/dockerfile/instructions/commands.go. Values are raw (unexpanded):
// quotes and `$VAR` stay until `expandInstruction()`. In: nothing (types and the keyword table).
import type { Diagnostic, SourceLocation } from '@boxer/diagnostics';
import type { ParserDirectives } from './ast.js';
import type { Heredoc } from './heredoc.js';

/** Every Dockerfile instruction keyword, lower-case (BuildKit command/command.go). */
export const INSTRUCTIONS = [
  'add',
  'arg',
  'cmd',
  'copy',
  'entrypoint',
  'env',
  'expose',
  'from',
  'healthcheck',
  'label',
  'maintainer',
  'onbuild',
  'run',
  'shell',
  'stopsignal',
  'user',
  'volume',
  'workdir',
] as const;

export type InstructionKind = (typeof INSTRUCTIONS)[number];

export function isInstructionKind(s: string): s is InstructionKind {
  return (INSTRUCTIONS as readonly string[]).includes(s);
}

export interface InstructionBase<K extends InstructionKind> {
  kind: K;
  /** The instruction's first line; column/length cover the keyword to the end of that line. */
  location: SourceLocation;
  /** 1-based last line of the instruction (continuations and heredoc bodies included). */
  endLine: number;
  /** The logical line as BuildKit records it (continuations joined, comments removed, trimmed). */
  original: string;
  /** Where each builder flag was written, by flag name without `--` (first occurrence). */
  flagLocations?: Record<string, SourceLocation>;
}

/** Exec form (a JSON array of strings) or shell form (everything else, as one string). */
export type CommandForm = { form: 'exec'; args: string[] } | { form: 'shell'; command: string };

export interface KeyValue {
  key: string;
  /** Raw: quotes and variables are resolved by `expandInstruction`. */
  value: string;
}

export interface ArgPair {
  name: string;
  /** Raw default; undefined for `ARG name`. */
  default?: string;
}

export interface FromInstruction extends InstructionBase<'from'> {
  /** The image reference as written (`alpine:${VERSION}`), not expanded. */
  image: string;
  /** `AS name`, lower-cased like BuildKit does. */
  name?: string;
  /** `--platform=`, raw. */
  platform?: string;
}

export type RunInstruction = InstructionBase<'run'> &
  CommandForm & {
    /** Heredoc bodies the command reads (raw; strip tabs when `chomp`). */
    heredocs?: Heredoc[];
    /** `--mount=` values, raw CSV (`type=cache,target=/root/.cache`). */
    mounts: string[];
    /** `--network=` (default, none, host). */
    network?: string;
    /** `--security=` (sandbox, insecure). */
    security?: string;
  };

export type CmdInstruction = InstructionBase<'cmd'> & CommandForm;
export type EntrypointInstruction = InstructionBase<'entrypoint'> & CommandForm;
/** SHELL is always exec form (BuildKit refuses the shell form). */
export type ShellInstruction = InstructionBase<'shell'> & { form: 'exec'; args: string[] };

export interface LabelInstruction extends InstructionBase<'label'> {
  pairs: KeyValue[];
}

export interface MaintainerInstruction extends InstructionBase<'maintainer'> {
  name: string;
}

export interface ExposeInstruction extends InstructionBase<'expose'> {
  /** Raw port specs, sorted as BuildKit sorts them (`80/tcp`, `$PORT`). */
  ports: string[];
}

export interface EnvInstruction extends InstructionBase<'env'> {
  pairs: KeyValue[];
}

/** A COPY/ADD source given inline as a heredoc (`COPY <<EOF /dest`). Content is already chomped. */
export type HeredocSource = Heredoc;

export interface AddInstruction extends InstructionBase<'add'> {
  /** Paths and URLs, raw; heredoc sources are in `heredocs`. */
  sources: string[];
  dest: string;
  chown?: string;
  chmod?: string;
  link?: boolean;
  /** `--exclude=` patterns. */
  exclude: string[];
  /** `--checksum=` for remote sources. */
  checksum?: string;
  /** `--keep-git-dir` for git sources. */
  keepGitDir?: boolean;
  /** `--unpack` (archives from URLs). */
  unpack?: boolean;
  heredocs?: HeredocSource[];
}

export interface CopyInstruction extends InstructionBase<'copy'> {
  sources: string[];
  dest: string;
  /** `--from=` stage name, stage index or image; never expanded (BuildKit refuses variables here). */
  from?: string;
  chown?: string;
  chmod?: string;
  link?: boolean;
  parents?: boolean;
  exclude: string[];
  heredocs?: HeredocSource[];
}

export interface VolumeInstruction extends InstructionBase<'volume'> {
  paths: string[];
}

export interface UserInstruction extends InstructionBase<'user'> {
  user: string;
}

export interface WorkdirInstruction extends InstructionBase<'workdir'> {
  path: string;
}

export interface ArgInstruction extends InstructionBase<'arg'> {
  pairs: ArgPair[];
}

export interface OnbuildInstruction extends InstructionBase<'onbuild'> {
  /** The trigger as BuildKit stores it in the image (text after ONBUILD, heredocs appended). */
  expression: string;
  /** The trigger parsed; undefined when it is not a valid instruction (a warning says why). */
  instruction?: Instruction;
}

export interface StopsignalInstruction extends InstructionBase<'stopsignal'> {
  signal: string;
}

/** HEALTHCHECK timings, in nanoseconds like the image config; absent when the flag was not given. */
export interface HealthcheckTiming {
  /** nanoseconds */
  interval?: number;
  /** nanoseconds */
  timeout?: number;
  /** nanoseconds */
  startPeriod?: number;
  /** nanoseconds */
  startInterval?: number;
  retries?: number;
}

export type HealthcheckInstruction = InstructionBase<'healthcheck'> & ({ type: 'none' } | ({ type: 'cmd' } & CommandForm & HealthcheckTiming));

export type Instruction =
  | AddInstruction
  | ArgInstruction
  | CmdInstruction
  | CopyInstruction
  | EntrypointInstruction
  | EnvInstruction
  | ExposeInstruction
  | FromInstruction
  | HealthcheckInstruction
  | LabelInstruction
  | MaintainerInstruction
  | OnbuildInstruction
  | RunInstruction
  | ShellInstruction
  | StopsignalInstruction
  | UserInstruction
  | VolumeInstruction
  | WorkdirInstruction;

export interface Stage {
  /** `FROM ... AS name`, lower-cased. */
  name?: string;
  /** 0-based position in the file (what `COPY --from=0` means). */
  index: number;
  from: FromInstruction;
  /** The stage's instructions after FROM. */
  instructions: Instruction[];
  /** The FROM line. */
  location: SourceLocation;
}

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StageOptions {}

export interface StagesResult {
  stages: Stage[];
  /** ARGs before the first FROM (BuildKit meta args); usable in FROM lines. */
  globalArgs: ArgInstruction[];
  diagnostics: Diagnostic[];
  /** The escape character in effect; pass it to `expandInstruction`/`expandWord`. */
  escapeToken: string;
  directives: ParserDirectives;
}
