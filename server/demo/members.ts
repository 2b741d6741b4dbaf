/**
 * Demo step: member data as a chain's member system would hold it — about 60% of the customers are members with a
 * level, points, a register store and date and a birthday (a few this week), and about 3% opted out of marketing.
 * Deterministic from the customer id, so the profile and the member filters show the same data on every seed.
 */
import { sql } from 'kysely';
import { withTenant } from '../tenancy/context';
import type { DemoContext, DemoStep } from './context';

export const memberDemoStep: DemoStep = {
  name: 'member data',
  async run(ctx: DemoContext) {
    await withTenant(ctx.services.dbs, ctx.tenantId, async (trx) => {
      const h = (salt: string) => sql`(('x' || substr(md5(${salt} || c.id::text), 1, 8))::bit(32)::bigint)`;
      await sql`update customers c set
          member_level = (array['普通会员', '银卡', '金卡', '钻石卡'])[1 + least(3, ${h('lv')} % 10 / 3)],
          member_points = (${h('pt')} % 5000)::int,
          registered_store_id = c.primary_store_id,
          registered_on = (c.created_at at time zone 'Asia/Shanghai')::date - (${h('rg')} % 400)::int,
          birth_month = coalesce(c.birth_month, 1 + ${h('m')} % 12), birth_day = coalesce(c.birth_day, 1 + ${h('d')} % 28),
          birth_year = case when c.birth_month is null then case when ${h('y')} % 2 = 0 then 1965 + ${h('a')} % 40 end else c.birth_year end,
          marketing_opt_out = ${h('oo')} % 100 < 5, marketing_opt_out_at = case when ${h('oo')} % 100 < 5 then now() - interval '20 days' end,
          member_updated_at = now()
        where c.tenant_id = ${ctx.tenantId}::uuid and c.merged_into is null and ${h('mem')} % 10 < 6`.execute(trx);
      // a few members have their birthday this week
      await sql`update customers c set birth_month = extract(month from d)::int, birth_day = extract(day from d)::int
        from (select (now() at time zone 'Asia/Shanghai')::date + (n % 7) as d, n from generate_series(0, 11) n) w
        where c.tenant_id = ${ctx.tenantId}::uuid and c.member_level is not null and ${h('wk')} % 2000 = w.n`.execute(trx);
    });
  },
};
