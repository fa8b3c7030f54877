// Registry credentials from a Docker CLI config file (~/.docker/config.json). In: the file's path.
// Out: a lookup `(host) => { username, password } | undefined`. Only `auths` entries are read; a host
// whose login lives in a credential helper (`credHelpers`, or `credsStore` with an `auths` marker) is a
// REGISTRY_CREDENTIAL_HELPER_UNSUPPORTED error when the lookup is asked for it.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BoxerError } from '@boxer/diagnostics';
import { badCredentialsFile, credentialHelperUnsupported } from './diagnostics.js';
import { DOCKER_HUB_DOMAIN } from './reference.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Returns the login for a registry domain as `ImageReference.domain` names it (`docker.io`, `127.0.0.1:5000`). */
export type CredentialLookup = (host: string) => Credentials | undefined;

/** Hub's keys in config.json, oldest first (`docker login` writes the first). */
const HUB_KEYS = ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];

/** `https://host:port/v1/` → `host:port` (Docker's ConvertToHostname). */
function keyHost(key: string): string {
  let k = key.replace(/^[a-z]+:\/\//i, '');
  const slash = k.indexOf('/');
  if (slash >= 0) k = k.slice(0, slash);
  return k.toLowerCase();
}

function isHub(host: string): boolean {
  return HUB_KEYS.map(keyHost).includes(host.toLowerCase()) || host === DOCKER_HUB_DOMAIN;
}

/** The default Docker config path: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultDockerConfigPath(): string {
  const dir = process.env.DOCKER_CONFIG;
  return join(dir && dir.length ? dir : join(homedir(), '.docker'), 'config.json');
}

/**
 * Reads registry logins from a Docker config file. A missing file gives a lookup that knows nobody.
 * @throws BoxerError `REGISTRY_BAD_CREDENTIALS_FILE` when the file is not valid JSON or an entry is damaged.
 */
export async function loadDockerCredentials(configPath: string = defaultDockerConfigPath()): Promise<CredentialLookup> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw new BoxerError({ ...badCredentialsFile(configPath, (e as Error).message), cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new BoxerError({ ...badCredentialsFile(configPath, 'it is not valid JSON'), cause: e });
  }
  if (typeof json !== 'object' || json === null) throw new BoxerError(badCredentialsFile(configPath, 'it is not a JSON object'));
  const cfg = json as { auths?: Record<string, { auth?: string; username?: string; password?: string }>; credsStore?: string; credHelpers?: Record<string, string> };
  const logins = new Map<string, Credentials | 'marker'>();
  for (const [key, entry] of Object.entries(cfg.auths ?? {})) {
    const host = keyHost(key);
    if (typeof entry !== 'object' || entry === null) throw new BoxerError(badCredentialsFile(configPath, `auths["${key}"] is not an object`));
    let creds: Credentials | undefined;
    if (typeof entry.auth === 'string' && entry.auth.length > 0) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new BoxerError(badCredentialsFile(configPath, `auths["${key}"].auth is not base64 of "username:password"`));
      creds = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      creds = { username: entry.username, password: entry.password };
    }
    logins.set(host, creds ?? 'marker');
  }
  const helpers = new Map(Object.entries(cfg.credHelpers ?? {}).map(([k, v]) => [keyHost(k), v] as const));
  return (host: string) => {
    const wanted = host.toLowerCase();
    const candidates = isHub(wanted) ? HUB_KEYS.map(keyHost) : [wanted];
    for (const c of candidates) {
      const helper = helpers.get(c);
      if (helper !== undefined) throw new BoxerError(credentialHelperUnsupported(host, helper, configPath));
    }
    for (const c of candidates) {
      const login = logins.get(c);
      if (login === undefined) continue;
      if (login !== 'marker') return login;
      // NOTE: an `auths` entry without a secret is how docker marks a login kept in credsStore.
      if (cfg.credsStore) throw new BoxerError(credentialHelperUnsupported(host, cfg.credsStore, configPath));
    }
    return undefined;
  };
}
