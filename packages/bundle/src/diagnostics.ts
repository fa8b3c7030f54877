// Every diagnostic @boxer/bundle raises (reading boxes: the input may be anything).
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const BOX_NOT_WASM = 'BOX_NOT_WASM';
export function notWasm(file: string): Diagnostic {
  return {
    code: BOX_NOT_WASM, severity: 'error',
    message: `${file} is not a box: it is not a WebAssembly module`,
    hint: 'build a box with `boxer build -o app.wasm`, then `boxer run app.wasm`',
    url: docsUrl(BOX_NOT_WASM),
  };
}

export const BOX_NOT_A_BOX = 'BOX_NOT_A_BOX';
export function notABox(file: string): Diagnostic {
  return {
    code: BOX_NOT_A_BOX, severity: 'error',
    message: `${file} is a WebAssembly module but not a box (it has no boxer.manifest section)`,
    hint: 'to run a plain WASI program, wrap it: a Dockerfile with `FROM scratch`, `COPY app.wasm /app.wasm`, `ENTRYPOINT ["/app.wasm"]`, then `boxer build`',
    url: docsUrl(BOX_NOT_A_BOX),
  };
}

export const BOX_MALFORMED = 'BOX_MALFORMED';
export function malformed(file: string, why: string): Diagnostic {
  return {
    code: BOX_MALFORMED, severity: 'error',
    message: `${file} is a damaged box: ${why}`,
    hint: 'rebuild it with `boxer build`; a box that was truncated or edited cannot be run',
    url: docsUrl(BOX_MALFORMED),
  };
}

export const BOX_TOO_NEW = 'BOX_TOO_NEW';
export function tooNew(file: string, version: string, supported: string): Diagnostic {
  return {
    code: BOX_TOO_NEW, severity: 'error',
    message: `${file} has box format ${version}, newer than this boxer reads (${supported})`,
    hint: 'upgrade boxer',
    url: docsUrl(BOX_TOO_NEW),
  };
}
