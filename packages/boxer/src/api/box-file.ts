// Diagnostics about box files named on the command line.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const CLI_BOX_NOT_FOUND = 'CLI_BOX_NOT_FOUND';
export const diagnostics = {
  boxNotFound(path: string, cause: unknown): Diagnostic {
    return { code: CLI_BOX_NOT_FOUND, severity: 'error', cause, message: `cannot read box ${JSON.stringify(path)}: ${(cause as NodeJS.ErrnoException)?.code ?? cause}`, hint: 'build one with `boxer build -o app.wasm`', url: docsUrl(CLI_BOX_NOT_FOUND) };
  },
};
