/** The Lifecycle dashboard: stage counts, the stage trend and the flows between stages over the period. */
import { sql } from 'kysely';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { flowsToSankey, type Sankey } from '../aggregate';
import type { FilterInput } from '../filters';
import { addDays, STAGES, type LifecycleStage } from '../lifecycle';
import { runRead, type Ctx } from './read';
import { snapshotTotals, snapshotTrend, type TrendPoint } from './snapshots';
import { custScope, keyScope, PAID } from './sql';

export interface Lifecycle {
  trend: (TrendPoint & { prospect: number; newCustomers: number })[];
  stages: { stage: LifecycleStage; customers: number }[];
  flows: { from: LifecycleStage; to: LifecycleStage; customers: number }[];
  sankey: Sankey;
  flowFrom: string;
  flowTo: string;
  windowDays: number | null;
  windowSource: string | null;
}

async function stageTrend(c: Ctx, from: string, to: string) {
  const base = await snapshotTrend(c, from, to, 60);
  if (base.length === 0) return [];
  const r = await sql<{ day: string; stage: LifecycleStage; customers: number }>`
    select day::text as day, stage, sum(customers)::int as customers from analytics_daily_snapshots
    where tenant_id = ${c.actor.tenantId} and day = any(${base.map((b) => b.day)}::date[]) and stage in ('prospect', 'new') and ${keyScope(c)}
    group by 1, 2`.execute(c.trx);
  return base.map((b) => ({
    ...b,
    prospect: r.rows.find((x) => x.day === b.day && x.stage === 'prospect')?.customers ?? 0,
    newCustomers: r.rows.find((x) => x.day === b.day && x.stage === 'new')?.customers ?? 0,
  }));
}

/** Stage of each customer at the day before the period and at its end, from their purchase days (W of now). */
async function stageFlows(c: Ctx, startDay: string, endDay: string, w: number) {
  const stageSql = (f: string, last: string, d: string) =>
    sql`case when ${sql.raw(f)} = 0 then 'prospect' when ${d}::date - ${sql.raw(last)} <= ${w} then (case when ${sql.raw(f)} = 1 then 'new' else 'active' end)
      when ${d}::date - ${sql.raw(last)} <= ${2 * w} then 'at_risk' else 'lapsed' end`;
  const r = await sql<{ s0: LifecycleStage; s1: LifecycleStage; n: number }>`
    with pd as (
      select o.customer_id, o.paid_day from orders o
      where o.tenant_id = ${c.actor.tenantId} and o.customer_id is not null and ${PAID} and o.paid_day <= ${endDay}::date
      group by 1, 2),
    x as (
      select customer_id, count(*) filter (where paid_day <= ${startDay}::date) as f0, max(paid_day) filter (where paid_day <= ${startDay}::date) as l0,
        count(*) as f1, max(paid_day) as l1
      from pd group by 1)
    select ${stageSql('x.f0', 'x.l0', startDay)} as s0, ${stageSql('x.f1', 'x.l1', endDay)} as s1, count(*)::int as n
    from x join customer_metrics cm on cm.tenant_id = ${c.actor.tenantId} and cm.customer_id = x.customer_id
    where ${custScope(c)}
    group by 1, 2`.execute(c.trx);
  return r.rows.map((x) => ({ from: x.s0, to: x.s1, customers: x.n }));
}

export async function dashboardLifecycle(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'lifecycle', input, 90, async (c): Promise<Lifecycle> => {
    // Today's stage counts come from the customers themselves, in the same scope as the flows and the customer
    // list they link to (customerScopeSql); a past `to` reads that day's snapshot.
    let stages: { stage: LifecycleStage; customers: number }[];
    if (c.state && c.f.to === c.state.as_of) {
      const r = await sql<{ stage: LifecycleStage; n: number }>`
        select cm.stage, count(*)::int as n from customer_metrics cm where cm.tenant_id = ${c.actor.tenantId} and ${custScope(c)} group by 1`.execute(c.trx);
      stages = STAGES.map((s) => ({ stage: s, customers: r.rows.find((x) => x.stage === s)?.n ?? 0 }));
    } else {
      const now = await snapshotTotals(c, c.f.to);
      stages = STAGES.map((s) => ({ stage: s, customers: now.byStage[s] }));
    }
    const w = c.state?.window_days ?? 30;
    const start = addDays(c.f.from!, -1);
    const flows = await stageFlows(c, start, c.f.to, w);
    return {
      trend: await stageTrend(c, c.f.from!, c.f.to),
      stages,
      flows,
      sankey: flowsToSankey(flows, STAGES, (s) => s),
      flowFrom: start,
      flowTo: c.f.to,
      windowDays: c.state?.window_days ?? null,
      windowSource: c.state?.window_source ?? null,
    };
  });
}
