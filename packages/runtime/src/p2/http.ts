// wasi:http (types, outgoing-handler) for a preview2 guest, and the guest side of incoming-handler.
// The guest builds requests and responses out of these resources synchronously; the network is on
// the host side of the GuestChannel (node/net-adapter.ts), which checks `--allow-net`, audits, and
// answers with events that the reactor delivers here. Without a channel every request fails with
// `HTTP-request-denied`.
import type { GuestChannel, HeaderList, HostEvent, HttpErrorCode } from './channel.js';
import { IoError, InputStream, OutputStream, Pollable, QueueSource, bytesSource, type Reactor } from './io.js';

/**
 * Bytes of a response body the host sends a guest before the guest has read them; past it the host
 * stops reading from the server until the guest gives credit back (so a guest that does not read a
 * large download holds nothing more in the host's memory than this window).
 */
export const HTTP_WINDOW = 256 * 1024;
/** Credit the guest gives back in one message (or less once it has read everything that came). */
const HTTP_CREDIT_BATCH = 64 * 1024;

type Method = { tag: string; val?: string };
type Scheme = { tag: 'HTTP' | 'HTTPS' | 'other'; val?: string };
type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };

const METHODS = ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Hop-by-hop fields the host manages itself (RFC 9110 §7.6.1); the guest may not set them. */
const FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'http2-settings', 'te']);

function methodName(m: Method): string {
  return m.tag === 'other' ? m.val! : m.tag.toUpperCase();
}

function methodOf(name: string): Method {
  const lower = name.toLowerCase();
  return METHODS.includes(lower) && name === name.toUpperCase() ? { tag: lower } : { tag: 'other', val: name };
}

function validValue(v: Uint8Array): boolean {
  for (const b of v) if (b === 0 || b === 0x0a || b === 0x0d) return false;
  return true;
}

export function httpImports(reactor: Reactor, channel: GuestChannel | undefined): Record<string, Record<string, unknown>> {
  let nextId = 1;
  /** Outgoing requests in flight, by id. */
  const calls = new Map<number, FutureIncomingResponse>();
  /** Incoming requests being answered, by id. */
  const answering = new Map<number, ResponseOutparam>();

  class Fields {
    private readonly map = new Map<string, Uint8Array[]>();
    immutable = false;

    static fromList(list: HeaderList): Fields {
      const f = new Fields();
      for (const [name, value] of list) {
        f.check(name, value);
        f.add(name, value);
      }
      return f;
    }

    /** From bytes the host got off the wire (no checks). */
    static frozen(list: HeaderList): Fields {
      const f = new Fields();
      for (const [n, v] of list) f.add(n, v);
      f.immutable = true;
      return f;
    }

    private check(name: string, value?: Uint8Array): void {
      if (!TOKEN.test(name) || (value && !validValue(value))) throw { tag: 'invalid-syntax' };
      if (FORBIDDEN.has(name.toLowerCase())) throw { tag: 'forbidden' };
    }

    private mutable(): void {
      if (this.immutable) throw { tag: 'immutable' };
    }

    private add(name: string, value: Uint8Array): void {
      const key = name.toLowerCase();
      const list = this.map.get(key);
      if (list) list.push(value.slice());
      else this.map.set(key, [value.slice()]);
    }

    get(name: string): Uint8Array[] {
      return (this.map.get(name.toLowerCase()) ?? []).map((v) => v.slice());
    }

    has(name: string): boolean {
      return this.map.has(name.toLowerCase());
    }

    set(name: string, values: Uint8Array[]): void {
      this.mutable();
      for (const v of values) this.check(name, v);
      this.check(name);
      this.map.delete(name.toLowerCase());
      for (const v of values) this.add(name, v);
    }

    delete(name: string): void {
      this.mutable();
      this.check(name);
      this.map.delete(name.toLowerCase());
    }

    append(name: string, value: Uint8Array): void {
      this.mutable();
      this.check(name, value);
      this.add(name, value);
    }

    entries(): HeaderList {
      const out: HeaderList = [];
      for (const [k, vs] of this.map) for (const v of vs) out.push([k, v.slice()]);
      return out;
    }

    clone(): Fields {
      const f = new Fields();
      for (const [k, v] of this.entries()) f.add(k, v);
      return f;
    }

    /** An immutable copy: what `headers()` of a request or response hands out (a fresh own handle each time). */
    view(): Fields {
      const f = this.clone();
      f.immutable = true;
      return f;
    }
  }

  /** Where an outgoing body's bytes go, once its request or response is on its way. */
  interface BodyTarget {
    data(bytes: Uint8Array): void;
    end(): void;
  }

  class OutgoingBody {
    private streamTaken = false;
    private readonly pending: Uint8Array[] = [];
    private target: BodyTarget | undefined;
    finished = false;

    /** Sends what was written so far to `target`, then everything written after. */
    attach(target: BodyTarget): void {
      this.target = target;
      for (const c of this.pending.splice(0)) target.data(c);
      if (this.finished) target.end();
    }

    write(): Result<OutputStream, undefined> {
      if (this.streamTaken) return { tag: 'err', val: undefined };
      this.streamTaken = true;
      return {
        tag: 'ok',
        val: new OutputStream(reactor, {
          write: (bytes) => {
            if (this.target) this.target.data(bytes);
            else this.pending.push(bytes);
          },
          closed: () => this.finished,
        }),
      };
    }

    static finish(body: OutgoingBody, _trailers?: Fields): Result<undefined, HttpErrorCode> {
      body.finished = true;
      body.target?.end();
      return { tag: 'ok', val: undefined };
    }
  }

  /** What an outgoing request and an outgoing response share: immutable headers and one body. */
  class OutgoingMessage {
    private bodyValue: OutgoingBody | undefined;

    constructor(readonly fields: Fields) {
      fields.immutable = true;
    }

    headers(): Fields { return this.fields.view(); }
    body(): Result<OutgoingBody, undefined> {
      if (this.bodyValue) return { tag: 'err', val: undefined };
      this.bodyValue = new OutgoingBody();
      return { tag: 'ok', val: this.bodyValue };
    }
    /** The body (the guest may never have asked for it: then it is empty and finished). */
    takeBody(): OutgoingBody {
      if (!this.bodyValue) {
        this.bodyValue = new OutgoingBody();
        this.bodyValue.finished = true;
      }
      return this.bodyValue;
    }
  }

  class OutgoingRequest extends OutgoingMessage {
    private methodValue: Method = { tag: 'get' };
    private schemeValue: Scheme | undefined;
    private authorityValue: string | undefined;
    private pathValue: string | undefined;

    method(): Method { return this.methodValue; }
    setMethod(m: Method): Result<undefined, undefined> {
      if (m.tag === 'other' && !TOKEN.test(m.val ?? '')) return { tag: 'err', val: undefined };
      this.methodValue = m;
      return { tag: 'ok', val: undefined };
    }
    pathWithQuery(): string | undefined { return this.pathValue; }
    setPathWithQuery(p: string | undefined): Result<undefined, undefined> {
      if (p !== undefined && (/[\s#]/.test(p) || (p !== '' && !p.startsWith('/') && !p.startsWith('?') && p !== '*'))) return { tag: 'err', val: undefined };
      this.pathValue = p;
      return { tag: 'ok', val: undefined };
    }
    scheme(): Scheme | undefined { return this.schemeValue; }
    setScheme(s: Scheme | undefined): Result<undefined, undefined> {
      if (s?.tag === 'other' && !/^[a-zA-Z][a-zA-Z0-9+.-]*$/.test(s.val ?? '')) return { tag: 'err', val: undefined };
      this.schemeValue = s;
      return { tag: 'ok', val: undefined };
    }
    authority(): string | undefined { return this.authorityValue; }
    setAuthority(a: string | undefined): Result<undefined, undefined> {
      if (a !== undefined && /[\s/?#@]/.test(a)) return { tag: 'err', val: undefined };
      this.authorityValue = a;
      return { tag: 'ok', val: undefined };
    }
  }

  class RequestOptions {
    private connect: bigint | undefined;
    private firstByte: bigint | undefined;
    private betweenBytes: bigint | undefined;
    connectTimeout(): bigint | undefined { return this.connect; }
    setConnectTimeout(v: bigint | undefined): Result<undefined, undefined> { this.connect = v; return { tag: 'ok', val: undefined }; }
    firstByteTimeout(): bigint | undefined { return this.firstByte; }
    setFirstByteTimeout(v: bigint | undefined): Result<undefined, undefined> { this.firstByte = v; return { tag: 'ok', val: undefined }; }
    betweenBytesTimeout(): bigint | undefined { return this.betweenBytes; }
    setBetweenBytesTimeout(v: bigint | undefined): Result<undefined, undefined> { this.betweenBytes = v; return { tag: 'ok', val: undefined }; }
  }

  class FutureTrailers {
    private taken = false;
    constructor(private readonly source: QueueSource) {}
    subscribe(): Pollable {
      return new Pollable(reactor, () => this.source.ready() && this.source.finished);
    }
    get(): Result<Result<undefined, HttpErrorCode>, undefined> | undefined {
      reactor.pump();
      if (!this.source.finished) return undefined;
      if (this.taken) return { tag: 'err', val: undefined };
      this.taken = true;
      return { tag: 'ok', val: { tag: 'ok', val: undefined } };
    }
  }

  class IncomingBody {
    private streamTaken = false;
    constructor(private readonly source: QueueSource) {}
    stream(): Result<InputStream, undefined> {
      if (this.streamTaken) return { tag: 'err', val: undefined };
      this.streamTaken = true;
      return { tag: 'ok', val: new InputStream(reactor, this.source) };
    }
    static finish(body: IncomingBody): FutureTrailers {
      return new FutureTrailers(body.source);
    }
  }

  class IncomingResponse {
    private consumed = false;
    constructor(
      private readonly statusValue: number,
      private readonly fields: Fields,
      private readonly source: QueueSource,
    ) {}
    status(): number { return this.statusValue; }
    headers(): Fields { return this.fields.view(); }
    consume(): Result<IncomingBody, undefined> {
      if (this.consumed) return { tag: 'err', val: undefined };
      this.consumed = true;
      return { tag: 'ok', val: new IncomingBody(this.source) };
    }
  }

  class FutureIncomingResponse {
    private outcome: Result<IncomingResponse, HttpErrorCode> | undefined;
    private taken = false;
    readonly source = new QueueSource();

    deliver(e: HostEvent): void {
      switch (e.type) {
        case 'http.head':
          this.outcome = { tag: 'ok', val: new IncomingResponse(e.status, Fields.frozen(e.headers), this.source) };
          break;
        case 'http.data':
          this.source.push(e.data);
          break;
        case 'http.end':
          this.source.end();
          break;
        case 'http.error':
          if (this.outcome === undefined) this.outcome = { tag: 'err', val: e.code };
          else this.source.fail(new IoError(`HTTP response body failed: ${e.code.tag}`, e.code));
          break;
        default:
      }
    }

    subscribe(): Pollable {
      return new Pollable(reactor, () => this.outcome !== undefined);
    }

    get(): Result<Result<IncomingResponse, HttpErrorCode>, undefined> | undefined {
      reactor.pump();
      if (this.outcome === undefined) return undefined;
      if (this.taken) return { tag: 'err', val: undefined };
      this.taken = true;
      return { tag: 'ok', val: this.outcome };
    }
  }

  function handle(request: OutgoingRequest, options?: RequestOptions): Result<FutureIncomingResponse, HttpErrorCode> {
    const scheme = request.scheme() ?? { tag: 'HTTPS' };
    if (scheme.tag === 'other') return { tag: 'err', val: { tag: 'HTTP-protocol-error' } };
    const authority = request.authority();
    if (!authority) return { tag: 'err', val: { tag: 'HTTP-request-URI-invalid' } };
    const future = new FutureIncomingResponse();
    if (!channel) {
      future.deliver({ type: 'http.error', id: 0, code: { tag: 'HTTP-request-denied' } });
      return { tag: 'ok', val: future };
    }
    const id = nextId++;
    calls.set(id, future);
    // NOTE: credit back what the guest reads of the body, so the host reads on (see HTTP_WINDOW).
    let credit = 0;
    future.source.onConsume = (bytes) => {
      credit += bytes;
      if (credit >= HTTP_CREDIT_BATCH || future.source.finished) {
        channel.send({ type: 'http.read', id, bytes: credit });
        credit = 0;
      }
    };
    const timeout = options?.connectTimeout();
    channel.send({
      type: 'http.request',
      id,
      method: methodName(request.method()),
      scheme: scheme.tag === 'HTTP' ? 'http' : 'https',
      authority,
      pathWithQuery: request.pathWithQuery() ?? '/',
      headers: request.headers().entries(),
      ...(timeout !== undefined ? { connectTimeoutMs: Number(timeout / 1_000_000n) } : {}),
    });
    request.takeBody().attach({
      data: (data) => channel.send({ type: 'http.body', id, data }),
      end: () => channel.send({ type: 'http.body-end', id }),
    });
    return { tag: 'ok', val: future };
  }

  // ---- incoming (the guest serves) ---------------------------------------------------------------

  class IncomingRequest {
    private consumed = false;
    constructor(private readonly e: Extract<HostEvent, { type: 'http.incoming' }>) {}
    method(): Method { return methodOf(this.e.method); }
    pathWithQuery(): string { return this.e.pathWithQuery; }
    scheme(): Scheme { return { tag: this.e.scheme === 'https' ? 'HTTPS' : 'HTTP' }; }
    authority(): string { return this.e.authority; }
    headers(): Fields { return Fields.frozen(this.e.headers); }
    consume(): Result<IncomingBody, undefined> {
      if (this.consumed) return { tag: 'err', val: undefined };
      this.consumed = true;
      const source = new QueueSource();
      const all = bytesSource(this.e.body);
      for (let c = all.read(65536); c !== null; c = all.read(65536)) source.push(c);
      source.end();
      return { tag: 'ok', val: new IncomingBody(source) };
    }
  }

  class OutgoingResponse extends OutgoingMessage {
    private status = 200;
    statusCode(): number { return this.status; }
    setStatusCode(code: number): Result<undefined, undefined> {
      if (code < 100 || code > 999) return { tag: 'err', val: undefined };
      this.status = code;
      return { tag: 'ok', val: undefined };
    }
  }

  class ResponseOutparam {
    /** Set once the guest has answered (a response or an error). */
    answered = false;
    ended = false;
    constructor(readonly id: number) {}

    static set(param: ResponseOutparam, response: Result<OutgoingResponse, HttpErrorCode>): void {
      if (param.answered) throw new Error('response-outparam.set called twice');
      param.answered = true;
      const id = param.id;
      if (response.tag === 'err') {
        param.ended = true;
        channel?.send({ type: 'http.response-error', id, message: response.val.tag });
        return;
      }
      const r = response.val;
      channel?.send({ type: 'http.response', id, status: r.statusCode(), headers: r.headers().entries() });
      r.takeBody().attach({
        data: (data) => channel?.send({ type: 'http.response-body', id, data }),
        end: () => {
          param.ended = true;
          channel?.send({ type: 'http.response-end', id });
        },
      });
    }
  }

  const off = reactor.on((e) => {
    if (e.type === 'http.head' || e.type === 'http.data' || e.type === 'http.end' || e.type === 'http.error') {
      const call = calls.get(e.id);
      call?.deliver(e);
      if (e.type === 'http.end' || (e.type === 'http.error' && call)) calls.delete(e.id);
    }
  });

  return {
    'wasi:http/types': {
      Fields,
      OutgoingRequest,
      OutgoingResponse,
      OutgoingBody,
      RequestOptions,
      IncomingRequest,
      IncomingResponse,
      IncomingBody,
      FutureIncomingResponse,
      FutureTrailers,
      ResponseOutparam,
      httpErrorCode: (err: IoError): HttpErrorCode | undefined => {
        const p = err?.payload as HttpErrorCode | undefined;
        return p && typeof p === 'object' && 'tag' in p ? p : undefined;
      },
    },
    'wasi:http/outgoing-handler': { handle },
    // NOTE: not an import: what the runner uses to hand requests to the guest's incoming-handler.
    [INCOMING]: {
      request: (e: Extract<HostEvent, { type: 'http.incoming' }>): [IncomingRequest, ResponseOutparam] => {
        const out = new ResponseOutparam(e.id);
        answering.set(e.id, out);
        return [new IncomingRequest(e), out];
      },
      /** Stops delivering host events to this instance's requests. */
      dispose: (): void => off(),
      /** After the guest's handle() returned: closes what it left open. */
      done: (id: number, failure?: string): void => {
        const out = answering.get(id);
        answering.delete(id);
        if (!out || !out.answered) channel?.send({ type: 'http.response-error', id, message: failure ?? 'the component returned without a response' });
        else if (!out.ended) channel?.send({ type: 'http.response-end', id });
      },
    },
  };
}

/** Key of the runner's own entry in what `httpImports` returns (never an import name: it has no `:`). */
export const INCOMING = 'boxer-incoming';
