import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generatePopulation, generateStaff } from '../../../server/wecom/simulator/population';
import type { SimConfig } from '../../../server/wecom/simulator/config';
import { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { daysInMonth } from '../../../server/wecom/simulator/state';

const T0 = Date.UTC(2025, 10, 3, 2, 0, 0); // 2025-11-03 10:00 Asia/Shanghai

function world(opts: { customers?: number; staff?: number; config?: Partial<SimConfig>; multiFollowShare?: number } = {}) {
  let clock = T0;
  const sim = new WecomSimulator({
    populationOptions: { seed: 11, customers: opts.customers ?? 300, staff: generateStaff(opts.staff ?? 6, 11), ...(opts.multiFollowShare !== undefined ? { multiFollowShare: opts.multiFollowShare } : {}) },
    now: () => clock,
    config: opts.config ?? {},
  });
  const tick = (ms: number) => {
    clock += ms;
  };
  const token = (): string => {
    const r = sim.handle({ method: 'GET', path: '/cgi-bin/gettoken', query: { corpid: sim.corpId, corpsecret: sim.secret } });
    return z.object({ access_token: z.string() }).parse(r.json).access_token;
  };
  let tk = token();
  // Re-fetch the token when the test moved the clock past its expiry.
  const fresh = () => {
    if (sim.state.tokens.get(tk)!.expiresAt <= sim.now()) tk = token();
    return tk;
  };
  const get = (api: string, query: Record<string, string> = {}) => sim.handle({ method: 'GET', path: `/cgi-bin/${api}`, query: { access_token: fresh(), ...query } }).json as Record<string, unknown>;
  const post = (api: string, body: unknown) => sim.handle({ method: 'POST', path: `/cgi-bin/${api}`, query: { access_token: fresh() }, body: JSON.stringify(body) }).json as Record<string, unknown>;
  return { sim, tick, token, get, post, tk };
}

const batchPage = z.object({
  errcode: z.literal(0),
  external_contact_list: z.array(z.object({ external_contact: z.object({ external_userid: z.string() }), follow_info: z.object({ userid: z.string(), tag_id: z.array(z.string()) }) })),
  next_cursor: z.string(),
});

describe('tokens and errors', () => {
  it('issues 7200 s tokens, the same token again before expiry, and the documented token errors', () => {
    const { sim, tick, token } = world();
    const g = (q: Record<string, string>) => sim.handle({ method: 'GET', path: '/cgi-bin/gettoken', query: q }).json;
    expect(g({ corpid: sim.corpId, corpsecret: sim.secret })).toMatchObject({ errcode: 0, expires_in: 7200 });
    expect(g({ corpid: 'wwnope', corpsecret: sim.secret })).toMatchObject({ errcode: 40013 });
    expect(g({ corpid: sim.corpId, corpsecret: 'bad' })).toMatchObject({ errcode: 40001 });
    const t1 = token();
    expect(token()).toBe(t1);
    const call = (q: Record<string, string>) => sim.handle({ method: 'GET', path: '/cgi-bin/externalcontact/get_follow_user_list', query: q }).json;
    expect(call({})).toMatchObject({ errcode: 41001 });
    expect(call({ access_token: 'garbage' })).toMatchObject({ errcode: 40014 });
    expect(call({ access_token: t1 })).toMatchObject({ errcode: 0 });
    tick(7200_001);
    expect(call({ access_token: t1 })).toMatchObject({ errcode: 42001 });
    expect(token()).not.toBe(t1);
  });

  it('answers 43002 for GET on a POST API, 47001 for bad JSON, 41001 for a token in the body', () => {
    const { sim, tk } = world();
    expect(sim.handle({ method: 'GET', path: '/cgi-bin/externalcontact/batch/get_by_user', query: { access_token: tk } }).json).toMatchObject({ errcode: 43002 });
    expect(sim.handle({ method: 'POST', path: '/cgi-bin/externalcontact/batch/get_by_user', query: { access_token: tk }, body: '{oops' }).json).toMatchObject({ errcode: 47001 });
    expect(sim.handle({ method: 'POST', path: '/cgi-bin/externalcontact/mark_tag', query: {}, body: JSON.stringify({ access_token: tk }) }).json).toMatchObject({ errcode: 41001 });
    expect(sim.handle({ method: 'GET', path: '/cgi-bin/nope', query: {} }).status).toBe(404);
  });

  it('answers 45009 past the per-minute limit until the next minute', () => {
    const { get, tick } = world({ config: { rateLimitPerMinute: 5 } });
    const codes = Array.from({ length: 7 }, () => get('externalcontact/get_follow_user_list').errcode);
    expect(codes).toEqual([0, 0, 0, 0, 0, 45009, 45009]);
    tick(60_000);
    expect(get('externalcontact/get_follow_user_list').errcode).toBe(0);
  });

  it('injects -1, HTTP 5xx and network faults in order', () => {
    const { sim, tk } = world();
    sim.injectFaults({ kind: 'errcode' }, { kind: 'http', status: 502 }, { kind: 'network' });
    const req = { method: 'GET', path: '/cgi-bin/externalcontact/get_follow_user_list', query: { access_token: tk } };
    expect(sim.handle(req).json).toMatchObject({ errcode: -1 });
    expect(sim.handle(req).status).toBe(502);
    expect(sim.handle(req).fault).toBe('network');
    expect(sim.handle(req).json).toMatchObject({ errcode: 0 });
  });

  it('errmsg follows the WeCom style with a hint and the errcode link', () => {
    const { get } = world();
    expect(String(get('externalcontact/get', { external_userid: 'x' }).errmsg)).toMatch(/hint: \[.*\], more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=40096$/);
  });
});

describe('batch/get_by_user', () => {
  it('pages thousands of (customer, follower) pairs with a stable cursor, 100 at most', () => {
    const { sim, post } = world({ customers: 4000, staff: 10 });
    const staff = [...sim.state.staff.keys()];
    const pairs = new Set<string>();
    let cursor = '';
    let pages = 0;
    do {
      const r = batchPage.parse(post('externalcontact/batch/get_by_user', { userid_list: staff, cursor, limit: 100 }));
      expect(r.external_contact_list.length).toBeLessThanOrEqual(100);
      for (const it of r.external_contact_list) pairs.add(`${it.follow_info.userid}/${it.external_contact.external_userid}`);
      cursor = r.next_cursor;
      pages++;
    } while (cursor);
    expect(pairs.size).toBe(sim.state.followCount());
    expect(pages).toBe(Math.ceil(pairs.size / 100));
    const multi = [...sim.state.followsByCustomer.values()].filter((r) => r.length > 1).length;
    expect(multi / 4000).toBeGreaterThan(0.1);
    expect(multi / 4000).toBeLessThan(0.2);
  });

  it('defaults to 50, clamps limits above 100, and validates userid_list and cursors', () => {
    const { sim, post } = world({ customers: 500 });
    const staff = [...sim.state.staff.keys()];
    expect(batchPage.parse(post('externalcontact/batch/get_by_user', { userid_list: staff })).external_contact_list).toHaveLength(50);
    const big = batchPage.parse(post('externalcontact/batch/get_by_user', { userid_list: staff, limit: 1000 }));
    expect(big.external_contact_list).toHaveLength(100);
    expect(post('externalcontact/batch/get_by_user', { userid_list: Array.from({ length: 101 }, (_, i) => `u${i}`) })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/batch/get_by_user', { userid_list: [] })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/batch/get_by_user', { userid_list: staff.slice(1), cursor: big.next_cursor })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/batch/get_by_user', { userid_list: staff, cursor: 'garbage' })).toMatchObject({ errcode: 40058 });
  });

  it('survives deletions between pages without skipping or repeating the others', () => {
    const { sim, post } = world({ customers: 600 });
    const staff = [...sim.state.staff.keys()];
    const first = batchPage.parse(post('externalcontact/batch/get_by_user', { userid_list: staff, limit: 100 }));
    const seen = new Set(first.external_contact_list.map((i) => `${i.follow_info.userid}/${i.external_contact.external_userid}`));
    const [victim] = first.external_contact_list.slice(-1);
    sim.deleteContact(victim!.follow_info.userid, victim!.external_contact.external_userid);
    let cursor = first.next_cursor;
    while (cursor) {
      const r = batchPage.parse(post('externalcontact/batch/get_by_user', { userid_list: staff, cursor, limit: 100 }));
      for (const i of r.external_contact_list) {
        const k = `${i.follow_info.userid}/${i.external_contact.external_userid}`;
        expect(seen.has(k)).toBe(false);
        seen.add(k);
      }
      cursor = r.next_cursor;
    }
    expect(seen.size).toBe(sim.state.followCount() + 1);
  });

  it('shapes items like the docs: follow_info object with tag_id, unionid only when present', () => {
    const { sim, post } = world({ customers: 300 });
    const r = post('externalcontact/batch/get_by_user', { userid_list: [...sim.state.staff.keys()], limit: 100 });
    const items = z.array(z.object({ external_contact: z.record(z.string(), z.unknown()), follow_info: z.record(z.string(), z.unknown()) })).parse(r.external_contact_list);
    for (const i of items) {
      expect(Array.isArray(i.follow_info.tag_id)).toBe(true);
      expect(i.follow_info).not.toHaveProperty('tags');
      if (i.external_contact.type === 1) expect(i.external_contact).not.toHaveProperty('corp_name');
    }
    expect(items.some((i) => 'unionid' in i.external_contact)).toBe(true);
    expect(items.some((i) => !('unionid' in i.external_contact))).toBe(true);
  });
});

describe('groupchat/list', () => {
  it('requires limit 1..1000, at most 100 owners, and answers 81017 beyond 1,000 visible staff', () => {
    const { post } = world({ staff: 1001, customers: 100 });
    expect(post('externalcontact/groupchat/list', { limit: 10 })).toMatchObject({ errcode: 81017 });
    expect(post('externalcontact/groupchat/list', { owner_filter: { userid_list: Array.from({ length: 101 }, (_, i) => `u${i}`) }, limit: 10 })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/groupchat/list', { owner_filter: { userid_list: ['x'] } })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/groupchat/list', { owner_filter: { userid_list: ['x'] }, limit: 1001 })).toMatchObject({ errcode: 40058 });
  });

  it('hides dismissed chats', () => {
    const { sim, post } = world({ customers: 500 });
    const before = z.object({ group_chat_list: z.array(z.object({ chat_id: z.string() })) }).parse(post('externalcontact/groupchat/list', { limit: 1000 })).group_chat_list;
    sim.dismissGroupChat(before[0]!.chat_id);
    const after = z.object({ group_chat_list: z.array(z.object({ chat_id: z.string() })) }).parse(post('externalcontact/groupchat/list', { limit: 1000 })).group_chat_list;
    expect(after).toHaveLength(before.length - 1);
    expect(post('externalcontact/groupchat/get', { chat_id: before[0]!.chat_id })).toMatchObject({ errcode: 40050 });
  });
});

describe('mass messages', () => {
  const msgSchema = z.object({ errcode: z.literal(0), msgid: z.string(), fail_list: z.array(z.string()) });
  const sendList = z.object({ send_list: z.array(z.object({ external_userid: z.string().optional(), userid: z.string(), status: z.number(), send_time: z.number().optional() })), next_cursor: z.string() });

  it('accepts 10,000 recipients and refuses 10,001', () => {
    const { sim, post } = world({ customers: 10_500, staff: 4 });
    const ids = [...sim.state.customers.keys()];
    expect(post('externalcontact/add_msg_template', { external_userid: ids.slice(0, 10_001), text: { content: 'x' } })).toMatchObject({ errcode: 40058 });
    const ok = msgSchema.parse(post('externalcontact/add_msg_template', { external_userid: ids.slice(0, 10_000), text: { content: 'x' } }));
    expect(ok.fail_list).toEqual([]);
    const t = sim.state.massTasks.get(ok.msgid)!;
    expect(t.recipients).toHaveLength(10_000);
    expect(t.senders.size).toBe(4);
  });

  it('reports status 3 once a customer reached the monthly cap, 2 once no longer a friend', () => {
    const { sim, post, tick } = world({ customers: 50, staff: 2, config: { monthlyReceiveCap: 2 } });
    const rel = [...sim.state.followsByCustomer.values()].find((r) => r.length === 1 && !r[0]!.deletedByCustomer)![0]!;
    const other = [...sim.state.followsByUser.get(rel.userid)!].find((r) => r.external_userid !== rel.external_userid && !r.deletedByCustomer)!;
    const create = () => msgSchema.parse(post('externalcontact/add_msg_template', { sender: rel.userid, external_userid: [rel.external_userid, other.external_userid], text: { content: 'hi' } })).msgid;
    const results = (msgid: string) => sendList.parse(post('externalcontact/get_groupmsg_send_result', { msgid, userid: rel.userid })).send_list;
    const first = create();
    sim.sendMassMessage(first);
    expect(results(first).map((r) => r.status)).toEqual([1, 1]);
    tick(3_600_000);
    const second = create();
    const third = create();
    // The clerk deletes one customer after the tasks were created, before confirming them.
    sim.deleteContact(other.userid, other.external_userid);
    sim.sendMassMessage(second);
    expect(results(second).map((r) => r.status)).toEqual([1, 2]);
    sim.sendMassMessage(third);
    const r3 = results(third);
    expect(r3.map((r) => r.status)).toEqual([3, 2]);
    expect(r3[0]).not.toHaveProperty('send_time');
    expect(results(second)[0]!.send_time).toBe(Math.floor(sim.now() / 1000));
  });

  it('defaults the cap to the days in the month (doc 92135)', () => {
    const { sim, post } = world({ customers: 20, staff: 1 });
    const rel = [...sim.state.followsByCustomer.values()].find((r) => !r[0]!.deletedByCustomer)![0]!;
    const days = daysInMonth(T0);
    expect(days).toBe(30);
    const statuses: number[] = [];
    for (let i = 0; i <= days; i++) {
      const m = msgSchema.parse(post('externalcontact/add_msg_template', { external_userid: [rel.external_userid], text: { content: `m${i}` } }));
      sim.sendMassMessage(m.msgid);
      statuses.push(sim.state.massTasks.get(m.msgid)!.recipients[0]!.status);
    }
    expect(statuses.filter((s) => s === 1)).toHaveLength(30);
    expect(statuses[30]).toBe(3);
  });

  it('filters by tags (OR within an entry, AND across entries) and reports unknown ids in fail_list', () => {
    const { sim, post } = world({ customers: 400, staff: 3 });
    const [level, interest] = [...sim.state.tagGroups.values()];
    const anyLevel = level!.tag_ids;
    const oneInterest = interest!.tag_ids[0]!;
    const sender = [...sim.state.staff.keys()][0]!;
    const m = msgSchema.parse(post('externalcontact/add_msg_template', { sender, tag_filter: { group_list: [{ tag_list: anyLevel }, { tag_list: [oneInterest] }] }, text: { content: 'x' } }));
    const expected = sim.state.followsByUser.get(sender)!.filter((f) => f.tag_ids.some((t) => anyLevel.includes(t)) && f.tag_ids.includes(oneInterest));
    expect(sim.state.massTasks.get(m.msgid)!.recipients.map((r) => r.external_userid).sort()).toEqual(expected.map((f) => f.external_userid).sort());
    const f = msgSchema.parse(post('externalcontact/add_msg_template', { sender, external_userid: ['wm-nope'], text: { content: 'x' } }));
    expect(f.fail_list).toEqual(['wm-nope']);
  });

  it('pages tasks and results, limits reminders to 3 per 24 h, and cancel stops sending', () => {
    const { sim, post, tick } = world({ customers: 3000, staff: 2, multiFollowShare: 0 });
    const sender = [...sim.state.staff.keys()][0]!;
    const m = msgSchema.parse(post('externalcontact/add_msg_template', { sender, text: { content: 'x' } }));
    const n = sim.state.followsByUser.get(sender)!.length;
    expect(n).toBeGreaterThan(1000);
    sim.sendMassMessage(m.msgid);
    let cursor = '';
    let total = 0;
    let pages = 0;
    do {
      const r = sendList.parse(post('externalcontact/get_groupmsg_send_result', { msgid: m.msgid, userid: sender, limit: 5000, cursor }));
      expect(r.send_list.length).toBeLessThanOrEqual(1000);
      total += r.send_list.length;
      cursor = r.next_cursor;
      pages++;
    } while (cursor);
    expect(total).toBe(n);
    expect(pages).toBe(Math.ceil(n / 1000));
    for (let i = 0; i < 3; i++) expect(post('externalcontact/remind_groupmsg_send', { msgid: m.msgid })).toMatchObject({ errcode: 0 });
    expect(post('externalcontact/remind_groupmsg_send', { msgid: m.msgid })).toMatchObject({ errcode: 40058 });
    tick(86_400_001);
    expect(post('externalcontact/remind_groupmsg_send', { msgid: m.msgid })).toMatchObject({ errcode: 0 });
    const m2 = msgSchema.parse(post('externalcontact/add_msg_template', { sender, text: { content: 'y' } }));
    expect(post('externalcontact/cancel_groupmsg_send', { msgid: m2.msgid })).toMatchObject({ errcode: 0 });
    expect(sim.sendMassMessage(m2.msgid)).toEqual({ sent: 0, notFriend: 0, capped: 0 });
  });

  it('limits get_groupmsg_list_v2 to one month and pages by 100 at most', () => {
    const { sim, post } = world({ customers: 20, staff: 1 });
    const now = Math.floor(sim.now() / 1000);
    expect(post('externalcontact/get_groupmsg_list_v2', { chat_type: 'single', start_time: now - 40 * 86_400, end_time: now })).toMatchObject({ errcode: 40058 });
    for (let i = 0; i < 120; i++) post('externalcontact/add_msg_template', { sender: [...sim.state.staff.keys()][0], text: { content: String(i) } });
    const r = z.object({ group_msg_list: z.array(z.object({ msgid: z.string() })), next_cursor: z.string() }).parse(
      post('externalcontact/get_groupmsg_list_v2', { chat_type: 'single', start_time: now - 60, end_time: now + 60, limit: 500 }),
    );
    expect(r.group_msg_list).toHaveLength(50); // an out-of-range limit falls back to the default
    expect(r.next_cursor).not.toBe('');
  });

  it('sends to groups of the sender only', () => {
    const { sim, post } = world({ customers: 500, staff: 3 });
    const chat = [...sim.state.groupChats.values()][0]!;
    const otherChat = [...sim.state.groupChats.values()].find((g) => g.owner !== chat.owner);
    const ids = otherChat ? [chat.chat_id, otherChat.chat_id] : [chat.chat_id];
    const m = msgSchema.parse(post('externalcontact/add_msg_template', { chat_type: 'group', sender: chat.owner, chat_id_list: ids, text: { content: 'x' } }));
    expect(m.fail_list).toEqual(otherChat ? [otherChat.chat_id] : []);
    expect(post('externalcontact/add_msg_template', { chat_type: 'group', chat_id_list: ids, text: { content: 'x' } })).toMatchObject({ errcode: 40058 });
  });
});

describe('tags, remarks, welcome codes', () => {
  it('adds, edits, deletes tags with the documented rules and emits no callbacks for API changes', () => {
    const { sim, post } = world();
    const before = sim.events.length;
    const tg = z.object({ tag_group: z.object({ group_id: z.string(), tag: z.array(z.object({ id: z.string(), name: z.string() })) }) });
    const a = tg.parse(post('externalcontact/add_corp_tag', { group_name: '会员日', tag: [{ name: 'A' }, { name: 'A' }, { name: 'B' }] }));
    expect(a.tag_group.tag.map((t) => t.name)).toEqual(['A', 'B']);
    expect(post('externalcontact/add_corp_tag', { group_id: a.tag_group.group_id, tag: [{ name: 'A' }] })).toMatchObject({ errcode: 40071 });
    expect(post('externalcontact/add_corp_tag', { group_name: 'x', tag: [] })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/add_corp_tag', { group_name: 'x', tag: [{ name: '很'.repeat(31) }] })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/edit_corp_tag', { id: a.tag_group.tag[0]!.id, name: 'B' })).toMatchObject({ errcode: 40071 });
    expect(post('externalcontact/edit_corp_tag', { id: 'etnope', name: 'C' })).toMatchObject({ errcode: 40068 });
    expect(post('externalcontact/del_corp_tag', {})).toMatchObject({ errcode: 40058 });
    const [f] = sim.state.followsByUser.values().next().value!;
    post('externalcontact/mark_tag', { userid: f!.userid, external_userid: f!.external_userid, add_tag: [a.tag_group.tag[0]!.id] });
    expect(f!.tag_ids).toContain(a.tag_group.tag[0]!.id);
    post('externalcontact/del_corp_tag', { tag_id: a.tag_group.tag.map((t) => t.id) });
    expect(f!.tag_ids).not.toContain(a.tag_group.tag[0]!.id);
    expect(sim.state.tagGroups.get(a.tag_group.group_id)!.deleted).toBe(true);
    const byId = z.object({ tag_group: z.array(z.object({ deleted: z.boolean(), tag: z.array(z.object({ deleted: z.boolean() })) })) }).parse(post('externalcontact/get_corp_tag_list', { group_id: [a.tag_group.group_id] }));
    expect(byId.tag_group[0]).toMatchObject({ deleted: true });
    const all = z.object({ tag_group: z.array(z.record(z.string(), z.unknown())) }).parse(post('externalcontact/get_corp_tag_list', {}));
    expect(all.tag_group.every((g) => !('deleted' in g))).toBe(true);
    expect(sim.events.length).toBe(before);
  });

  it('mark_tag needs a relationship (84061) and valid tags (40068)', () => {
    const { sim, post } = world();
    const staff = [...sim.state.staff.keys()];
    const cust = [...sim.state.customers.keys()].find((c) => !sim.state.getFollow(staff[0]!, c))!;
    const tag = [...sim.state.tags.keys()][0]!;
    expect(post('externalcontact/mark_tag', { userid: staff[0], external_userid: cust, add_tag: [tag] })).toMatchObject({ errcode: 84061 });
    const rel = sim.state.followsByUser.get(staff[0]!)![0]!;
    expect(post('externalcontact/mark_tag', { userid: rel.userid, external_userid: rel.external_userid, add_tag: ['etnope'] })).toMatchObject({ errcode: 40068 });
    expect(post('externalcontact/mark_tag', { userid: rel.userid, external_userid: rel.external_userid })).toMatchObject({ errcode: 40058 });
  });

  it('welcome codes are single-use and expire after 20 s', () => {
    const { sim, post, tick } = world();
    const userid = [...sim.state.staff.keys()][0]!;
    const a = sim.addContact({ userid, state: 'store_0001', customer: { name: '李雷' } });
    expect(post('externalcontact/send_welcome_msg', { welcome_code: a.welcomeCode, text: { content: '你好' } })).toMatchObject({ errcode: 0 });
    expect(post('externalcontact/send_welcome_msg', { welcome_code: a.welcomeCode, text: { content: '你好' } })).toMatchObject({ errcode: 41051 });
    const b = sim.addContact({ userid });
    tick(20_001);
    expect(post('externalcontact/send_welcome_msg', { welcome_code: b.welcomeCode, text: { content: '你好' } })).toMatchObject({ errcode: 41051 });
    expect(post('externalcontact/send_welcome_msg', { welcome_code: b.welcomeCode, attachments: Array.from({ length: 10 }, () => ({ msgtype: 'image', image: { media_id: 'm' } })) })).toMatchObject({ errcode: 41064 });
  });

  it('contact ways carry their state into the relation, visible through get', () => {
    const { sim, post, get } = world();
    const userid = [...sim.state.staff.keys()][0]!;
    expect(post('externalcontact/add_contact_way', { type: 1, scene: 2, user: [userid, 'x'] })).toMatchObject({ errcode: 40058 });
    expect(post('externalcontact/add_contact_way', { type: 1, scene: 2, user: [userid], state: 's'.repeat(31) })).toMatchObject({ errcode: 40058 });
    const way = z.object({ config_id: z.string(), qr_code: z.string() }).parse(post('externalcontact/add_contact_way', { type: 1, scene: 2, user: [userid], state: 'poster_618' }));
    const { externalUserid } = sim.addContactViaContactWay(way.config_id);
    const r = z.object({ follow_user: z.array(z.object({ userid: z.string(), state: z.string(), add_way: z.number() })) }).parse(get('externalcontact/get', { external_userid: externalUserid }));
    expect(r.follow_user).toEqual([expect.objectContaining({ userid, state: 'poster_618', add_way: 1 })]);
    expect(z.object({ config_id: z.string() }).strict().safeParse(post('externalcontact/add_contact_way', { type: 1, scene: 1, user: [userid] })).success).toBe(false);
  });

  it('externalcontact/list answers 84061 for a clerk without customers', () => {
    const { sim, get } = world({ customers: 0 });
    expect(get('externalcontact/list', { userid: [...sim.state.staff.keys()][0]! })).toMatchObject({ errcode: 84061 });
    expect(get('externalcontact/list', { userid: 'nobody' })).toMatchObject({ errcode: 40003 });
  });
});

describe('population', () => {
  it('is deterministic per seed and different across seeds', () => {
    const a = generatePopulation({ seed: 5, customers: 500 });
    const b = generatePopulation({ seed: 5, customers: 500 });
    const c = generatePopulation({ seed: 6, customers: 500 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it('has the documented mix: ~15% multi-clerk, ~70% unionid, tag groups, remark_mobiles, group chats', () => {
    const p = generatePopulation({ seed: 9, customers: 20_000, staff: generateStaff(20, 9) });
    const perCustomer = new Map<string, number>();
    for (const f of p.follows) perCustomer.set(f.external_userid, (perCustomer.get(f.external_userid) ?? 0) + 1);
    const multi = [...perCustomer.values()].filter((n) => n > 1);
    expect(multi.length / 20_000).toBeGreaterThan(0.13);
    expect(multi.length / 20_000).toBeLessThan(0.17);
    expect(Math.max(...multi)).toBe(3);
    const wechat = p.customers.filter((c) => c.type === 1);
    const withUnion = wechat.filter((c) => c.unionid).length / wechat.length;
    expect(withUnion).toBeGreaterThan(0.67);
    expect(withUnion).toBeLessThan(0.73);
    expect(p.customers.every((c) => c.type === 2 || !c.corp_name)).toBe(true);
    expect(p.tagGroups.map((g) => g.group_name)).toEqual(expect.arrayContaining(['客户等级', '兴趣偏好', '生命周期']));
    expect(p.follows.some((f) => f.remark_mobiles.length > 0)).toBe(true);
    expect(p.follows.filter((f) => f.add_way === 1).every((f) => f.state !== undefined)).toBe(true);
    expect(p.groupChats.length).toBe(80);
    expect(new Set(p.customers.map((c) => c.external_userid)).size).toBe(20_000);
    expect(p.customers.some((c) => /^[\u4e00-\u9fa5]{2,3}$/.test(c.name))).toBe(true);
  });

  it('builds 100,000 customers and a working world quickly', () => {
    const t0 = performance.now();
    const p = generatePopulation({ seed: 1, customers: 100_000 });
    const genMs = performance.now() - t0;
    const sim = new WecomSimulator({ population: p, adoptPopulation: true });
    expect(sim.summary()).toMatchObject({ customers: 100_000, groupChats: 400 });
    expect(sim.summary().relations).toBeGreaterThan(110_000);
    // The target is < 2 s on an idle machine; the bound here leaves room for a loaded CI box.
    expect(genMs).toBeLessThan(6_000);
  }, 30_000);
});
