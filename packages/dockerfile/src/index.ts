// @boxer/dockerfile: Dockerfile text -> AST (parse) -> typed stages (toStages), plus BuildKit's shell
// word expansion (expandWord/expandWords/expandInstruction). Re-exports only.
export { parse, parseCheckDirective, checkDirectiveError } from './parse.js';
export { toStages } from './to-stages.js';
export { expandInstruction } from './expand.js';
export { expandWord, expandWords, expandWordWithMatches } from './shell/lex.js';
export { chompHeredocContent } from './heredoc.js';
export { formatStages } from './dump.js';
export { formatAst } from './dump-ast.js';
export { check } from './check.js';
export { INSTRUCTIONS, isInstructionKind } from './instructions.js';
export * from './diagnostics.js';
export type { CheckDirective, DockerfileAst, DockerfileNode, ParseOptions, ParseResult, ParserDirective, ParserDirectives } from './ast.js';
export type { Heredoc } from './heredoc.js';
export type { ExpandInstructionOptions } from './expand.js';
export type { ExpandOptions, ExpandWithMatchesResult, Lookup } from './shell/lex.js';
export type { CheckOptions, CheckResult } from './check.js';
export type {
  AddInstruction,
  ArgInstruction,
  ArgPair,
  CmdInstruction,
  CommandForm,
  CopyInstruction,
  EntrypointInstruction,
  EnvInstruction,
  ExposeInstruction,
  FromInstruction,
  HealthcheckInstruction,
  HealthcheckTiming,
  HeredocSource,
  Instruction,
  InstructionBase,
  InstructionKind,
  KeyValue,
  LabelInstruction,
  MaintainerInstruction,
  OnbuildInstruction,
  RunInstruction,
  ShellInstruction,
  Stage,
  StageOptions,
  StagesResult,
  StopsignalInstruction,
  UserInstruction,
  VolumeInstruction,
  WorkdirInstruction,
} from './instructions.js';
