// Every diagnostic @boxer/dockerfile can raise, as factory functions (rollup logs.ts style).
// In: the offending value and its location. Out: a `Diagnostic` with code, message, hint and docs url.
// Messages follow BuildKit's wording where BuildKit has one, so users can search for it.
import { docsUrl, InternalError, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';
import type { CheckDirective } from './ast.js';
import { goQuote } from './go-quote.js';

function error(code: string, message: string, location: SourceLocation | undefined, hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity: 'error', message, url: docsUrl(code) };
  if (location) d.location = location;
  if (hint) d.hint = hint;
  return d;
}

function warning(code: string, message: string, location: SourceLocation | undefined, hint?: string): Diagnostic {
  const d: Diagnostic = { code, severity: 'warning', message, url: docsUrl(code) };
  if (location) d.location = location;
  if (hint) d.hint = hint;
  return d;
}

// ---- file level -------------------------------------------------------------------------------

export const EMPTY = 'DOCKERFILE_EMPTY';
export function empty(location: SourceLocation): Diagnostic {
  return error(EMPTY, 'the Dockerfile has no instructions', location, 'add a FROM instruction, e.g. `FROM scratch`');
}

export const LINE_TOO_LONG = 'DOCKERFILE_LINE_TOO_LONG';
/** BuildKit reads lines with bufio.Scanner, whose token limit is 64 KiB. */
export function lineTooLong(bytes: number, location: SourceLocation): Diagnostic {
  return error(LINE_TOO_LONG, `line is ${bytes} bytes long; the maximum BuildKit accepts is 65535`, location, 'split the line with a line continuation (`\\`) or move the data into a file that you COPY');
}

export const DUPLICATE_DIRECTIVE = 'DOCKERFILE_DUPLICATE_DIRECTIVE';
export function duplicateDirective(name: string, location: SourceLocation): Diagnostic {
  return error(DUPLICATE_DIRECTIVE, `only one "${name}" parser directive can be used`, location, `remove the second \`# ${name}=\` line`);
}

export const INVALID_ESCAPE_DIRECTIVE = 'DOCKERFILE_INVALID_ESCAPE_DIRECTIVE';
export function invalidEscapeDirective(value: string, location: SourceLocation): Diagnostic {
  return error(INVALID_ESCAPE_DIRECTIVE, `invalid escape token "${value}": it must be \` or \\`, location, 'write `# escape=\\` (the default) or `# escape=`` `');
}

export const EMPTY_CONTINUATION_LINE = 'DOCKERFILE_EMPTY_CONTINUATION_LINE';
/** BuildKit's NoEmptyContinuation check. */
export function emptyContinuationLine(location: SourceLocation): CheckWarning {
  return checkWarning('NoEmptyContinuation', 'Empty continuation line', location, 'remove the empty line inside the instruction (or put a `#` comment there); BuildKit says empty continuation lines will become errors');
}

export const INVALID_CHECK_DIRECTIVE = 'DOCKERFILE_INVALID_CHECK_DIRECTIVE';
/** BuildKit refuses to build with malformed check options ("failed to parse check options"). */
export function invalidCheckDirective(why: string, location: SourceLocation | undefined): Diagnostic {
  return error(INVALID_CHECK_DIRECTIVE, `failed to parse check options: ${why}`, location, 'write `# check=skip=<rule>[,<rule>...];error=true|false;experimental=<rule>|all`');
}

export const UNTERMINATED_HEREDOC = 'DOCKERFILE_UNTERMINATED_HEREDOC';
export function unterminatedHeredoc(name: string, location: SourceLocation): Diagnostic {
  return error(UNTERMINATED_HEREDOC, `unterminated heredoc "${name}"`, location, `end the here-document with a line that contains only \`${name}\``);
}

export const INVALID_HEREDOC = 'DOCKERFILE_INVALID_HEREDOC';
export function invalidHeredoc(why: string, location: SourceLocation): Diagnostic {
  return error(INVALID_HEREDOC, why, location);
}

// ---- instructions -----------------------------------------------------------------------------

export const UNKNOWN_INSTRUCTION = 'DOCKERFILE_UNKNOWN_INSTRUCTION';
export function unknownInstruction(name: string, location: SourceLocation, suggestion?: string): Diagnostic {
  return error(UNKNOWN_INSTRUCTION, `unknown instruction "${name}"`, location, suggestion ? `did you mean ${suggestion}?` : undefined);
}

export const ONBUILD_TRIGGER_INVALID = 'DOCKERFILE_ONBUILD_TRIGGER_INVALID';
/** BuildKit stores ONBUILD triggers unchecked; a bad trigger only fails builds FROM this image. */
export function onbuildTriggerInvalid(name: string, location: SourceLocation, suggestion?: string): Diagnostic {
  return warning(ONBUILD_TRIGGER_INVALID, `ONBUILD trigger "${name}" is not a valid instruction; images built FROM this one will fail`, location, suggestion ? `did you mean ${suggestion}?` : 'see the notes for what is wrong with the trigger');
}

export const INVALID_ONBUILD = 'DOCKERFILE_INVALID_ONBUILD';
export function invalidOnbuild(message: string, location: SourceLocation): Diagnostic {
  return error(INVALID_ONBUILD, message, location);
}

export const UNKNOWN_FLAG = 'DOCKERFILE_UNKNOWN_FLAG';
export function unknownFlag(flag: string, instruction: string, location: SourceLocation, suggestion?: string): Diagnostic {
  return error(UNKNOWN_FLAG, `unknown flag "--${flag}" on ${instruction}`, location, suggestion ? `did you mean --${suggestion}?` : `remove --${flag}`);
}

export const DUPLICATE_FLAG = 'DOCKERFILE_DUPLICATE_FLAG';
export function duplicateFlag(flag: string, instruction: string, location: SourceLocation): Diagnostic {
  return error(DUPLICATE_FLAG, `duplicate flag "--${flag}" on ${instruction}`, location, `give --${flag} once`);
}

export const INVALID_FLAG_VALUE = 'DOCKERFILE_INVALID_FLAG_VALUE';
export function invalidFlagValue(flag: string, message: string, location: SourceLocation, hint?: string): Diagnostic {
  return error(INVALID_FLAG_VALUE, `invalid value for --${flag}: ${message}`, location, hint);
}

export const IGNORED_FLAG = 'DOCKERFILE_IGNORED_FLAG';
/** BuildKit never parses the flags of these instructions, so they are accepted and have no effect. */
export function ignoredFlag(flag: string, instruction: string, location: SourceLocation): Diagnostic {
  return warning(IGNORED_FLAG, `flag "${flag}" on ${instruction} is ignored`, location, `remove ${flag}; BuildKit accepts it but it has no effect`);
}

export const MISSING_ARGUMENT = 'DOCKERFILE_MISSING_ARGUMENT';
export function missingArgument(instruction: string, message: string, location: SourceLocation, hint?: string): Diagnostic {
  return error(MISSING_ARGUMENT, message, location, hint ?? `give ${instruction} its argument`);
}

export const MISSING_DESTINATION = 'DOCKERFILE_MISSING_DESTINATION';
export function missingDestination(instruction: string, location: SourceLocation): Diagnostic {
  return error(MISSING_DESTINATION, `${instruction} requires at least two arguments, but only one was provided: the destination could not be determined`, location, `write \`${instruction} <src>... <dest>\``);
}

export const TOO_MANY_ARGUMENTS = 'DOCKERFILE_TOO_MANY_ARGUMENTS';
export function tooManyArguments(instruction: string, message: string, location: SourceLocation, hint?: string): Diagnostic {
  return error(TOO_MANY_ARGUMENTS, message, location, hint ?? `check the arguments of ${instruction}`);
}

export const INVALID_STAGE_NAME = 'DOCKERFILE_INVALID_STAGE_NAME';
export function invalidStageName(name: string, location: SourceLocation): Diagnostic {
  return error(INVALID_STAGE_NAME, `invalid name for build stage "${name}": it can't start with a number or contain symbols`, location, 'use lower-case letters, digits, "-", "_" and "." and start with a letter');
}

export const ENV_NO_VALUE = 'DOCKERFILE_ENV_NO_VALUE';
export function envNoValue(key: string, location: SourceLocation): Diagnostic {
  return error(ENV_NO_VALUE, `ENV "${key}" has no value: ENV must have two arguments`, location, `write \`ENV ${key}=<value>\` (an empty value is \`ENV ${key}=\`)`);
}

export const LABEL_NO_VALUE = 'DOCKERFILE_LABEL_NO_VALUE';
export function labelNoValue(key: string, location: SourceLocation): Diagnostic {
  return error(LABEL_NO_VALUE, `LABEL "${key}" has no value: LABEL must have two arguments`, location, `write \`LABEL ${key}=<value>\``);
}

export const INVALID_KEY_VALUE = 'DOCKERFILE_INVALID_KEY_VALUE';
export function invalidKeyValue(instruction: string, word: string, location: SourceLocation): Diagnostic {
  return error(INVALID_KEY_VALUE, `can't find = in "${word}": ${instruction} must be of the form name=value`, location, `write \`${instruction} name=value ...\`; quote values that contain spaces`);
}

export const BLANK_NAME = 'DOCKERFILE_BLANK_NAME';
export function blankName(instruction: string, location: SourceLocation): Diagnostic {
  return error(BLANK_NAME, `${instruction} names can not be blank`, location, 'put a name before "="');
}

export const LEGACY_KEY_VALUE = 'DOCKERFILE_LEGACY_KEY_VALUE';
/** BuildKit's LegacyKeyValueFormat check; `instruction` is the keyword as written (BuildKit `c.Name()`). */
export function legacyKeyValue(instruction: string, key: string, location: SourceLocation): CheckWarning {
  return checkWarning('LegacyKeyValueFormat', `"${instruction} key=value" should be used instead of legacy "${instruction} key value" format`, location, `write \`${instruction} ${key}=<value>\`; quote a value that contains spaces`);
}

export const JSON_NOT_STRINGS = 'DOCKERFILE_JSON_NOT_STRINGS';
export function jsonNotStrings(instruction: string, location: SourceLocation): Diagnostic {
  return error(JSON_NOT_STRINGS, `${instruction}: when using JSON array syntax, arrays must be comprised of strings only`, location, 'quote every element, e.g. ["sleep", "10"]');
}

export const SHELL_NOT_JSON = 'DOCKERFILE_SHELL_NOT_JSON';
export function shellNotJson(location: SourceLocation): Diagnostic {
  return error(SHELL_NOT_JSON, 'SHELL requires the arguments to be in JSON form', location, 'write e.g. `SHELL ["/bin/sh", "-c"]`');
}

export const EMPTY_VOLUME = 'DOCKERFILE_EMPTY_VOLUME';
export function emptyVolume(location: SourceLocation): Diagnostic {
  return error(EMPTY_VOLUME, 'VOLUME specified can not be an empty string', location);
}

export const INVALID_HEALTHCHECK = 'DOCKERFILE_INVALID_HEALTHCHECK';
export function invalidHealthcheck(message: string, location: SourceLocation, hint?: string): Diagnostic {
  return error(INVALID_HEALTHCHECK, message, location, hint ?? 'write `HEALTHCHECK [OPTIONS] CMD command` or `HEALTHCHECK NONE`');
}

export const MAINTAINER_DEPRECATED = 'DOCKERFILE_MAINTAINER_DEPRECATED';
/** BuildKit's MaintainerDeprecated check. */
export function maintainerDeprecated(location: SourceLocation): CheckWarning {
  return checkWarning('MaintainerDeprecated', 'Maintainer instruction is deprecated in favor of using label', location, 'use `LABEL org.opencontainers.image.authors="..."` instead');
}

export const FROM_FLAG_VARIABLE = 'DOCKERFILE_FROM_FLAG_VARIABLE';
/** BuildKit (moby/buildkit#6153, commands_runmount.go) refuses variables in COPY --from and RUN --mount from=. */
export function fromFlagVariable(value: string, location: SourceLocation): Diagnostic {
  return error(FROM_FLAG_VARIABLE, `variable expansion is not supported for --from ("${value}")`, location, 'define a new stage with `FROM ${VAR} AS name` using a global ARG, and copy --from=name');
}

// ---- stages -----------------------------------------------------------------------------------

export const INSTRUCTION_BEFORE_FROM = 'DOCKERFILE_INSTRUCTION_BEFORE_FROM';
export function instructionBeforeFrom(name: string, location: SourceLocation): Diagnostic {
  return error(INSTRUCTION_BEFORE_FROM, `${name} comes before the first FROM: no build stage in current context`, location, 'only ARG may come before the first FROM');
}

export const NO_FROM = 'DOCKERFILE_NO_FROM';
export function noFrom(location: SourceLocation): Diagnostic {
  return error(NO_FROM, 'the Dockerfile has no FROM instruction: it contains no stages to build', location, 'add a FROM instruction, e.g. `FROM scratch`');
}

export const DUPLICATE_STAGE_NAME = 'DOCKERFILE_DUPLICATE_STAGE_NAME';
/** BuildKit's DuplicateStageName check (duplicate names build, but which stage is used is undefined). */
export function duplicateStageName(name: string, location: SourceLocation, first?: SourceLocation): CheckWarning {
  const d = checkWarning('DuplicateStageName', `Duplicate stage name ${goQuote(name)}, stage names should be unique`, location, 'give every stage a unique name');
  if (first) d.notes = [{ message: `"${name}" is first used here`, location: first }];
  return d;
}

export const RESERVED_STAGE_NAME = 'DOCKERFILE_RESERVED_STAGE_NAME';
/** BuildKit's ReservedStageName check. */
export function reservedStageName(name: string, location: SourceLocation): CheckWarning {
  return checkWarning('ReservedStageName', `Stage name should not use the same name as reserved stage ${goQuote(name)}`, location, 'pick another name; "scratch" and "context" have a meaning of their own');
}

// ---- expansion (thrown inside BoxerError by expandWord / expandInstruction) -----------------------

export const BAD_SUBSTITUTION = 'DOCKERFILE_BAD_SUBSTITUTION';
export function badSubstitution(word: string, reason: string, location?: SourceLocation): Diagnostic {
  return error(BAD_SUBSTITUTION, `failed to process "${word}": ${reason}`, location, 'check the ${...} syntax and the quotes in this word');
}

export const REQUIRED_VARIABLE = 'DOCKERFILE_REQUIRED_VARIABLE';
export function requiredVariable(word: string, reason: string, location?: SourceLocation): Diagnostic {
  return error(REQUIRED_VARIABLE, `failed to process "${word}": ${reason}`, location, 'set the variable with ARG/ENV or pass it as a build argument');
}

export const EMPTY_BASE_NAME = 'DOCKERFILE_EMPTY_BASE_NAME';
export function emptyBaseName(image: string, location?: SourceLocation): Diagnostic {
  return error(EMPTY_BASE_NAME, `base name (${image}) should not be blank`, location, 'give the ARG used in FROM a default value or pass it as a build argument');
}

// ---- build checks (BuildKit frontend/dockerfile/linter/ruleset.go) --------------------------------
// Each rule keeps BuildKit's name (`rule`), description and documentation URL (`ruleUrl`); the message
// is BuildKit's Format() text. `code` is boxer's stable DOCKERFILE_* code for the rule (docs/diagnostics).

export const STAGE_NAME_CASING = 'DOCKERFILE_STAGE_NAME_CASING';
export const FROM_AS_CASING = 'DOCKERFILE_FROM_AS_CASING';
export const CONSISTENT_INSTRUCTION_CASING = 'DOCKERFILE_CONSISTENT_INSTRUCTION_CASING';
export const JSON_ARGS_RECOMMENDED = 'DOCKERFILE_JSON_ARGS_RECOMMENDED';
export const UNDEFINED_ARG_IN_FROM = 'DOCKERFILE_UNDEFINED_ARG_IN_FROM';
export const WORKDIR_RELATIVE_PATH = 'DOCKERFILE_WORKDIR_RELATIVE_PATH';
export const UNDEFINED_VAR = 'DOCKERFILE_UNDEFINED_VAR';
export const MULTIPLE_INSTRUCTIONS_DISALLOWED = 'DOCKERFILE_MULTIPLE_INSTRUCTIONS_DISALLOWED';
export const REDUNDANT_TARGET_PLATFORM = 'DOCKERFILE_REDUNDANT_TARGET_PLATFORM';
export const SECRETS_USED_IN_ARG_OR_ENV = 'DOCKERFILE_SECRETS_USED_IN_ARG_OR_ENV';
export const INVALID_DEFAULT_ARG_IN_FROM = 'DOCKERFILE_INVALID_DEFAULT_ARG_IN_FROM';
export const FROM_PLATFORM_FLAG_CONST_DISALLOWED = 'DOCKERFILE_FROM_PLATFORM_FLAG_CONST_DISALLOWED';
export const EXPOSE_PROTO_CASING = 'DOCKERFILE_EXPOSE_PROTO_CASING';
export const EXPOSE_INVALID_FORMAT = 'DOCKERFILE_EXPOSE_INVALID_FORMAT';
export const INVALID_DEFINITION_DESCRIPTION = 'DOCKERFILE_INVALID_DEFINITION_DESCRIPTION';
export const CHECK_FAILED = 'DOCKERFILE_CHECK_FAILED';

/** A BuildKit build-check rule: its name, boxer's code for it, and BuildKit's description and docs URL. */
export interface CheckRule {
  /** BuildKit's rule name, as `# check=skip=` takes it. */
  name: string;
  /** boxer's diagnostic code for the rule. */
  code: string;
  /** BuildKit's one-line description. */
  description: string;
  /** BuildKit's documentation page for the rule. */
  url: string;
  /** Runs only when named in `# check=experimental=` (or `experimental=all`). */
  experimental: boolean;
}

const RULE_URL = 'https://docs.docker.com/go/dockerfile/rule/';
function rule(name: string, code: string, slug: string, description: string, experimental = false): CheckRule {
  return { name, code, description, url: `${RULE_URL}${slug}/`, experimental };
}

/** The build checks `check()` runs, in BuildKit's ruleset.go order. */
export const CHECK_RULES: readonly CheckRule[] = [
  rule('StageNameCasing', STAGE_NAME_CASING, 'stage-name-casing', 'Stage names should be lowercase'),
  rule('FromAsCasing', FROM_AS_CASING, 'from-as-casing', "The 'as' keyword should match the case of the 'from' keyword"),
  rule('NoEmptyContinuation', EMPTY_CONTINUATION_LINE, 'no-empty-continuation', 'Empty continuation lines will become errors in a future release'),
  rule('ConsistentInstructionCasing', CONSISTENT_INSTRUCTION_CASING, 'consistent-instruction-casing', 'All commands within the Dockerfile should use the same casing (either upper or lower)'),
  rule('DuplicateStageName', DUPLICATE_STAGE_NAME, 'duplicate-stage-name', 'Stage names should be unique'),
  rule('ReservedStageName', RESERVED_STAGE_NAME, 'reserved-stage-name', 'Reserved words should not be used as stage names'),
  rule('JSONArgsRecommended', JSON_ARGS_RECOMMENDED, 'json-args-recommended', 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals'),
  rule('MaintainerDeprecated', MAINTAINER_DEPRECATED, 'maintainer-deprecated', 'The MAINTAINER instruction is deprecated, use a label instead to define an image author'),
  rule('UndefinedArgInFrom', UNDEFINED_ARG_IN_FROM, 'undefined-arg-in-from', 'FROM command must use declared ARGs'),
  rule('WorkdirRelativePath', WORKDIR_RELATIVE_PATH, 'workdir-relative-path', 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes'),
  rule('UndefinedVar', UNDEFINED_VAR, 'undefined-var', 'Variables should be defined before their use'),
  rule('MultipleInstructionsDisallowed', MULTIPLE_INSTRUCTIONS_DISALLOWED, 'multiple-instructions-disallowed', 'Multiple instructions of the same type should not be used in the same stage'),
  rule('LegacyKeyValueFormat', LEGACY_KEY_VALUE, 'legacy-key-value-format', 'Legacy key/value format with whitespace separator should not be used'),
  rule('RedundantTargetPlatform', REDUNDANT_TARGET_PLATFORM, 'redundant-target-platform', 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior'),
  rule('SecretsUsedInArgOrEnv', SECRETS_USED_IN_ARG_OR_ENV, 'secrets-used-in-arg-or-env', 'Sensitive data should not be used in the ARG or ENV commands'),
  rule('InvalidDefaultArgInFrom', INVALID_DEFAULT_ARG_IN_FROM, 'invalid-default-arg-in-from', 'Default value for global ARG results in an empty or invalid base image name'),
  rule('FromPlatformFlagConstDisallowed', FROM_PLATFORM_FLAG_CONST_DISALLOWED, 'from-platform-flag-const-disallowed', 'FROM --platform flag should not use a constant value'),
  rule('InvalidDefinitionDescription', INVALID_DEFINITION_DESCRIPTION, 'invalid-definition-description', 'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.', true),
  rule('ExposeProtoCasing', EXPOSE_PROTO_CASING, 'expose-proto-casing', 'Protocol in EXPOSE instruction should be lowercase'),
  rule('ExposeInvalidFormat', EXPOSE_INVALID_FORMAT, 'expose-invalid-format', 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release'),
];

/** The rule names `check()` knows. */
export type CheckRuleName =
  | 'StageNameCasing' | 'FromAsCasing' | 'NoEmptyContinuation' | 'ConsistentInstructionCasing' | 'DuplicateStageName'
  | 'ReservedStageName' | 'JSONArgsRecommended' | 'MaintainerDeprecated' | 'UndefinedArgInFrom' | 'WorkdirRelativePath'
  | 'UndefinedVar' | 'MultipleInstructionsDisallowed' | 'LegacyKeyValueFormat' | 'RedundantTargetPlatform'
  | 'SecretsUsedInArgOrEnv' | 'InvalidDefaultArgInFrom' | 'FromPlatformFlagConstDisallowed'
  | 'InvalidDefinitionDescription' | 'ExposeProtoCasing' | 'ExposeInvalidFormat';

/** A build-check warning: a `Diagnostic` that also names the BuildKit rule it comes from. */
export interface CheckWarning extends Diagnostic {
  severity: 'warning';
  /** BuildKit's rule name, e.g. `JSONArgsRecommended`. */
  rule: CheckRuleName;
  /** BuildKit's description of the rule. */
  description: string;
  /** BuildKit's documentation page for the rule (`url` is boxer's page for `code`). */
  ruleUrl: string;
}

/** The rule named `name`; throws InternalError for a name not in CHECK_RULES. */
export function checkRule(name: CheckRuleName): CheckRule {
  const r = CHECK_RULES.find((x) => x.name === name);
  if (!r) throw new InternalError(`unknown build check rule ${name}`);
  return r;
}

/** Builds the warning for `name` with BuildKit's message text. */
export function checkWarning(name: CheckRuleName, message: string, location: SourceLocation | undefined, hint?: string): CheckWarning {
  const r = checkRule(name);
  const d: CheckWarning = { code: r.code, severity: 'warning', message, rule: name, description: r.description, ruleUrl: r.url, url: docsUrl(r.code) };
  if (location) d.location = location;
  if (hint) d.hint = hint;
  return d;
}

/** True when `# check=` (already parsed) turns the rule off: `skip` for normal rules, `experimental` for experimental ones. */
export function isCheckEnabled(name: string, config: CheckDirective | undefined): boolean {
  const r = CHECK_RULES.find((x) => x.name === name);
  if (!r) return true;
  if (r.experimental) return config !== undefined && (config.experimental === 'all' || config.experimental.includes(name));
  if (!config) return true;
  return !(config.skip === 'all' || config.skip.includes(name));
}

export function stageNameCasing(stageName: string, location: SourceLocation): CheckWarning {
  return checkWarning('StageNameCasing', `Stage name '${stageName}' should be lowercase`, location, `write \`AS ${stageName.toLowerCase()}\``);
}

export function fromAsCasing(from: string, as: string, location: SourceLocation): CheckWarning {
  return checkWarning('FromAsCasing', `'${as}' and '${from}' keywords' casing do not match`, location, `write \`${from === from.toLowerCase() ? 'as' : 'AS'}\` to match \`${from}\``);
}

export function consistentInstructionCasing(command: string, correctCasing: 'lowercase' | 'uppercase', location: SourceLocation): CheckWarning {
  return checkWarning('ConsistentInstructionCasing', `Command '${command}' should match the case of the command majority (${correctCasing})`, location, `write \`${correctCasing === 'lowercase' ? command.toLowerCase() : command.toUpperCase()}\``);
}

export function jsonArgsRecommended(instruction: string, location: SourceLocation): CheckWarning {
  return checkWarning('JSONArgsRecommended', `JSON arguments recommended for ${instruction} to prevent unintended behavior related to OS signals`, location, `write the exec form, e.g. \`${instruction.toUpperCase()} ["executable", "arg"]\`, or set a SHELL first`);
}

export function undefinedArgInFrom(arg: string, location: SourceLocation, suggestion?: string): CheckWarning {
  const msg = `FROM argument '${arg}' is not declared${suggestion ? ` (did you mean ${suggestion}?)` : ''}`;
  return checkWarning('UndefinedArgInFrom', msg, location, suggestion ? `did you mean ${suggestion}?` : `declare it with \`ARG ${arg}\` before the first FROM`);
}

export function workdirRelativePath(workdir: string, location: SourceLocation): CheckWarning {
  return checkWarning('WorkdirRelativePath', `Relative workdir ${goQuote(workdir)} can have unexpected results if the base image changes`, location, 'set an absolute WORKDIR in this build before a relative one');
}

export function undefinedVar(name: string, location: SourceLocation, suggestion?: string): CheckWarning {
  const msg = `Usage of undefined variable '$${name}'${suggestion ? ` (did you mean $${suggestion}?)` : ''}`;
  return checkWarning('UndefinedVar', msg, location, suggestion ? `did you mean $${suggestion}?` : `declare it with \`ARG ${name}\` or \`ENV ${name}=...\` in this stage before using it`);
}

export function multipleInstructionsDisallowed(instruction: string, location: SourceLocation): CheckWarning {
  return checkWarning('MultipleInstructionsDisallowed', `Multiple ${instruction} instructions should not be used in the same stage because only the last one will be used`, location, `remove this ${instruction}; the last one in the stage wins`);
}

export function redundantTargetPlatform(platformVar: string, location: SourceLocation): CheckWarning {
  return checkWarning('RedundantTargetPlatform', `Setting platform to predefined ${platformVar} in FROM is redundant as this is the default behavior`, location, 'remove `--platform`');
}

export function secretsUsedInArgOrEnv(instruction: 'ARG' | 'ENV', key: string, location: SourceLocation): CheckWarning {
  return checkWarning('SecretsUsedInArgOrEnv', `Do not use ARG or ENV instructions for sensitive data (${instruction} ${goQuote(key)})`, location, 'pass secrets with `RUN --mount=type=secret` instead; ARG and ENV values stay in the image');
}

export function invalidDefaultArgInFrom(baseName: string, location: SourceLocation): CheckWarning {
  return checkWarning('InvalidDefaultArgInFrom', `Default value for ARG ${baseName} results in empty or invalid base image name`, location, 'give the global ARG a default that makes a valid image reference');
}

export function fromPlatformFlagConstDisallowed(platform: string, location: SourceLocation): CheckWarning {
  return checkWarning('FromPlatformFlagConstDisallowed', `FROM --platform flag should not use constant value ${goQuote(platform)}`, location, 'use a variable such as $BUILDPLATFORM, or name the stage after the platform');
}

export function invalidDefinitionDescription(instruction: string, defName: string, location: SourceLocation): CheckWarning {
  return checkWarning('InvalidDefinitionDescription', `Comment for ${instruction} should follow the format: \`# ${defName} <description>\``, location, 'start the comment with the name, or put an empty line between the comment and the instruction');
}

export function exposeProtoCasing(port: string, location: SourceLocation): CheckWarning {
  return checkWarning('ExposeProtoCasing', `Defined protocol '${port}' in EXPOSE instruction should be lowercase`, location, `write \`${port.toLowerCase()}\``);
}

export function exposeInvalidFormat(port: string, location: SourceLocation): CheckWarning {
  return checkWarning('ExposeInvalidFormat', `EXPOSE instruction should not define an IP address or host-port mapping, found '${port}'`, location, 'EXPOSE only the container port; publish host ports with `boxer run`/`docker run -p`');
}

/** `# check=error=true` with warnings: BuildKit fails the build with "lint violation found for rules: ...". */
export function checkFailed(rules: readonly string[], location: SourceLocation | undefined): Diagnostic {
  return error(CHECK_FAILED, `lint violation found for rules: ${rules.join(', ')}`, location, 'fix the warnings, or skip their rules with `# check=skip=<rule>`');
}

/** Every code above, for coverage tests (e.g. one docs page per code). */
export const DIAGNOSTIC_CODES: readonly string[] = [
  EMPTY, LINE_TOO_LONG, DUPLICATE_DIRECTIVE, INVALID_ESCAPE_DIRECTIVE, EMPTY_CONTINUATION_LINE,
  UNTERMINATED_HEREDOC, INVALID_HEREDOC, UNKNOWN_INSTRUCTION, ONBUILD_TRIGGER_INVALID, INVALID_ONBUILD,
  UNKNOWN_FLAG, DUPLICATE_FLAG, INVALID_FLAG_VALUE, IGNORED_FLAG, MISSING_ARGUMENT, MISSING_DESTINATION,
  TOO_MANY_ARGUMENTS, INVALID_STAGE_NAME, ENV_NO_VALUE, LABEL_NO_VALUE, INVALID_KEY_VALUE, BLANK_NAME,
  LEGACY_KEY_VALUE, JSON_NOT_STRINGS, SHELL_NOT_JSON, EMPTY_VOLUME, INVALID_HEALTHCHECK, MAINTAINER_DEPRECATED,
  FROM_FLAG_VARIABLE, INSTRUCTION_BEFORE_FROM, NO_FROM, DUPLICATE_STAGE_NAME, RESERVED_STAGE_NAME,
  BAD_SUBSTITUTION, REQUIRED_VARIABLE, EMPTY_BASE_NAME, INVALID_CHECK_DIRECTIVE, CHECK_FAILED,
  STAGE_NAME_CASING, FROM_AS_CASING, CONSISTENT_INSTRUCTION_CASING, JSON_ARGS_RECOMMENDED, UNDEFINED_ARG_IN_FROM,
  WORKDIR_RELATIVE_PATH, UNDEFINED_VAR, MULTIPLE_INSTRUCTIONS_DISALLOWED, REDUNDANT_TARGET_PLATFORM,
  SECRETS_USED_IN_ARG_OR_ENV, INVALID_DEFAULT_ARG_IN_FROM, FROM_PLATFORM_FLAG_CONST_DISALLOWED, EXPOSE_PROTO_CASING,
  EXPOSE_INVALID_FORMAT, INVALID_DEFINITION_DESCRIPTION,
];
