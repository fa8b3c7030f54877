// Every diagnostic @boxer/build raises. Locations point at the Dockerfile instruction that caused it.
import { docsUrl, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';

export const BUILD_CONTEXT_NOT_FOUND = 'BUILD_CONTEXT_NOT_FOUND';
export function contextNotFound(dir: string, cause?: unknown): Diagnostic {
  return {
    code: BUILD_CONTEXT_NOT_FOUND, severity: 'error', cause,
    message: `build context ${JSON.stringify(dir)} is not a directory`,
    hint: 'pass the directory that holds your files, e.g. `boxer build .` or `boxer build examples/hello`',
    url: docsUrl(BUILD_CONTEXT_NOT_FOUND),
  };
}

export const BUILD_CONTEXT_UNREADABLE = 'BUILD_CONTEXT_UNREADABLE';
export function contextUnreadable(path: string, cause: unknown): Diagnostic {
  const code = (cause as NodeJS.ErrnoException)?.code;
  const why = code === 'EACCES' ? 'permission denied' : code === 'ELOOP' || code === 'ECHANGED' ? 'it was replaced (by a symlink or another file) while the context was read' : (code ?? String(cause));
  return {
    code: BUILD_CONTEXT_UNREADABLE, severity: 'error', cause,
    message: `cannot read ${JSON.stringify(path)} in the build context: ${why}`,
    hint: 'fix its permissions or exclude it in .dockerignore',
    url: docsUrl(BUILD_CONTEXT_UNREADABLE),
  };
}

export const BUILD_CONTEXT_TOO_LARGE = 'BUILD_CONTEXT_TOO_LARGE';
export function contextTooLarge(dir: string, max: number): Diagnostic {
  return {
    code: BUILD_CONTEXT_TOO_LARGE, severity: 'error',
    message: `build context ${JSON.stringify(dir)} holds more than ${max} bytes`,
    hint: 'exclude what the image does not need in .dockerignore (node_modules, .git, build output)',
    url: docsUrl(BUILD_CONTEXT_TOO_LARGE),
  };
}

export const BUILD_CONTEXT_SPECIAL_FILE = 'BUILD_CONTEXT_SPECIAL_FILE';
export function contextSpecialFile(path: string): Diagnostic {
  return {
    code: BUILD_CONTEXT_SPECIAL_FILE, severity: 'warning',
    message: `${JSON.stringify(path)} in the build context is a socket, FIFO or device and was left out`,
    hint: 'add it to .dockerignore to silence this warning',
    url: docsUrl(BUILD_CONTEXT_SPECIAL_FILE),
  };
}

export const BUILD_DOCKERFILE_NOT_FOUND = 'BUILD_DOCKERFILE_NOT_FOUND';
export function dockerfileNotFound(path: string, cause?: unknown): Diagnostic {
  return {
    code: BUILD_DOCKERFILE_NOT_FOUND, severity: 'error', cause,
    message: `cannot read Dockerfile ${JSON.stringify(path)}`,
    hint: 'name it with `-f path/to/Dockerfile`, or put a file named Dockerfile in the build context',
    url: docsUrl(BUILD_DOCKERFILE_NOT_FOUND),
  };
}

export const BUILD_COPY_SOURCE_NOT_FOUND = 'BUILD_COPY_SOURCE_NOT_FOUND';
export function copySourceNotFound(instruction: string, source: string, location: SourceLocation, ignored: boolean): Diagnostic {
  return {
    code: BUILD_COPY_SOURCE_NOT_FOUND, severity: 'error', location,
    message: `${instruction} source ${JSON.stringify(source)} was not found in the build context`,
    hint: ignored
      ? `it is excluded by .dockerignore; remove the matching pattern to copy it`
      : 'source paths are relative to the build context directory (the last argument of `boxer build`), not to the Dockerfile',
    url: docsUrl(BUILD_COPY_SOURCE_NOT_FOUND),
  };
}

export const BUILD_COPY_DEST_NOT_DIR = 'BUILD_COPY_DEST_NOT_DIR';
export function copyDestNotDir(instruction: string, dest: string, location: SourceLocation): Diagnostic {
  return {
    code: BUILD_COPY_DEST_NOT_DIR, severity: 'error', location,
    message: `when using ${instruction} with more than one source file, the destination must be a directory and end with a / (got ${JSON.stringify(dest)})`,
    hint: `write the destination as ${JSON.stringify(dest.endsWith('/') ? dest : `${dest}/`)}`,
    url: docsUrl(BUILD_COPY_DEST_NOT_DIR),
  };
}

export const BUILD_COPY_CONFLICT = 'BUILD_COPY_CONFLICT';
const ERRNO_TEXT: Record<string, string> = {
  EISDIR: 'a directory is in the way',
  ENOTDIR: 'a file is in the way of a directory',
  ELOOP: 'too many levels of symbolic links',
  EEXIST: 'something else already exists there',
  ENAMETOOLONG: 'a path component is longer than 255 bytes',
  EINVAL: 'the name is not valid',
};
export function copyConflict(instruction: string, path: string, code: string, location: SourceLocation): Diagnostic {
  return {
    code: BUILD_COPY_CONFLICT, severity: 'error', location,
    message: `${instruction} cannot write ${JSON.stringify(path)}: ${ERRNO_TEXT[code] ?? code}`,
    hint: instruction === 'WORKDIR'
      ? 'WORKDIR creates its directory: a file or a symlink loop already sits on that path in the image'
      : 'check the destination path; a trailing / copies into a directory',
    url: docsUrl(BUILD_COPY_CONFLICT),
  };
}

export const BUILD_BAD_PATTERN = 'BUILD_BAD_PATTERN';
export function badPattern(source: string, message: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_BAD_PATTERN, severity: 'error', location, message: `invalid wildcard in source ${JSON.stringify(source)}: ${message}`, hint: 'write a literal [ as the class [[] (a backslash is taken by Dockerfile quoting first)', url: docsUrl(BUILD_BAD_PATTERN) };
}

export const BUILD_UNSUPPORTED_INSTRUCTION = 'BUILD_UNSUPPORTED_INSTRUCTION';
export function unsupportedInstruction(keyword: string, location: SourceLocation, hint: string): Diagnostic {
  return { code: BUILD_UNSUPPORTED_INSTRUCTION, severity: 'error', location, message: `${keyword} is not supported by this version of boxer`, hint, url: docsUrl(BUILD_UNSUPPORTED_INSTRUCTION) };
}

export const BUILD_UNSUPPORTED_FLAG = 'BUILD_UNSUPPORTED_FLAG';
export function unsupportedFlag(keyword: string, flag: string, location: SourceLocation, hint: string): Diagnostic {
  return { code: BUILD_UNSUPPORTED_FLAG, severity: 'error', location, message: `${keyword} ${flag} is not supported by this version of boxer`, hint, url: docsUrl(BUILD_UNSUPPORTED_FLAG) };
}

export const BUILD_UNKNOWN_USER = 'BUILD_UNKNOWN_USER';
export function unknownUser(spec: string, location: SourceLocation, instruction = 'COPY'): Diagnostic {
  return {
    code: BUILD_UNKNOWN_USER, severity: 'error', location,
    message: `cannot resolve user or group ${JSON.stringify(spec)}: the image has no matching entry in /etc/passwd or /etc/group`,
    hint: instruction === 'USER'
      ? 'WORKDIR creates its directory as the USER: use numeric ids (e.g. USER 1000:1000) or add the user to /etc/passwd first'
      : 'use numeric ids (e.g. --chown=1000:1000) or add the user to the image first',
    url: docsUrl(BUILD_UNKNOWN_USER),
  };
}

export const BUILD_BAD_CHMOD = 'BUILD_BAD_CHMOD';
export function badChmod(value: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_BAD_CHMOD, severity: 'error', location, message: `invalid --chmod value ${JSON.stringify(value)}`, hint: 'use an octal mode (--chmod=0755) or chmod(1) symbolic clauses (--chmod=u+x,go-w)', url: docsUrl(BUILD_BAD_CHMOD) };
}

export const BUILD_TARGET_NOT_FOUND = 'BUILD_TARGET_NOT_FOUND';
export function targetNotFound(target: string, names: string[]): Diagnostic {
  return {
    code: BUILD_TARGET_NOT_FOUND, severity: 'error',
    message: `target stage ${JSON.stringify(target)} could not be found`,
    hint: names.length ? `the Dockerfile names these stages: ${names.join(', ')}` : 'the Dockerfile names no stage (use `FROM image AS name`)',
    url: docsUrl(BUILD_TARGET_NOT_FOUND),
  };
}

export const BUILD_UNUSED_BUILD_ARG = 'BUILD_UNUSED_BUILD_ARG';
export function unusedBuildArg(name: string): Diagnostic {
  return {
    code: BUILD_UNUSED_BUILD_ARG, severity: 'warning',
    message: `build argument ${JSON.stringify(name)} was not consumed`,
    hint: `declare it with \`ARG ${name}\` in the Dockerfile, or drop --build-arg ${name}`,
    url: docsUrl(BUILD_UNUSED_BUILD_ARG),
  };
}


export const BUILD_BAD_VALUE = 'BUILD_BAD_VALUE';
export function badValue(keyword: string, value: string, location: SourceLocation, hint: string): Diagnostic {
  return { code: BUILD_BAD_VALUE, severity: 'error', location, message: `invalid ${keyword} value ${JSON.stringify(value)}`, hint, url: docsUrl(BUILD_BAD_VALUE) };
}

export const BUILD_COPY_FROM_LATER_STAGE = 'BUILD_COPY_FROM_LATER_STAGE';
export function copyFromLaterStage(from: string, current: { name?: string; index: number }, location: SourceLocation): Diagnostic {
  const here = current.name ?? `stage-${current.index}`;
  return {
    code: BUILD_COPY_FROM_LATER_STAGE, severity: 'error', location,
    message: `cannot copy from stage ${JSON.stringify(from)}: it needs to be defined before the current stage ${JSON.stringify(here)}`,
    hint: 'move that stage above this one, or refer to an earlier stage by its name or index (0 is the first FROM)',
    url: docsUrl(BUILD_COPY_FROM_LATER_STAGE),
  };
}

export const BUILD_COPY_SOURCE_NOT_IN_STAGE = 'BUILD_COPY_SOURCE_NOT_IN_STAGE';
export function copySourceNotInStage(instruction: string, source: string, stage: string, location: SourceLocation): Diagnostic {
  return {
    code: BUILD_COPY_SOURCE_NOT_IN_STAGE, severity: 'error', location,
    message: `${instruction} --from=${stage}: ${JSON.stringify(source)} does not exist in that stage`,
    hint: 'paths after --from are absolute in the source stage (its WORKDIR does not apply); `boxer build --target <stage>` then `boxer inspect` lists its files',
    url: docsUrl(BUILD_COPY_SOURCE_NOT_IN_STAGE),
  };
}

export const BUILD_NET_DENIED = 'BUILD_NET_DENIED';
export function netDenied(url: URL, location: SourceLocation): Diagnostic {
  const host = url.port ? `${url.hostname}:${url.port}` : url.hostname;
  return {
    code: BUILD_NET_DENIED, severity: 'error', location,
    message: `ADD needs the network to fetch ${url.href}, and this build has no network grant for ${host}`,
    hint: `builds are offline unless granted: rerun with --allow-net=${host} (or download the file into the context and COPY it)`,
    url: docsUrl(BUILD_NET_DENIED),
  };
}

export const BUILD_FETCH_FAILED = 'BUILD_FETCH_FAILED';
export function fetchFailed(source: string, why: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_FETCH_FAILED, severity: 'error', location, message: `ADD could not download ${source}: ${why}`, hint: 'check the URL with curl -I; a server that is down or a path that moved fails the build', url: docsUrl(BUILD_FETCH_FAILED) };
}

export const BUILD_BAD_URL = 'BUILD_BAD_URL';
export function badUrl(source: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_BAD_URL, severity: 'error', location, message: `ADD source ${JSON.stringify(source)} is not an http:// or https:// URL`, hint: 'ADD downloads http(s) URLs; for other schemes download the file first and COPY it', url: docsUrl(BUILD_BAD_URL) };
}

export const BUILD_CHECKSUM_MISMATCH = 'BUILD_CHECKSUM_MISMATCH';
export function checksumMismatch(source: string, want: string, got: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_CHECKSUM_MISMATCH, severity: 'error', location, message: `ADD ${source}: the download has digest ${got}, not the --checksum ${want}`, hint: 'the file changed or was tampered with; verify the source before updating --checksum', url: docsUrl(BUILD_CHECKSUM_MISMATCH) };
}
export function badChecksum(value: string, location: SourceLocation): Diagnostic {
  return { code: BUILD_CHECKSUM_MISMATCH, severity: 'error', location, message: `--checksum=${value} is not a sha256 digest`, hint: 'write --checksum=sha256:<64 hex digits>', url: docsUrl(BUILD_CHECKSUM_MISMATCH) };
}

export const BUILD_BAD_TRIGGER = 'BUILD_BAD_TRIGGER';
export function badTrigger(trigger: string, location: SourceLocation, why: string): Diagnostic {
  return {
    code: BUILD_BAD_TRIGGER, severity: 'error', location,
    message: `the base image's ONBUILD trigger ${JSON.stringify(trigger)} is not a valid instruction: ${why}`,
    hint: 'the base image carries a broken trigger; rebuild it without that ONBUILD, or start from another base',
    url: docsUrl(BUILD_BAD_TRIGGER),
  };
}
