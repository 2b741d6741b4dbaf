/** Reads of the daily snapshots (customers per home store, stage and day): the stage totals and trends. */
import { sql } from 'kysely';
import { ratio, sample } from '../aggregate';
import { STAGES, type LifecycleStage } from '../lifecycle';
import type { Ctx } from './read';
import { keyScope } from './sql';

export interface StageTotals {
  day: string | null;
  customers: number;
  buyers: number;
  repeaters: number;
  due: number;
  byStage: Record<LifecycleStage, number>;
}

/** Customers per stage from the newest snapshot on or before `day`. */
export async function snapshotTotals(c: Ctx, day: string): Promise<StageTotals> {
  const r = await sql<{ day: string; stage: LifecycleStage; customers: number; repeaters: number; due: number }>`
    select s.day::text as day, s.stage, sum(s.customers)::int as customers, sum(s.repeaters)::int as repeaters, sum(s.due)::int as due
    from analytics_daily_snapshots s
    where s.tenant_id = ${c.actor.tenantId} and s.day = (select max(day) from analytics_daily_snapshots where tenant_id = ${c.actor.tenantId} and day <= ${day}::date)
      and ${keyScope(c, 's.store_key')}
    group by 1, 2`.execute(c.trx);
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<LifecycleStage, number>;
  let customers = 0;
  let repeaters = 0;
  let due = 0;
  for (const x of r.rows) {
    byStage[x.stage] = x.customers;
    customers += x.customers;
    repeaters += x.repeaters;
    due += x.due;
  }
  return { day: r.rows[0]?.day ?? null, customers, buyers: customers - byStage.prospect, repeaters, due, byStage };
}

export interface TrendPoint {
  day: string;
  buyers: number;
  repeaters: number;
  repurchaseRate: number | null;
  active: number;
  atRisk: number;
  lapsed: number;
}
export async function snapshotTrend(c: Ctx, from: string, to: string, maxPoints: number): Promise<TrendPoint[]> {
  // Distinct snapshot days by a loose index scan (one index probe per day).
  const days = await sql<{ day: string }>`
    with recursive d as (
      select min(day) as day from analytics_daily_snapshots where tenant_id = ${c.actor.tenantId} and day between ${from}::date and ${to}::date
      union all
      select (select min(s.day) from analytics_daily_snapshots s where s.tenant_id = ${c.actor.tenantId} and s.day > d.day and s.day <= ${to}::date) from d where d.day is not null)
    select day::text as day from d where day is not null`.execute(c.trx);
  const picked = sample(
    days.rows.map((d) => d.day),
    maxPoints,
  );
  if (picked.length === 0) return [];
  const r = await sql<{ day: string; stage: LifecycleStage; customers: number; repeaters: number }>`
    select day::text as day, stage, sum(customers)::int as customers, sum(repeaters)::int as repeaters
    from analytics_daily_snapshots
    where tenant_id = ${c.actor.tenantId} and day = any(${picked}::date[]) and ${keyScope(c)}
    group by 1, 2 order by 1`.execute(c.trx);
  const byDay = new Map<string, TrendPoint>();
  for (const d of picked) byDay.set(d, { day: d, buyers: 0, repeaters: 0, repurchaseRate: null, active: 0, atRisk: 0, lapsed: 0 });
  for (const x of r.rows) {
    const p = byDay.get(x.day);
    if (!p) continue;
    if (x.stage !== 'prospect') p.buyers += x.customers;
    p.repeaters += x.repeaters;
    if (x.stage === 'new' || x.stage === 'active') p.active += x.customers;
    if (x.stage === 'at_risk') p.atRisk += x.customers;
    if (x.stage === 'lapsed') p.lapsed += x.customers;
  }
  return [...byDay.values()].map((p) => ({ ...p, repurchaseRate: ratio(p.repeaters, p.buyers) }));
}
