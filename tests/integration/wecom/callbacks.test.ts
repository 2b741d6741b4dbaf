import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { startQueue, startWorkers } from '../../../server/jobs/queue';
import { createLogger, type Logger } from '../../../server/lib/log';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { createChannel } from '../../../server/wecom/channels.service';
import { listChannels } from '../../../server/wecom/channels.repository';
import { buildCallbackXml, encryptMessage } from '../../../server/wecom/crypto';
import { createWecomCallbackRouter } from '../../../server/wecom/callback.router';
import { EventSink } from '../../../server/wecom/simulator/sink';
import type { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import type { AnyJob } from '../../../server/jobs/job';
import { wecomJobs } from '../../../server/wecom/wecom.job';

const jobs: AnyJob[] = wecomJobs;
import { useTestServices } from '../../support/db';
import { useLocalServer } from '../../support/server';
import { CALLBACK_TOKEN, connectedTenant, syncOnce } from './helpers';

const h = useTestServices();
const server = useLocalServer((app) => app.use(createWecomCallbackRouter(h.services)));
const lines: string[] = [];

beforeAll(async () => {
  // Capture log lines (the refused-callback line is part of the contract).
  (h.services as { log: Logger }).log = createLogger({ level: 'info', sink: (l) => lines.push(l) });
  await startQueue(h.services.queue, jobs);
  await startWorkers(h.services.queue, jobs, h.services, h.services.log);
});

async function waitForInbox(tenantId: TenantId, timeoutMs = 45_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await withTenant(h.services.dbs, tenantId, (trx) => sql<{ n: number }>`select count(*)::int as n from wecom_inbox where tenant_id = ${tenantId}::uuid and status = 'pending'`.execute(trx));
    if (r.rows[0]!.n === 0) return;
    if (Date.now() > until) throw new Error(`${r.rows[0]!.n} events still pending`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function openRelations(tenantId: TenantId): Promise<string[]> {
  const r = await withTenant(h.services.dbs, tenantId, (trx) =>
    sql<{ k: string }>`select s.wecom_userid || '/' || ci.value as k from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
      join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
      where f.tenant_id = ${tenantId}::uuid and f.ended_at is null`.execute(trx),
  );
  return r.rows.map((x) => x.k).sort();
}

function simRelations(sim: WecomSimulator): string[] {
  return [...sim.state.followsByUser.values()].flat().map((f) => `${f.userid}/${f.external_userid}`).sort();
}

function sinkFor(sim: WecomSimulator, slug: string, aesKey: string, opts: { chaos?: boolean; format?: 'xml' | 'json' } = {}) {
  return new EventSink({
    url: `${server.base()}/wecom/callback/${slug}`,
    token: CALLBACK_TOKEN,
    encodingAesKey: aesKey,
    corpId: sim.corpId,
    format: opts.format ?? 'xml',
    chaos: opts.chaos ? { duplicateRate: 0.6, maxDelayMs: 150, seed: 9 } : false,
    retryDelayMs: 10,
  });
}

describe('WeCom callbacks end to end (simulator → encrypted POST → router → inbox → job → database)', () => {
  it('GET verifies the URL by echoing the decrypted echostr exactly', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 10, staff: 2, seed: 51 });
    const m = encryptMessage({ token: CALLBACK_TOKEN, encodingAesKey: aesKey, receiveId: sim.corpId }, '1616140317555161061');
    const u = new URL(`${server.base()}/wecom/callback/${tenant.slug}`);
    u.searchParams.set('msg_signature', m.msgSignature);
    u.searchParams.set('timestamp', m.timestamp);
    u.searchParams.set('nonce', m.nonce);
    u.searchParams.set('echostr', m.encrypt);
    const res = await fetch(u);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('1616140317555161061');
    u.searchParams.set('msg_signature', '0'.repeat(40));
    expect((await fetch(u)).status).toBe(403);
  });

  it('duplicated and reordered events (chaos) converge to WeCom’s state; each event is stored once', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 300, staff: 6, seed: 61 });
    await syncOnce(h.services, tenant.id);
    const sink = sinkFor(sim, tenant.slug, aesKey, { chaos: true });
    sink.attach(sim);
    const users = [...sim.state.staff.keys()];
    const rels = [...sim.state.followsByUser.values()].flat();
    // Customers add clerks, one of them twice (second clerk); clerks edit, delete; customers delete clerks.
    const a = sim.addContact({ userid: users[0]!, state: 'poster_618', customer: { name: '韩梅梅', unionid: 'oUnionHan' }, remarkMobiles: ['13800138000'] });
    sim.addContact({ userid: users[1]!, externalUserid: a.externalUserid });
    const tagId = [...sim.state.tags.values()][0]!.id;
    sim.editContact(users[0]!, a.externalUserid, { remark: '韩梅梅-VIP', description: '喜欢新品', addTags: [tagId] });
    sim.deleteContact(rels[0]!.userid, rels[0]!.external_userid);
    sim.deleteFollowUser(rels[1]!.userid, rels[1]!.external_userid);
    sim.transferFail(rels[2]!.userid, rels[2]!.external_userid, 'customer_refused');
    // Tags changed in the admin console.
    const g = sim.createTagGroup('门店活动', ['试吃', '抽奖']);
    sim.renameTag(g.tagIds[0]!, '试吃活动');
    const doomed = [...sim.state.tags.values()].find((t) => !t.deleted && t.group_id !== g.groupId)!;
    sim.deleteTag(doomed.id);
    // A group chat lives its life.
    const chatId = sim.createGroupChat({ owner: users[0]!, name: '新品群', members: [a.externalUserid] });
    sim.addGroupMembers(chatId, [rels[3]!.external_userid, rels[4]!.external_userid], 3);
    sim.removeGroupMembers(chatId, [rels[3]!.external_userid], 0);
    sim.renameGroupChat(chatId, '新品尝鲜群');
    const other = [...sim.state.groupChats.values()].find((c) => c.chat_id !== chatId && !c.dismissed)!;
    sim.dismissGroupChat(other.chat_id);

    const deliveries = await sink.flush();
    expect(deliveries.every((d) => d.ok && d.status === 200)).toBe(true);
    const duplicates = deliveries.filter((d) => d.duplicate).length;
    expect(duplicates).toBeGreaterThan(0);
    // Chaos reordered the deliveries.
    const order = deliveries.filter((d) => !d.duplicate).map((d) => d.xml);
    expect(order).not.toEqual(sim.events.slice(-order.length).map((e) => e.xml));

    await waitForInbox(tenant.id);
    const inbox = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_inbox').select(['status', 'event', 'change_type', 'result']).where('tenant_id', '=', tenant.id).execute());
    expect(inbox.length).toBe(deliveries.length - duplicates);
    expect(inbox.every((r) => r.status === 'done')).toBe(true);

    // Relations: exactly WeCom's (the deleted one ended, the new ones open).
    expect(await openRelations(tenant.id)).toEqual(simRelations(sim));
    const rows = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ userid: string; remark: string | null; description: string | null; state: string | null; channel: string | null; customer_deleted: boolean; end_reason: string | null; mobiles: string[] }>`
        select s.wecom_userid as userid, f.remark, f.description, f.state, f.channel_id::text as channel, f.customer_deleted_at is not null as customer_deleted, f.end_reason, f.remark_mobiles as mobiles
        from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
        where f.tenant_id = ${tenant.id}::uuid and ci.value in (${a.externalUserid}, ${rels[0]!.external_userid}, ${rels[1]!.external_userid}) order by s.wecom_userid`.execute(trx),
    );
    const han = rows.rows.find((r) => r.userid === users[0] && r.remark === '韩梅梅-VIP');
    expect(han).toMatchObject({ description: '喜欢新品', state: 'poster_618', mobiles: ['138****8000'] });
    expect(rows.rows.some((r) => r.end_reason === 'clerk_deleted')).toBe(true);
    expect(rows.rows.some((r) => r.customer_deleted)).toBe(true);

    // 今日 follows at once, without the daily run: the new untagged relation is a task for its clerk (the other clerk's
    // tag was deleted in the console, below), and so are the relation the clerk deleted and the one where the
    // customer deleted the clerk.
    const tasks = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ kind: string; userid: string; eid: string; reason: string | null }>`select k.kind, s.wecom_userid as userid, ci.value as eid, k.payload->>'reason' as reason
        from clerk_tasks k join staff s on s.tenant_id = k.tenant_id and s.id = k.staff_id
        join customer_identities ci on ci.tenant_id = k.tenant_id and ci.customer_id = k.customer_id and ci.kind = 'external_userid'
        where k.tenant_id = ${tenant.id}::uuid and k.status = 'open' order by 1, 2`.execute(trx),
    );
    expect(tasks.rows).toContainEqual({ kind: 'new_untagged', userid: users[1]!, eid: a.externalUserid, reason: null });
    expect(tasks.rows).toContainEqual({ kind: 'relation_ended', userid: rels[0]!.userid, eid: rels[0]!.external_userid, reason: 'clerk_deleted' });
    expect(tasks.rows).toContainEqual({ kind: 'relation_ended', userid: rels[1]!.userid, eid: rels[1]!.external_userid, reason: 'customer_deleted' });

    // The new customer carries the tag the clerk gave in the app; the unionid became an identity.
    const hanTags = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ wid: string }>`select t.wecom_tag_id as wid from customer_follow_tags ft join tags t on t.tenant_id = ft.tenant_id and t.id = ft.tag_id
        join customer_identities ci on ci.tenant_id = ft.tenant_id and ci.customer_id = ft.customer_id and ci.kind = 'external_userid' and ci.value = ${a.externalUserid}
        join staff s on s.tenant_id = ft.tenant_id and s.id = ft.staff_id and s.wecom_userid = ${users[0]!}
        where ft.tenant_id = ${tenant.id}::uuid`.execute(trx),
    );
    expect(hanTags.rows.map((r) => r.wid)).toEqual(sim.state.getFollow(users[0]!, a.externalUserid)!.tag_ids);

    // Tags: names and deletions as in the console.
    const tags = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('tags').select(['wecom_tag_id', 'name', 'deleted_at']).where('tenant_id', '=', tenant.id).execute());
    const live = tags.filter((t) => t.deleted_at === null).map((t) => `${t.wecom_tag_id}:${t.name}`).sort();
    expect(live).toEqual([...sim.state.tags.values()].filter((t) => !t.deleted).map((t) => `${t.id}:${t.name}`).sort());
    expect(tags.find((t) => t.wecom_tag_id === doomed.id)!.deleted_at).not.toBeNull();
    // …and no relation carries the deleted tag any more.
    const carriers = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ n: number }>`select count(*)::int as n from customer_follows f join tags t on t.tenant_id = f.tenant_id and t.id = any(f.tag_ids)
        where f.tenant_id = ${tenant.id}::uuid and t.wecom_tag_id = ${doomed.id}`.execute(trx),
    );
    expect(carriers.rows[0]!.n).toBe(0);

    // Groups: members and name as in WeCom, the dismissed chat kept and marked.
    const chat = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_group_chats').select(['name', 'dismissed_at', 'member_version']).where('tenant_id', '=', tenant.id).where('chat_id', 'in', [chatId, other.chat_id]).execute());
    expect(chat.find((c) => c.name === '新品尝鲜群')!.member_version).toBe(sim.state.groupChats.get(chatId)!.member_version);
    expect(chat.filter((c) => c.dismissed_at !== null)).toHaveLength(1);
    const members = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_group_members').select('member_id').where('tenant_id', '=', tenant.id).where('chat_id', '=', chatId).where('left_at', 'is', null).execute());
    expect(members.map((m) => m.member_id).sort()).toEqual(sim.state.groupChats.get(chatId)!.members.map((m) => m.userid).sort());
  });

  it('the JSON variant is accepted; a bad signature or another corp id answers 403, logs a line and stores nothing', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 20, staff: 2, seed: 71 });
    const sink = sinkFor(sim, tenant.slug, aesKey, { format: 'json' });
    sink.attach(sim);
    sim.addContact({ userid: [...sim.state.staff.keys()][0]!, customer: { name: 'JSON 客户' } });
    const d = await sink.flush();
    expect(d.map((x) => x.status)).toEqual([200]);
    await waitForInbox(tenant.id);

    const count = async () => (await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_inbox').select((eb) => eb.fn.countAll<number>().as('n')).where('tenant_id', '=', tenant.id).executeTakeFirstOrThrow())).n;
    const before = Number(await count());
    const xml = sim.events.at(-1)!.xml.replace('JSON', 'XML');
    const post = async (cfg: { token: string; receiveId: string; key: string }, tamper?: (u: URL) => void) => {
      const m = encryptMessage({ token: cfg.token, encodingAesKey: cfg.key, receiveId: cfg.receiveId }, xml);
      const u = new URL(`${server.base()}/wecom/callback/${tenant.slug}`);
      u.searchParams.set('msg_signature', m.msgSignature);
      u.searchParams.set('timestamp', m.timestamp);
      u.searchParams.set('nonce', m.nonce);
      tamper?.(u);
      return fetch(u, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: buildCallbackXml(cfg.receiveId, m.encrypt) });
    };
    lines.length = 0;
    const badSig = await post({ token: CALLBACK_TOKEN, receiveId: sim.corpId, key: aesKey }, (u) => u.searchParams.set('msg_signature', 'f'.repeat(40)));
    expect(badSig.status).toBe(403);
    const wrongToken = await post({ token: 'someoneElse', receiveId: sim.corpId, key: aesKey });
    expect(wrongToken.status).toBe(403);
    const otherCorp = await post({ token: CALLBACK_TOKEN, receiveId: 'wwSomeOtherCorp', key: aesKey });
    expect(otherCorp.status).toBe(403);
    expect(Number(await count())).toBe(before);
    expect(lines.filter((l) => l.includes('wecom callback refused')).length).toBe(3);
    expect(lines.some((l) => l.includes('bad_receiveid'))).toBe(true);
    expect(lines.some((l) => l.includes('bad_signature'))).toBe(true);
    // Unknown tenant: 404, nothing stored.
    expect((await fetch(`${server.base()}/wecom/callback/no-such-tenant`, { method: 'POST', body: '<xml/>' })).status).toBe(404);
  });

  it('attributes a customer who scans a channel code to that channel', async () => {
    const { tenant, sim, aesKey } = await connectedTenant(h.services, { customers: 100, staff: 4, seed: 81 });
    await syncOnce(h.services, tenant.id);
    const sink = sinkFor(sim, tenant.slug, aesKey);
    sink.attach(sim);
    const clerk = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', tenant.id).where('wecom_userid', 'is not', null).orderBy('wecom_userid').executeTakeFirstOrThrow());
    const ch = await createChannel(h.services, tenant.actor, { name: '收银台海报', staffId: clerk.id, campaign: '双12' });
    expect(ch.status).toBe('active');
    expect(ch.state.length).toBeLessThanOrEqual(30);
    const row = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_channels').select(['config_id', 'qr_code', 'state']).where('tenant_id', '=', tenant.id).where('id', '=', ch.id).executeTakeFirstOrThrow());
    expect(sim.state.contactWays.get(row.config_id!)!.state).toBe(row.state);
    const added = [sim.addContactViaContactWay(row.config_id!, { customer: { name: '扫码客户一' } }), sim.addContactViaContactWay(row.config_id!, { customer: { name: '扫码客户二' } })];
    await sink.flush();
    await waitForInbox(tenant.id);
    const attributed = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ eid: string; channel_id: string | null; add_way: number }>`select ci.value as eid, f.channel_id::text, f.add_way from customer_follows f
        join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
        where f.tenant_id = ${tenant.id}::uuid and ci.value = any(${added.map((a) => a.externalUserid)}::text[])`.execute(trx),
    );
    expect(attributed.rows.map((r) => r.channel_id)).toEqual([ch.id, ch.id]);
    expect(attributed.rows.every((r) => r.add_way === 1)).toBe(true);
    const list = await withTenant(h.services.dbs, tenant.id, (trx) => listChannels(trx, tenant.id, { sort: 'acquired', dir: 'desc', page: 1, size: 20 }));
    expect(list.rows.find((r) => r.id === ch.id)).toMatchObject({ acquired: 2, following: 2, status: 'active', clerk: expect.any(String) });
  });
});
