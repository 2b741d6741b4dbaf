/**
 * Demo step "WeCom operations" (issue 18), after the WeCom sync: a default welcome message and one for the 618
 * poster code, then customers scanning channel codes on the in-process simulator — each add travels the real
 * callback path and is welcomed from its fast path. The adds are then dated back over the last weeks and some of
 * those customers buy within 30 days, so the welcome report shows real numbers to a newcomer.
 */
import { sql } from 'kysely';
import { systemActor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { loadOpenConnection } from '../../server/wecom/connection.service';
import { processPendingInbox } from '../../server/wecom/inbox.service';
import { wecomRuntime } from '../../server/wecom/runtime';
import { saveWelcomeMessage, settleWelcomes } from '../../server/wecom/welcome.service';
import { Rng } from './random';
import type { DemoContext, DemoStep } from './seed';

const NAMES = ['林小雨', '陈晓', '王芳芳', 'Coco', '周一诺', '赵子涵', '孙悦', '吴桐', '郑可欣', '冯乐', '何雨桐', '许诺'];

export async function seedWelcomeDemo(ctx: DemoContext): Promise<void> {
  const { services, tenantId } = ctx;
  const actor = systemActor(tenantId, 'demo', 'demo-seed');
  const rng = new Rng(ctx.seed ^ 0x0e1c);
  const poster = await withTenant(services.dbs, tenantId, (trx) => trx.selectFrom('wecom_channels').select(['id', 'config_id']).where('tenant_id', '=', tenantId).where('state', '=', 'poster_618').executeTakeFirst());
  await saveWelcomeMessage(services, actor, { scope: 'default', text: '{客户称呼}您好，我是{门店}的{导购}，有任何需要随时找我～', attachments: '' });
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

export const welcomeDemoStep: DemoStep = { name: 'WeCom welcome messages (channel-code adds welcomed through the callback)', run: seedWelcomeDemo };
