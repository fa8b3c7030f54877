// ADD <url>: downloads over HTTP(S) only when the build was given --allow-net for that host, verifies
// --checksum, and returns the file as Docker would write it (Docker reference, ADD: remote files get
// mode 0600, the Last-Modified time as mtime, and are never decompressed).
import { BoxerError, type SourceLocation } from '@boxer/diagnostics';
import { digestOf } from '@boxer/vfs';
import * as d from './diagnostics.js';

/** Which hosts a build may reach: `true` for any, else `host` or `host:port` entries. */
export type NetAllow = boolean | readonly string[];

export interface Download {
  /** The last component of the URL path: the file name when the destination is a directory. */
  name: string;
  bytes: Uint8Array;
  /** ns since the epoch, from Last-Modified; undefined when the server sent none. */
  mtime?: bigint;
}

/** True for the sources BuildKit treats as git repositories rather than files. */
export function isGitSource(s: string): boolean {
  return /^(git@|git:\/\/|ssh:\/\/)/.test(s) || /^https?:\/\/.*\.git(#.*)?$/.test(s);
}

export function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || s.startsWith('git@');
}

export function netAllows(allow: NetAllow | undefined, url: URL): boolean {
  if (allow === true) return true;
  if (!allow) return false;
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return allow.some((rule) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(rule);
    if (!m) return false;
    return m[1]!.replace(/^\[|\]$/g, '').toLowerCase() === host.toLowerCase() && (m[2] === undefined || m[2] === port);
  });
}

const MAX_DOWNLOAD = 2 * 1024 ** 3;

export async function download(source: string, options: { allow: NetAllow | undefined; checksum?: string; location: SourceLocation; signal?: AbortSignal }): Promise<Download> {
  const loc = options.location;
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new BoxerError(d.badUrl(source, loc));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BoxerError(d.badUrl(source, loc));
  if (!netAllows(options.allow, url)) throw new BoxerError(d.netDenied(url, loc));
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'manual', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (e) {
    throw new BoxerError(d.fetchFailed(source, (e as Error).cause ? String((e as { cause: unknown }).cause) : (e as Error).message, loc));
  }
  // NOTE: redirects are not followed: a redirect to another host would bypass --allow-net.
  if (response.status >= 300 && response.status < 400) {
    throw new BoxerError(d.fetchFailed(source, `HTTP ${response.status} redirect to ${response.headers.get('location') ?? '?'} (not followed; ADD the final URL)`, loc));
  }
  if (!response.ok) throw new BoxerError(d.fetchFailed(source, `HTTP ${response.status} ${response.statusText}`, loc));
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > MAX_DOWNLOAD) throw new BoxerError(d.fetchFailed(source, `it is ${declared} bytes, over the ${MAX_DOWNLOAD}-byte limit`, loc));
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > MAX_DOWNLOAD) throw new BoxerError(d.fetchFailed(source, `it is over the ${MAX_DOWNLOAD}-byte limit`, loc));
    chunks.push(chunk);
  }
  const bytes: Uint8Array = Buffer.concat(chunks, total);
  if (options.checksum !== undefined) {
    const want = options.checksum.toLowerCase();
    if (!/^sha256:[0-9a-f]{64}$/.test(want)) throw new BoxerError(d.badChecksum(options.checksum, loc));
    const got = digestOf(bytes);
    if (got !== want) throw new BoxerError(d.checksumMismatch(source, want, got, loc));
  }
  const lastModified = Date.parse(response.headers.get('last-modified') ?? '');
  const name = decodeURIComponent(url.pathname.split('/').filter(Boolean).at(-1) ?? '') || url.hostname;
  return { name, bytes, ...(Number.isNaN(lastModified) ? {} : { mtime: BigInt(lastModified) * 1_000_000n }) };
}
