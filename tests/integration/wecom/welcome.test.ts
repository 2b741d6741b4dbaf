/**
 * Welcome messages through the real callback path (simulator event → encrypted callback → handleCallback →
 * welcome fast path → send_welcome_msg on the simulator), with the code's documented limits: single use (41051
 * on the second use), 20-second validity (41051 after it), redelivered callbacks, and a callback that arrives late.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { createChannel } from '../../../server/wecom/channels.service';
import { handleCallback } from '../../../server/wecom/callback.service';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { EventSink } from '../../../server/wecom/simulator/sink';
import type { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { WecomApiError } from '../../../server/wecom/types';
import { removeWelcomeMessage, saveWelcomeMessage, settleWelcomes } from '../../../server/wecom/welcome.service';
import { welcomeReport } from '../../../server/wecom/welcome.repository';
import { useTestServices } from '../../support/db';
import { CALLBACK_TOKEN, connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

function inProcessSink(sim: WecomSimulator, slug: string, aesKey: string) {
  const sink = new EventSink({
    url: `http://local/wecom/callback/${slug}`,
    token: CALLBACK_TOKEN,
    encodingAesKey: aesKey,
    corpId: sim.corpId,
    retryDelayMs: 1,
    fetch: async (url, init) => {
      const u = new URL(url);
      const r = await handleCallback(h.services, { slug, method: 'POST', query: Object.fromEntries(u.searchParams), body: String(init.body) });
      return new Response(r.body, { status: r.status });
    },
  });
  sink.attach(sim);
  return sink;
}

async function sends(tenantId: TenantId) {
  const r = await withTenant(h.services.dbs, tenantId, (trx) =>
    sql<{ status: string; errcode: number | null; text: string | null; channel: string | null }>`select w.status, w.errcode, w.text, ch.name as channel from wecom_welcome_sends w
      left join wecom_channels ch on ch.tenant_id = w.tenant_id and ch.id = w.channel_id where w.tenant_id = ${tenantId}::uuid order by w.id`.execute(trx),
  );
  return r.rows;
}

describe('welcome messages (欢迎语)', () => {
  let ctx: Awaited<ReturnType<typeof connectedTenant>>;
  let sink: EventSink;
  let configId: string;
  let channelId: string;

  beforeAll(async () => {
    ctx = await connectedTenant(h.services, { customers: 20, staff: 3, seed: 181 });
    await syncOnce(h.services, ctx.tenant.id);
    const store = ctx.tenant.storeIds.S1;
    const clerk = await withTenant(h.services.dbs, ctx.tenant.id, (trx) => trx.selectFrom('staff').select(['id', 'wecom_userid']).where('tenant_id', '=', ctx.tenant.id).where('wecom_userid', 'is not', null).orderBy('wecom_userid').executeTakeFirstOrThrow());
    const ch = await createChannel(h.services, ctx.tenant.actor, { name: '收银台海报', storeId: store, staffId: clerk.id, state: 'poster_a' });
    channelId = ch.id;
    configId = (await withTenant(h.services.dbs, ctx.tenant.id, (trx) => trx.selectFrom('wecom_channels').select('config_id').where('tenant_id', '=', ctx.tenant.id).where('id', '=', ch.id).executeTakeFirstOrThrow())).config_id!;
    sink = inProcessSink(ctx.sim, ctx.tenant.slug, ctx.aesKey);
  });

  it('sends the channel code’s message with the customer’s name, once, even when WeCom redelivers the callback', async () => {
    const { tenant, sim } = ctx;
    await saveWelcomeMessage(h.services, tenant.actor, { scope: 'default', text: '您好 {客户称呼}，欢迎光临', attachments: '' });
    await saveWelcomeMessage(h.services, tenant.actor, { scope: 'channel', targetId: channelId, text: '{客户称呼}，我是{导购}，感谢扫码！', attachments: 'link 会员权益 | https://example.com/vip' });
    const r = sim.addContactViaContactWay(configId, { customer: { name: '林小雨' } });
    const [first] = await sink.flush();
    // The same callback again (WeCom retries when it did not see "success" in time).
    await sink['deliver'](sim.events.at(-1)!, true, 0);
    expect(first!.ok).toBe(true);
    await settleWelcomes();
    expect(sim.welcomeMessages).toHaveLength(1);
    expect(sim.welcomeMessages[0]!.external_userid).toBe(r.externalUserid);
    expect(sim.welcomeMessages[0]!.text).toMatch(/^林小雨，我是.+，感谢扫码！$/);
    expect(sim.welcomeMessages[0]!.attachments).toEqual([{ msgtype: 'link', link: { title: '会员权益', url: 'https://example.com/vip' } }]);
    expect(sim.requestCount.get('externalcontact/send_welcome_msg')).toBe(1);
    // Sent without the queue: no worker runs in this file, the add event itself still waits in the inbox.
    const inbox = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ status: string }>`select status from wecom_inbox where tenant_id = ${tenant.id}::uuid and change_type = 'add_external_contact'`.execute(trx));
    expect(inbox.rows.map((x) => x.status)).toEqual(['pending']);
    expect(await sends(tenant.id)).toEqual([expect.objectContaining({ status: 'sent', channel: '收银台海报', errcode: null })]);
    const audited = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('action', '=', 'welcome.send').execute());
    expect(audited).toHaveLength(1);
    // The code is single use: a second send with it is refused by WeCom with 41051.
    const client = await wecomClientFor(h.services, tenant.id);
    const code = [...sim.state.welcomeCodes.values()].find((c) => c.external_userid === r.externalUserid)!.code;
    await expect(client.sendWelcomeMsg({ welcome_code: code, text: { content: 'again' } })).rejects.toMatchObject({ errcode: 41051 });
  });

  it('a code that another app used first, or that expired before the send, is recorded as 41051 and not retried', async () => {
    const { tenant, sim } = ctx;
    const before = sim.requestCount.get('externalcontact/send_welcome_msg') ?? 0;
    // Another app wins the race for the code.
    sim.addContactViaContactWay(configId, { customer: { name: '陈晓' } });
    const raced = sim.events.at(-1)!.event as { welcomeCode: string };
    sim.state.welcomeCodes.get(raced.welcomeCode)!.used = true;
    await sink.flush();
    await settleWelcomes();
    // The code's 20 s pass inside WeCom before our send reaches it.
    sim.addContactViaContactWay(configId, { customer: { name: '王芳芳' } });
    const ev = sim.events.at(-1)!;
    sim.advance(21_000);
    await sink.flush();
    await settleWelcomes();
    const rows = (await sends(tenant.id)).slice(-2);
    expect(rows.map((r) => [r.status, r.errcode])).toEqual([
      ['rejected', 41051],
      ['rejected', 41051],
    ]);
    // One call each: 41051 is final.
    expect((sim.requestCount.get('externalcontact/send_welcome_msg') ?? 0) - before).toBe(2);
    expect(ev.event.event).toBe('change_external_contact');
    expect(sim.welcomeMessages).toHaveLength(1);
  });

  it('a callback that arrives after the 20-second window is recorded as expired without calling WeCom', async () => {
    const { tenant, sim } = ctx;
    const before = sim.requestCount.get('externalcontact/send_welcome_msg') ?? 0;
    sim.addContactViaContactWay(configId, { customer: { name: 'Coco' } });
    const ev = sim.events.pop()!;
    // Delivered a minute after WeCom stamped it (a slow network, a stalled receiver).
    const late = { ...ev, event: { ...ev.event, createTime: ev.event.createTime - 60 } };
    const { eventToXml } = await import('../../../server/wecom/events');
    await sink['deliver']({ event: late.event, xml: eventToXml(late.event) }, false, 0);
    await settleWelcomes();
    expect((await sends(tenant.id)).at(-1)).toMatchObject({ status: 'expired' });
    expect(sim.requestCount.get('externalcontact/send_welcome_msg') ?? 0).toBe(before);
    void WecomApiError;
  });

  it('with no message for the channel, the clerk or the store and no default, nothing is sent', async () => {
    const { tenant, sim } = ctx;
    const msgs = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('wecom_welcome_messages').select('id').where('tenant_id', '=', tenant.id).where('active', '=', true).execute());
    for (const m of msgs) await removeWelcomeMessage(h.services, tenant.actor, m.id);
    sim.addContactViaContactWay(configId, { customer: { name: '周一诺' } });
    await sink.flush();
    await settleWelcomes();
    expect((await sends(tenant.id)).at(-1)).toMatchObject({ status: 'no_message' });
  });

  it('the report counts per channel code: added, welcomed, and bought within 30 days', async () => {
    const { tenant } = ctx;
    // Let the inbox job's work happen: relations of the adds, attributed to the channel by state.
    const { processPendingInbox } = await import('../../../server/wecom/inbox.service');
    await processPendingInbox(h.services, tenant.id);
    // One welcomed customer buys 3 days after the add.
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id)
        select f.tenant_id, 'W-1', f.added_at + interval '3 days', (f.added_at + interval '3 days')::date, 9900, 'h', 'api', f.customer_id
        from customer_follows f join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
        where f.tenant_id = ${tenant.id}::uuid and ci.value = ${ctx.sim.welcomeMessages[0]!.external_userid} limit 1`.execute(trx),
    );
    const report = await withTenant(h.services.dbs, tenant.id, (trx) => welcomeReport(trx, tenant.id));
    expect(report.find((r) => r.channel === '收银台海报')).toMatchObject({ added: 5, welcomed: 1, first_purchase_30d: 1 });
  });
});
