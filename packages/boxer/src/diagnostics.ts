// Every diagnostic the boxer package (API + CLI) raises itself.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const CLI_BOX_NOT_FOUND = 'CLI_BOX_NOT_FOUND';
export function boxNotFound(path: string, cause: unknown): Diagnostic {
  return { code: CLI_BOX_NOT_FOUND, severity: 'error', cause, message: `cannot read box ${JSON.stringify(path)}: ${(cause as NodeJS.ErrnoException)?.code ?? cause}`, hint: 'build one with `boxer build -o app.wasm`', url: docsUrl(CLI_BOX_NOT_FOUND) };
}

export const CLI_BAD_OUTPUT = 'CLI_BAD_OUTPUT';
export function badOutput(spec: string, why: string): Diagnostic {
  return { code: CLI_BAD_OUTPUT, severity: 'error', message: `invalid -o ${JSON.stringify(spec)}: ${why}`, hint: 'use `-o app.wasm` or `-o type=box,dest=app.wasm`', url: docsUrl(CLI_BAD_OUTPUT) };
}
export function plannedOutput(type: string): Diagnostic {
  return { code: CLI_BAD_OUTPUT, severity: 'error', message: `output type ${JSON.stringify(type)} is not supported by this version of boxer`, hint: 'write a box with `-o app.wasm` (or `-o type=box,dest=app.wasm`)', url: docsUrl(CLI_BAD_OUTPUT) };
}

export const CLI_BAD_KEY_VALUE = 'CLI_BAD_KEY_VALUE';
export function badKeyValue(flag: string, value: string, forGuest: boolean): Diagnostic {
  return {
    code: CLI_BAD_KEY_VALUE, severity: 'error',
    message: `${flag} ${JSON.stringify(value)} needs the form KEY=VALUE`,
    hint: forGuest ? 'boxer never copies a host variable into a box implicitly: write -e NAME=value' : `write ${flag} NAME=value`,
    url: docsUrl(CLI_BAD_KEY_VALUE),
  };
}

export const CLI_BAD_VALUE = 'CLI_BAD_VALUE';
export function badValue(flag: string, value: string, what: string, example: string): Diagnostic {
  return { code: CLI_BAD_VALUE, severity: 'error', message: `${flag} ${JSON.stringify(value)} is not ${what}`, hint: `e.g. ${flag} ${example}`, url: docsUrl(CLI_BAD_VALUE) };
}

export const BUILD_BAD_SOURCE_DATE_EPOCH = 'BUILD_BAD_SOURCE_DATE_EPOCH';
export function badSourceDateEpoch(value: string): Diagnostic {
  return { code: BUILD_BAD_SOURCE_DATE_EPOCH, severity: 'error', message: `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not a whole number of seconds`, hint: 'unset it, or set it to e.g. `git log -1 --format=%ct`', url: docsUrl(BUILD_BAD_SOURCE_DATE_EPOCH) };
}

export const CLI_NOT_A_BOX_ARTIFACT = 'CLI_NOT_A_BOX_ARTIFACT';
export function notABoxArtifact(ref: string, mediaTypes: string[]): Diagnostic {
  return {
    code: CLI_NOT_A_BOX_ARTIFACT, severity: 'error',
    message: `${ref} is not a box: its layers are ${mediaTypes.map((m) => JSON.stringify(m)).join(', ') || 'none'}, none of them application/wasm`,
    hint: 'to build a box from a container image, use it in FROM and `boxer build`; `boxer pull`/`run` take boxes pushed with `boxer push`',
    url: docsUrl(CLI_NOT_A_BOX_ARTIFACT),
  };
}

export const CLI_AUDIT_UNWRITABLE = 'CLI_AUDIT_UNWRITABLE';
export function auditUnwritable(path: string, cause: unknown): Diagnostic {
  return { code: CLI_AUDIT_UNWRITABLE, severity: 'error', cause, message: `cannot write the audit log ${JSON.stringify(path)}: ${(cause as NodeJS.ErrnoException)?.code ?? cause}`, hint: 'give a path in a directory you can write to, or `--audit -` for stderr', url: docsUrl(CLI_AUDIT_UNWRITABLE) };
}

export const CLI_NOT_A_TTY = 'CLI_NOT_A_TTY';
export function badTty(): Diagnostic {
  return {
    code: CLI_NOT_A_TTY, severity: 'error',
    message: 'the input device is not a TTY: -i with -t needs boxer\'s stdin to be a terminal',
    hint: 'drop -t when stdin is a pipe or a file (`echo hi | boxer run -i box.wasm`), as with `docker run`',
    url: docsUrl(CLI_NOT_A_TTY),
  };
}
