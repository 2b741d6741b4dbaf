import { describe, expect, it } from 'vitest';
import { generateEncodingAesKey, WecomCryptoError, type CallbackCryptoConfig } from '../../../server/wecom/crypto';
import { openCallback, parseEventXml, type WecomEvent } from '../../../server/wecom/events';
import { generateStaff } from '../../../server/wecom/simulator/population';
import { EventSink, type EventSinkOptions } from '../../../server/wecom/simulator/sink';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';

const T0 = Date.UTC(2025, 10, 3, 2, 0, 0);
const URL_ = 'https://huike.test/wecom/callback?tenant=t1';

/** A receiver like the app's callback route: verify, decrypt, parse; answers 200 or 400. */
function receiver(cfg: CallbackCryptoConfig, opts: { failFirst?: number } = {}) {
  const received: WecomEvent[] = [];
  const urls: URL[] = [];
  let failures = opts.failFirst ?? 0;
  const fetch = async (url: string, init: RequestInit): Promise<Response> => {
    const u = new URL(url);
    urls.push(u);
    if (failures > 0) {
      failures--;
      return new Response('busy', { status: 500 });
    }
    try {
      const q = { msg_signature: u.searchParams.get('msg_signature') ?? '', timestamp: u.searchParams.get('timestamp') ?? '', nonce: u.searchParams.get('nonce') ?? '' };
      received.push(openCallback(cfg, q, String(init.body)).event);
      return new Response('success');
    } catch (e) {
      return new Response(e instanceof Error ? e.message : 'bad', { status: 400 });
    }
  };
  return { received, urls, fetch };
}

function setup(sinkOpts: Partial<EventSinkOptions> = {}, recvOpts: { failFirst?: number; cfg?: Partial<CallbackCryptoConfig> } = {}) {
  let clock = T0;
  const sim = new WecomSimulator({ populationOptions: { seed: 3, customers: 200, staff: generateStaff(5, 3) }, now: () => clock });
  const cfg: CallbackCryptoConfig = { token: 'cbToken', encodingAesKey: generateEncodingAesKey(() => 0.3), receiveId: sim.corpId };
  const r = receiver({ ...cfg, ...recvOpts.cfg }, recvOpts);
  const sleeps: number[] = [];
  const sink = new EventSink({
    url: URL_,
    token: cfg.token,
    encodingAesKey: cfg.encodingAesKey,
    corpId: sim.corpId,
    fetch: r.fetch,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    retryDelayMs: 0,
    ...sinkOpts,
  });
  sink.attach(sim);
  return { sim, sink, r, sleeps, tick: (ms: number) => void (clock += ms) };
}

function exerciseEverything(sim: WecomSimulator) {
  const [u1, u2] = [...sim.state.staff.keys()];
  const a = sim.addContact({ userid: u1!, state: 'store_0007', customer: { name: '韩梅梅', unionid: 'oUNION' } });
  sim.addContact({ userid: u2!, externalUserid: a.externalUserid, half: true, welcomeCode: false });
  sim.editContact(u1!, a.externalUserid, { remark: '韩女士', remarkMobiles: ['13900000000'] });
  sim.deleteFollowUser(u2!, a.externalUserid);
  sim.deleteContact(u1!, a.externalUserid, { source: 'DELETE_BY_TRANSFER' });
  sim.transferFail(u2!, a.externalUserid, 'customer_refused');
  const { groupId, tagIds } = sim.createTagGroup('节日偏好', ['春节', '中秋']);
  const t = sim.createTag(groupId, '端午');
  sim.renameTag(t, '端午节');
  sim.deleteTag(tagIds[0]!);
  sim.shuffleTags();
  const chat = sim.createGroupChat({ owner: u1!, name: '老客群', members: [a.externalUserid] });
  const customers = [...sim.state.customers.keys()].slice(0, 3);
  sim.addGroupMembers(chat, customers, 3);
  sim.removeGroupMembers(chat, customers.slice(0, 1), 1);
  sim.renameGroupChat(chat, '老客福利群');
  sim.changeGroupNotice(chat, '周三会员日');
  sim.changeGroupOwner(chat, u2!);
  sim.dismissGroupChat(chat);
  return { a, chat, customers };
}

describe('event emission', () => {
  it('emits every documented event type, delivered encrypted and decryptable by crypto.ts', async () => {
    const { sim, sink, r } = setup();
    const { a, chat, customers } = exerciseEverything(sim);
    const deliveries = await sink.flush();
    expect(deliveries.every((d) => d.ok && d.attempts === 1)).toBe(true);
    expect(r.received).toHaveLength(sim.events.length);
    expect(r.received.map((e) => (e.event === 'unknown' ? 'unknown' : `${e.event}:${e.changeType}`))).toEqual([
      'change_external_contact:add_external_contact',
      'change_external_contact:add_half_external_contact',
      'change_external_contact:edit_external_contact',
      'change_external_contact:del_follow_user',
      'change_external_contact:del_external_contact',
      'change_external_contact:transfer_fail',
      'change_external_tag:create',
      'change_external_tag:create',
      'change_external_tag:update',
      'change_external_tag:delete',
      'change_external_tag:shuffle',
      'change_external_chat:create',
      'change_external_chat:update',
      'change_external_chat:update',
      'change_external_chat:update',
      'change_external_chat:update',
      'change_external_chat:update',
      'change_external_chat:dismiss',
    ]);
    expect(r.received[0]).toMatchObject({ toUserName: sim.corpId, userId: [...sim.state.staff.keys()][0], externalUserId: a.externalUserid, state: 'store_0007', welcomeCode: a.welcomeCode });
    expect(r.received[4]).toMatchObject({ source: 'DELETE_BY_TRANSFER' });
    const updates = r.received.filter((e) => e.event === 'change_external_chat' && e.changeType === 'update');
    expect(updates[0]).toMatchObject({ chatId: chat, updateDetail: 'add_member', joinScene: 3, memChangeCnt: 3, memChangeList: customers });
    expect(updates[1]).toMatchObject({ updateDetail: 'del_member', quitScene: 1, memChangeList: customers.slice(0, 1) });
    // Member versions chain: each change starts where the previous one ended.
    const [add, del] = updates as [Extract<WecomEvent, { event: 'change_external_chat' }>, Extract<WecomEvent, { event: 'change_external_chat' }>];
    expect(del.lastMemVer).toBe(add.curMemVer);
    expect(sim.state.groupChats.get(chat)!.member_version).toBe(del.curMemVer);
    // The query string of the configured URL is kept, and signed parameters are added.
    expect(r.urls[0]!.searchParams.get('tenant')).toBe('t1');
  });

  it('supports the JSON body variant', async () => {
    const { sim, sink, r } = setup({ format: 'json' });
    sim.addContact({ userid: [...sim.state.staff.keys()][0]! });
    await sink.flush();
    expect(r.received).toHaveLength(1);
    expect(r.received[0]).toMatchObject({ event: 'change_external_contact', changeType: 'add_external_contact' });
  });

  it('a receiver with another token rejects every delivery (and the sink reports it)', async () => {
    const { sim, sink, r } = setup({ maxAttempts: 1 }, { cfg: { token: 'other' } });
    sim.addContact({ userid: [...sim.state.staff.keys()][0]! });
    const [d] = await sink.flush();
    expect(d).toMatchObject({ ok: false, status: 400, attempts: 1 });
    expect(r.received).toHaveLength(0);
    expect(new WecomCryptoError('bad_signature', 'x').libraryCode).toBe(-40001);
  });

  it('retries a failing receiver, 3 attempts in total', async () => {
    const ok = setup({}, { failFirst: 2 });
    ok.sim.addContact({ userid: [...ok.sim.state.staff.keys()][0]! });
    expect(await ok.sink.flush()).toEqual([expect.objectContaining({ ok: true, attempts: 3 })]);
    const bad = setup({}, { failFirst: 3 });
    bad.sim.addContact({ userid: [...bad.sim.state.staff.keys()][0]! });
    expect(await bad.sink.flush()).toEqual([expect.objectContaining({ ok: false, attempts: 3, status: 500 })]);
  });
});

describe('chaos', () => {
  it('duplicates, delays and reorders deliveries; dedupe keys recover the exact event set', async () => {
    const { sim, sink, r, sleeps } = setup({ chaos: { duplicateRate: 0.5, maxDelayMs: 5_000, seed: 42 } });
    const staff = [...sim.state.staff.keys()];
    for (let i = 0; i < 40; i++) {
      sim.addContact({ userid: staff[i % staff.length]!, state: `store_${i}` });
    }
    const deliveries = await sink.flush();
    const emittedKeys = sim.events.map((e) => parseEventXml(e.xml).dedupeKey);
    const receivedKeys = r.received.map((e) => e.dedupeKey);
    expect(deliveries.filter((d) => d.duplicate).length).toBeGreaterThan(5);
    expect(receivedKeys.length).toBe(deliveries.length);
    expect(new Set(receivedKeys)).toEqual(new Set(emittedKeys));
    expect(new Set(receivedKeys).size).toBe(40);
    // Reordered: the received order is not the emitted order.
    const firstSeen = [...new Set(receivedKeys)];
    expect(firstSeen).not.toEqual(emittedKeys);
    // Delays come from the injected sleep, within the configured bound.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
    expect(deliveries.map((d) => d.delayMs)).toEqual([...deliveries.map((d) => d.delayMs)].sort((a, b) => a - b));
  });

  it('is deterministic for a seed', async () => {
    const run = async () => {
      const { sim, sink } = setup({ chaos: { duplicateRate: 0.3, seed: 9 } });
      const staff = [...sim.state.staff.keys()];
      for (let i = 0; i < 10; i++) sim.addContact({ userid: staff[i % staff.length]!, customer: { name: `客户${i}` } });
      const d = await sink.flush();
      return d.map((x) => `${x.duplicate}:${x.delayMs}:${x.xml}`);
    };
    expect(await run()).toEqual(await run());
  });
});
