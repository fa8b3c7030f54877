// wasi:sockets 0.2 for a preview2 guest: TCP and name lookup over the channel to the host, UDP
// refused. In: the reactor (host events), the channel (none: every socket operation is refused) and
// the run's audit/diagnostic sinks. Out: the classes and functions jco's bindings call (a host
// function returns the ok value and throws the error-code, a plain string, as its error).
//
// The guest's side only keeps each socket's state machine (the WIT's states: unbound,
// bind-in-progress, bound, listen-in-progress, listening, connect-in-progress, connected, closed) and
// checks what the WIT makes the caller's mistake (`invalid-state`, `invalid-argument`,
// `concurrency-conflict`, `not-in-progress`, `would-block`). Every decision about the host's network
// is node/net-adapter.ts's, on the main thread: a connect is checked against `--allow-net`/
// `--deny-net`, a bind only succeeds on a port a `-p` publishes, a name is looked up only when an
// entry could allow it. So start-bind/start-connect/start-listen only send, and finish-* answers
// `would-block` until the host's answer has arrived (the WIT makes all three asynchronous for exactly
// this: "This enables interactive WASI hosts to inject permission prompts").
//
// Flow control (bounded in both directions): the host stops reading a connection once SOCKET_WINDOW
// bytes it delivered are not yet consumed by the guest, and the guest's `check-write` permits only
// SOCKET_WINDOW bytes that the host has not yet handed to the kernel.
import type { Diagnostic } from '@boxer/diagnostics';
import type { AuditEvent } from '../common/audit.js';
import { udpUnsupported } from '../common/diagnostics.js';
import { formatHostPort, formatIp, parseIp } from '../common/net-policy.js';
import type { GuestChannel, SocketAddress, SocketErrorCode, SocketGuestMessage, SocketHostEvent } from './channel.js';
import { InputStream, IoError, OutputStream, Pollable, type ByteSink, type ByteSource, type Reactor } from './io.js';

/** Bytes in flight per connection and direction (see the header). */
export const SOCKET_WINDOW = 64 * 1024;
/** Consumed bytes the guest gives back in one `tcp.read` (or fewer, once its queue is empty). */
const CREDIT_BATCH = 16 * 1024;
const DEFAULT_BACKLOG = 128;
const MAX_BACKLOG = 1024;
/** Linux's default `tcp_keepalive_time`, what `keep-alive-idle-time` reads before it is set. */
const DEFAULT_KEEPALIVE_IDLE_NS = 7200n * 1_000_000_000n;

type Family = 'ipv4' | 'ipv6';
type Ipv4 = [number, number, number, number];
type Ipv6 = [number, number, number, number, number, number, number, number];
export type IpAddress = { tag: 'ipv4'; val: Ipv4 } | { tag: 'ipv6'; val: Ipv6 };
export type IpSocketAddress =
  | { tag: 'ipv4'; val: { port: number; address: Ipv4 } }
  | { tag: 'ipv6'; val: { port: number; flowInfo: number; address: Ipv6; scopeId: number } };
type State = 'unbound' | 'bind-in-progress' | 'bound' | 'listen-in-progress' | 'listening' | 'connect-in-progress' | 'connected' | 'closed';

const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('dispose');

/** Unique within the thread (one run per worker): services get a fresh import object per request. */
let nextSocketId = 1;
/** Runs already told that UDP is refused (keyed by the run's reactor). */
const warnedUdp = new WeakSet<Reactor>();

/** What `network-error-code` recognises in a stream error's payload. */
class NetworkFailure {
  constructor(readonly code: SocketErrorCode) {}
}

function failure(code: SocketErrorCode): IoError {
  return new IoError(`connection failed: ${code}`, new NetworkFailure(code));
}

// ---- addresses ----------------------------------------------------------------------------------

/** The WIT's ip-socket-address → text and family. */
export function socketAddressText(a: IpSocketAddress): { family: 4 | 6; address: string; port: number } {
  return a.tag === 'ipv4'
    ? { family: 4, address: a.val.address.join('.'), port: a.val.port }
    : { family: 6, address: formatIp(ipv6Bytes(a.val.address)), port: a.val.port };
}

/** Text (from the host) → the WIT's ip-address for a socket of `family` (IPv4 on an IPv6 socket: IPv4-mapped). */
function ipAddress(text: string, family: Family): IpAddress {
  const bytes = parseIp(text);
  if (bytes?.length === 4) {
    const v4 = [...bytes] as Ipv4;
    if (family === 'ipv4') return { tag: 'ipv4', val: v4 };
    return { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0xffff, (v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]] };
  }
  if (bytes?.length === 16) {
    const words = ipv6Words(bytes);
    if (family === 'ipv6') return { tag: 'ipv6', val: words };
    if (isV4Mapped(words)) return { tag: 'ipv4', val: [bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!] };
  }
  // NOTE: an address the socket's family cannot express (an IPv6 peer of an IPv4 socket) reads as unspecified.
  return family === 'ipv4' ? { tag: 'ipv4', val: [0, 0, 0, 0] } : { tag: 'ipv6', val: [0, 0, 0, 0, 0, 0, 0, 0] };
}

function socketAddress(a: SocketAddress, family: Family): IpSocketAddress {
  const ip = ipAddress(a.address, family);
  return ip.tag === 'ipv4'
    ? { tag: 'ipv4', val: { port: a.port, address: ip.val } }
    : { tag: 'ipv6', val: { port: a.port, flowInfo: 0, address: ip.val, scopeId: 0 } };
}

function ipv6Bytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

function ipv6Words(bytes: Uint8Array): Ipv6 {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((bytes[i]! << 8) | bytes[i + 1]!);
  return w as Ipv6;
}

function isV4Mapped(w: readonly number[]): boolean {
  return w[0] === 0 && w[1] === 0 && w[2] === 0 && w[3] === 0 && w[4] === 0 && w[5] === 0xffff;
}

/** What the WIT refuses with `invalid-argument` in a socket address, for `family`'s socket. */
function badAddress(a: IpSocketAddress, family: Family, remote: boolean): boolean {
  if (a.tag !== family) return true;
  if (a.tag === 'ipv4') {
    const [b0, b1, b2, b3] = a.val.address;
    if (b0 >= 224 && b0 <= 239) return true; // multicast: not unicast
    if (b0 === 255 && b1 === 255 && b2 === 255 && b3 === 255) return true; // broadcast
    if (remote && b0 === 0 && b1 === 0 && b2 === 0 && b3 === 0) return true; // INADDR_ANY
  } else {
    const w = a.val.address;
    if (w[0]! >> 8 === 0xff) return true; // multicast
    if (isV4Mapped(w)) return true;
    if (remote && w.every((x) => x === 0)) return true;
  }
  return remote && a.val.port === 0;
}

/**
 * A name as the host looks it up (IDNA → ASCII, lower case, no trailing dot), or undefined when it is
 * not a syntactically valid domain name (the WIT's `invalid-argument`).
 */
function lookupName(name: string): string | undefined {
  if (name.length === 0 || name.length > 253 || /[/?#@:[\]\s%\\]/.test(name)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${name}/`).hostname;
  } catch {
    return undefined;
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host.length > 253) return undefined;
  return host.split('.').every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/.test(l)) ? host : undefined;
}

// ---- the import object --------------------------------------------------------------------------

export function socketsImports(
  reactor: Reactor,
  channel: GuestChannel | undefined,
  onAudit?: (e: AuditEvent) => void,
  onDiagnostic?: (d: Diagnostic) => void,
): Record<string, Record<string, unknown>> {
  /** Who gets the host's events for each socket/lookup id. */
  const targets = new Map<number, { deliver(e: SocketHostEvent): void }>();
  let listening = false;
  const send = (m: SocketGuestMessage): void => {
    if (!listening) {
      listening = true;
      reactor.on((e) => {
        if (e.type.startsWith('tcp.') || e.type.startsWith('dns.')) targets.get((e as SocketHostEvent).id)?.deliver(e as SocketHostEvent);
      });
    }
    channel!.send(m);
  };

  class Network {}
  const network = new Network();

  /** The bytes of one connection, both ways, as the host reports them. */
  class Connection {
    private readonly queue: Uint8Array[] = [];
    /** Peer's FIN. */
    private ended = false;
    error: SocketErrorCode | undefined;
    /** Sent, not yet acknowledged by the host. */
    private unacked = 0;
    /** Read, not yet given back to the host. */
    private consumed = 0;
    readShut = false;
    writeShut = false;
    dropped = false;

    constructor(readonly id: number) {}

    deliver(e: SocketHostEvent): void {
      switch (e.type) {
        case 'tcp.data':
          if (this.readShut || this.dropped) this.credit(e.data.length, true);
          else if (e.data.length > 0) this.queue.push(e.data);
          break;
        case 'tcp.sent':
          this.unacked = Math.max(0, this.unacked - e.bytes);
          break;
        case 'tcp.end':
          this.ended = true;
          break;
        case 'tcp.error':
          this.error ??= e.code;
          break;
        default:
      }
    }

    private credit(bytes: number, now: boolean): void {
      this.consumed += bytes;
      if (this.consumed > 0 && (now || this.consumed >= CREDIT_BATCH || this.queue.length === 0)) {
        if (!this.dropped) send({ type: 'tcp.read', id: this.id, bytes: this.consumed });
        this.consumed = 0;
      }
    }

    /** Drops what arrived and everything that will (shutdown receive). */
    discard(): void {
      const n = this.queue.reduce((sum, c) => sum + c.length, 0);
      this.queue.length = 0;
      if (n > 0) this.credit(n, true);
    }

    readonly source: ByteSource = {
      read: (max) => {
        if (this.readShut || this.dropped) return null;
        const first = this.queue[0];
        if (first) {
          let chunk: Uint8Array;
          if (first.length <= max) chunk = this.queue.shift()!;
          else {
            chunk = first.subarray(0, max);
            this.queue[0] = first.subarray(max);
          }
          this.credit(chunk.length, false);
          return chunk;
        }
        if (this.error !== undefined) throw failure(this.error);
        return this.ended ? null : new Uint8Array(0);
      },
      ready: () => this.queue.length > 0 || this.ended || this.error !== undefined || this.readShut || this.dropped,
    };

    readonly sink: ByteSink = {
      write: (bytes) => {
        if (this.error !== undefined) throw failure(this.error);
        if (bytes.length > SOCKET_WINDOW - this.unacked) throw new IoError(`write of ${bytes.length} bytes exceeds what check-write permitted (${SOCKET_WINDOW - this.unacked})`);
        this.unacked += bytes.length;
        send({ type: 'tcp.send', id: this.id, data: bytes });
      },
      capacity: () => {
        if (this.error !== undefined) throw failure(this.error);
        return Math.max(0, SOCKET_WINDOW - this.unacked);
      },
      closed: () => this.writeShut || this.dropped,
      ready: () => this.error !== undefined || this.writeShut || this.dropped || this.unacked < SOCKET_WINDOW,
      flushed: () => this.unacked === 0 || this.error !== undefined || this.dropped,
    };
  }

  /** A connection the host accepted on a listener, before the guest accept()s it. */
  interface Pending {
    conn: Connection;
    local: SocketAddress;
    remote: SocketAddress;
  }

  class TcpSocket {
    private state: State = 'unbound';
    private readonly familyName: Family;
    readonly id: number;
    /** The answer to the bind/listen/connect in progress: ok, or an error-code. */
    private outcome: { error?: SocketErrorCode } | undefined;
    private local: SocketAddress | undefined;
    private remote: SocketAddress | undefined;
    private conn: Connection | undefined;
    private readonly pending: Pending[] = [];
    private backlog = DEFAULT_BACKLOG;
    private keepAlive = false;
    private keepAliveIdleNs = DEFAULT_KEEPALIVE_IDLE_NS;
    /** Whether the host has state for this id (it was sent a bind or connect). */
    private hostKnows = false;

    constructor(family: Family, accepted?: { conn: Connection; local: SocketAddress; remote: SocketAddress; from: TcpSocket }) {
      this.familyName = family;
      if (accepted) {
        this.id = accepted.conn.id;
        this.state = 'connected';
        this.conn = accepted.conn;
        this.local = accepted.local;
        this.remote = accepted.remote;
        this.hostKnows = true;
        this.keepAlive = accepted.from.keepAlive;
        this.keepAliveIdleNs = accepted.from.keepAliveIdleNs;
        targets.set(this.id, accepted.conn);
      } else {
        this.id = nextSocketId++;
      }
    }

    private get familyNumber(): 4 | 6 {
      return this.familyName === 'ipv4' ? 4 : 6;
    }

    private keepAliveMs(): number | undefined {
      return this.keepAlive ? Math.max(1, Number(this.keepAliveIdleNs / 1_000_000n)) : undefined;
    }

    deliver(e: SocketHostEvent): void {
      switch (e.type) {
        case 'tcp.bound':
        case 'tcp.listening':
          this.outcome = {};
          break;
        case 'tcp.connected':
          this.local = e.local;
          this.remote = e.remote;
          this.outcome = {};
          break;
        case 'tcp.incoming': {
          const conn = new Connection(e.conn);
          targets.set(e.conn, conn);
          this.pending.push({ conn, local: { address: e.local.address, port: this.local?.port ?? e.local.port }, remote: e.remote });
          break;
        }
        case 'tcp.error':
          if (this.state === 'bind-in-progress' || this.state === 'listen-in-progress' || this.state === 'connect-in-progress') this.outcome = { error: e.code };
          else this.conn?.deliver(e);
          break;
        default:
          this.conn?.deliver(e);
      }
    }

    private inProgress(): boolean {
      return this.state === 'bind-in-progress' || this.state === 'listen-in-progress' || this.state === 'connect-in-progress';
    }

    /** The answer to the operation in progress, once the host has given it; `would-block` before. */
    private finish(state: State): { error?: SocketErrorCode } {
      if (this.state !== state) throw 'not-in-progress';
      reactor.pump();
      const outcome = this.outcome;
      if (!outcome) throw 'would-block';
      this.outcome = undefined;
      return outcome;
    }

    private refuse(op: 'net.connect' | 'net.listen', resource: string): never {
      onAudit?.({ op, resource, decision: 'deny', grant: 'none (this run has no network host)' });
      throw 'access-denied';
    }

    startBind(_network: Network, localAddress: IpSocketAddress): void {
      if (this.state === 'closed') throw 'invalid-state';
      if (this.inProgress()) throw 'concurrency-conflict';
      if (this.state !== 'unbound') throw 'invalid-state';
      if (badAddress(localAddress, this.familyName, false)) throw 'invalid-argument';
      const { address, port } = socketAddressText(localAddress);
      if (!channel) this.refuse('net.listen', formatHostPort(address, port));
      this.local = { address, port };
      this.state = 'bind-in-progress';
      this.outcome = undefined;
      targets.set(this.id, this);
      this.hostKnows = true;
      send({ type: 'tcp.bind', id: this.id, family: this.familyNumber, local: { address, port } });
    }

    finishBind(): void {
      const { error } = this.finish('bind-in-progress');
      if (error !== undefined) {
        this.state = 'unbound';
        this.local = undefined;
        throw error;
      }
      this.state = 'bound';
    }

    startConnect(_network: Network, remoteAddress: IpSocketAddress): void {
      if (this.state === 'closed' || this.state === 'connected' || this.state === 'listening') throw 'invalid-state';
      if (this.inProgress()) throw 'concurrency-conflict';
      if (badAddress(remoteAddress, this.familyName, true)) throw 'invalid-argument';
      const { address, port } = socketAddressText(remoteAddress);
      if (!channel) this.refuse('net.connect', formatHostPort(address, port));
      this.state = 'connect-in-progress';
      this.outcome = undefined;
      // NOTE: data may arrive before finish-connect; the connection holds it (within the window).
      this.conn = new Connection(this.id);
      targets.set(this.id, this);
      this.hostKnows = true;
      const keepAliveMs = this.keepAliveMs();
      send({ type: 'tcp.connect', id: this.id, family: this.familyNumber, remote: { address, port }, ...(keepAliveMs !== undefined ? { keepAliveMs } : {}) });
    }

    finishConnect(): [InputStream, OutputStream] {
      const { error } = this.finish('connect-in-progress');
      if (error !== undefined) {
        // NOTE: the WIT: after a failed connection attempt the socket is `closed`; only drop is left.
        this.state = 'closed';
        this.conn = undefined;
        throw error;
      }
      this.state = 'connected';
      return [new InputStream(reactor, this.conn!.source), new OutputStream(reactor, this.conn!.sink)];
    }

    startListen(): void {
      if (this.inProgress()) throw 'concurrency-conflict';
      if (this.state !== 'bound') throw 'invalid-state';
      this.state = 'listen-in-progress';
      this.outcome = undefined;
      send({ type: 'tcp.listen', id: this.id, backlog: this.backlog });
    }

    finishListen(): void {
      const { error } = this.finish('listen-in-progress');
      if (error !== undefined) {
        this.state = 'bound';
        throw error;
      }
      this.state = 'listening';
    }

    accept(): [TcpSocket, InputStream, OutputStream] {
      if (this.state !== 'listening') throw 'invalid-state';
      reactor.pump();
      const next = this.pending.shift();
      if (!next) throw 'would-block';
      send({ type: 'tcp.accept', id: this.id, conn: next.conn.id });
      const socket = new TcpSocket(this.familyName, { ...next, from: this });
      const keepAliveMs = this.keepAliveMs();
      if (keepAliveMs !== undefined) send({ type: 'tcp.keep-alive', id: socket.id, keepAliveMs });
      return [socket, new InputStream(reactor, next.conn.source), new OutputStream(reactor, next.conn.sink)];
    }

    localAddress(): IpSocketAddress {
      if (this.state === 'closed' || this.state === 'unbound' || this.state === 'bind-in-progress') throw 'invalid-state';
      return socketAddress(this.local ?? { address: this.familyName === 'ipv4' ? '0.0.0.0' : '::', port: 0 }, this.familyName);
    }

    remoteAddress(): IpSocketAddress {
      if (this.state !== 'connected' || !this.remote) throw 'invalid-state';
      return socketAddress(this.remote, this.familyName);
    }

    isListening(): boolean {
      return this.state === 'listening';
    }

    addressFamily(): Family {
      return this.familyName;
    }

    setListenBacklogSize(value: bigint): void {
      if (value === 0n) throw 'invalid-argument';
      if (this.state === 'connect-in-progress' || this.state === 'connected' || this.state === 'closed') throw 'invalid-state';
      // NOTE: node:net takes the backlog once, when it starts listening.
      if (this.state === 'listen-in-progress' || this.state === 'listening') throw 'not-supported';
      this.backlog = Number(value > BigInt(MAX_BACKLOG) ? BigInt(MAX_BACKLOG) : value);
    }

    keepAliveEnabled(): boolean {
      return this.keepAlive;
    }

    setKeepAliveEnabled(value: boolean): void {
      this.keepAlive = value;
      this.applyKeepAlive();
    }

    keepAliveIdleTime(): bigint {
      return this.keepAliveIdleNs;
    }

    setKeepAliveIdleTime(value: bigint): void {
      if (value === 0n) throw 'invalid-argument';
      // NOTE: node:net sets the idle time in whole milliseconds (at least one second on Linux).
      this.keepAliveIdleNs = value;
      this.applyKeepAlive();
    }

    private applyKeepAlive(): void {
      if (this.state === 'connected' && this.conn && !this.conn.dropped) {
        const keepAliveMs = this.keepAliveMs();
        send({ type: 'tcp.keep-alive', id: this.id, ...(keepAliveMs !== undefined ? { keepAliveMs } : {}) });
      }
    }

    // NOTE: node:net exposes neither TCP_KEEPINTVL/TCP_KEEPCNT, nor IP_TTL, nor SO_RCVBUF/SO_SNDBUF
    // for TCP: those options are refused with `not-supported` (after the WIT's check of 0).
    keepAliveInterval(): never {
      throw 'not-supported';
    }

    setKeepAliveInterval(value: bigint): never {
      throw value === 0n ? 'invalid-argument' : 'not-supported';
    }

    keepAliveCount(): never {
      throw 'not-supported';
    }

    setKeepAliveCount(value: number): never {
      throw value === 0 ? 'invalid-argument' : 'not-supported';
    }

    hopLimit(): never {
      throw 'not-supported';
    }

    setHopLimit(value: number): never {
      throw value === 0 ? 'invalid-argument' : 'not-supported';
    }

    receiveBufferSize(): never {
      throw 'not-supported';
    }

    setReceiveBufferSize(value: bigint): never {
      throw value === 0n ? 'invalid-argument' : 'not-supported';
    }

    sendBufferSize(): never {
      throw 'not-supported';
    }

    setSendBufferSize(value: bigint): never {
      throw value === 0n ? 'invalid-argument' : 'not-supported';
    }

    subscribe(): Pollable {
      return new Pollable(reactor, () => {
        if (this.inProgress()) return this.outcome !== undefined;
        if (this.state === 'listening') return this.pending.length > 0;
        return true;
      });
    }

    shutdown(how: 'receive' | 'send' | 'both'): void {
      if (this.state !== 'connected' || !this.conn) throw 'invalid-state';
      const conn = this.conn;
      const receive = (how === 'receive' || how === 'both') && !conn.readShut;
      const sendSide = (how === 'send' || how === 'both') && !conn.writeShut;
      if (receive) {
        conn.readShut = true;
        conn.discard();
      }
      if (sendSide) conn.writeShut = true;
      if (receive || sendSide) send({ type: 'tcp.shutdown', id: this.id, receive, send: sendSide });
    }

    [DISPOSE](): void {
      if (this.state === 'closed' && !this.hostKnows) return;
      this.state = 'closed';
      if (this.conn) this.conn.dropped = true;
      targets.delete(this.id);
      for (const p of this.pending.splice(0)) {
        p.conn.dropped = true;
        targets.delete(p.conn.id);
        send({ type: 'tcp.close', id: p.conn.id });
      }
      if (this.hostKnows) send({ type: 'tcp.close', id: this.id });
      this.hostKnows = false;
    }
  }

  class ResolveAddressStream {
    private addresses: IpAddress[] | undefined;
    private error: SocketErrorCode | undefined;
    private next = 0;

    constructor(readonly id: number, answer?: { addresses?: IpAddress[]; error?: SocketErrorCode }) {
      this.addresses = answer?.addresses;
      this.error = answer?.error;
    }

    deliver(e: SocketHostEvent): void {
      if (e.type === 'dns.addresses') {
        this.addresses = [];
        for (const a of e.addresses) {
          const bytes = parseIp(a);
          // NOTE: the WIT: "This function never returns IPv4-mapped IPv6 addresses".
          if (bytes) this.addresses.push(ipAddress(a, bytes.length === 4 || isV4Mapped(ipv6Words(bytes)) ? 'ipv4' : 'ipv6'));
        }
        targets.delete(this.id);
      } else if (e.type === 'dns.error') {
        this.error = e.code;
        targets.delete(this.id);
      }
    }

    resolveNextAddress(): IpAddress | undefined {
      reactor.pump();
      if (this.error !== undefined) throw this.error;
      if (!this.addresses) throw 'would-block';
      return this.addresses[this.next++];
    }

    subscribe(): Pollable {
      return new Pollable(reactor, () => this.addresses !== undefined || this.error !== undefined);
    }

    [DISPOSE](): void {
      targets.delete(this.id);
    }
  }

  function resolveAddresses(_network: Network, name: string): ResolveAddressStream {
    const id = nextSocketId++;
    // NOTE: the WIT: "If the input is an IP address string, the address is parsed and returned as-is
    // without making any external requests."
    const literal = parseIp(name);
    if (literal) return new ResolveAddressStream(id, { addresses: [ipAddress(name, literal.length === 4 || isV4Mapped(ipv6Words(literal)) ? 'ipv4' : 'ipv6')] });
    const ascii = lookupName(name);
    if (ascii === undefined) throw 'invalid-argument';
    const asIp = parseIp(ascii);
    if (asIp) return new ResolveAddressStream(id, { addresses: [ipAddress(ascii, asIp.length === 4 ? 'ipv4' : 'ipv6')] });
    if (!channel) {
      onAudit?.({ op: 'net.resolve', resource: ascii, decision: 'deny', grant: 'none (this run has no network host)' });
      return new ResolveAddressStream(id, { error: 'access-denied' });
    }
    const stream = new ResolveAddressStream(id);
    targets.set(id, stream);
    send({ type: 'dns.resolve', id, name: ascii });
    return stream;
  }

  const refuseUdp = (): never => {
    if (!warnedUdp.has(reactor)) {
      warnedUdp.add(reactor);
      onDiagnostic?.(udpUnsupported());
    }
    throw 'not-supported';
  };

  class UdpSocket {}
  class IncomingDatagramStream {}
  class OutgoingDatagramStream {}

  return {
    'wasi:sockets/network': {
      Network,
      networkErrorCode: (err: IoError): SocketErrorCode | undefined => (err?.payload instanceof NetworkFailure ? err.payload.code : undefined),
    },
    'wasi:sockets/instance-network': { instanceNetwork: (): Network => network },
    'wasi:sockets/tcp-create-socket': {
      createTcpSocket: (family: Family): TcpSocket => {
        if (family !== 'ipv4' && family !== 'ipv6') throw 'not-supported';
        return new TcpSocket(family);
      },
    },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/ip-name-lookup': { resolveAddresses, ResolveAddressStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: refuseUdp },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
  };
}
