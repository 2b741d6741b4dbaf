import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpTransport } from '../../../server/wecom/http-transport';
import { MemoryTokenStore, WecomClient } from '../../../server/wecom/client';
import { WecomNetworkError } from '../../../server/wecom/types';
import { createSimulatorFetch } from '../../../server/wecom/simulator/fetch';
import { generateStaff } from '../../../server/wecom/simulator/population';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { startSimulatorServer } from '../../../server/wecom/simulator/standalone';

const mkSim = () => new WecomSimulator({ populationOptions: { seed: 21, customers: 250, staff: generateStaff(4, 21) } });

describe('in-process fetch (demo mode)', () => {
  it('serves the client from the simulator, latency through the injected sleep', async () => {
    const sim = mkSim();
    sim.config.latencyMs = 250;
    const slept: number[] = [];
    const fetch = createSimulatorFetch(sim, { sleep: async (ms) => void slept.push(ms) });
    const c = new WecomClient({ corpId: sim.corpId, secret: sim.secret, tokenStore: new MemoryTokenStore(), fetch, baseUrl: 'http://sim.local', rateLimiter: false });
    const staff = await c.listFollowUsers();
    let pairs = 0;
    for await (const p of c.iterateByUser(staff)) pairs += p.items.length;
    expect(pairs).toBe(sim.state.followCount());
    expect(slept.every((ms) => ms === 250)).toBe(true);
    expect(slept.length).toBe(c.stats.totalCalls);
  });

  it('turns injected network faults into fetch rejections', async () => {
    const sim = mkSim();
    sim.injectFaults({ kind: 'network', times: 10 });
    const c = new WecomClient({ corpId: sim.corpId, secret: sim.secret, tokenStore: new MemoryTokenStore(), fetch: createSimulatorFetch(sim), rateLimiter: false, sleep: async () => {}, retry: { maxRetries: 1 } });
    await expect(c.listFollowUsers()).rejects.toBeInstanceOf(WecomNetworkError);
  });
});

describe('standalone HTTP server', () => {
  const sim = mkSim();
  let srv: Awaited<ReturnType<typeof startSimulatorServer>>;
  beforeAll(async () => {
    srv = await startSimulatorServer(sim, { port: 0 });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('answers the client over real HTTP and exposes the control surface', async () => {
    const c = new WecomClient({ corpId: sim.corpId, secret: sim.secret, tokenStore: new MemoryTokenStore(), baseUrl: srv.url, rateLimiter: false, sleep: async () => {} });
    expect(await c.listFollowUsers()).toHaveLength(4);
    const summary = (await (await fetch(`${srv.url}/__sim/summary`)).json()) as { customers: number };
    expect(summary.customers).toBe(250);
    const added = (await (await fetch(`${srv.url}/__sim/contacts`, { method: 'POST', body: JSON.stringify({ userid: [...sim.state.staff.keys()][0], state: 'store_9' }) })).json()) as { externalUserid: string };
    const got = await c.getExternalContact(added.externalUserid);
    expect(got.follow_user[0]!.state).toBe('store_9');
    await fetch(`${srv.url}/__sim/faults`, { method: 'POST', body: JSON.stringify([{ kind: 'network', api: 'externalcontact/get_follow_user_list' }]) });
    expect(await c.listFollowUsers()).toHaveLength(4);
    expect(c.stats.retries).toBe(1);
  });
});

describe('node:http transport (the default without an injected fetch)', () => {
  // A plain server whose answer each test sets: the transport's own behaviour, not the simulator's.
  let answer: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end('{}');
  let server: Server;
  let url = '';
  const sockets = new Set<number>();
  beforeAll(async () => {
    server = createServer((q, r) => answer(q, r));
    server.on('connection', (s) => sockets.add(s.remotePort ?? 0));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('sends the body with its length, reads the answer as UTF-8 and reuses the connection', async () => {
    answer = (q, r) => {
      let body = '';
      q.setEncoding('utf8');
      q.on('data', (c: string) => (body += c));
      q.on('end', () => r.end(JSON.stringify({ method: q.method, length: q.headers['content-length'], body, name: '张三' })));
    };
    sockets.clear();
    for (let i = 0; i < 3; i++) {
      const r = await nodeHttpTransport(`${url}/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"k":"客"}', timeoutMs: 1000 });
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body!)).toEqual({ method: 'POST', length: String(Buffer.byteLength('{"k":"客"}')), body: '{"k":"客"}', name: '张三' });
    }
    expect(sockets.size).toBe(1);
  });

  it('gives the status of a non-2xx answer without a body, and the client retries a 503', async () => {
    let n = 0;
    answer = (_q, r) => {
      n += 1;
      if (n === 1) {
        r.statusCode = 503;
        r.end('busy');
      } else r.end(JSON.stringify({ errcode: 0, errmsg: 'ok', access_token: 'tok', expires_in: 7200 }));
    };
    expect(await nodeHttpTransport(`${url}/y`, { method: 'GET', headers: {}, timeoutMs: 1000 })).toEqual({ status: 503, body: null });
    n = 0;
    const c = new WecomClient({ corpId: 'ww1', secret: 's', tokenStore: new MemoryTokenStore(), baseUrl: url, rateLimiter: false, sleep: async () => {} });
    expect(await c.getAccessToken()).toBe('tok');
    expect(c.stats.retries).toBe(1);
  });

  it('times out a request that never answers, and a refused connection is a network error', async () => {
    answer = () => undefined; // never answers
    await expect(nodeHttpTransport(`${url}/slow`, { method: 'GET', headers: {}, timeoutMs: 100 })).rejects.toThrow(/timed out after 100 ms/);
    const c = new WecomClient({ corpId: 'ww1', secret: 's', tokenStore: new MemoryTokenStore(), baseUrl: url, rateLimiter: false, sleep: async () => {}, timeoutMs: 100, retry: { maxRetries: 1 } });
    await expect(c.getAccessToken()).rejects.toBeInstanceOf(WecomNetworkError);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(nodeHttpTransport(`http://127.0.0.1:${port}/`, { method: 'GET', headers: {}, timeoutMs: 1000 })).rejects.toThrow(/ECONNREFUSED/);
  });
});
