/**
 * Demo step "WeCom operations" (issue 18), after the WeCom sync: a default welcome message and one for the 618
 * poster code, then customers scanning channel codes on the in-process simulator — each add travels the real
 * callback path and is welcomed from its fast path. The adds are then dated back over the last weeks and some of
 * those customers buy within 30 days, so the welcome report shows real numbers to a newcomer.
 */
import { sql } from 'kysely';
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { loadOpenConnection } from '../wecom/connection.service';
import { processPendingInbox } from '../wecom/inbox.service';
import { wecomRuntime } from '../wecom/runtime';
import { simulateMomentPosts } from '../wecom/demo-activity';
import { runHandover, startHandover } from '../wecom/handovers.service';
import { createMoment, runMoment } from '../wecom/moments.service';
import { saveWelcomeMessage, settleWelcomes } from '../wecom/welcome.service';
import { Rng } from './random';
import type { DemoContext, DemoStep } from './context';

const NAMES = ['林小雨', '陈晓', '王芳芳', 'Coco', '周一诺', '赵子涵', '孙悦', '吴桐', '郑可欣', '冯乐', '何雨桐', '许诺'];

export async function seedWelcomeDemo(ctx: DemoContext): Promise<void> {
  const { services, tenantId } = ctx;
  const actor = systemActor(tenantId, 'demo', 'demo-seed');
  const rng = new Rng(ctx.seed ^ 0x0e1c);
  const poster = await withTenant(services.dbs, tenantId, (trx) => trx.selectFrom('wecom_channels').select(['id', 'config_id']).where('tenant_id', '=', tenantId).where('state', '=', 'poster_618').executeTakeFirst());
  await saveWelcomeMessage(services, actor, { scope: 'default', text: '{客户称呼|}您好，我是{门店}的{导购}，有任何需要随时找我～', attachments: '' });
  if (poster) {
    await saveWelcomeMessage(services, actor, { scope: 'channel', targetId: poster.id, text: '{客户称呼}，感谢扫码参加 618！新客专享券已放入会员中心，我是{导购}。', attachments: 'link 618 新客专享 | https://example.com/618' });
  }
  const conn = await loadOpenConnection(services, tenantId);
  const rt = wecomRuntime(services);
  const sim = await rt.hub.forConnection(conn);
  const ways = await withTenant(services.dbs, tenantId, (trx) =>
    trx.selectFrom('wecom_channels').select('config_id').where('tenant_id', '=', tenantId).where('status', '=', 'active').where('config_id', 'is not', null).orderBy('state').execute(),
  );
  const codes = ways.map((w) => w.config_id!).filter((c) => sim.state.contactWays.has(c));
  if (codes.length === 0) return;
  const added: string[] = [];
  for (let i = 0; i < 24; i++) {
    // Half of them through the 618 poster, the rest through the store codes.
    const code = i % 2 === 0 && poster?.config_id && sim.state.contactWays.has(poster.config_id) ? poster.config_id : codes[rng.int(0, codes.length - 1)]!;
    added.push(sim.addContactViaContactWay(code, { customer: { name: NAMES[i % NAMES.length]! } }).externalUserid);
  }
  await rt.hub.sink(tenantId)?.idle();
  await settleWelcomes();
  await processPendingInbox(services, tenantId);
  // Date the adds back over the last 40 days, and let a third of those customers buy 1–20 days after their add.
  await withTenant(services.dbs, tenantId, async (trx) => {
    await sql`with a as (select ci.customer_id, ci.value, (row_number() over (order by ci.value))::int as n from customer_identities ci
        where ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = any(${added}::text[]))
      update customer_follows f set added_at = now() - make_interval(days => 5 + (a.n * 7) % 36) from a
      where f.tenant_id = ${tenantId}::uuid and f.customer_id = a.customer_id`.execute(trx);
    await sql`update wecom_welcome_sends w set received_at = f.added_at, event_at = f.added_at, sent_at = case when w.sent_at is null then null else f.added_at end
      from customer_identities ci join customer_follows f on f.tenant_id = ci.tenant_id and f.customer_id = ci.customer_id
      where w.tenant_id = ${tenantId}::uuid and ci.tenant_id = w.tenant_id and ci.kind = 'external_userid' and ci.value = w.external_userid`.execute(trx);
    await sql`insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, content_hash, source, customer_id, external_userid)
      select f.tenant_id, 'WELCOME-' || left(ci.value, 12), s.store_id, f.staff_id, 'pos', f.added_at + make_interval(days => 1 + (length(ci.value) + ascii(right(ci.value, 1))) % 20),
        ((f.added_at + make_interval(days => 1 + (length(ci.value) + ascii(right(ci.value, 1))) % 20)) at time zone 'Asia/Shanghai')::date, 12900 + 100 * (ascii(right(ci.value, 1)) % 50), 1, md5(ci.value), 'api', f.customer_id, ci.value
      from customer_identities ci join customer_follows f on f.tenant_id = ci.tenant_id and f.customer_id = ci.customer_id
      left join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
      where ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = any(${added}::text[]) and ascii(right(ci.value, 1)) % 3 = 0
        and f.added_at + make_interval(days => 1 + (length(ci.value) + ascii(right(ci.value, 1))) % 20) < now()
      on conflict do nothing`.execute(trx);
  });
}

/**
 * A clerk who resigned two months ago: their customers were handed to a colleague of the same store (most kept,
 * a few refused), some bought again since; and a second resigned clerk whose customers still wait for ops — the
 * handover a newcomer can try (then "24 hours later" on the page).
 */
export async function seedHandoverDemo(ctx: DemoContext): Promise<void> {
  const { services, tenantId } = ctx;
  const actor = systemActor(tenantId, 'demo', 'demo-seed');
  const conn = await loadOpenConnection(services, tenantId);
  const rt = wecomRuntime(services);
  const sim = await rt.hub.forConnection(conn);
  const clerks = await withTenant(services.dbs, tenantId, (trx) =>
    sql<{ id: string; userid: string; store_id: string | null; n: number }>`select s.id, s.wecom_userid as userid, s.store_id,
        (select count(*)::int from customer_follows f where f.tenant_id = s.tenant_id and f.staff_id = s.id and f.ended_at is null) as n
      from staff s where s.tenant_id = ${tenantId}::uuid and s.wecom_userid is not null and s.role = 'clerk' and s.active
        and (select count(*) from staff o where o.tenant_id = s.tenant_id and o.store_id = s.store_id and o.active and o.wecom_userid is not null) >= 3
      order by n desc, s.wecom_userid`.execute(trx),
  );
  const usable = clerks.rows.filter((c) => (sim.state.followsByUser.get(c.userid)?.length ?? 0) >= 4);
  const done = usable[0];
  const pending = usable.find((c) => c.store_id !== done?.store_id);
  if (!done) return;
  for (const c of [done, pending]) {
    if (!c) continue;
    sim.resignStaff(c.userid);
    await withTenant(services.dbs, tenantId, (trx) => trx.updateTable('staff').set({ active: false }).where('tenant_id', '=', tenantId).where('id', '=', c.id).execute());
  }
  const theirs = sim.state.followsByUser.get(done.userid)!.map((f) => f.external_userid).sort();
  for (const eid of theirs.filter((_, i) => i % 6 === 1)) sim.refuseTransfer(eid);
  const { id } = await startHandover(services, actor, { kind: 'resigned', fromStaffId: done.id });
  await runHandover(services, tenantId, id);
  sim.advance(25 * 3600_000);
  sim.settleTransfers();
  await rt.hub.sink(tenantId)?.idle();
  await runHandover(services, tenantId, id);
  await processPendingInbox(services, tenantId);
  // Two months ago: the handover, the takeover, the relations; since then a share of the kept customers bought again.
  await withTenant(services.dbs, tenantId, async (trx) => {
    await sql`update wecom_handovers set created_at = created_at - interval '60 days', updated_at = updated_at - interval '59 days', finished_at = finished_at - interval '59 days'
      where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
    await sql`update wecom_handover_customers set takeover_at = takeover_at - interval '60 days' - interval '25 hours', updated_at = updated_at - interval '59 days'
      where tenant_id = ${tenantId}::uuid and handover_id = ${id}::uuid`.execute(trx);
    await sql`update customer_follows f set ended_at = hc.takeover_at from wecom_handover_customers hc
      where f.tenant_id = ${tenantId}::uuid and f.staff_id = ${done.id}::uuid and f.end_reason = 'transfer'
        and hc.tenant_id = f.tenant_id and hc.handover_id = ${id}::uuid and hc.customer_id = f.customer_id`.execute(trx);
    await sql`update customer_follows f set added_at = hc.takeover_at from wecom_handover_customers hc join wecom_handovers h on h.tenant_id = hc.tenant_id and h.id = hc.handover_id
      where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${id}::uuid and hc.status = 'kept' and f.tenant_id = hc.tenant_id and f.customer_id = hc.customer_id and f.staff_id = h.to_staff_id`.execute(trx);
    await sql`insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, content_hash, source, customer_id)
      select hc.tenant_id, 'HANDOVER-' || left(hc.external_userid, 12), s.store_id, h.to_staff_id, 'pos', hc.takeover_at + make_interval(days => 3 + ascii(right(hc.external_userid, 1)) % 50),
        ((hc.takeover_at + make_interval(days => 3 + ascii(right(hc.external_userid, 1)) % 50)) at time zone 'Asia/Shanghai')::date, 15800, 1, md5(hc.external_userid || 'h'), 'api', hc.customer_id
      from wecom_handover_customers hc join wecom_handovers h on h.tenant_id = hc.tenant_id and h.id = hc.handover_id join staff s on s.tenant_id = h.tenant_id and s.id = h.to_staff_id
      where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${id}::uuid and hc.status = 'kept' and hc.customer_id is not null and ascii(right(hc.external_userid, 1)) % 2 = 0
      on conflict do nothing`.execute(trx);
  });
}

export const handoverDemoStep: DemoStep = { name: 'WeCom handovers (a resigned clerk’s customers kept by a colleague)', run: seedHandoverDemo };

/**
 * One enterprise moment ten days ago for the clerks of two stores: about two thirds posted, some customers liked
 * or commented, and in the week after, customers it reached ordered somewhat more often than those it did not.
 */
export async function seedMomentDemo(ctx: DemoContext): Promise<void> {
  const { services, tenantId } = ctx;
  const actor = systemActor(tenantId, 'demo', 'demo-seed');
  const stores = [...ctx.storeIds.values()].slice(0, 2);
  const clerks = await withTenant(services.dbs, tenantId, (trx) =>
    trx.selectFrom('staff').select('id').where('tenant_id', '=', tenantId).where('active', '=', true).where('wecom_userid', 'is not', null).where('store_id', 'in', stores).execute(),
  );
  if (clerks.length === 0) return;
  const { id } = await createMoment(services, actor, { text: '秋季新品到店：羊毛混纺开衫、香薰礼盒，本周到店试穿送小样～', attachments: 'link 秋季新品目录 | https://example.com/autumn', staffIds: clerks.map((c) => c.id) });
  await runMoment(services, tenantId, id);
  await simulateMomentPosts(services, tenantId);
  await withTenant(services.dbs, tenantId, async (trx) => {
    await sql`update wecom_moments set created_at = created_at - interval '10 days', updated_at = updated_at - interval '9 days' where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
    // Orders in the week after: every third reached customer, every sixth unreached one.
    await sql`insert into orders (tenant_id, order_no, store_id, channel, paid_at, paid_day, amount_fen, item_count, content_hash, source, customer_id)
      select r.tenant_id, 'MOMENT-' || left(r.external_userid, 12), null, 'pos', m.created_at + make_interval(days => 1 + ascii(right(r.external_userid, 1)) % 6),
        ((m.created_at + make_interval(days => 1 + ascii(right(r.external_userid, 1)) % 6)) at time zone 'Asia/Shanghai')::date, 26800, 1, md5(r.external_userid || 'm'), 'api', r.customer_id
      from (select distinct on (customer_id) * from wecom_moment_reach where tenant_id = ${tenantId}::uuid and moment_id = ${id}::uuid and customer_id is not null order by customer_id, shown desc) r
      join wecom_moments m on m.tenant_id = r.tenant_id and m.id = r.moment_id
      where ascii(right(r.external_userid, 1)) % (case when r.shown then 3 else 6 end) = 0
      on conflict do nothing`.execute(trx);
  });
}

export const momentDemoStep: DemoStep = { name: 'WeCom moments (one enterprise post, reached vs not reached)', run: seedMomentDemo };

export const welcomeDemoStep: DemoStep = { name: 'WeCom welcome messages (channel-code adds welcomed through the callback)', run: seedWelcomeDemo };
