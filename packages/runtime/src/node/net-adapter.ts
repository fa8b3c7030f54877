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
// wasi:sockets TCP (p2/sockets.ts is the guest's side): a connect goes to the address the guest gave
// when `decideConnect()` allows it, for the address itself or for a name the guest looked up through
// this adapter and got that address for (so `--allow-net=example.com` works for sockets too); denied:
// audit `deny`, RUNTIME_NET_DENIED, `access-denied`. A bind succeeds only on the guest port of a `-p`
// (on the unspecified address, loopback, or the `-p`'s host address); listening opens a TCP server on
// that `-p`'s host address and port and hands its connections to the guest's listener (audit
// `net.listen`). Anything else: audit `deny`, RUNTIME_LISTEN_DENIED, `access-denied`. A name is looked
// up only when `mayResolve()` says an entry could allow it (audit `net.resolve`). Received bytes are
// flow-controlled: a connection is paused while SOCKET_WINDOW bytes sent to the guest are unconsumed,
// and an incoming one until the guest accept()s it.
import { lookup } from 'node:dns/promises';
import { createServer, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect, createServer as createNetServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import type { Diagnostic } from '@boxer/diagnostics';
import { WarnOnce } from '../common/warn-once.js';
import type { AuditEvent } from '../common/audit.js';
import { listenDenied, lookupDenied, netDenied, publishFailed } from '../common/diagnostics.js';
import { decideConnect, formatHostPort, formatIp, mayResolve, parseIp, parseNetGrant, parsePublish, type NetDecision, type NetGrant, type NetRule, type PublishSpec } from '../common/net-policy.js';
import type { GuestMessage, HeaderList, HostEvent, HttpErrorCode, SocketAddress, SocketErrorCode, SocketGuestMessage } from '../p2/channel.js';
import { SOCKET_WINDOW } from '../p2/sockets.js';
import { HTTP_WINDOW } from '../p2/http.js';

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
  /** Bytes in `queued`. */
  queuedBytes: number;
  done: boolean;
  /** The response being read, and the bytes of it sent to the guest and not yet read there. */
  res?: IncomingMessage;
  inFlight: number;
  paused: boolean;
}

/**
 * Bytes of a request body (or of a served response) the host holds for a peer that does not read
 * them; past it the exchange is cut (the guest gets an error), so a guest cannot fill the host's
 * memory through a slow peer.
 */
const MAX_BODY_BUFFER = 8 * 1024 * 1024;

/** Outgoing HTTP requests one run may have open at once (each may hold MAX_BODY_BUFFER bytes). */
const MAX_OPEN_REQUESTS = 32;

/** One TCP connection of the guest's (connected or accepted). */
interface TcpConn {
  sock: Socket;
  /** Bytes sent to the guest that it has not consumed yet. */
  inFlight: number;
  paused: boolean;
  /** The guest shut down its receiving side: what arrives is dropped. */
  readShut: boolean;
}

/** A guest socket bound to a `-p`'s guest port, and its host server once it listens. */
interface TcpBinding {
  spec: string;
  at: PublishSpec;
  server?: NetServer | undefined;
  /** Connections handed to the guest and not yet accept()ed. */
  pending: number;
  backlog: number;
}

export class NetAdapter {
  private readonly rules: NetRule[];
  private readonly deny: NetRule[];
  private readonly publish: { spec: string; at: PublishSpec }[];
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly answers = new Map<number, ServerResponse>();
  private readonly servers: Server[] = [];
  /** Warnings given once per kind, for a bounded number of kinds (the audit records every attempt). */
  private readonly warnings = new WarnOnce();
  private nextIncoming = 1;
  private closed = false;
  private readonly conns = new Map<number, TcpConn>();
  private readonly bindings = new Map<number, TcpBinding>();
  /** Address (canonical text) → the names the guest looked up and got it for. */
  private readonly resolvedNames = new Map<string, Set<string>>();
  /** Ids of accepted connections count down (the guest's own ids are positive). */
  private nextConn = -1;
  /** Connections the guest dropped that are still sending what it wrote (destroyed by close()). */
  private readonly closing = new Set<Socket>();

  constructor(private readonly o: NetAdapterOptions) {
    this.rules = o.net && o.net !== true ? parseNetGrant(o.net) : [];
    this.deny = parseNetGrant(o.denyNet ?? []);
    this.publish = (o.publish ?? []).map((spec) => ({ spec, at: parsePublish(spec) }));
  }

  onMessage(m: GuestMessage): void {
    if (this.closed) return;
    switch (m.type) {
      case 'http.request':
        if (this.outgoing.size >= MAX_OPEN_REQUESTS) {
          this.o.toGuest({ type: 'http.error', id: m.id, code: { tag: 'internal-error', val: `more than ${MAX_OPEN_REQUESTS} requests open at once` } });
          break;
        }
        this.outgoing.set(m.id, { queued: [], queuedBytes: 0, done: false, inFlight: 0, paused: false });
        void this.request(m);
        break;
      case 'http.body':
      case 'http.body-end': {
        const call = this.outgoing.get(m.id);
        if (!call) break;
        const chunk = m.type === 'http.body' ? m.data : null;
        if (call.req) chunk === null ? call.req.end() : call.req.write(chunk);
        else {
          call.queued.push(chunk);
          call.queuedBytes += chunk?.length ?? 0;
        }
        if ((call.req?.writableLength ?? 0) + call.queuedBytes > MAX_BODY_BUFFER) {
          call.req?.destroy();
          this.outgoing.delete(m.id);
          this.o.toGuest({ type: 'http.error', id: m.id, code: { tag: 'internal-error', val: `the request body backed up past ${MAX_BODY_BUFFER} bytes: the server does not read it` } });
        }
        break;
      }
      case 'http.read': {
        const call = this.outgoing.get(m.id);
        if (!call) break;
        call.inFlight -= m.bytes;
        if (call.paused && call.inFlight < HTTP_WINDOW) {
          call.paused = false;
          call.res?.resume();
        }
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
      case 'http.response-body': {
        const res = this.answers.get(m.id);
        if (!res) break;
        res.write(m.data);
        // NOTE: a client that does not read the response cannot make the host hold it all.
        if (res.writableLength > MAX_BODY_BUFFER) {
          res.destroy();
          this.answers.delete(m.id);
        }
        break;
      }
      case 'http.response-end':
        this.answers.get(m.id)?.end();
        this.answers.delete(m.id);
        break;
      case 'tcp.bind':
      case 'tcp.listen':
      case 'tcp.connect':
      case 'tcp.accept':
      case 'tcp.send':
      case 'tcp.read':
      case 'tcp.keep-alive':
      case 'tcp.shutdown':
      case 'tcp.close':
      case 'dns.resolve':
        this.onSocketMessage(m);
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
    for (const c of this.conns.values()) c.sock.destroy();
    for (const sock of this.closing) sock.destroy();
    this.closing.clear();
    for (const b of this.bindings.values()) b.server?.close();
    this.conns.clear();
    this.bindings.clear();
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
      if (this.warnings.first(resource)) {
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
      call.res = res;
      res.on('data', (chunk: Buffer) => {
        if (this.closed) return;
        this.o.toGuest({ type: 'http.data', id, data: new Uint8Array(chunk) });
        call.inFlight += chunk.length;
        if (call.inFlight >= HTTP_WINDOW && !call.paused) {
          call.paused = true;
          res.pause();
        }
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
    call.queuedBytes = 0;
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

  // ---- wasi:sockets ------------------------------------------------------------------------------

  private onSocketMessage(m: SocketGuestMessage): void {
    switch (m.type) {
      case 'tcp.bind':
        return this.tcpBind(m);
      case 'tcp.listen':
        return this.tcpListen(m);
      case 'tcp.connect':
        return this.tcpConnect(m);
      case 'tcp.accept': {
        const b = this.bindings.get(m.id);
        if (b && b.pending > 0) b.pending--;
        // NOTE: a connection is read only once the guest accepted it (nothing piles up before).
        const c = this.conns.get(m.conn);
        if (c?.paused && c.inFlight < SOCKET_WINDOW) {
          c.paused = false;
          c.sock.resume();
        }
        return;
      }
      case 'tcp.send': {
        const c = this.conns.get(m.id);
        if (!c) return;
        const bytes = m.data.length;
        // NOTE: acknowledged once node handed the bytes to the kernel: what bounds the guest's writes.
        c.sock.write(m.data, () => {
          if (!this.closed && this.conns.get(m.id) === c) this.o.toGuest({ type: 'tcp.sent', id: m.id, bytes });
        });
        return;
      }
      case 'tcp.read': {
        const c = this.conns.get(m.id);
        if (!c) return;
        c.inFlight = Math.max(0, c.inFlight - m.bytes);
        if (c.paused && c.inFlight < SOCKET_WINDOW) {
          c.paused = false;
          c.sock.resume();
        }
        return;
      }
      case 'tcp.keep-alive':
        this.conns.get(m.id)?.sock.setKeepAlive(m.keepAliveMs !== undefined, m.keepAliveMs ?? 0);
        return;
      case 'tcp.shutdown': {
        const c = this.conns.get(m.id);
        if (!c) return;
        if (m.receive) {
          c.readShut = true;
          if (c.paused) {
            c.paused = false;
            c.sock.resume();
          }
        }
        if (m.send) c.sock.end();
        return;
      }
      case 'tcp.close': {
        const c = this.conns.get(m.id);
        this.conns.delete(m.id);
        // NOTE: what the guest wrote still goes out (then FIN), as close(2) does; nothing more is read.
        if (c) {
          const sock = c.sock;
          sock.removeAllListeners('data');
          if (sock.connecting) sock.destroy();
          else {
            this.closing.add(sock);
            sock.once('close', () => this.closing.delete(sock));
            sock.resume();
            sock.destroySoon();
          }
        }
        const b = this.bindings.get(m.id);
        this.bindings.delete(m.id);
        b?.server?.close();
        return;
      }
      case 'dns.resolve':
        void this.resolveName(m.id, m.name);
        return;
      default:
    }
  }

  /** A bind succeeds on a `-p`'s guest port only, for the unspecified address, loopback or the `-p`'s host address. */
  private tcpBind(m: Extract<SocketGuestMessage, { type: 'tcp.bind' }>): void {
    const { address, port } = m.local;
    const resource = formatHostPort(address, port);
    const bytes = parseIp(address);
    const unspecified = bytes !== undefined && bytes.every((b) => b === 0);
    const loopback = bytes !== undefined && (bytes.length === 4 ? bytes[0] === 127 : bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1);
    const forPort = this.publish.filter((p) => p.at.guestPort === port);
    const grant = forPort.find((p) => unspecified || loopback || canonicalIp(p.at.hostIp) === canonicalIp(address));
    if (!grant) {
      this.o.emit({ op: 'net.listen', resource, decision: 'deny', grant: forPort.length > 0 ? forPort.map((p) => `-p ${p.spec}`).join(' ') : 'none' });
      if (this.warnings.first(`listen ${resource}`)) {
        this.o.warn(listenDenied(resource, port));
      }
      return this.o.toGuest({ type: 'tcp.error', id: m.id, code: 'access-denied' });
    }
    for (const b of this.bindings.values()) {
      if (b.at.guestPort === port) return this.o.toGuest({ type: 'tcp.error', id: m.id, code: 'address-in-use' });
    }
    this.bindings.set(m.id, { spec: grant.spec, at: grant.at, pending: 0, backlog: 1 });
    this.o.toGuest({ type: 'tcp.bound', id: m.id });
  }

  /** Listens on the `-p`'s host address and port; its connections go to the guest's listener. */
  private tcpListen(m: Extract<SocketGuestMessage, { type: 'tcp.listen' }>): void {
    const b = this.bindings.get(m.id);
    if (!b || b.server) return this.o.toGuest({ type: 'tcp.error', id: m.id, code: 'invalid-state' });
    b.backlog = Math.max(1, m.backlog);
    const server = createNetServer({ allowHalfOpen: true }, (sock) => {
      if (this.closed || this.bindings.get(m.id) !== b || b.pending >= b.backlog) {
        // NOTE: a full accept queue refuses, as the kernel's does.
        sock.destroy();
        return;
      }
      b.pending++;
      const id = this.nextConn--;
      this.o.toGuest({ type: 'tcp.incoming', id: m.id, conn: id, local: sockAddress(sock.localAddress, sock.localPort), remote: sockAddress(sock.remoteAddress, sock.remotePort) });
      this.track(id, sock, true);
    });
    b.server = server;
    let listening = false;
    server.on('error', (e: NodeJS.ErrnoException) => {
      if (listening || this.bindings.get(m.id) !== b) return;
      b.server = undefined;
      this.o.warn({ ...publishFailed(b.spec, e.message), severity: 'warning' });
      this.o.toGuest({ type: 'tcp.error', id: m.id, code: socketErrorCode(e) });
    });
    server.listen({ host: b.at.hostIp, port: b.at.hostPort, backlog: b.backlog }, () => {
      listening = true;
      if (this.closed || this.bindings.get(m.id) !== b) return void server.close();
      const addr = server.address();
      const port = addr && typeof addr === 'object' ? addr.port : b.at.hostPort;
      this.o.emit({ op: 'net.listen', resource: formatHostPort(b.at.hostIp, port), decision: 'allow', grant: `-p ${b.spec}` });
      this.o.toGuest({ type: 'tcp.listening', id: m.id });
    });
  }

  private tcpConnect(m: Extract<SocketGuestMessage, { type: 'tcp.connect' }>): void {
    this.bindings.get(m.id)?.server?.close();
    this.bindings.delete(m.id);
    const { address, port } = m.remote;
    const { decision, resource } = this.decideSocket(address, port);
    this.o.emit({ op: 'net.connect', resource, decision: decision.allowed ? 'allow' : 'deny', grant: decision.grant });
    if (!decision.allowed) {
      if (this.warnings.first(resource)) {
        this.o.warn(netDenied(resource, address));
      }
      return this.o.toGuest({ type: 'tcp.error', id: m.id, code: 'access-denied' });
    }
    const sock = netConnect({
      host: address,
      port,
      family: m.family,
      allowHalfOpen: true,
      ...(m.keepAliveMs !== undefined ? { keepAlive: true, keepAliveInitialDelay: m.keepAliveMs } : {}),
    });
    sock.once('connect', () => {
      if (this.closed || !this.conns.has(m.id)) return;
      this.o.toGuest({ type: 'tcp.connected', id: m.id, local: sockAddress(sock.localAddress, sock.localPort), remote: sockAddress(sock.remoteAddress, sock.remotePort) });
    });
    this.track(m.id, sock);
  }

  /**
   * A socket connect goes to an address: it is allowed when an entry allows the address itself, or a
   * name the guest looked up here and got that address for; a `--deny-net` entry for either wins.
   */
  private decideSocket(address: string, port: number): { decision: NetDecision; resource: string } {
    const ip = canonicalIp(address);
    const tries = [{ decision: decideConnect(this.o.net, this.rules, ip, port, [ip], this.deny), resource: formatHostPort(ip, port) }];
    for (const name of this.resolvedNames.get(ip) ?? []) tries.push({ decision: decideConnect(this.o.net, this.rules, name, port, [ip], this.deny), resource: formatHostPort(name, port) });
    return tries.find((t) => !t.decision.allowed && t.decision.grant.startsWith('--deny-net')) ?? tries.find((t) => t.decision.allowed) ?? tries[0]!;
  }

  /** Relays one connection's bytes and end to the guest, pausing while SOCKET_WINDOW bytes are unconsumed. */
  private track(id: number, sock: Socket, paused = false): void {
    const c: TcpConn = { sock, inFlight: 0, paused, readShut: false };
    // NOTE: paused before the 'data' listener is added, which would otherwise start the flow.
    if (paused) sock.pause();
    this.conns.set(id, c);
    const live = (): boolean => !this.closed && this.conns.get(id) === c;
    sock.on('data', (chunk: Buffer) => {
      if (!live() || c.readShut) return;
      c.inFlight += chunk.length;
      this.o.toGuest({ type: 'tcp.data', id, data: new Uint8Array(chunk) });
      if (c.inFlight >= SOCKET_WINDOW && !c.paused) {
        c.paused = true;
        sock.pause();
      }
    });
    sock.on('end', () => {
      if (live()) this.o.toGuest({ type: 'tcp.end', id });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (live()) this.o.toGuest({ type: 'tcp.error', id, code: socketErrorCode(e) });
    });
  }

  /** ip-name-lookup: only a name an entry could allow is looked up (a lookup can carry data out). */
  private async resolveName(id: number, name: string): Promise<void> {
    if (!mayResolve(this.o.net, this.rules, name, undefined, this.deny)) {
      const denied = this.deny.find((r) => r.kind !== 'ip' && r.port === undefined && (r.kind === 'name' ? r.name === name : name.endsWith(`.${r.suffix}`)));
      this.o.emit({ op: 'net.resolve', resource: name, decision: 'deny', grant: denied ? `--deny-net=${denied.entry}` : this.o.net === undefined ? 'none' : `--allow-net=${(this.o.net as readonly string[]).join(',')}` });
      if (this.warnings.first(`lookup ${name}`)) {
        this.o.warn(lookupDenied(name));
      }
      return this.o.toGuest({ type: 'dns.error', id, code: 'access-denied' });
    }
    const rule = this.rules.find((r) => r.kind === 'name' ? r.name === name : r.kind === 'wildcard' ? name.endsWith(`.${r.suffix}`) : false) ?? this.rules.find((r) => r.kind === 'ip');
    this.o.emit({ op: 'net.resolve', resource: name, decision: 'allow', grant: this.o.net === true || !rule ? '--allow-net' : `--allow-net=${rule.entry}` });
    let addresses: string[];
    try {
      addresses = await (this.o.resolve ?? defaultResolve)(name);
    } catch (e) {
      if (!this.closed) this.o.toGuest({ type: 'dns.error', id, code: resolverErrorCode(e as NodeJS.ErrnoException) });
      return;
    }
    if (this.closed) return;
    const out: string[] = [];
    for (const a of addresses) {
      const ip = canonicalIp(a);
      if (out.includes(ip)) continue;
      out.push(ip);
      const names = this.resolvedNames.get(ip) ?? new Set<string>();
      names.add(name);
      this.resolvedNames.set(ip, names);
    }
    if (out.length === 0) return this.o.toGuest({ type: 'dns.error', id, code: 'name-unresolvable' });
    this.o.toGuest({ type: 'dns.addresses', id, addresses: out });
  }
}

/** An address as one text: IPv4 dotted (also for an IPv4-mapped IPv6 address), IPv6 as RFC 5952 writes it. */
function canonicalIp(text: string): string {
  const bytes = parseIp(text);
  if (!bytes) return text.toLowerCase();
  if (bytes.length === 16 && bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return formatIp(bytes.slice(12));
  return formatIp(bytes);
}

function sockAddress(address: string | undefined, port: number | undefined): SocketAddress {
  return { address: address ? canonicalIp(address) : '0.0.0.0', port: port ?? 0 };
}

/** A node socket error → the wasi:sockets error-code (the WIT's POSIX equivalents). */
function socketErrorCode(e: NodeJS.ErrnoException): SocketErrorCode {
  switch (e.code) {
    case 'ECONNREFUSED': return 'connection-refused';
    case 'ECONNRESET':
    case 'EPIPE': return 'connection-reset';
    case 'ECONNABORTED': return 'connection-aborted';
    case 'ETIMEDOUT': return 'timeout';
    case 'EHOSTUNREACH':
    case 'EHOSTDOWN':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'ENONET': return 'remote-unreachable';
    case 'EADDRINUSE': return 'address-in-use';
    case 'EADDRNOTAVAIL': return 'address-not-bindable';
    case 'EACCES':
    case 'EPERM': return 'access-denied';
    case 'EMFILE':
    case 'ENFILE': return 'new-socket-limit';
    case 'ENOMEM':
    case 'ENOBUFS': return 'out-of-memory';
    default: return 'unknown';
  }
}

/** A node lookup error → the ip-name-lookup error-code (EAI_NONAME/EAI_NODATA, EAI_AGAIN, EAI_FAIL). */
function resolverErrorCode(e: NodeJS.ErrnoException): SocketErrorCode {
  switch (e.code) {
    case 'ENOTFOUND':
    case 'ENODATA':
    case 'EAI_NONAME':
    case 'EAI_NODATA':
    case 'EAI_ADDRFAMILY': return 'name-unresolvable';
    case 'EAI_AGAIN':
    case 'ETIMEOUT': return 'temporary-resolver-failure';
    default: return 'permanent-resolver-failure';
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

