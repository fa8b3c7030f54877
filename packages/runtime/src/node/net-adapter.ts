// The one door to the host's network (DESIGN §0.8): the only module of the runtime that imports
// node:http, node:https, node:net or node:dns. Runs on the main thread, for one run.
// In: the guest's HTTP messages (p2/channel.ts) and the grants. Out: host events back to the guest,
// one audit event per decision, and warnings for what was denied.
//
// Outbound (`--allow-net`): a request names a host; the host resolves it, `decideConnect()`
// (common/net-policy.ts) picks the first address an entry allows, and the request goes to exactly
// that address (the Host header and TLS name stay the guest's). Denied: an audit `deny`, a
// RUNTIME_NET_DENIED warning, and `HTTP-request-denied` to the guest. A name is looked up only when
// an entry could allow it (`mayResolve`: a lookup can carry data out through DNS).
// Inbound (`-p`): once the guest says it serves, one HTTP server per `-p` listens on its address
// (127.0.0.1 unless the spec names one); each request is read whole and handed to the guest, whose
// answer is streamed back. Without `-p` nothing listens.
import { lookup } from 'node:dns/promises';
import { createServer, request as httpRequest, type ClientRequest, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { Diagnostic } from '@boxer/diagnostics';
import type { AuditEvent } from '../common/audit.js';
import { netDenied, publishFailed } from '../common/diagnostics.js';
import { decideConnect, formatHostPort, mayResolve, parseNetGrant, parsePublish, type NetGrant, type NetRule, type PublishSpec } from '../common/net-policy.js';
import type { GuestMessage, HeaderList, HostEvent, HttpErrorCode } from '../p2/channel.js';

export interface NetAdapterOptions {
  /** `--allow-net`: true, a list of entries, or undefined (nothing allowed). */
  net?: NetGrant;
  /** `--deny-net` entries: refused whatever `net` allows. */
  denyNet?: readonly string[];
  /** `-p` values as given. */
  publish?: readonly string[];
  emit: (e: AuditEvent) => void;
  /** A warning for the run's diagnostics. */
  warn: (d: Diagnostic) => void;
  /** Ends the run with an error (a `-p` that cannot listen). */
  fail: (d: Diagnostic) => void;
  toGuest: (e: HostEvent) => void;
  /** Name resolution (tests pin it). @default node:dns lookup, every address, in the resolver's order */
  resolve?: (host: string) => Promise<string[]>;
}

/** Largest incoming request body handed to the guest; past it the host answers 413. */
const MAX_INCOMING_BODY = 16 * 1024 * 1024;

interface Outgoing {
  req?: ClientRequest;
  /** Body messages that arrived before the request was started. */
  queued: (Uint8Array | null)[];
  done: boolean;
}

export class NetAdapter {
  private readonly rules: NetRule[];
  private readonly deny: NetRule[];
  private readonly publish: { spec: string; at: PublishSpec }[];
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly answers = new Map<number, ServerResponse>();
  private readonly servers: Server[] = [];
  private readonly warned = new Set<string>();
  private nextIncoming = 1;
  private closed = false;

  constructor(private readonly o: NetAdapterOptions) {
    this.rules = o.net && o.net !== true ? parseNetGrant(o.net) : [];
    this.deny = parseNetGrant(o.denyNet ?? []);
    this.publish = (o.publish ?? []).map((spec) => ({ spec, at: parsePublish(spec) }));
  }

  onMessage(m: GuestMessage): void {
    if (this.closed) return;
    switch (m.type) {
      case 'http.request':
        this.outgoing.set(m.id, { queued: [], done: false });
        void this.request(m);
        break;
      case 'http.body':
      case 'http.body-end': {
        const call = this.outgoing.get(m.id);
        if (!call) break;
        const chunk = m.type === 'http.body' ? m.data : null;
        if (call.req) chunk === null ? call.req.end() : call.req.write(chunk);
        else call.queued.push(chunk);
        break;
      }
      case 'http.abort':
        this.outgoing.get(m.id)?.req?.destroy();
        this.outgoing.delete(m.id);
        break;
      case 'serve':
        this.listen();
        break;
      case 'http.response': {
        const res = this.answers.get(m.id);
        if (!res) break;
        const headers: OutgoingHttpHeaders = {};
        for (const [k, v] of m.headers) {
          const value = Buffer.from(v).toString('latin1');
          const prev = headers[k];
          headers[k] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
        }
        try {
          res.writeHead(m.status, headers);
        } catch (e) {
          res.writeHead(502).end(`boxer: the component's response was refused: ${(e as Error).message}\n`);
          this.answers.delete(m.id);
        }
        break;
      }
      case 'http.response-body':
        this.answers.get(m.id)?.write(m.data);
        break;
      case 'http.response-end':
        this.answers.get(m.id)?.end();
        this.answers.delete(m.id);
        break;
      case 'http.response-error': {
        const res = this.answers.get(m.id);
        this.answers.delete(m.id);
        if (!res) break;
        if (res.headersSent) res.destroy();
        else res.writeHead(500, { 'content-type': 'text/plain' }).end(`boxer: the component failed to answer: ${m.message}\n`);
        break;
      }
      default:
    }
  }

  /** Stops listening and drops what is in flight. */
  close(): void {
    this.closed = true;
    for (const s of this.servers) {
      s.close();
      s.closeAllConnections();
    }
    for (const c of this.outgoing.values()) c.req?.destroy();
    for (const r of this.answers.values()) r.destroy();
    this.outgoing.clear();
    this.answers.clear();
  }

  // ---- outbound ----------------------------------------------------------------------------------

  private async request(m: Extract<GuestMessage, { type: 'http.request' }>): Promise<void> {
    const id = m.id;
    const error = (code: HttpErrorCode): void => {
      if (this.closed || !this.outgoing.has(id)) return;
      this.outgoing.delete(id);
      this.o.toGuest({ type: 'http.error', id, code });
    };
    const target = parseAuthority(m.authority, m.scheme);
    if (!target) return error({ tag: 'HTTP-request-URI-invalid' });
    const { host, port } = target;
    const resource = formatHostPort(host, port);
    let addresses: string[] = [];
    if (isIP(host)) addresses = [host];
    else if (mayResolve(this.o.net, this.rules, host, port, this.deny)) {
      try {
        addresses = await (this.o.resolve ?? defaultResolve)(host);
      } catch (e) {
        return error({ tag: 'DNS-error', val: { rcode: (e as NodeJS.ErrnoException).code ?? 'ENOTFOUND', infoCode: undefined } });
      }
    }
    if (this.closed) return;
    const decision = decideConnect(this.o.net, this.rules, host, port, addresses, this.deny);
    this.o.emit({ op: 'net.connect', resource, decision: decision.allowed ? 'allow' : 'deny', grant: decision.grant });
    if (!decision.allowed) {
      if (!this.warned.has(resource)) {
        this.warned.add(resource);
        this.o.warn(netDenied(resource, decision.address));
      }
      return error({ tag: 'HTTP-request-denied' });
    }
    const call = this.outgoing.get(id);
    if (!call) return;
    const headers: OutgoingHttpHeaders = {};
    for (const [k, v] of m.headers) {
      const value = Buffer.from(v).toString('latin1');
      const prev = headers[k];
      headers[k] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    if (headers.host === undefined) headers.host = m.authority;
    const send = m.scheme === 'https' ? httpsRequest : httpRequest;
    const req = send({
      host: decision.address,
      port,
      method: m.method,
      path: m.pathWithQuery,
      headers,
      setHost: false,
      // NOTE: the connection goes to the address that was checked; TLS still verifies the guest's name.
      ...(m.scheme === 'https' && !isIP(host) ? { servername: host } : {}),
      ...(m.connectTimeoutMs !== undefined ? { timeout: m.connectTimeoutMs } : {}),
    });
    call.req = req;
    req.on('response', (res) => {
      this.o.toGuest({ type: 'http.head', id, status: res.statusCode ?? 502, headers: rawHeaders(res.rawHeaders) });
      res.on('data', (chunk: Buffer) => {
        if (!this.closed) this.o.toGuest({ type: 'http.data', id, data: new Uint8Array(chunk) });
      });
      res.on('end', () => {
        if (this.closed) return;
        this.outgoing.delete(id);
        this.o.toGuest({ type: 'http.end', id });
      });
      res.on('error', (e) => error(errorCode(e)));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => {
      // NOTE: once the head arrived, a failure ends the body stream with that error instead.
      if (this.closed || !this.outgoing.has(id)) return;
      this.o.toGuest({ type: 'http.error', id, code: errorCode(e) });
      this.outgoing.delete(id);
    });
    for (const chunk of call.queued.splice(0)) chunk === null ? req.end() : req.write(chunk);
  }

  // ---- inbound -----------------------------------------------------------------------------------

  private listen(): void {
    for (const { spec, at } of this.publish) {
      const server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        req.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_INCOMING_BODY) {
            res.writeHead(413).end();
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        req.on('end', () => {
          if (this.closed || res.writableEnded) return;
          const id = this.nextIncoming++;
          this.answers.set(id, res);
          this.o.toGuest({
            type: 'http.incoming',
            id,
            method: req.method ?? 'GET',
            scheme: 'http',
            authority: req.headers.host ?? formatHostPort(at.hostIp, at.hostPort),
            pathWithQuery: req.url ?? '/',
            headers: rawHeaders(req.rawHeaders),
            body: new Uint8Array(Buffer.concat(chunks)),
          });
        });
      });
      server.on('error', (e) => this.o.fail(publishFailed(spec, e.message)));
      server.listen(at.hostPort, at.hostIp, () => {
        const addr = server.address();
        const port = addr && typeof addr === 'object' ? addr.port : at.hostPort;
        this.o.emit({ op: 'net.listen', resource: formatHostPort(at.hostIp, port), decision: 'allow', grant: `-p ${spec}` });
      });
      this.servers.push(server);
    }
  }
}

async function defaultResolve(host: string): Promise<string[]> {
  return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
}

/** `host[:port]` / `[v6][:port]` → host (IPv6 without brackets) and port (the scheme's default). */
function parseAuthority(authority: string, scheme: 'http' | 'https'): { host: string; port: number } | undefined {
  const at = authority.lastIndexOf('@');
  const text = at >= 0 ? authority.slice(at + 1) : authority;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const port = m[3] !== undefined ? Number(m[3]) : scheme === 'https' ? 443 : 80;
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] ?? m[2]!).toLowerCase(), port };
}

function rawHeaders(raw: string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!.toLowerCase(), new Uint8Array(Buffer.from(raw[i + 1]!, 'latin1'))]);
  return out;
}

/** A socket or HTTP error → the wasi:http error-code the guest gets. */
function errorCode(e: Error): HttpErrorCode {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED': return { tag: 'connection-refused' };
    case 'ECONNRESET':
    case 'EPIPE': return { tag: 'connection-terminated' };
    case 'ETIMEDOUT': return { tag: 'connection-timeout' };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return { tag: 'destination-IP-unroutable' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN': return { tag: 'DNS-error', val: { rcode: (e as NodeJS.ErrnoException).code, infoCode: undefined } };
    default: return { tag: 'internal-error', val: e.message };
  }
}

