// Every diagnostic @boxer/registry raises. Registries, tokens and manifests are untrusted input: each
// refusal names the reference, host or digest involved and says what to do next.
import { docsUrl, type Diagnostic } from '@boxer/diagnostics';

export const REGISTRY_BAD_REFERENCE = 'REGISTRY_BAD_REFERENCE';
export function badReference(ref: string, why: string): Diagnostic {
  return { code: REGISTRY_BAD_REFERENCE, severity: 'error', message: `invalid image reference ${JSON.stringify(ref)}: ${why}`, hint: 'write it as [HOST[:PORT]/]NAME[:TAG][@sha256:DIGEST] with a lower-case name, e.g. docker.io/library/ruby:3.3 or 127.0.0.1:5000/app:v1', url: docsUrl(REGISTRY_BAD_REFERENCE) };
}

export const REGISTRY_UNAUTHORIZED = 'REGISTRY_UNAUTHORIZED';
export function unauthorized(ref: string, host: string, status: number, why: string): Diagnostic {
  return { code: REGISTRY_UNAUTHORIZED, severity: 'error', message: `${host} refused access to ${ref} (HTTP ${status}): ${why}`, hint: `log in to ${host} (docker login ${host} writes ~/.docker/config.json) or pass credentials; check that the repository exists and that the account may read (or push to) it`, url: docsUrl(REGISTRY_UNAUTHORIZED) };
}

export const REGISTRY_MANIFEST_NOT_FOUND = 'REGISTRY_MANIFEST_NOT_FOUND';
export function manifestNotFound(ref: string, host: string): Diagnostic {
  return { code: REGISTRY_MANIFEST_NOT_FOUND, severity: 'error', message: `${host} has no manifest for ${ref}`, hint: 'check the name and tag (the tag may not exist, or the repository is private and needs a login)', url: docsUrl(REGISTRY_MANIFEST_NOT_FOUND) };
}

export const REGISTRY_BLOB_NOT_FOUND = 'REGISTRY_BLOB_NOT_FOUND';
export function blobNotFound(ref: string, digest: string): Diagnostic {
  return { code: REGISTRY_BLOB_NOT_FOUND, severity: 'error', message: `blob ${digest} of ${ref} is missing from the registry`, hint: 'the image in the registry is incomplete: push it again, or pull another tag', url: docsUrl(REGISTRY_BLOB_NOT_FOUND) };
}

export const REGISTRY_DIGEST_MISMATCH = 'REGISTRY_DIGEST_MISMATCH';
export function digestMismatch(ref: string, what: string, expected: string, actual: string): Diagnostic {
  return { code: REGISTRY_DIGEST_MISMATCH, severity: 'error', message: `${what} of ${ref} does not match its digest: expected ${expected}, got ${actual}`, hint: 'the registry or something between it and you altered the content (a proxy, a corrupt mirror, an attack); nothing was kept in the cache. Retry, or pull from another mirror', url: docsUrl(REGISTRY_DIGEST_MISMATCH) };
}

export const REGISTRY_NO_MATCHING_PLATFORM = 'REGISTRY_NO_MATCHING_PLATFORM';
export function noMatchingPlatform(ref: string, wanted: string, available: readonly string[]): Diagnostic {
  return { code: REGISTRY_NO_MATCHING_PLATFORM, severity: 'error', message: `${ref} has no image for wasi/wasm or ${wanted}; it has ${available.length ? available.join(', ') : 'no platforms'}`, hint: 'pick one of the listed platforms with --platform, or use an image built for it', url: docsUrl(REGISTRY_NO_MATCHING_PLATFORM) };
}

export const REGISTRY_UNSUPPORTED_MANIFEST = 'REGISTRY_UNSUPPORTED_MANIFEST';
export function unsupportedManifest(ref: string, mediaType: string): Diagnostic {
  return { code: REGISTRY_UNSUPPORTED_MANIFEST, severity: 'error', message: `${ref} has a manifest of type ${JSON.stringify(mediaType)}, which boxer cannot read`, hint: 'boxer reads OCI and Docker schema 2 manifests and indexes; re-push the image with a current docker, buildah or skopeo', url: docsUrl(REGISTRY_UNSUPPORTED_MANIFEST) };
}

export const REGISTRY_BAD_MANIFEST = 'REGISTRY_BAD_MANIFEST';
export function badManifest(ref: string, why: string): Diagnostic {
  return { code: REGISTRY_BAD_MANIFEST, severity: 'error', message: `the manifest of ${ref} is malformed: ${why}`, hint: 'the registry served something that is not a valid image manifest; push the image again', url: docsUrl(REGISTRY_BAD_MANIFEST) };
}

export const REGISTRY_REQUEST_FAILED = 'REGISTRY_REQUEST_FAILED';
export function requestFailed(what: string, url: string, why: string, attempts: number): Diagnostic {
  return { code: REGISTRY_REQUEST_FAILED, severity: 'error', message: `${what} failed: ${url}: ${why}${attempts > 1 ? ` (after ${attempts} attempts)` : ''}`, hint: 'check the registry host and your network; a registry without TLS must be localhost or listed with --insecure-registry', url: docsUrl(REGISTRY_REQUEST_FAILED) };
}

export const REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED = 'REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED';
export function credentialHelperUnsupported(host: string, helper: string, configPath: string): Diagnostic {
  return { code: REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED, severity: 'error', message: `the credentials for ${host} are kept by the credential helper docker-credential-${helper} (${configPath}), which boxer does not support yet`, hint: `put the login in "auths" of a separate config file (DOCKER_CONFIG=DIR docker login ${host}) and point boxer at it, or pass the credentials through the API`, url: docsUrl(REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED) };
}

export const REGISTRY_BAD_CREDENTIALS_FILE = 'REGISTRY_BAD_CREDENTIALS_FILE';
export function badCredentialsFile(configPath: string, why: string): Diagnostic {
  return { code: REGISTRY_BAD_CREDENTIALS_FILE, severity: 'error', message: `cannot read the docker credentials in ${configPath}: ${why}`, hint: 'fix or remove the file (docker login rewrites it)', url: docsUrl(REGISTRY_BAD_CREDENTIALS_FILE) };
}
