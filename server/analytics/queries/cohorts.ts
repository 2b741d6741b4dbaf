/** Acquisition cohorts (GET /api/v1/analytics/cohorts; the Repurchase page's cohort table). */
import { sql } from 'kysely';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { buildCohorts, monthOf } from '../aggregate';
import type { FilterInput } from '../filters';
import { runRead, type Ctx } from './read';
import { orderScope, PAID } from './sql';

/** Customers per (first month, month) among the cohorts whose first month lies in [fromMonth, toMonth]. */
export async function cohortCells(c: Ctx, fromMonth: string | null, toMonth: string) {
  const r = await sql<{ cohort: string; month: string; customers: number }>`
    with cmon as (
      select o.customer_id, date_trunc('month', o.paid_day)::date as m from orders o
      where o.tenant_id = ${c.actor.tenantId} and o.customer_id is not null and ${PAID} and o.paid_day <= ${c.f.asOf}::date and ${orderScope(c)}
      group by 1, 2),
    firsts as (select customer_id, min(m) as first_m from cmon group by 1)
    select to_char(f.first_m, 'YYYY-MM') as cohort, to_char(x.m, 'YYYY-MM') as month, count(*)::int as customers
    from cmon x join firsts f using (customer_id)
    where f.first_m <= ${`${toMonth}-01`}::date ${fromMonth ? sql`and f.first_m >= ${`${fromMonth}-01`}::date` : sql``}
    group by 1, 2`.execute(c.trx);
  return r.rows;
}

/** GET /api/v1/analytics/cohorts: cohorts whose first month lies in [from, to] (all when from is omitted). */
export async function analyticsCohorts(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'cohorts', input, null, async (c) => {
    const cells = await cohortCells(c, c.f.from ? monthOf(c.f.from) : null, monthOf(c.f.to));
    return { cohorts: buildCohorts(cells, monthOf(c.f.asOf), c.f.asOf) };
  });
}
