import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
