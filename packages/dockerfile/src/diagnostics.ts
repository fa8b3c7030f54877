// Every diagnostic @boxer/dockerfile can raise, as factory functions (rollup logs.ts style).
// In: the offending value and its location. Out: a `Diagnostic` with code, message, hint and docs url.
// Messages follow BuildKit's wording where BuildKit has one, so users can search for it.
import { docsUrl, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';

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
export function emptyContinuationLine(location: SourceLocation): Diagnostic {
  return warning(EMPTY_CONTINUATION_LINE, 'empty continuation line inside a multi-line instruction', location, 'remove the empty line; BuildKit says empty continuation lines will become errors');
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
/** BuildKit's LegacyKeyValueFormat check. */
export function legacyKeyValue(instruction: string, key: string, location: SourceLocation): Diagnostic {
  return warning(LEGACY_KEY_VALUE, `"${instruction} ${key} value" should be written "${instruction} ${key}=value"`, location, 'the legacy whitespace form is deprecated; use key=value');
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
export function maintainerDeprecated(location: SourceLocation): Diagnostic {
  return warning(MAINTAINER_DEPRECATED, 'MAINTAINER is deprecated', location, 'use `LABEL org.opencontainers.image.authors="..."` instead');
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
export function duplicateStageName(name: string, location: SourceLocation, first: SourceLocation): Diagnostic {
  const d = warning(DUPLICATE_STAGE_NAME, `duplicate stage name "${name}"`, location, 'give every stage a unique name');
  d.notes = [{ message: `"${name}" is first used here`, location: first }];
  return d;
}

export const RESERVED_STAGE_NAME = 'DOCKERFILE_RESERVED_STAGE_NAME';
/** BuildKit's ReservedStageName check. */
export function reservedStageName(name: string, location: SourceLocation): Diagnostic {
  return warning(RESERVED_STAGE_NAME, `"${name}" is a reserved stage name`, location, 'pick another name; "scratch" and "context" have a meaning of their own');
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

/** Every code above, for coverage tests (e.g. one docs page per code). */
export const DIAGNOSTIC_CODES: readonly string[] = [
  EMPTY, LINE_TOO_LONG, DUPLICATE_DIRECTIVE, INVALID_ESCAPE_DIRECTIVE, EMPTY_CONTINUATION_LINE,
  UNTERMINATED_HEREDOC, INVALID_HEREDOC, UNKNOWN_INSTRUCTION, ONBUILD_TRIGGER_INVALID, INVALID_ONBUILD,
  UNKNOWN_FLAG, DUPLICATE_FLAG, INVALID_FLAG_VALUE, IGNORED_FLAG, MISSING_ARGUMENT, MISSING_DESTINATION,
  TOO_MANY_ARGUMENTS, INVALID_STAGE_NAME, ENV_NO_VALUE, LABEL_NO_VALUE, INVALID_KEY_VALUE, BLANK_NAME,
  LEGACY_KEY_VALUE, JSON_NOT_STRINGS, SHELL_NOT_JSON, EMPTY_VOLUME, INVALID_HEALTHCHECK, MAINTAINER_DEPRECATED,
  FROM_FLAG_VARIABLE, INSTRUCTION_BEFORE_FROM, NO_FROM, DUPLICATE_STAGE_NAME, RESERVED_STAGE_NAME,
  BAD_SUBSTITUTION, REQUIRED_VARIABLE, EMPTY_BASE_NAME,
];
