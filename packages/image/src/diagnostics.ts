// Every diagnostic @boxer/image raises.
import { docsUrl, type Diagnostic, type SourceLocation } from '@boxer/diagnostics';

export const IMAGE_BASE_UNSUPPORTED = 'IMAGE_BASE_UNSUPPORTED';
export function baseUnsupported(ref: string, location?: SourceLocation): Diagnostic {
  return {
    code: IMAGE_BASE_UNSUPPORTED, severity: 'error', location,
    message: `base image ${JSON.stringify(ref)} cannot be used yet: this version of boxer builds only FROM scratch or an earlier stage`,
    hint: 'start from `FROM scratch` and COPY a wasm32-wasi program in; pulling registry images and the Wasm base catalog are on the roadmap',
    url: docsUrl(IMAGE_BASE_UNSUPPORTED),
  };
}
