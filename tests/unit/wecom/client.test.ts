import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryTokenStore, TokenBucketRateLimiter, WecomClient, type WecomClientOptions } from '../../../server/wecom/client';
import { WecomApiError, WecomHttpError, WecomNetworkError, WecomResponseError } from '../../../server/wecom/types';
import { generateStaff } from '../../../server/wecom/simulator/population';
import type { SimConfig } from '../../../server/wecom/simulator/config';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { wecomHandlers } from '../../mocks/wecom';

let sim: WecomSimulator;
let clock = 0;
let sleeps: number[] = [];
const server = setupServer(...wecomHandlers(() => sim));

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const T0 = Date.UTC(2025, 10, 3, 2, 0, 0); // minute-aligned

function setup(opts: { config?: Partial<SimConfig>; client?: Partial<WecomClientOptions>; customers?: number; staff?: number } = {}): WecomClient {
  clock = T0;
  sleeps = [];
  sim = new WecomSimulator({
    populationOptions: { seed: 7, customers: opts.customers ?? 300, staff: generateStaff(opts.staff ?? 6, 7) },
    now: () => clock,
    config: opts.config ?? {},
  });
  return new WecomClient({
    corpId: sim.corpId,
    secret: sim.secret,
    tokenStore: new MemoryTokenStore(),
    rateLimiter: false,
    now: () => clock,
    // Backoff sleeps advance the shared clock instantly: no wall-clock waiting, and the simulator sees time pass.
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    ...opts.client,
  });
}

const gettokens = () => sim.requestCount.get('gettoken') ?? 0;

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('tokens', () => {
  it('fetches one token and reuses it across calls', async () => {
    const c = setup();
    expect(await c.listFollowUsers()).toEqual([...sim.state.staff.keys()]);
    await c.listFollowUsers();
    await c.getCorpTagList();
    expect(gettokens()).toBe(1);
    expect(c.stats).toMatchObject({ refreshes: 1, retries: 0, tokenRetries: 0, totalCalls: 4 });
    expect(c.stats.calls).toEqual({ gettoken: 1, 'externalcontact/get_follow_user_list': 2, 'externalcontact/get_corp_tag_list': 1 });
  });

  it('refreshes early, 5 minutes before expiry, without ever hitting 42001', async () => {
    const c = setup();
    await c.listFollowUsers();
    clock += 7200_000 - 4 * 60_000;
    await c.listFollowUsers();
    expect(gettokens()).toBe(2);
    expect(c.stats.tokenRetries).toBe(0);
  });

  it('on 42001 (expired token) refreshes and retries once', async () => {
    const c = setup();
    await c.listFollowUsers();
    sim.expireTokens();
    expect(await c.listFollowUsers()).toHaveLength(6);
    expect(c.stats).toMatchObject({ tokenRetries: 1, refreshes: 2, retries: 0 });
    expect(c.stats.calls['externalcontact/get_follow_user_list']).toBe(3); // ok, 42001, retried ok
  });

  it('on 40014 (token invalidated early) refreshes and retries once', async () => {
    const c = setup();
    await c.listFollowUsers();
    sim.invalidateTokens();
    expect(await c.listFollowUsers()).toHaveLength(6);
    expect(c.stats).toMatchObject({ tokenRetries: 1, refreshes: 2 });
  });

  it('gives up with a typed error when the token is rejected again after the refresh', async () => {
    const c = setup();
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'errcode', errcode: 40014, times: 2 });
    const e = await caught(c.listFollowUsers());
    expect(e).toBeInstanceOf(WecomApiError);
    expect(e).toMatchObject({ errcode: 40014, api: 'externalcontact/get_follow_user_list', kind: 'api' });
    expect(c.stats.calls['externalcontact/get_follow_user_list']).toBe(2);
    expect(gettokens()).toBe(2);
  });

  it('a wrong secret fails with 40001 from gettoken and is not retried', async () => {
    setup();
    const c = new WecomClient({ corpId: sim.corpId, secret: 'wrong', tokenStore: new MemoryTokenStore(), rateLimiter: false, now: () => clock, sleep: async () => {} });
    const e = await caught(c.listFollowUsers());
    expect(e).toMatchObject({ errcode: 40001, api: 'gettoken' });
    expect(gettokens()).toBe(1);
  });

  it('concurrent calls share one token refresh', async () => {
    const c = setup();
    const results = await Promise.all(Array.from({ length: 20 }, () => c.listFollowUsers()));
    expect(results).toHaveLength(20);
    expect(gettokens()).toBe(1);
    sim.expireTokens();
    await Promise.all(Array.from({ length: 10 }, () => c.getCorpTagList()));
    expect(gettokens()).toBe(2);
    expect(c.stats.refreshes).toBe(2);
  });

  it('two clients on one store (two processes) reuse the token the first one fetched', async () => {
    const c1 = setup();
    const store = new MemoryTokenStore();
    const mk = () => new WecomClient({ corpId: sim.corpId, secret: sim.secret, tokenStore: store, rateLimiter: false, now: () => clock, sleep: async () => {} });
    await Promise.all([mk().listFollowUsers(), mk().listFollowUsers(), mk().listFollowUsers()]);
    expect(gettokens()).toBe(1);
    expect(c1.appKey).not.toContain(sim.secret);
  });
});

describe('transient failures', () => {
  it('45009 backs off (long steps, with jitter) and then succeeds', async () => {
    const c = setup();
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'errcode', errcode: 45009, times: 2 });
    expect(await c.listFollowUsers()).toHaveLength(6);
    expect(sleeps).toEqual([1500, 3000]); // equal jitter at random 0.5 over 2 s and 4 s steps
    expect(c.stats.retries).toBe(2);
  });

  it("the simulator's own 45009 rate limit clears once the minute window passes", async () => {
    const c = setup({ config: { rateLimitPerMinute: 3 }, client: { retry: { rateLimitedBaseDelayMs: 40_000 } } });
    for (let i = 0; i < 3; i++) await c.getCorpTagList();
    await c.getCorpTagList();
    expect(sleeps.length).toBeGreaterThan(0);
    expect(clock - T0).toBeGreaterThanOrEqual(60_000);
  });

  it('-1 is retried a bounded number of times, then a typed error', async () => {
    const c = setup();
    sim.injectFaults({ api: 'externalcontact/get_corp_tag_list', kind: 'errcode', errcode: -1, times: 100 });
    const e = await caught(c.getCorpTagList());
    expect(e).toBeInstanceOf(WecomApiError);
    expect(e).toMatchObject({ errcode: -1, attempts: 5 });
    expect(c.stats.retries).toBe(4);
    expect(sleeps).toEqual([225, 450, 900, 1800]);
  });

  it('-1 twice then success', async () => {
    const c = setup();
    sim.injectFaults({ kind: 'errcode', errcode: -1, api: 'externalcontact/get_corp_tag_list', times: 2 });
    const r = await c.getCorpTagList();
    expect(r.tag_group.length).toBeGreaterThan(0);
    expect(c.stats.retries).toBe(2);
  });

  it('HTTP 5xx is retried, then surfaces as WecomHttpError', async () => {
    const c = setup({ client: { retry: { maxRetries: 2 } } });
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'http', status: 502, times: 3 });
    const e = await caught(c.listFollowUsers());
    expect(e).toBeInstanceOf(WecomHttpError);
    expect(e).toMatchObject({ status: 502, attempts: 3, kind: 'http' });
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'http', status: 503, times: 1 });
    expect(await c.listFollowUsers()).toHaveLength(6);
  });

  it('network errors are retried, then surface as WecomNetworkError', async () => {
    const c = setup();
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'network', times: 1 });
    expect(await c.listFollowUsers()).toHaveLength(6);
    sim.injectFaults({ api: 'externalcontact/get_follow_user_list', kind: 'network', times: 5 });
    const e = await caught(c.listFollowUsers());
    expect(e).toBeInstanceOf(WecomNetworkError);
    expect(e).toMatchObject({ attempts: 5 });
  });

  it('a failing gettoken is itself retried', async () => {
    const c = setup();
    sim.injectFaults({ api: 'gettoken', kind: 'errcode', errcode: -1, times: 2 });
    expect(await c.listFollowUsers()).toHaveLength(6);
    expect(gettokens()).toBe(3);
  });

  it('business errors are not retried', async () => {
    const c = setup();
    const e = await caught(c.getExternalContact('wm-does-not-exist'));
    expect(e).toMatchObject({ errcode: 40096, attempts: 1 });
    expect(c.stats.retries).toBe(0);
  });

  it('41063 right after add_msg_template is retried for the groupmsg queries', async () => {
    const c = setup({ config: { dispatchDelayMs: 2_000 } });
    const [userid] = [...sim.state.followsByUser.keys()];
    const { msgid } = await c.addMsgTemplate({ sender: userid!, text: { content: 'hi' } });
    const r = await c.getGroupMsgTask({ msgid });
    expect(r.task_list).toEqual([{ userid, status: 0 }]);
    expect(c.stats.retries).toBeGreaterThan(0);
  });
});

describe('response validation', () => {
  it('an errcode-0 answer of the wrong shape is a WecomResponseError', async () => {
    const c = setup();
    server.use(http.get('https://qyapi.weixin.qq.com/cgi-bin/externalcontact/get_follow_user_list', () => HttpResponse.json({ errcode: 0, errmsg: 'ok', follow_user: 'zhangsan' })));
    const e = await caught(c.listFollowUsers());
    expect(e).toBeInstanceOf(WecomResponseError);
    expect(e).toBeInstanceOf(WecomApiError);
  });

  it('a non-JSON body is a WecomResponseError, a 404 a WecomHttpError without retries', async () => {
    const c = setup();
    server.use(http.get('https://qyapi.weixin.qq.com/cgi-bin/externalcontact/get_follow_user_list', () => new HttpResponse('<html>', { status: 200 })));
    expect(await caught(c.listFollowUsers())).toBeInstanceOf(WecomResponseError);
    server.use(http.get('https://qyapi.weixin.qq.com/cgi-bin/externalcontact/get_follow_user_list', () => new HttpResponse('nope', { status: 404 })));
    expect(await caught(c.listFollowUsers())).toMatchObject({ status: 404, attempts: 1 });
  });
});

describe('rate limiting', () => {
  it('spaces calls by the token bucket (injected clock, no wall time)', async () => {
    const limiter = new TokenBucketRateLimiter({
      limits: { 'externalcontact/get_corp_tag_list': { perCorp: [{ limit: 10, windowMs: 60_000 }], perIp: [] } },
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    const c = setup({ client: { rateLimiter: limiter } });
    const times: number[] = [];
    for (let i = 0; i < 25; i++) {
      await c.getCorpTagList();
      times.push(clock);
    }
    // capacity 1 (10 % burst), refill 9 per minute: one call every 6,667 ms after the first.
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(6_666);
    // Never more than the limit in any 60 s window.
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 60_000).length).toBeLessThanOrEqual(10);
    expect(c.stats.rateLimitWaitMs).toBe(times[times.length - 1]! - times[0]!);
  });

  it('keeps separate buckets per corp and per API', async () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter({
      defaultLimit: { perCorp: [{ limit: 20, windowMs: 60_000 }], perIp: [] },
      limits: {},
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    // The documented table applies to known APIs, so use unknown API names to exercise defaultLimit.
    await limiter.acquire('corpA', 'x/a');
    await limiter.acquire('corpA', 'x/a');
    await limiter.acquire('corpB', 'x/a');
    await limiter.acquire('corpA', 'x/b');
    expect(now).toBe(0);
    await limiter.acquire('corpA', 'x/a');
    expect(now).toBeGreaterThan(0);
  });

  it('the default table follows the documented 10,000/min per corp and API', async () => {
    let now = 0;
    const limiter = new TokenBucketRateLimiter({ now: () => now, sleep: async (ms) => void (now += ms) });
    for (let i = 0; i < 1000; i++) await limiter.acquire('corp', 'externalcontact/get');
    expect(now).toBe(0); // the 10 % burst
    for (let i = 0; i < 9000; i++) await limiter.acquire('corp', 'externalcontact/get');
    expect(now).toBeGreaterThan(59_000);
    expect(now).toBeLessThanOrEqual(60_000);
  });
});

describe('paging helpers', () => {
  it('iterateByUser walks every (customer, follower) pair over cursor pages', async () => {
    const c = setup({ customers: 1500, staff: 8 });
    const staff = await c.listFollowUsers();
    const pairs: string[] = [];
    let pages = 0;
    for await (const page of c.iterateByUser(staff, 100)) {
      pages++;
      expect(page.items.length).toBeLessThanOrEqual(100);
      for (const it of page.items) pairs.push(`${it.follow_info.userid}/${it.external_contact.external_userid}`);
    }
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.length).toBe(sim.state.followCount());
    expect(pages).toBe(Math.ceil(pairs.length / 100));
    const customers = new Set(pairs.map((p) => p.split('/')[1]));
    expect(customers.size).toBe(1500);
    expect(pairs.length - customers.size).toBeGreaterThan(100); // multi-clerk customers appear once per clerk
  });

  it('iterateByUser splits more than 100 userids into chunks', async () => {
    const c = setup({ customers: 400, staff: 130 });
    const staff = await c.listFollowUsers();
    expect(staff).toHaveLength(130);
    let count = 0;
    const lists = new Set<string>();
    for await (const page of c.iterateByUser(staff)) {
      expect(page.userids.length).toBeLessThanOrEqual(100);
      lists.add(page.userids.join(','));
      count += page.items.length;
    }
    expect(lists.size).toBe(2);
    expect(count).toBe(sim.state.followCount());
  });

  it('iterateGroupChats pages every chat, by owner chunks when asked', async () => {
    const c = setup({ customers: 2000 });
    const all: string[] = [];
    for await (const p of c.iterateGroupChats({ limit: 7 })) all.push(...p.chats.map((x) => x.chat_id));
    expect(all).toHaveLength(sim.state.groupChats.size);
    const byOwner: string[] = [];
    for await (const p of c.iterateGroupChats({ ownerUserids: [...sim.state.staff.keys()] })) byOwner.push(...p.chats.map((x) => x.chat_id));
    expect(new Set(byOwner)).toEqual(new Set(all));
    const chat = await c.getGroupChat(all[0]!);
    expect(chat.member_list.length).toBeGreaterThan(1);
    expect(chat.member_list[0]!.name).toBeTruthy();
  });

  it('listExternalContacts returns [] for a clerk without customers (84061)', async () => {
    const c = setup({ customers: 0 });
    expect(await c.listExternalContacts([...sim.state.staff.keys()][0]!)).toEqual([]);
  });

  it('getExternalContactFull merges follow_user pages and tags carry names', async () => {
    const c = setup({ customers: 50 });
    const euid = [...sim.state.customers.keys()][0]!;
    const r = await c.getExternalContactFull(euid);
    expect(r.follow_user.length).toBe(sim.state.followsByCustomer.get(euid)!.length);
    for (const f of r.follow_user) for (const t of f.tags) expect(t.tag_name).toBeTruthy();
  });

  it('refuses more than 10,000 recipients before calling WeCom', async () => {
    const c = setup();
    expect(() => c.addMsgTemplate({ external_userid: Array.from({ length: 10_001 }, (_, i) => `wm${i}`), text: { content: 'x' } })).toThrow(RangeError);
    expect(c.stats.totalCalls).toBe(0);
  });

  it('covers the write endpoints: tags, remark, contact way, welcome message, mass message lifecycle', async () => {
    const c = setup();
    const rel = [...sim.state.followsByCustomer.values()].find((rs) => rs.length === 1 && !rs[0]!.deletedByCustomer)![0]!;
    const { userid, external_userid: euid } = rel;
    const added = await c.addCorpTag({ group_name: '门店', tag: [{ name: '静安店' }, { name: '徐汇店' }] });
    expect(added.tag_group.tag.map((t) => t.name)).toEqual(['静安店', '徐汇店']);
    await c.editCorpTag({ id: added.tag_group.tag[0]!.id, name: '静安寺店' });
    await c.markTag({ userid, external_userid: euid, add_tag: [added.tag_group.tag[0]!.id] });
    expect(sim.state.getFollow(userid, euid)!.tag_ids).toContain(added.tag_group.tag[0]!.id);
    await c.delCorpTag({ tag_id: [added.tag_group.tag[1]!.id] });
    await c.updateRemark({ userid, external_userid: euid, remark: '王女士', remark_mobiles: ['13800000000'] });
    expect(sim.state.getFollow(userid, euid)).toMatchObject({ remark: '王女士', remark_mobiles: ['13800000000'] });
    const way = await c.addContactWay({ type: 1, scene: 2, user: [userid], state: 'store_0042' });
    expect(way.qr_code).toMatch(/^https:/);
    const { welcomeCode } = sim.addContactViaContactWay(way.config_id);
    await c.sendWelcomeMsg({ welcome_code: welcomeCode!, text: { content: '欢迎!' } });
    expect(await caught(c.sendWelcomeMsg({ welcome_code: welcomeCode!, text: { content: '欢迎!' } }))).toMatchObject({ errcode: 41051 });
    const { msgid, fail_list } = await c.addMsgTemplate({ external_userid: [euid, 'wm-unknown'], text: { content: '双11' } });
    expect(fail_list).toEqual(['wm-unknown']);
    sim.sendMassMessage(msgid);
    const results = [];
    for await (const r of c.iterateGroupMsgSendResults(msgid, userid)) results.push(r);
    expect(results).toEqual([{ external_userid: euid, userid, status: 1, send_time: Math.floor(clock / 1000) }]);
    const list = [];
    for await (const m of c.iterateGroupMsgList({ chat_type: 'single', start_time: Math.floor(clock / 1000) - 60, end_time: Math.floor(clock / 1000) + 60 })) list.push(m);
    expect(list.map((m) => m.msgid)).toEqual([msgid]);
    await c.remindGroupMsgSend(msgid);
    await c.cancelGroupMsgSend(msgid);
    const tasks = [];
    for await (const t of c.iterateGroupMsgTasks(msgid)) tasks.push(t);
    expect(tasks).toEqual([{ userid, status: 2, send_time: Math.floor(clock / 1000) }]);
    const ids = await c.allUserIds();
    expect(ids.sort()).toEqual([...sim.state.staff.keys()].sort());
    expect((await c.listUsers()).length).toBe(6);
  });
});
