// Image references as Docker normalizes them (distribution/reference ParseNormalizedNamed + TagNameOnly).
// In: a string such as `ruby`, `user/app:1`, `127.0.0.1:5000/x@sha256:…`. Out: an `ImageReference`
// with the canonical domain/path, tag, digest and the host the Distribution API is served from.
import { BoxerError } from '@boxer/diagnostics';
import { badReference } from './diagnostics.js';

/** A parsed, normalized image reference. Plain data. */
export interface ImageReference {
  /** Registry domain as Docker names it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`, `localhost`. */
  domain: string;
  /** Repository path inside the registry: `library/ruby`, `user/app`. */
  path: string;
  /** Tag; `latest` when the reference names neither a tag nor a digest. */
  tag?: string;
  /** Content digest (`sha256:<64 hex>`) when the reference pins one; it wins over the tag when pulling. */
  digest?: string;
  /** `domain/path`. */
  name: string;
  /** The canonical string: `docker.io/library/ruby:latest`, `name:tag@sha256:…`. */
  canonical: string;
  /** Host (and port) serving the `/v2/` API: `registry-1.docker.io` for `docker.io`, else `domain`. */
  apiHost: string;
}

// NOTE: the patterns follow distribution/reference regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const IDENTIFIER = /^[a-f0-9]{64}$/;
const NAME_TOTAL_LENGTH_MAX = 255;

export const DOCKER_HUB_DOMAIN = 'docker.io';
export const DOCKER_HUB_API_HOST = 'registry-1.docker.io';

function fail(ref: string, why: string): never {
  throw new BoxerError(badReference(ref, why));
}

/** splitDockerDomain of distribution/reference normalize.go. */
function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const slash = name.indexOf('/');
  if (slash < 0) return { domain: DOCKER_HUB_DOMAIN, remainder: `library/${name}` };
  const maybeDomain = name.slice(0, slash);
  const maybeRemainder = name.slice(slash + 1);
  let domain: string;
  let remainder: string;
  if (maybeDomain === 'localhost') [domain, remainder] = [maybeDomain, maybeRemainder];
  else if (maybeDomain === 'index.docker.io') [domain, remainder] = [DOCKER_HUB_DOMAIN, maybeRemainder];
  else if (/[.:]/.test(maybeDomain)) [domain, remainder] = [maybeDomain, maybeRemainder];
  else if (maybeDomain.toLowerCase() !== maybeDomain) [domain, remainder] = [maybeDomain, maybeRemainder];
  else [domain, remainder] = [DOCKER_HUB_DOMAIN, name];
  if (domain === DOCKER_HUB_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  return { domain, remainder };
}

/**
 * Parses `ref` the way `docker pull` does (distribution/reference `ParseNormalizedNamed`, then
 * `TagNameOnly`): a name without a registry host is on Docker Hub (`docker.io`), a one-part Hub name
 * is under `library/`, and a reference with neither tag nor digest gets `:latest`.
 * @throws BoxerError `REGISTRY_BAD_REFERENCE` when the reference is not valid.
 */
export function parseReference(ref: string): ImageReference {
  if (ref.length === 0) fail(ref, 'the reference is empty');
  if (IDENTIFIER.test(ref)) fail(ref, 'a 64-character hexadecimal string is an image ID, not a repository name');
  const { domain: normDomain, remainder } = splitDockerDomain(ref);
  // NOTE: the remote name ends at the first ':' of the remainder (a tag or digest follows).
  const colon = remainder.indexOf(':');
  const at = remainder.indexOf('@');
  const end = Math.min(colon < 0 ? Infinity : colon, at < 0 ? Infinity : at);
  const remote = end === Infinity ? remainder : remainder.slice(0, end);
  if (remote.toLowerCase() !== remote) fail(ref, `the repository name "${remote}" must be lower-case`);
  const full = `${normDomain}/${remainder}`;
  const m = REFERENCE.exec(full);
  if (!m) {
    if (/:\/\//.test(ref)) fail(ref, 'a reference has no URL scheme (drop "https://")');
    if (/@/.test(ref) && !new RegExp(`@${digestPat}$`).test(ref)) fail(ref, 'the digest after "@" must be ALGORITHM:HEX, e.g. sha256:<64 hex digits>');
    fail(ref, 'it does not match [HOST[:PORT]/]NAME[:TAG][@DIGEST] (names are lower-case letters, digits and single . _ __ or - between them)');
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) fail(ref, `the repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const nm = ANCHORED_NAME.exec(name);
  if (!nm) fail(ref, 'the repository name is not valid');
  const domain = nm[1] ?? '';
  const path = nm[2]!;
  let tag = m[2];
  const digest = m[3];
  if (digest !== undefined) {
    const [alg, hex] = digest.split(':') as [string, string];
    if (alg === 'sha256' && !/^[a-f0-9]{64}$/.test(hex)) fail(ref, 'a sha256 digest has exactly 64 lower-case hexadecimal digits');
    if (alg !== 'sha256' && alg !== 'sha384' && alg !== 'sha512') fail(ref, `unsupported digest algorithm "${alg}"`);
    if (alg === 'sha384' && !/^[a-f0-9]{96}$/.test(hex)) fail(ref, 'a sha384 digest has exactly 96 lower-case hexadecimal digits');
    if (alg === 'sha512' && !/^[a-f0-9]{128}$/.test(hex)) fail(ref, 'a sha512 digest has exactly 128 lower-case hexadecimal digits');
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  const canonical = `${name}${tag !== undefined ? `:${tag}` : ''}${digest !== undefined ? `@${digest}` : ''}`;
  const apiHost = domain === DOCKER_HUB_DOMAIN ? DOCKER_HUB_API_HOST : domain;
  const out: ImageReference = { domain, path, name, canonical, apiHost };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** Docker's familiar form (`ruby:latest`, `user/app`, `127.0.0.1:5000/x:1`) of a parsed reference. */
export function familiarString(ref: ImageReference): string {
  let name = ref.name;
  if (ref.domain === DOCKER_HUB_DOMAIN) {
    name = ref.path;
    const rest = name.startsWith('library/') ? name.slice('library/'.length) : undefined;
    if (rest !== undefined && !rest.includes('/')) name = rest;
  }
  return `${name}${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest !== undefined ? `@${ref.digest}` : ''}`;
}
