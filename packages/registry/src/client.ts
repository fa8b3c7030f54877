// One repository on one registry, spoken to over the Distribution API (/v2/). In: a parsed reference
// and `RegistryOptions`. Out: `Response`s for manifest/blob/upload requests, with the scheme chosen
// (HTTPS, plain HTTP only for loopback and insecure registries), the Basic or Bearer challenge of
// `WWW-Authenticate` answered, and 429/5xx/network failures retried with bounded backoff.
import { BoxerError } from '@boxer/diagnostics';
import type { Emit } from '@boxer/events';
import type { CredentialLookup, Credentials } from './credentials.js';
import { requestFailed, unauthorized } from './diagnostics.js';
import type { ImageReference } from './reference.js';

/** Options every registry operation takes. */
export interface RegistryOptions {
  /**
   * Registries (`host` or `host:port`, as in the reference) reached over plain HTTP. Loopback
   * (`localhost`, `127.0.0.1`, `::1`) always is; everything else uses HTTPS.
   * @default []
   */
  insecureRegistries?: readonly string[];
  /** Login for a registry domain (`docker.io`, `127.0.0.1:5000`); asked only when the registry challenges. See `loadDockerCredentials`. */
  credentials?: CredentialLookup;
  /** Receives progress and log events. */
  emit?: Emit;
  /** Cancels every request and download; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Retries after a 429, a 5xx or a network error (the first attempt is not counted). @default 3 */
  retries?: number;
  /** Delay before the first retry, doubled each time (capped at 10 s; a `Retry-After` is honoured up to that cap). @default 250 */
  retryDelayMs?: number;
}

/** @internal */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses the first challenge of a `WWW-Authenticate` header. @internal */
export function parseChallenge(header: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  for (const p of m[2]!.matchAll(/([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function hostOnly(hostPort: string): string {
  if (hostPort.startsWith('[')) return hostPort.slice(0, hostPort.indexOf(']') + 1);
  const colon = hostPort.lastIndexOf(':');
  return colon >= 0 ? hostPort.slice(0, colon) : hostPort;
}

/** Whether `hostPort` may be spoken to over plain HTTP. @internal */
export function isInsecureHost(hostPort: string, insecure: readonly string[] = []): boolean {
  const h = hostPort.toLowerCase();
  return LOOPBACK.has(hostOnly(h)) || LOOPBACK.has(h) || insecure.some((i) => i.toLowerCase() === h || i.toLowerCase() === hostOnly(h));
}

const MAX_DELAY_MS = 10_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function discard(res: Response): Promise<void> {
  try {
    await res.body?.cancel();
  } catch {
    // NOTE: a body that cannot be cancelled is already closed.
  }
}

/** Reads a registry error body (`{"errors":[{"code","message"}]}`) into one line. @internal */
export async function errorText(res: Response): Promise<string> {
  let text = '';
  try {
    text = (await res.text()).slice(0, 2000);
  } catch {
    return res.statusText || `HTTP ${res.status}`;
  }
  try {
    const json = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = json.errors?.[0];
    if (first) return [first.code, first.message].filter(Boolean).join(': ');
  } catch {
    // not JSON
  }
  return text.trim().split('\n')[0] || res.statusText || `HTTP ${res.status}`;
}

export interface RequestInit2 {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** What the request does, for messages: `manifest of x`, `blob sha256:…`. */
  what: string;
}

/** A client for one repository. @internal */
export class RepositoryClient {
  readonly ref: ImageReference;
  readonly base: string;
  readonly #options: RegistryOptions;
  readonly #actions: string;
  readonly #fetch: typeof fetch;
  #authorization: string | undefined;
  #credentials: Credentials | undefined | null = null;

  constructor(ref: ImageReference, options: RegistryOptions, actions: 'pull' | 'pull,push') {
    this.ref = ref;
    this.#options = options;
    this.#actions = actions;
    this.#fetch = options.fetch ?? globalThis.fetch;
    const scheme = isInsecureHost(ref.apiHost, options.insecureRegistries) ? 'http' : 'https';
    this.base = `${scheme}://${ref.apiHost}/v2/${ref.path}`;
  }

  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  #creds(): Credentials | undefined {
    if (this.#credentials === null) this.#credentials = this.#options.credentials?.(this.ref.domain);
    return this.#credentials;
  }

  /** fetch with retries on 429, 5xx and network errors; never retries an abort. */
  async #fetchRetry(url: string, init: RequestInit, what: string): Promise<Response> {
    const retries = Math.max(0, this.#options.retries ?? 3);
    const base = this.#options.retryDelayMs ?? 250;
    const signal = this.#options.signal;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      let res: Response;
      try {
        res = await this.#fetch(url, { ...init, signal, redirect: 'follow' });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (attempt < retries) {
          this.#log(`${what}: ${(e as Error).message}; retrying`);
          await sleep(Math.min(MAX_DELAY_MS, base * 2 ** attempt), signal);
          continue;
        }
        const cause = (e as { cause?: { message?: string; code?: string } }).cause;
        throw new BoxerError({ ...requestFailed(what, url, cause?.code ?? cause?.message ?? (e as Error).message, attempt + 1), cause: e });
      }
      if ((res.status === 429 || res.status >= 500) && attempt < retries) {
        const after = Number(res.headers.get('retry-after'));
        await discard(res);
        this.#log(`${what}: HTTP ${res.status}; retrying`);
        await sleep(Math.min(MAX_DELAY_MS, Number.isFinite(after) && after > 0 ? after * 1000 : base * 2 ** attempt), signal);
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        throw new BoxerError(requestFailed(what, url, `HTTP ${res.status} ${await errorText(res)}`, attempt + 1));
      }
      return res;
    }
  }

  #log(message: string): void {
    this.#options.emit?.({ type: 'log', level: 'debug', message });
  }

  /** Answers a 401's challenge; returns false when there is nothing more to try. */
  async #authenticate(res: Response): Promise<boolean> {
    const header = res.headers.get('www-authenticate');
    const challenge = header ? parseChallenge(header) : undefined;
    if (!challenge) return false;
    const creds = this.#creds();
    if (challenge.scheme === 'basic') {
      if (!creds) return false;
      const next = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      if (next === this.#authorization) return false;
      this.#authorization = next;
      return true;
    }
    if (challenge.scheme !== 'bearer') return false;
    const realm = challenge.params.realm;
    if (!realm) return false;
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      return false;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
    let scope = challenge.params.scope ?? `repository:${this.ref.path}:${this.#actions}`;
    if (this.#actions === 'pull,push' && scope.startsWith(`repository:${this.ref.path}:`)) scope = `repository:${this.ref.path}:pull,push`;
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    url.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    // NOTE: a login goes to the token realm only over HTTPS, or over HTTP to a host that may be plain.
    const secure = url.protocol === 'https:' || isInsecureHost(url.host, this.#options.insecureRegistries);
    if (creds && secure) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
    const tokenRes = await this.#fetchRetry(url.href, { headers }, `token request to ${url.origin}`);
    if (!tokenRes.ok) {
      throw new BoxerError(unauthorized(this.ref.canonical, url.host, tokenRes.status, `the token server refused: ${await errorText(tokenRes)}`));
    }
    let body: { token?: string; access_token?: string };
    try {
      body = (await tokenRes.json()) as typeof body;
    } catch {
      throw new BoxerError(unauthorized(this.ref.canonical, url.host, tokenRes.status, 'the token server sent no JSON'));
    }
    const token = body.token ?? body.access_token;
    if (typeof token !== 'string' || token.length === 0) throw new BoxerError(unauthorized(this.ref.canonical, url.host, tokenRes.status, 'the token server sent no token'));
    const next = `Bearer ${token}`;
    if (next === this.#authorization && !challenge.params.error) return false;
    this.#authorization = next;
    return true;
  }

  /** Sends a request to `base + suffix` (or an absolute URL), authenticating once if challenged. */
  async request(suffixOrUrl: string, init: RequestInit2): Promise<Response> {
    const url = /^https?:\/\//.test(suffixOrUrl) ? suffixOrUrl : `${this.base}${suffixOrUrl}`;
    for (let round = 0; ; round++) {
      const headers: Record<string, string> = { ...init.headers };
      if (this.#authorization) headers.authorization = this.#authorization;
      const res = await this.#fetchRetry(url, { method: init.method ?? 'GET', headers, body: init.body as BodyInit | undefined }, init.what);
      if (res.status !== 401 || round > 0) return res;
      const retry = await this.#authenticate(res);
      if (!retry) return res;
      await discard(res);
    }
  }

  /** Turns a 401/403 into REGISTRY_UNAUTHORIZED. */
  async unauthorized(res: Response): Promise<never> {
    throw new BoxerError(unauthorized(this.ref.canonical, this.ref.domain, res.status, await errorText(res)));
  }

  /** Any other unexpected status: REGISTRY_REQUEST_FAILED. */
  async unexpected(res: Response, what: string): Promise<never> {
    if (res.status === 401 || res.status === 403) return this.unauthorized(res);
    throw new BoxerError(requestFailed(what, res.url || this.base, `HTTP ${res.status} ${await errorText(res)}`, 1));
  }
}
