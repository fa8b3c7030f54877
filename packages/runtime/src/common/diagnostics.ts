// Every diagnostic @boxer/runtime raises. Each names what was refused and what to do instead.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';
import { BOX_MALFORMED } from '@boxer/bundle';
import { formatSize } from './units.js';

export const RUNTIME_NO_COMMAND = 'RUNTIME_NO_COMMAND';
export function noCommand(): Diagnostic {
  return {
    code: RUNTIME_NO_COMMAND, severity: 'error',
    message: 'the box has no command to run: it sets neither ENTRYPOINT nor CMD, and no arguments were given',
    hint: 'add `ENTRYPOINT ["/path/to/program.wasm"]` to the Dockerfile, or pass the program after the box: `boxer run box.wasm /app/prog.wasm`',
    url: docsUrl(RUNTIME_NO_COMMAND),
  };
}

export const RUNTIME_COMMAND_NOT_FOUND = 'RUNTIME_COMMAND_NOT_FOUND';
export function commandNotFound(path: string): Diagnostic {
  return {
    code: RUNTIME_COMMAND_NOT_FOUND, severity: 'error',
    message: `${JSON.stringify(path)} does not exist in the box`,
    hint: 'check ENTRYPOINT/CMD against the files listed by `boxer inspect`',
    url: docsUrl(RUNTIME_COMMAND_NOT_FOUND),
  };
}
export function commandNotInPath(name: string): Diagnostic {
  return {
    code: RUNTIME_COMMAND_NOT_FOUND, severity: 'error',
    message: `${JSON.stringify(name)}: executable file not found in the box's $PATH`,
    hint: 'use an absolute path in ENTRYPOINT/CMD, or add its directory to PATH with ENV',
    url: docsUrl(RUNTIME_COMMAND_NOT_FOUND),
  };
}

export function shellFormWithoutShell(shell: string, command: string): Diagnostic {
  return {
    code: RUNTIME_COMMAND_NOT_FOUND, severity: 'error',
    message: `the box's command is in shell form (${JSON.stringify(command)}), which runs ${JSON.stringify(shell)}, and the box has no ${shell}`,
    hint: `write CMD/ENTRYPOINT in exec form, e.g. ENTRYPOINT ${JSON.stringify(command.split(/\s+/).filter(Boolean))}`,
    url: docsUrl(RUNTIME_COMMAND_NOT_FOUND),
  };
}

export const RUNTIME_NOT_EXECUTABLE = 'RUNTIME_NOT_EXECUTABLE';
export function notExecutable(path: string, why: string): Diagnostic {
  return {
    code: RUNTIME_NOT_EXECUTABLE, severity: 'error',
    message: `cannot run ${JSON.stringify(path)}: ${why}`,
    hint: 'ENTRYPOINT/CMD must name a wasm32-wasi program in the box',
    url: docsUrl(RUNTIME_NOT_EXECUTABLE),
  };
}

export const RUNTIME_NATIVE_BINARY = 'RUNTIME_NATIVE_BINARY';
export function nativeBinary(path: string): Diagnostic {
  return {
    code: RUNTIME_NATIVE_BINARY, severity: 'error',
    message: `${JSON.stringify(path)} is a native Linux (ELF) executable; a box runs only WebAssembly`,
    hint: 'compile the program for wasm32-wasi (e.g. `clang --target=wasm32-wasi`, `cargo build --target wasm32-wasip1`) and COPY the .wasm into the box',
    url: docsUrl(RUNTIME_NATIVE_BINARY),
  };
}

export const RUNTIME_SCRIPT_UNSUPPORTED = 'RUNTIME_SCRIPT_UNSUPPORTED';
export function scriptUnsupported(path: string, shebang: string): Diagnostic {
  return {
    code: RUNTIME_SCRIPT_UNSUPPORTED, severity: 'error',
    message: `${JSON.stringify(path)} is a script (${shebang}); this version of boxer cannot start interpreters yet`,
    hint: 'point ENTRYPOINT at a wasm32-wasi program; interpreter bases (ruby, perl, node) are on the roadmap',
    url: docsUrl(RUNTIME_SCRIPT_UNSUPPORTED),
  };
}

export const RUNTIME_COMPONENT_UNSUPPORTED = 'RUNTIME_COMPONENT_UNSUPPORTED';
export function componentUnsupported(path: string): Diagnostic {
  return {
    code: RUNTIME_COMPONENT_UNSUPPORTED, severity: 'error',
    message: `${JSON.stringify(path)} is a WebAssembly component (preview2); this version of boxer runs preview1 modules only`,
    hint: 'build the program as a wasm32-wasi (preview1) module',
    url: docsUrl(RUNTIME_COMPONENT_UNSUPPORTED),
  };
}
/** A component that exports neither wasi:cli/run nor wasi:http/incoming-handler: nothing to start. */
export function componentNoEntry(path: string, exports: readonly string[]): Diagnostic {
  return {
    code: RUNTIME_COMPONENT_UNSUPPORTED, severity: 'error',
    message: `${JSON.stringify(path)} is a WebAssembly component that exports neither wasi:cli/run nor wasi:http/incoming-handler (it exports ${exports.length > 0 ? exports.join(', ') : 'nothing'})`,
    hint: 'boxer starts a component through wasi:cli/run (a command) or serves its wasi:http/incoming-handler (with -p)',
    url: docsUrl(RUNTIME_COMPONENT_UNSUPPORTED),
  };
}

export const RUNTIME_NOT_PUBLISHED = 'RUNTIME_NOT_PUBLISHED';
/** A component that only serves wasi:http, run without `-p`: nothing could ever reach it. */
export function notPublished(path: string): Diagnostic {
  return {
    code: RUNTIME_NOT_PUBLISHED, severity: 'error',
    message: `${JSON.stringify(path)} serves HTTP (it exports wasi:http/incoming-handler), and nothing is published: the host listens only where -p says`,
    hint: 'publish it on a host port, e.g. `boxer run -p 8080:80 box.wasm` (listens on 127.0.0.1:8080)',
    url: docsUrl(RUNTIME_NOT_PUBLISHED),
  };
}

export const RUNTIME_PUBLISH_FAILED = 'RUNTIME_PUBLISH_FAILED';
export function publishFailed(spec: string, why: string): Diagnostic {
  return {
    code: RUNTIME_PUBLISH_FAILED, severity: 'error',
    message: `cannot publish -p ${spec}: ${why}`,
    hint: 'pick a free host port (another process may hold it), or an address this machine has',
    url: docsUrl(RUNTIME_PUBLISH_FAILED),
  };
}

/**
 * `-p` for a program that cannot serve: a preview1 module has no sockets. An explicit `-p` is an
 * error; ports that only `--allow-requested` made from EXPOSE get a warning.
 */
export function nothingToPublish(path: string, explicit: boolean): Diagnostic {
  return {
    code: RUNTIME_PUBLISH_FAILED, severity: explicit ? 'error' : 'warning',
    message: `${explicit ? 'cannot publish' : 'the EXPOSEd ports are not served'}: ${JSON.stringify(path)} is a preview1 program, which cannot accept connections (preview1 has no sockets)`,
    hint: explicit ? 'drop -p, or build the program as a component that exports wasi:http/incoming-handler or listens with wasi:sockets' : 'the box EXPOSEs ports its program cannot serve; only a component (exporting wasi:http/incoming-handler, or listening with wasi:sockets) is published',
    url: docsUrl(RUNTIME_PUBLISH_FAILED),
  };
}

export const RUNTIME_NET_DENIED = 'RUNTIME_NET_DENIED';
/** Reported once per host:port the guest tried and `--allow-net` did not allow (the guest got HTTP-request-denied). */
export function netDenied(resource: string, address: string | undefined): Diagnostic {
  return {
    code: RUNTIME_NET_DENIED, severity: 'warning',
    message: `the box tried to connect to ${resource}${address && !resource.startsWith(address) ? ` (${address})` : ''} and was denied: no --allow-net entry allows it`,
    hint: `if it should, run with --allow-net=${resource}`,
    url: docsUrl(RUNTIME_NET_DENIED),
  };
}

/** A wasi:sockets name lookup no `--allow-net` entry could allow (the name was never looked up; the guest got access-denied). */
export function lookupDenied(name: string): Diagnostic {
  return {
    code: RUNTIME_NET_DENIED, severity: 'warning',
    message: `the box tried to look up ${JSON.stringify(name)} and was denied: no --allow-net entry could allow a connection to it, so it was never resolved`,
    hint: `if it should, run with --allow-net=${name} (or name the port: --allow-net=${name}:443)`,
    url: docsUrl(RUNTIME_NET_DENIED),
  };
}

export const RUNTIME_LISTEN_DENIED = 'RUNTIME_LISTEN_DENIED';
/** Reported once per address:port a component tried to bind a TCP socket to that no `-p` publishes (it got access-denied). */
export function listenDenied(resource: string, port: number): Diagnostic {
  return {
    code: RUNTIME_LISTEN_DENIED, severity: 'warning',
    message: `the box tried to bind a TCP socket to ${resource} and was denied: no -p publishes its port ${port}`,
    hint: `if it should accept connections, publish the port: -p 8080:${port} (the host listens on 127.0.0.1:8080 and hands the connections to the box's socket)`,
    url: docsUrl(RUNTIME_LISTEN_DENIED),
  };
}

export const RUNTIME_UDP_UNSUPPORTED = 'RUNTIME_UDP_UNSUPPORTED';
/** A component created a wasi:sockets UDP socket (it got not-supported); reported once per run. */
export function udpUnsupported(): Diagnostic {
  return {
    code: RUNTIME_UDP_UNSUPPORTED, severity: 'warning',
    message: 'the box tried to create a UDP socket: boxer supports TCP only (wasi:sockets/udp answers not-supported)',
    hint: 'use TCP (or wasi:http) for the box\'s network traffic',
    url: docsUrl(RUNTIME_UDP_UNSUPPORTED),
  };
}

export const RUNTIME_BAD_MODULE = 'RUNTIME_BAD_MODULE';
export function badModule(path: string, why: string): Diagnostic {
  return {
    code: RUNTIME_BAD_MODULE, severity: 'error',
    message: `${JSON.stringify(path)} is not a valid WebAssembly program: ${why}`,
    hint: 'rebuild the program; the engine refused to compile or link it',
    url: docsUrl(RUNTIME_BAD_MODULE),
  };
}
/** A module whose imports do not match what a WASI preview1 host provides. */
export function badImport(path: string, why: string): Diagnostic {
  return {
    code: RUNTIME_BAD_MODULE, severity: 'error',
    message: `${JSON.stringify(path)} is not a valid WebAssembly program: ${why}`,
    hint: 'build the program against wasi-libc or another preview1 toolchain; a hand-written import must use the exact preview1 signature',
    url: docsUrl(RUNTIME_BAD_MODULE),
  };
}

export const RUNTIME_MEMORY_LIMIT = 'RUNTIME_MEMORY_LIMIT';
export function memoryLimit(path: string, minimumPages: number, limitBytes: number): Diagnostic {
  const need = minimumPages * 65536;
  return {
    code: RUNTIME_MEMORY_LIMIT, severity: 'error',
    message: `${JSON.stringify(path)} needs ${formatSize(need)} of memory to start (its minimum of ${minimumPages} pages), more than the memory limit of ${formatSize(limitBytes)}`,
    hint: `raise the limit with --memory, e.g. --memory ${dockerSize(need)}, or link the program with a smaller initial memory`,
    url: docsUrl(RUNTIME_MEMORY_LIMIT),
  };
}

export const RUNTIME_OUTPUT_LIMIT = 'RUNTIME_OUTPUT_LIMIT';
export function outputLimit(limitBytes: number): Diagnostic {
  return {
    code: RUNTIME_OUTPUT_LIMIT, severity: 'error',
    message: `the box wrote more than its output limit of ${formatSize(limitBytes)} (stdout and stderr together) and was stopped`,
    hint: `output up to the limit was passed on; raise it with --max-output, e.g. --max-output ${dockerSize(limitBytes * 4 || 1024 * 1024)}; boxer exits with 153`,
    url: docsUrl(RUNTIME_OUTPUT_LIMIT),
  };
}

/** A limit in the box's manifest that is not a usable value: the box was not written by boxer build. */
export function badManifestLimit(file: string, name: string, value: unknown, why: string): Diagnostic {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = String(value);
  }
  if (shown.length > 40) shown = `${shown.slice(0, 40)}…`;
  return {
    code: BOX_MALFORMED, severity: 'error',
    message: `${file} is a damaged box: its manifest sets limits${name ? `.${name}` : ''} to ${shown}, which is not ${why}`,
    hint: 'rebuild it with `boxer build`; boxer writes every limit as a whole number',
    url: docsUrl(BOX_MALFORMED),
  };
}

/** `n` bytes as a docker-style size for a flag (`--memory 512m`), rounded up. */
function dockerSize(n: number): string {
  const GiB = 1024 ** 3;
  const MiB = 1024 ** 2;
  if (n >= GiB && n % GiB === 0) return `${n / GiB}g`;
  if (n >= MiB) return `${Math.ceil(n / MiB)}m`;
  return `${Math.ceil(n / 1024)}k`;
}

export const RUNTIME_TRAP = 'RUNTIME_TRAP';
export function trap(path: string, message: string): Diagnostic {
  return {
    code: RUNTIME_TRAP, severity: 'error',
    message: `${JSON.stringify(path)} trapped: ${message}`,
    hint: 'the program crashed (an unreachable, an out-of-bounds access or a stack overflow); boxer exits with 134 as a crashed container would',
    url: docsUrl(RUNTIME_TRAP),
  };
}

export const RUNTIME_TIMEOUT = 'RUNTIME_TIMEOUT';
export function timeout(ms: number): Diagnostic {
  return {
    code: RUNTIME_TIMEOUT, severity: 'error',
    message: `the box ran longer than its wall-time limit of ${ms} ms and was stopped`,
    hint: 'raise the limit with --timeout, e.g. --timeout 5m (without the flag the box\'s own limits.timeoutMs applies, see `boxer inspect`)',
    url: docsUrl(RUNTIME_TIMEOUT),
  };
}

export const RUNTIME_TAMPERED_PROGRAM = 'RUNTIME_TAMPERED_PROGRAM';
export function tamperedProgram(path: string, digest: string): Diagnostic {
  return {
    code: RUNTIME_TAMPERED_PROGRAM, severity: 'error',
    message: `${JSON.stringify(path)} does not match the digest the box records for it (${digest}): the box was modified after it was built`,
    hint: 'do not run it; rebuild the box from its Dockerfile, or fetch it again from where it came from',
    url: docsUrl(RUNTIME_TAMPERED_PROGRAM),
  };
}

export const RUNTIME_MOUNT_FAILED = 'RUNTIME_MOUNT_FAILED';
export function mountFailed(grant: string, why: string, hint: string): Diagnostic {
  return {
    code: RUNTIME_MOUNT_FAILED, severity: 'error',
    message: `cannot mount ${grant}: ${why}`,
    hint,
    url: docsUrl(RUNTIME_MOUNT_FAILED),
  };
}

export const RUNTIME_PERSIST_MISMATCH = 'RUNTIME_PERSIST_MISMATCH';
export function persistMismatch(path: string, storeBox: string, box: string): Diagnostic {
  return {
    code: RUNTIME_PERSIST_MISMATCH, severity: 'error',
    message: `the --persist store ${path} was made by another box (snapshot ${storeBox.slice(0, 19)}…), not this one (${box.slice(0, 19)}…)`,
    hint: 'give this box its own store (another --persist path), or delete the old store to start this box from its image',
    url: docsUrl(RUNTIME_PERSIST_MISMATCH),
  };
}

export const RUNTIME_PERSIST_INVALID = 'RUNTIME_PERSIST_INVALID';
export function persistInvalid(path: string, why: string): Diagnostic {
  return {
    code: RUNTIME_PERSIST_INVALID, severity: 'error',
    message: `cannot use the --persist store ${path}: ${why}`,
    hint: 'the store is damaged or not a store; move it away to start the box from its image (boxer writes a store only whole, by rename, so a killed run never leaves half of one)',
    url: docsUrl(RUNTIME_PERSIST_INVALID),
  };
}

export const RUNTIME_TAMPERED_FILE = 'RUNTIME_TAMPERED_FILE';
export function tamperedFile(path: string, digest: string): Diagnostic {
  return {
    code: RUNTIME_TAMPERED_FILE, severity: 'error',
    message: `the guest opened ${JSON.stringify(path)}, whose bytes do not match the digest the box records for it (${digest}): the box was modified after it was built; the guest got EIO`,
    hint: 'do not trust this box or its output; rebuild it from its Dockerfile, or fetch it again from where it came from (`boxer inspect` checks every file)',
    url: docsUrl(RUNTIME_TAMPERED_FILE),
  };
}

export const RUNTIME_KV_DENIED = 'RUNTIME_KV_DENIED';
/** Reported once per bucket name the guest opened and no `--allow-kv` entry grants (the guest got `access-denied`). */
export function kvDenied(bucket: string): Diagnostic {
  return {
    code: RUNTIME_KV_DENIED, severity: 'warning',
    message: `the box opened the key-value bucket ${JSON.stringify(bucket)} and was denied: no --allow-kv entry grants it`,
    hint: `if it should, run with --allow-kv=${bucket} (in memory for the run) or --allow-kv=${bucket}:FILE (kept in FILE across runs)`,
    url: docsUrl(RUNTIME_KV_DENIED),
  };
}

export const RUNTIME_KV_FULL = 'RUNTIME_KV_FULL';
/** Reported once per bucket whose size limit refused a write (the guest got the `other` error). */
export function kvFull(bucket: string, limitBytes: number): Diagnostic {
  return {
    code: RUNTIME_KV_FULL, severity: 'warning',
    message: `the key-value bucket ${JSON.stringify(bucket)} reached its limit of ${formatSize(limitBytes)} (or ${Math.floor(limitBytes / 256)} keys) and refused a write`,
    hint: 'a bucket is capped by --max-write (keys plus values; at most 64 MiB); raise --max-write if the box needs more',
    url: docsUrl(RUNTIME_KV_FULL),
  };
}

export const RUNTIME_KV_INVALID = 'RUNTIME_KV_INVALID';
/** The FILE of `--allow-kv=bucket:FILE` cannot be read as a bucket, or cannot be written. */
export function kvInvalid(file: string, why: string): Diagnostic {
  return {
    code: RUNTIME_KV_INVALID, severity: 'error',
    message: `cannot use the key-value file ${file}: ${why}`,
    hint: 'give --allow-kv=bucket:FILE a path boxer can write, holding a bucket boxer wrote (or nothing yet); boxer writes it whole, by rename, so a failed write leaves the previous file as it was',
    url: docsUrl(RUNTIME_KV_INVALID),
  };
}

export const RUNTIME_HOST_MEMORY = 'RUNTIME_HOST_MEMORY';
export function hostMemory(mb: number): Diagnostic {
  return {
    code: RUNTIME_HOST_MEMORY, severity: 'error',
    message: `the run needed more than ${mb} MiB of boxer's own memory (its files, directory entries and buffers) and was stopped`,
    hint: 'the program keeps too many files or directory entries alive at once; lower --max-write to make it fail earlier with ENOSPC, or give it less to hold',
    url: docsUrl(RUNTIME_HOST_MEMORY),
  };
}
