/** The Repurchase dashboard and GET /api/v1/analytics/summary: period figures, N-day rates, curve, intervals, categories. */
import { sql } from 'kysely';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { addMonths, bucketize, buildCohorts, monthOf, nDayRate, ratio, repurchaseCurve, type Bucket, type Cohort, type CurvePoint, type GapAgeRow } from '../aggregate';
import type { FilterInput } from '../filters';
import { addDays } from '../lifecycle';
import { cohortCells } from './cohorts';
import { runRead, type Ctx } from './read';
import { orderScope, PAID, period } from './sql';

export interface WindowSummary {
  customers: number;
  repeatCustomers: number;
  repurchaseRate: number | null;
  paidOrders: number;
  refundOrders: number;
  paidRevenueFen: number;
  refundFen: number;
  identifiedRevenueFen: number;
  privateDomainShare: number | null;
}

/** Distinct customers and orders in [from, to] from the orders themselves (metrics.md "over a window"). */
async function windowFromOrders(c: Ctx, from: string | null, to: string): Promise<WindowSummary> {
  const r = await sql<{ customers: number; repeaters: number; paid_orders: number; refund_orders: number; paid_fen: number; refund_fen: number; identified_fen: number }>`
    with base as (
      select o.customer_id, o.paid_day, o.amount_fen, o.is_refund from orders o
      where o.tenant_id = ${c.actor.tenantId} and ${period('o.paid_day', from, to)} and ${orderScope(c)}
    ),
    pd as (
      select customer_id, count(distinct paid_day) as days from base
      where customer_id is not null and amount_fen > 0 and not is_refund group by customer_id
    )
    select (select count(*)::int from pd) as customers, (select count(*)::int from pd where days >= 2) as repeaters,
      count(*) filter (where amount_fen > 0 and not is_refund)::int as paid_orders,
      count(*) filter (where is_refund or amount_fen < 0)::int as refund_orders,
      coalesce(sum(amount_fen) filter (where amount_fen > 0 and not is_refund), 0)::bigint as paid_fen,
      coalesce(-sum(amount_fen) filter (where is_refund or amount_fen < 0), 0)::bigint as refund_fen,
      coalesce(sum(amount_fen) filter (where amount_fen > 0 and not is_refund and customer_id is not null), 0)::bigint as identified_fen
    from base`.execute(c.trx);
  const x = r.rows[0]!;
  return {
    customers: x.customers,
    repeatCustomers: x.repeaters,
    repurchaseRate: ratio(x.repeaters, x.customers),
    paidOrders: x.paid_orders,
    refundOrders: x.refund_orders,
    paidRevenueFen: x.paid_fen,
    refundFen: x.refund_fen,
    identifiedRevenueFen: x.identified_fen,
    privateDomainShare: ratio(x.identified_fen, x.paid_fen),
  };
}

/**
 * First → second purchase gaps and ages (D − first) of customers whose first purchase day (at the filtered
 * stores, orders up to D) lies in [from, to]; capped at 181 days, which keeps N-day rates up to 180 exact.
 */
async function gapAgeRows(c: Ctx, from: string | null, to: string): Promise<GapAgeRow[]> {
  const r = await sql<{ gap: number | null; age: number; n: number }>`
    with pd as (
      select o.customer_id, o.paid_day from orders o
      where o.tenant_id = ${c.actor.tenantId} and o.customer_id is not null and ${PAID} and o.paid_day <= ${c.f.asOf}::date and ${orderScope(c)}
      group by 1, 2),
    fs as (select customer_id, min(paid_day) as first_day from pd group by 1),
    sd as (select pd.customer_id, min(pd.paid_day) as second_day from pd join fs using (customer_id) where pd.paid_day > fs.first_day group by 1)
    select least(sd.second_day - fs.first_day, 181) as gap, least(${c.f.asOf}::date - fs.first_day, 181) as age, count(*)::int as n
    from fs left join sd using (customer_id)
    where ${period('fs.first_day', from, to)}
    group by 1, 2`.execute(c.trx);
  return r.rows.map((x) => ({ gap: x.gap === null ? null : Number(x.gap), age: Number(x.age), customers: x.n }));
}

export interface Summary extends WindowSummary {
  repurchaseRate30d: number | null;
  repurchaseRate60d: number | null;
  repurchaseRate90d: number | null;
  repurchaseWindowDays: number | null;
}

/** GET /api/v1/analytics/summary and the Repurchase page's period figures. */
export async function summaryOf(c: Ctx): Promise<Summary> {
  const w = await windowFromOrders(c, c.f.from, c.f.to);
  const gaps = await gapAgeRows(c, c.f.from, c.f.to);
  return {
    ...w,
    repurchaseRate30d: nDayRate(gaps, 30),
    repurchaseRate60d: nDayRate(gaps, 60),
    repurchaseRate90d: nDayRate(gaps, 90),
    repurchaseWindowDays: c.state?.window_days ?? null,
  };
}

export async function analyticsSummary(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'summary', input, null, async (c) => ({ summary: await summaryOf(c) }));
}

export interface Repurchase {
  summary: Summary;
  /** N-day rates of the customers acquired in the 12 months before `to` (the curve's cohort). */
  rates: { d30: number | null; d60: number | null; d90: number | null; eligible30: number };
  curve: CurvePoint[];
  cohorts: Cohort[];
  intervals: Bucket[];
  medianIntervalDays: number | null;
  categories: { category: string; buyers: number; repeaters: number; rate: number | null; revenueFen: number }[];
}

async function intervalRows(c: Ctx, from: string, to: string) {
  const r = await sql<{ gap: number; n: number }>`
    with pd as (
      select o.customer_id, o.paid_day from orders o
      where o.tenant_id = ${c.actor.tenantId} and o.customer_id is not null and ${PAID} and o.paid_day <= ${to}::date and ${orderScope(c)}
      group by 1, 2),
    g as (select paid_day, paid_day - lag(paid_day) over (partition by customer_id order by paid_day) as gap from pd)
    select gap, count(*)::int as n from g where gap is not null and paid_day >= ${from}::date group by 1`.execute(c.trx);
  return r.rows.map((x) => ({ value: Number(x.gap), count: x.n }));
}

async function categoryRows(c: Ctx, from: string, to: string) {
  const r = await sql<{ category: string; buyers: number; repeaters: number; revenue: number }>`
    with ci as (
      select o.customer_id, o.paid_day, coalesce(nullif(trim(i.category), ''), '未分类') as category, i.amount_fen
      from orders o join order_items i on i.tenant_id = o.tenant_id and i.order_id = o.id
      where o.tenant_id = ${c.actor.tenantId} and ${PAID} and o.paid_day between ${from}::date and ${to}::date and ${orderScope(c)}),
    per as (select category, customer_id, count(distinct paid_day) as days, sum(amount_fen) as revenue from ci group by 1, 2)
    select category, count(customer_id)::int as buyers, count(*) filter (where customer_id is not null and days >= 2)::int as repeaters,
      coalesce(sum(revenue), 0)::bigint as revenue
    from per group by 1 order by revenue desc limit 15`.execute(c.trx);
  return r.rows.map((x) => ({ category: x.category, buyers: x.buyers, repeaters: x.repeaters, rate: ratio(x.repeaters, x.buyers), revenueFen: x.revenue }));
}

const INTERVAL_EDGES = [1, 8, 15, 31, 61, 91, 181, 366];

export async function dashboardRepurchase(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'repurchase', input, 90, async (c): Promise<Repurchase> => {
    const summary = await summaryOf(c);
    // The curve and cohorts look at the last 12 months of acquisitions, whatever the period.
    const yearAgo = addDays(c.f.to, -364);
    const gaps = await gapAgeRows(c, yearAgo, c.f.to);
    const cells = await cohortCells(c, addMonths(monthOf(c.f.to), -11), monthOf(c.f.to));
    const ints = await intervalRows(c, c.f.from!, c.f.to);
    const total = ints.reduce((s, x) => s + x.count, 0);
    let seen = 0;
    let median: number | null = null;
    for (const x of [...ints].sort((a, b) => a.value - b.value)) {
      seen += x.count;
      if (median === null && seen >= total / 2) median = x.value;
    }
    const full = repurchaseCurve(gaps, 90);
    return {
      summary,
      rates: { d30: full[29]?.rate ?? null, d60: full[59]?.rate ?? null, d90: full[89]?.rate ?? null, eligible30: full[29]?.eligible ?? 0 },
      curve: repurchaseCurve(gaps, 180).filter((p) => p.day % 5 === 0 || p.day === 1 || p.day === 30 || p.day === 60 || p.day === 90),
      cohorts: buildCohorts(cells, monthOf(c.f.to), c.f.asOf),
      intervals: bucketize(ints, INTERVAL_EDGES, (a, b) => (b === Infinity ? `${a}+` : `${a}–${b - 1}`)),
      medianIntervalDays: median,
      categories: await categoryRows(c, c.f.from!, c.f.to),
    };
  });
}
