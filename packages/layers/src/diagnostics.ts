// Every diagnostic @boxer/layers raises. Archives and layers are untrusted input: each refusal names
// the entry and the rule it broke.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const LAYERS_BAD_ARCHIVE = 'LAYERS_BAD_ARCHIVE';
export function badArchive(name: string, why: string): Diagnostic {
  return { code: LAYERS_BAD_ARCHIVE, severity: 'error', message: `${name} is not a readable tar archive: ${why}`, hint: 'check that the file is complete (re-download or re-create it); tar -tvf shows what is wrong', url: docsUrl(LAYERS_BAD_ARCHIVE) };
}

export const LAYERS_PATH_ESCAPE = 'LAYERS_PATH_ESCAPE';
export function pathEscape(name: string, entry: string): Diagnostic {
  return { code: LAYERS_PATH_ESCAPE, severity: 'error', message: `${name}: entry ${JSON.stringify(entry)} climbs out of the extraction root with ..`, hint: 'this archive is malformed or hostile; re-create it with paths relative to its root', url: docsUrl(LAYERS_PATH_ESCAPE) };
}

export const LAYERS_BAD_HARDLINK = 'LAYERS_BAD_HARDLINK';
export function badHardlink(name: string, entry: string, target: string, why: string): Diagnostic {
  return { code: LAYERS_BAD_HARDLINK, severity: 'error', message: `${name}: hard link ${JSON.stringify(entry)} -> ${JSON.stringify(target)} ${why}`, hint: 'a hard link must name a regular file that the archive (or an earlier layer) already holds', url: docsUrl(LAYERS_BAD_HARDLINK) };
}

export const LAYERS_LIMIT = 'LAYERS_LIMIT';
export function limitExceeded(name: string, what: string, limit: number): Diagnostic {
  return { code: LAYERS_LIMIT, severity: 'error', message: `${name}: ${what} exceeds the limit of ${limit}; extraction was stopped`, hint: 'a tar or compression bomb, or a very large archive: if it is legitimate, unpack only what the image needs', url: docsUrl(LAYERS_LIMIT) };
}

export const LAYERS_UNSUPPORTED_COMPRESSION = 'LAYERS_UNSUPPORTED_COMPRESSION';
export function unsupportedCompression(name: string, kind: string): Diagnostic {
  return { code: LAYERS_UNSUPPORTED_COMPRESSION, severity: 'error', message: `${name} is ${kind}-compressed, which this version of boxer cannot decompress`, hint: 'recompress it with gzip, zstd, bzip2 or xz, or ship it uncompressed', url: docsUrl(LAYERS_UNSUPPORTED_COMPRESSION) };
}

export const LAYERS_SPECIAL_FILE = 'LAYERS_SPECIAL_FILE';
export function specialFile(name: string, entry: string, type: string): Diagnostic {
  return { code: LAYERS_SPECIAL_FILE, severity: 'warning', message: `${name}: ${type} entry ${JSON.stringify(entry)} was left out (a box has no devices, FIFOs or sockets)`, hint: 'nothing to do unless the program needs that node; boxes get devices only through grants', url: docsUrl(LAYERS_SPECIAL_FILE) };
}

export const LAYERS_BAD_WHITEOUT = 'LAYERS_BAD_WHITEOUT';
export function badWhiteout(name: string, entry: string, why: string): Diagnostic {
  return { code: LAYERS_BAD_WHITEOUT, severity: 'error', message: `${name}: whiteout ${JSON.stringify(entry)} ${why}`, hint: 'this layer is malformed or hostile: a whiteout must name an entry of a directory that lower layers hold as a real directory', url: docsUrl(LAYERS_BAD_WHITEOUT) };
}
