// Diagnostics raised while reading local images (OCI layouts, oci-archive and docker-archive tars).
// NOTE: kept apart from diagnostics.ts only so that this change touches new files; merge when wiring.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const IMAGE_BAD_LAYOUT = 'IMAGE_BAD_LAYOUT';
export function badLayout(source: string, why: string): Diagnostic {
  return { code: IMAGE_BAD_LAYOUT, severity: 'error', message: `${source} is not a readable image: ${why}`, hint: 'check the path; re-export the image with `skopeo copy` (oci:, oci-archive: or docker-archive:) or `docker save`', url: docsUrl(IMAGE_BAD_LAYOUT) };
}

export const IMAGE_REF_NOT_FOUND = 'IMAGE_REF_NOT_FOUND';
export function refNotFound(source: string, ref: string, available: readonly string[]): Diagnostic {
  return { code: IMAGE_REF_NOT_FOUND, severity: 'error', message: `${source} has no image ${JSON.stringify(ref)}`, hint: available.length ? `it holds ${available.map((a) => JSON.stringify(a)).join(', ')}` : 'it holds no tagged image; name one by digest', url: docsUrl(IMAGE_REF_NOT_FOUND) };
}

export const IMAGE_PLATFORM_NOT_FOUND = 'IMAGE_PLATFORM_NOT_FOUND';
export function platformNotFound(source: string, wanted: string, available: readonly string[]): Diagnostic {
  return { code: IMAGE_PLATFORM_NOT_FOUND, severity: 'error', message: `${source} has no image for platform ${wanted}`, hint: `available: ${available.join(', ') || 'none'}; choose one with --platform`, url: docsUrl(IMAGE_PLATFORM_NOT_FOUND) };
}

export const IMAGE_DIGEST_MISMATCH = 'IMAGE_DIGEST_MISMATCH';
export function digestMismatch(source: string, what: string, expected: string, actual: string): Diagnostic {
  return { code: IMAGE_DIGEST_MISMATCH, severity: 'error', message: `${source}: ${what} should have ${expected} but has ${actual}`, hint: 'the image is corrupt or was tampered with; export it again', url: docsUrl(IMAGE_DIGEST_MISMATCH) };
}
