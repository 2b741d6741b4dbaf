/**
 * Demo step: scripts (话术) for the clerk's workspace, by category and lifecycle stage; and birthdays — about a
 * third of the customers have one (a member system knows month and day, sometimes the year), and each clerk serves
 * one customer whose birthday is the seeding day, so 今日 shows a birthday to a newcomer.
 */
import { sql } from 'kysely';
import { createScript } from '../clerk/scripts.service';
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import type { DemoContext, DemoStep } from './context';

const SCRIPTS = [
  { category: '回购提醒', stage: 'active', kind: 'text', title: '温和提醒回购', body: '{客户称呼|您}好，我是{门店}的{导购}。您上次购买已经{距上次购买天数|好些}天啦，常用的那款最近有货，需要我帮您留一份吗？' },
  { category: '回购提醒', stage: 'at_risk', kind: 'text', title: '好久不见', body: '{客户称呼|您}，好久没见到您了！店里上了新品，这周来店出示这条消息可享会员价。—— {导购}' },
  { category: '新客欢迎', stage: 'new', kind: 'text', title: '新客欢迎', body: '{客户称呼|您}好，我是{门店}的{导购}，以后有任何需要都可以直接找我～' },
  { category: '活动', stage: null, kind: 'link', title: '会员日活动', body: '本周六会员日，全场满 199 减 30，{客户称呼|您}记得来哦！', url: 'https://example.com/member-day' },
  { category: '售后', stage: null, kind: 'text', title: '使用回访', body: '{客户称呼|您}好，上次买的商品用得还习惯吗？有问题随时告诉我。' },
];

export const clerkDemoStep: DemoStep = {
  name: 'clerk scripts',
  async run(ctx: DemoContext) {
    const actor = systemActor(ctx.tenantId, 'demo', 'demo-seed');
    await withTenant(ctx.services.dbs, ctx.tenantId, async (trx) => {
      for (const s of SCRIPTS) await createScript(trx, actor, { ...s, stage: s.stage ?? '' });
      await demoBirthdays(trx, ctx.tenantId);
    });
  },
};

/** Deterministic birthdays from the customer id (month and day valid for every month; the year for half of them). */
async function demoBirthdays(trx: Parameters<Parameters<typeof withTenant>[2]>[0], tenantId: DemoContext['tenantId']): Promise<void> {
  const h = (salt: string) => sql`(('x' || substr(md5(${salt} || c.id::text), 1, 8))::bit(32)::bigint)`;
  await sql`update customers c set birth_month = 1 + ${h('m')} % 12, birth_day = 1 + ${h('d')} % 28,
      birth_year = case when ${h('y')} % 2 = 0 then 1960 + ${h('a')} % 45 end
    where c.tenant_id = ${tenantId}::uuid and ${h('k')} % 3 = 0`.execute(trx);
  await sql`update customers c set birth_month = extract(month from d.today)::int, birth_day = extract(day from d.today)::int, birth_year = 1990
    from (select distinct on (f.staff_id) f.customer_id, (now() at time zone t.timezone)::date as today
          from customer_follows f join tenants t on t.id = f.tenant_id
          where f.tenant_id = ${tenantId}::uuid and f.ended_at is null order by f.staff_id, f.customer_id) d
    where c.tenant_id = ${tenantId}::uuid and c.id = d.customer_id`.execute(trx);
}
