// HTTP bodies between a guest and the network stay bounded in the host's memory: a response body
// the guest does not read holds at most HTTP_WINDOW bytes on its way (the host stops reading the
// socket until the guest gives credit back), and a request body a server does not read is cut at
// MAX_BODY_BUFFER with an error for the guest. Drives node/net-adapter.ts with a real node:http
// server on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetAdapter } from '../src/node/net-adapter.js';
import { HTTP_WINDOW } from '../src/p2/http.js';
import type { HostEvent } from '../src/p2/channel.js';

const BODY = 8 * 1024 * 1024;
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/big') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = (): void => {
        while (sent < BODY) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    } else {
      // Never reads the request body.
      req.pause();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

function adapter(): { net: NetAdapter; events: HostEvent[]; delivered: () => number } {
  const events: HostEvent[] = [];
  let delivered = 0;
  const net = new NetAdapter({
    net: [`127.0.0.1:${port}`],
    emit: () => {},
    warn: () => {},
    fail: (d) => { throw new Error(d.message); },
    toGuest: (e) => {
      if (e.type === 'http.data') delivered += e.data.length;
      events.push(e);
    },
  });
  return { net, events, delivered: () => delivered };
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('HTTP bodies through the net adapter', () => {
  it('a response body the guest does not read holds at most the window; credit lets the rest through', async () => {
    const { net, events, delivered } = adapter();
    net.onMessage({ type: 'http.request', id: 1, method: 'GET', scheme: 'http', authority: `127.0.0.1:${port}`, pathWithQuery: '/big', headers: [] });
    net.onMessage({ type: 'http.body-end', id: 1 });
    await settle(500);
    expect(events.some((e) => e.type === 'http.head')).toBe(true);
    // Paused once the window is full (one socket read past it at most).
    expect(delivered()).toBeGreaterThanOrEqual(HTTP_WINDOW);
    expect(delivered()).toBeLessThan(HTTP_WINDOW + 128 * 1024);
    // The guest reads everything it got, again and again: the whole body arrives.
    let credited = 0;
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'http.end'); i++) {
      net.onMessage({ type: 'http.read', id: 1, bytes: delivered() - credited });
      credited = delivered();
      await settle(10);
    }
    expect(delivered()).toBe(BODY);
    expect(events.at(-1)?.type).toBe('http.end');
    net.close();
  });

  it('a request body the server does not read is cut past the buffer limit, with an error for the guest', async () => {
    const { net, events } = adapter();
    net.onMessage({ type: 'http.request', id: 2, method: 'POST', scheme: 'http', authority: `127.0.0.1:${port}`, pathWithQuery: '/sink', headers: [] });
    await settle(200);
    const chunk = new Uint8Array(1024 * 1024);
    for (let i = 0; i < 64 && !events.some((e) => e.type === 'http.error'); i++) {
      net.onMessage({ type: 'http.body', id: 2, data: chunk });
      await settle(5);
    }
    const err = events.find((e) => e.type === 'http.error');
    expect(err).toMatchObject({ type: 'http.error', id: 2, code: { tag: 'internal-error' } });
    net.close();
  });
});

describe('open requests', () => {
  it('a run may hold at most 32 requests open at once; the next one gets an error', async () => {
    const { net, events } = adapter();
    for (let id = 1; id <= 33; id++) net.onMessage({ type: 'http.request', id, method: 'POST', scheme: 'http', authority: `127.0.0.1:${port}`, pathWithQuery: '/sink', headers: [] });
    await settle(100);
    expect(events.filter((e) => e.type === 'http.error').map((e) => e.id)).toEqual([33]);
    net.close();
  });
});
