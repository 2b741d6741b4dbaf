/**
 * Read models of the dashboards and the analytics API. SQL returns small grouped rows; the shaping is in
 * aggregate.ts (pure, unit-tested). Three sources:
 * - per-customer state: `customer_metrics` (or `_an_cm` computed for another as_of), scoped with
 *   customerScopeSql on the customer's home store;
 * - pre-aggregated facts: `analytics_daily_snapshots` (customers per home store, stage and RFM group per day) and
 *   `analytics_daily_facts` (orders per day, store and channel), scoped with storeScopeSql — these keep the
 *   overview fast at a million customers;
 * - live order aggregates for period figures that cannot be pre-added (distinct customers in a window, cohorts,
 *   intervals, categories), scoped by the orders' store.
 * Results are cached per tenant × analytics version × scope × filters (cache.ts).
 */
import { sql } from 'kysely';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withTenant, type Tx } from '../tenancy/context';
import { customerScopeSql, storeScopeSql } from '../customers/scope';
import {
  addMonths,
  bucketize,
  buildCohorts,
  change,
  flowsToSankey,
  monthOf,
  nDayRate,
  previousPeriod,
  ratio,
  repurchaseCurve,
  sample,
  weekStart,
  type Bucket,
  type Change,
  type Cohort,
  type CurvePoint,
  type GapAgeRow,
  type Sankey,
} from './aggregate';
import { cached, cacheKey } from './cache';
import { filterOptions, resolveFilters, scopeKey, storeFilterSql, type FilterInput, type FilterOptions, type ResolvedFilters } from './filters';
import { addDays, STAGES, type LifecycleStage } from './lifecycle';
import { tenantToday } from './metrics.repository';
import { latestFit, metricsAt, modelAt, type AnalyticsState, type StoredFit } from './refresh.service';
import { RFM_GROUPS, RFM_MATRIX, type RfmGroup } from './rfm';

const PAID = sql`(o.amount_fen > 0 and not o.is_refund)`;

/** The columns of analytics_state a read needs (the histogram and breakpoints stay in the database). */
export type StateLite = Pick<AnalyticsState, 'as_of' | 'version' | 'window_days' | 'window_source' | 'last_full_at' | 'last_incremental_at'>;

export interface Ctx {
  trx: Tx;
  actor: Actor;
  f: ResolvedFilters;
  state: StateLite | null;
  options: FilterOptions;
}

export async function stateLite(trx: Tx, tenantId: Actor['tenantId']): Promise<StateLite | null> {
  const r = await trx
    .selectFrom('analytics_state')
    .select(['as_of', 'version', 'window_days', 'window_source', 'last_full_at', 'last_incremental_at'])
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return r ? { ...r, version: Number(r.version) } : null;
}

export interface Meta {
  asOf: string;
  from: string | null;
  to: string;
  store: { code: string; name: string } | null;
  region: { code: string; name: string } | null;
  channel: string | null;
  /** When the stored metrics were computed (null: never). */
  computedAsOf: string | null;
  windowDays: number | null;
  lastRefreshAt: string | null;
}

function meta(c: Ctx): Meta {
  return {
    asOf: c.f.asOf,
    from: c.f.from,
    to: c.f.to,
    store: c.f.store ? { code: c.f.store.code, name: c.f.store.name } : null,
    region: c.f.region,
    channel: c.f.channel,
    computedAsOf: c.state?.as_of ?? null,
    windowDays: c.state?.window_days ?? null,
    lastRefreshAt: (c.state?.last_incremental_at && c.state.last_incremental_at > c.state.last_full_at ? c.state.last_incremental_at : c.state?.last_full_at)?.toISOString() ?? null,
  };
}

/**
 * Opens a tenant transaction, resolves filters inside the actor's scope and runs `fn` through the cache.
 * `defaultDays`: default period length ending at `to` (dashboards), null = all history (API).
 */
export async function runRead<T>(services: Services, actor: Actor, name: string, input: FilterInput, defaultDays: number | null, fn: (c: Ctx) => Promise<T>): Promise<T & { meta: Meta }> {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    // The Overview is the page everyone opens at once: small indexed reads, no parallel workers fighting for cores.
    if (name === 'overview') await sql`select set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
    const state = await stateLite(trx, actor.tenantId);
    const options = await cached(actor.tenantId, state?.version ?? 0, cacheKey(['filter-options', scopeKey(actor)]), () => filterOptions(trx, actor));
    const current = state?.as_of ?? (await tenantToday(trx, actor.tenantId));
    const f = resolveFilters(input, options, current, defaultDays);
    const c: Ctx = { trx, actor, f, state, options };
    const key = cacheKey([name, scopeKey(actor), f.asOf, f.from, f.to, f.storeIds, f.channel]);
    const value = await cached(actor.tenantId, state?.version ?? 0, key, () => fn(c));
    return { ...value, meta: meta(c) };
  });
}

// ------------------------------------------------------------------------------------------- SQL pieces

function custScope(c: Ctx) {
  return sql`${customerScopeSql(c.actor, 'cm.customer_id', 'cm.store_id')} and ${storeFilterSql(c.f, 'cm.store_id')}`;
}
function keyScope(c: Ctx, ref = 'store_key') {
  return sql`${storeScopeSql(c.actor, ref)} and ${storeFilterSql(c.f, ref)}`;
}
function orderScope(c: Ctx) {
  return sql`${storeScopeSql(c.actor, 'o.store_id')} and ${storeFilterSql(c.f, 'o.store_id')} ${c.f.channel ? sql`and o.channel = ${c.f.channel}` : sql``}`;
}
function channelFilter(c: Ctx) {
  return c.f.channel ? sql`and channel = ${c.f.channel}` : sql``;
}
function period(ref: string, from: string | null, to: string) {
  return from ? sql`${sql.ref(ref)} between ${from}::date and ${to}::date` : sql`${sql.ref(ref)} <= ${to}::date`;
}

// ------------------------------------------------------------------------------------- period summaries

export interface OrderTotals {
  paidOrders: number;
  refundOrders: number;
  paidFen: number;
  refundFen: number;
  identifiedFen: number;
  identifiedOrders: number;
}

async function factTotals(c: Ctx, from: string | null, to: string): Promise<OrderTotals> {
  const r = await sql<{ paid_orders: number; refund_orders: number; paid_fen: number; refund_fen: number; identified_fen: number; identified_orders: number }>`
    select coalesce(sum(paid_orders), 0)::int as paid_orders, coalesce(sum(refund_orders), 0)::int as refund_orders,
      coalesce(sum(paid_fen), 0)::bigint as paid_fen, coalesce(sum(refund_fen), 0)::bigint as refund_fen,
      coalesce(sum(identified_fen), 0)::bigint as identified_fen, coalesce(sum(identified_orders), 0)::int as identified_orders
    from analytics_daily_facts
    where tenant_id = ${c.actor.tenantId} and ${period('day', from, to)} and ${keyScope(c)} ${channelFilter(c)}`.execute(c.trx);
  const x = r.rows[0]!;
  return { paidOrders: x.paid_orders, refundOrders: x.refund_orders, paidFen: x.paid_fen, refundFen: x.refund_fen, identifiedFen: x.identified_fen, identifiedOrders: x.identified_orders };
}

export interface StageTotals {
  day: string | null;
  customers: number;
  buyers: number;
  repeaters: number;
  due: number;
  byStage: Record<LifecycleStage, number>;
}

/** Customers per stage from the newest snapshot on or before `day`. */
async function snapshotTotals(c: Ctx, day: string): Promise<StageTotals> {
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

// ---------------------------------------------------------------------------------------------- cohorts

async function cohortCells(c: Ctx, fromMonth: string | null, toMonth: string) {
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

// ------------------------------------------------------------------------------------------------- RFM

export interface RfmCell {
  r: number;
  fm: number;
  group: RfmGroup;
  customers: number;
  revenueFen: number;
}
export interface RfmGroupRow {
  group: RfmGroup;
  customers: number;
  share: number | null;
  revenueFen: number;
  avgFrequency: number | null;
  avgRecencyDays: number | null;
  avgMonetaryFen: number | null;
}

async function rfmOf(c: Ctx, relation: 'customer_metrics' | '_an_cm', acquisition: { from: string | null; to: string } | null) {
  const r = await sql<{ r: number; fm: number; customers: number; revenue: number; f_sum: number; r_sum: number }>`
    select cm.r_score as r, cm.fm_score as fm, count(*)::int as customers, coalesce(sum(cm.monetary_fen), 0)::bigint as revenue,
      coalesce(sum(cm.frequency), 0)::bigint as f_sum, coalesce(sum(cm.recency_days), 0)::bigint as r_sum
    from ${sql.table(relation)} cm
    where cm.tenant_id = ${c.actor.tenantId} and cm.frequency >= 1 and ${custScope(c)}
      ${acquisition ? sql`and ${period('cm.first_purchase', acquisition.from, acquisition.to)}` : sql``}
    group by 1, 2`.execute(c.trx);
  const byCell = new Map(r.rows.map((x) => [`${x.r}:${x.fm}`, x]));
  const grid: RfmCell[] = [];
  for (const rs of [5, 4, 3, 2, 1] as const) {
    for (let fm = 1; fm <= 5; fm++) {
      const x = byCell.get(`${rs}:${fm}`);
      grid.push({ r: rs, fm, group: RFM_MATRIX[rs][fm - 1]!, customers: x?.customers ?? 0, revenueFen: x?.revenue ?? 0 });
    }
  }
  const total = r.rows.reduce((s, x) => s + x.customers, 0);
  const groups: RfmGroupRow[] = RFM_GROUPS.map((g) => {
    const cells = r.rows.filter((x) => RFM_MATRIX[x.r as 1 | 2 | 3 | 4 | 5]?.[x.fm - 1] === g);
    const customers = cells.reduce((s, x) => s + x.customers, 0);
    const revenue = cells.reduce((s, x) => s + x.revenue, 0);
    return {
      group: g,
      customers,
      share: ratio(customers, total),
      revenueFen: revenue,
      avgFrequency: customers ? cells.reduce((s, x) => s + x.f_sum, 0) / customers : null,
      avgRecencyDays: customers ? cells.reduce((s, x) => s + x.r_sum, 0) / customers : null,
      avgMonetaryFen: customers ? revenue / customers : null,
    };
  });
  return { customers: total, grid, groups };
}

/** GET /api/v1/analytics/rfm: the grid and groups at as_of; from/to select customers by first purchase day. */
export async function analyticsRfm(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'rfm', input, null, async (c) => {
    const at = await metricsAt(c.trx, actor.tenantId, c.f.input.as_of);
    const acquisition = c.f.input.from || c.f.input.to ? { from: c.f.from, to: c.f.to } : null;
    return rfmOf(c, at.relation, acquisition);
  });
}

// ----------------------------------------------------------------------------------------------- model

export type ModelResponse =
  | {
      status: 'fitted';
      as_of: string;
      bgnbd: { r: number; alpha: number; a: number; b: number; unit: 'day'; log_likelihood: number | null; converged: boolean | null };
      gamma_gamma: { p: number; q: number; v: number; unit: 'fen'; log_likelihood: number | null; converged: boolean | null } | null;
      customers: number;
      repeaters: number;
      reason: string | null;
    }
  | { status: 'insufficient_data' | 'failed' | 'not_computed'; as_of: string | null; bgnbd: null; gamma_gamma: null; customers: number; repeaters: number; reason: string };

export function modelResponse(fit: StoredFit | null): ModelResponse {
  if (!fit) return { status: 'not_computed', as_of: null, bgnbd: null, gamma_gamma: null, customers: 0, repeaters: 0, reason: '尚未计算，请先刷新分析数据 / Not computed yet: run the analytics refresh first' };
  if (fit.status !== 'fitted' || !fit.bgnbd) return { status: fit.status === 'fitted' ? 'failed' : fit.status, as_of: fit.as_of, bgnbd: null, gamma_gamma: null, customers: fit.customers, repeaters: fit.repeaters, reason: fit.reason ?? 'no fit' };
  return {
    status: 'fitted',
    as_of: fit.as_of,
    bgnbd: { r: fit.bgnbd.r, alpha: fit.bgnbd.alpha, a: fit.bgnbd.a, b: fit.bgnbd.b, unit: 'day', log_likelihood: fit.bgnbd.logLikelihood, converged: fit.bgnbd.converged },
    gamma_gamma: fit.gg ? { p: fit.gg.p, q: fit.gg.q, v: fit.gg.v, unit: 'fen', log_likelihood: fit.gg.logLikelihood, converged: fit.gg.converged } : null,
    customers: fit.customers,
    repeaters: fit.repeaters,
    reason: fit.reason,
  };
}

/** GET /api/v1/analytics/model (the fit is per tenant: store/region/from/to are accepted and do not apply). */
export async function analyticsModel(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'model', input, null, async (c) => ({ model: modelResponse(await modelAt(c.trx, actor.tenantId, c.f.input.as_of)) }));
}

// -------------------------------------------------------------------------------------------- overview

export interface TrendPoint {
  day: string;
  buyers: number;
  repeaters: number;
  repurchaseRate: number | null;
  active: number;
  atRisk: number;
  lapsed: number;
}
export interface RevenuePoint {
  bucket: string;
  identifiedFen: number;
  anonymousFen: number;
  refundFen: number;
  privateShare: number | null;
}

async function snapshotTrend(c: Ctx, from: string, to: string, maxPoints: number): Promise<TrendPoint[]> {
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

async function revenueTrend(c: Ctx, from: string, to: string): Promise<RevenuePoint[]> {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  const unit = days > 120 ? 'month' : days > 31 ? 'week' : 'day';
  const r = await sql<{ day: string; identified: number; paid: number; refund: number }>`
    select day::text as day, coalesce(sum(identified_fen), 0)::bigint as identified, coalesce(sum(paid_fen), 0)::bigint as paid, coalesce(sum(refund_fen), 0)::bigint as refund
    from analytics_daily_facts
    where tenant_id = ${c.actor.tenantId} and day between ${from}::date and ${to}::date and ${keyScope(c)} ${channelFilter(c)}
    group by 1 order by 1`.execute(c.trx);
  const buckets = new Map<string, RevenuePoint>();
  const keyOf = (d: string) => (unit === 'month' ? d.slice(0, 7) : unit === 'week' ? weekStart(d) : d);
  for (let i = 0; i < days; i++) {
    const k = keyOf(addDays(from, i));
    if (!buckets.has(k)) buckets.set(k, { bucket: k, identifiedFen: 0, anonymousFen: 0, refundFen: 0, privateShare: null });
  }
  for (const x of r.rows) {
    const b = buckets.get(keyOf(x.day))!;
    b.identifiedFen += x.identified;
    b.anonymousFen += x.paid - x.identified;
    b.refundFen += x.refund;
  }
  return [...buckets.values()].map((b) => ({ ...b, privateShare: ratio(b.identifiedFen, b.identifiedFen + b.anonymousFen) }));
}

async function newCustomers(c: Ctx, from: string, to: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from customer_metrics cm
    where cm.tenant_id = ${c.actor.tenantId} and cm.first_purchase between ${from}::date and ${to}::date and ${storeScopeSql(c.actor, 'cm.store_id')} and ${storeFilterSql(c.f, 'cm.store_id')}`.execute(c.trx);
  return r.rows[0]?.n ?? 0;
}

async function chainCounts(c: Ctx): Promise<{ stores: number; clerks: number }> {
  const r = await sql<{ stores: number; clerks: number }>`
    select (select count(*)::int from stores s where s.tenant_id = ${c.actor.tenantId} and s.active and ${storeScopeSql(c.actor, 's.id')} and ${storeFilterSql(c.f, 's.id')}) as stores,
      (select count(*)::int from staff st where st.tenant_id = ${c.actor.tenantId} and st.active and st.role = 'clerk' and ${storeScopeSql(c.actor, 'st.store_id')} and ${storeFilterSql(c.f, 'st.store_id')}) as clerks`.execute(c.trx);
  return r.rows[0]!;
}

export interface Overview {
  period: { from: string; to: string; prevFrom: string; prevTo: string; days: number };
  kpis: {
    revenueFen: Change;
    paidOrders: Change;
    privateShare: Change;
    newCustomers: Change;
    buyers: Change;
    repurchaseRate: Change;
    active: Change;
    atRisk: Change;
    due: number;
  };
  chain: { stores: number; clerks: number };
  stages: { stage: LifecycleStage; customers: number }[];
  customerTrend: TrendPoint[];
  revenueTrend: RevenuePoint[];
  snapshotDay: string | null;
}

/** The Overview: KPI cards against the previous period and the three trends; pre-aggregated sources only. */
export async function dashboardOverview(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'overview', input, 90, async (c): Promise<Overview> => {
    const from = c.f.from!;
    const to = c.f.to;
    const prev = previousPeriod(from, to);
    const [cur, before, now, then, nNow, nThen, chain] = [
      await factTotals(c, from, to),
      await factTotals(c, prev.from, prev.to),
      await snapshotTotals(c, to),
      await snapshotTotals(c, prev.to),
      await newCustomers(c, from, to),
      await newCustomers(c, prev.from, prev.to),
      await chainCounts(c),
    ];
    return {
      period: { from, to, prevFrom: prev.from, prevTo: prev.to, days: prev.days },
      kpis: {
        revenueFen: change(cur.paidFen, before.paidFen),
        paidOrders: change(cur.paidOrders, before.paidOrders),
        privateShare: change(ratio(cur.identifiedFen, cur.paidFen), ratio(before.identifiedFen, before.paidFen)),
        newCustomers: change(nNow, nThen),
        buyers: change(now.buyers, then.day ? then.buyers : null),
        repurchaseRate: change(ratio(now.repeaters, now.buyers), then.day ? ratio(then.repeaters, then.buyers) : null),
        active: change(now.byStage.new + now.byStage.active, then.day ? then.byStage.new + then.byStage.active : null),
        atRisk: change(now.byStage.at_risk, then.day ? then.byStage.at_risk : null),
        due: now.due,
      },
      chain,
      stages: STAGES.map((s) => ({ stage: s, customers: now.byStage[s] })),
      customerTrend: await snapshotTrend(c, from, to, 60),
      revenueTrend: await revenueTrend(c, from, to),
      snapshotDay: now.day,
    };
  });
}

// ------------------------------------------------------------------------------------------ repurchase

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

export const INTERVAL_EDGES = [1, 8, 15, 31, 61, 91, 181, 366];

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

export async function dashboardRfm(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'rfm-dash', input, 90, async (c) => {
    const at = await metricsAt(c.trx, actor.tenantId, c.f.input.as_of);
    return rfmOf(c, at.relation, null);
  });
}

// ------------------------------------------------------------------------------------------- lifecycle

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

// --------------------------------------------------------------------------------------- stores / clerks

export const STORE_SORTS = ['name', 'buyers', 'repurchase_rate', 'revenue', 'due', 'private_share', 'active'] as const;
export type StoreSort = (typeof STORE_SORTS)[number];
export const CLERK_SORTS = ['name', 'buyers', 'repurchase_rate', 'revenue', 'due', 'private_share'] as const;
export type ClerkSort = (typeof CLERK_SORTS)[number];

export interface PerfRow {
  id: string;
  code: string | null;
  name: string;
  store: string | null;
  region: string | null;
  buyers: number;
  repeaters: number;
  repurchaseRate: number | null;
  active: number;
  due: number;
  revenueFen: number;
  identifiedFen: number;
  privateShare: number | null;
  orders: number;
}

const SORT_SQL: Record<StoreSort, string> = {
  name: 'name',
  buyers: 'buyers',
  repurchase_rate: 'repurchase_rate',
  revenue: 'revenue',
  due: 'due',
  private_share: 'private_share',
  active: 'active',
};

export async function dashboardStores(
  services: Services,
  actor: Actor,
  input: FilterInput,
  p: { storeSort: StoreSort; storeDir: 'asc' | 'desc'; clerkSort: ClerkSort; clerkDir: 'asc' | 'desc'; clerkPage: number; clerkSize: number },
) {
  return runRead(services, actor, `stores:${p.storeSort}:${p.storeDir}:${p.clerkSort}:${p.clerkDir}:${p.clerkPage}:${p.clerkSize}`, input, 90, async (c) => {
    const t = c.actor.tenantId;
    const dir = (d: 'asc' | 'desc') => sql.raw(d === 'asc' ? 'asc nulls first' : 'desc nulls last');
    const stores = await sql<PerfRow & { repurchase_rate: number | null; private_share: number | null }>`
      with snap as (
        select store_key, sum(customers) filter (where stage <> 'prospect')::int as buyers, sum(repeaters)::int as repeaters,
          sum(due)::int as due, sum(customers) filter (where stage in ('new', 'active'))::int as active
        from analytics_daily_snapshots
        where tenant_id = ${t} and day = (select max(day) from analytics_daily_snapshots where tenant_id = ${t} and day <= ${c.f.to}::date)
        group by 1),
      facts as (
        select store_key, sum(paid_fen)::bigint as revenue, sum(identified_fen)::bigint as identified, sum(paid_orders)::int as orders
        from analytics_daily_facts where tenant_id = ${t} and day between ${c.f.from!}::date and ${c.f.to}::date ${channelFilter(c)}
        group by 1),
      rows as (
        select s.id, s.code, s.name, null::text as store, r.name as region,
          coalesce(snap.buyers, 0) as buyers, coalesce(snap.repeaters, 0) as repeaters, coalesce(snap.active, 0) as active, coalesce(snap.due, 0) as due,
          coalesce(facts.revenue, 0) as revenue, coalesce(facts.identified, 0) as identified, coalesce(facts.orders, 0) as orders,
          snap.repeaters::float8 / nullif(snap.buyers, 0) as repurchase_rate, facts.identified::float8 / nullif(facts.revenue, 0) as private_share
        from stores s left join regions r on r.tenant_id = s.tenant_id and r.id = s.region_id
          left join snap on snap.store_key = s.id left join facts on facts.store_key = s.id
        where s.tenant_id = ${t} and ${storeScopeSql(c.actor, 's.id')} and ${storeFilterSql(c.f, 's.id')})
      select * from rows order by ${sql.ref(SORT_SQL[p.storeSort])} ${dir(p.storeDir)}, name limit 1000`.execute(c.trx);
    const clerkWhere = sql`st.tenant_id = ${t} and st.role = 'clerk' and ${storeScopeSql(c.actor, 'st.store_id')} and ${storeFilterSql(c.f, 'st.store_id')}`;
    const clerkTotal = await sql<{ n: number }>`select count(*)::int as n from staff st where ${clerkWhere}`.execute(c.trx);
    const clerks = await sql<PerfRow & { repurchase_rate: number | null; private_share: number | null }>`
      with cmx as (
        select cm.clerk_id, count(*) filter (where cm.frequency >= 1)::int as buyers, count(*) filter (where cm.frequency >= 2)::int as repeaters,
          count(*) filter (where cm.is_due)::int as due, count(*) filter (where cm.stage in ('new', 'active'))::int as active
        from customer_metrics cm where cm.tenant_id = ${t} and cm.clerk_id is not null group by 1),
      o as (
        select o.clerk_id, coalesce(sum(o.amount_fen) filter (where ${PAID}), 0)::bigint as revenue,
          coalesce(sum(o.amount_fen) filter (where ${PAID} and o.customer_id is not null), 0)::bigint as identified, count(*) filter (where ${PAID})::int as orders
        from orders o where o.tenant_id = ${t} and o.clerk_id is not null and o.paid_day between ${c.f.from!}::date and ${c.f.to}::date ${c.f.channel ? sql`and o.channel = ${c.f.channel}` : sql``}
        group by 1),
      rows as (
        select st.id, null::text as code, st.name, s.name as store, r.name as region,
          coalesce(cmx.buyers, 0) as buyers, coalesce(cmx.repeaters, 0) as repeaters, coalesce(cmx.active, 0) as active, coalesce(cmx.due, 0) as due,
          coalesce(o.revenue, 0) as revenue, coalesce(o.identified, 0) as identified, coalesce(o.orders, 0) as orders,
          cmx.repeaters::float8 / nullif(cmx.buyers, 0) as repurchase_rate, o.identified::float8 / nullif(o.revenue, 0) as private_share
        from staff st left join stores s on s.tenant_id = st.tenant_id and s.id = st.store_id
          left join regions r on r.tenant_id = s.tenant_id and r.id = s.region_id
          left join cmx on cmx.clerk_id = st.id left join o on o.clerk_id = st.id
        where ${clerkWhere})
      select * from rows order by ${sql.ref(SORT_SQL[p.clerkSort])} ${dir(p.clerkDir)}, name, id
      limit ${p.clerkSize} offset ${(p.clerkPage - 1) * p.clerkSize}`.execute(c.trx);
    const shape = (x: PerfRow & { repurchase_rate: number | null; private_share: number | null; revenue?: number; identified?: number }): PerfRow => ({
      id: x.id,
      code: x.code,
      name: x.name,
      store: x.store,
      region: x.region,
      buyers: Number(x.buyers),
      repeaters: Number(x.repeaters),
      repurchaseRate: x.repurchase_rate,
      active: Number(x.active),
      due: Number(x.due),
      revenueFen: Number(x.revenue ?? 0),
      identifiedFen: Number(x.identified ?? 0),
      privateShare: x.private_share,
      orders: Number(x.orders),
    });
    return { stores: stores.rows.map(shape), clerks: clerks.rows.map(shape), clerkTotal: clerkTotal.rows[0]?.n ?? 0 };
  });
}

// ------------------------------------------------------------------------------------------ predictions

/** What a manager acts on, per home store (null id: customers without a store; OTHER_STORES: outside the scope). */
export interface PredictionStoreRow {
  storeId: string | null;
  store: string | null;
  buyers: number;
  /** Expected purchase days in the next 90 days (BG/NBD), summed. */
  expected90: number;
  /** Repeat customers with P(alive) < 50%. */
  likelyToLapse: number;
  /** Their net spend in the 365 days up to D: what the chain loses per year if they have gone. */
  valueAtStakeFen: number;
  valueFen: number;
}

export interface Predictions {
  model: ModelResponse;
  fitMs: number | null;
  distinctRows: number | null;
  pAlive: Bucket[];
  /** One-purchase customers with predictions: P(alive) is 1 by construction and not shown (docs/metrics.md). */
  onePurchase: number;
  expected90: Bucket[];
  /** tier: 1 = top 10%, 2 = 10–30%, 3 = 30–60%, 4 = bottom 40% (labels in app/lib/analytics-labels.ts). */
  tiers: { tier: number; customers: number; valueFen: number; avgPAlive: number | null; avgExpected90: number | null; minValueFen: number | null }[];
  totals: { customers: number; expected30: number; expected90: number; valueFen: number; likelyInactive: number; valueAtStakeFen: number };
  stores: PredictionStoreRow[];
  backtest: StoredFit['backtest'];
}

/** Per home store: buyers, expected purchases in 90 days, customers likely to lapse and the value at stake. */
async function predictionsByStore(c: Ctx): Promise<PredictionStoreRow[]> {
  const t = c.actor.tenantId;
  const asOf = c.state?.as_of ?? c.f.asOf;
  const r = await sql<{ store_id: string | null; store: string | null; buyers: number; e90: number | null; lapsing: number; stake: number | null; v: number | null }>`
    with cust as (
      select cm.customer_id, cm.store_id, cm.exp_purchases_90, cm.predicted_value_12m_fen, cm.frequency >= 2 and cm.p_alive < 0.5 as lapsing
      from customer_metrics cm where cm.tenant_id = ${t} and cm.frequency >= 1 and ${custScope(c)}),
    stake as (
      select k.store_id, sum(o.amount_fen)::bigint as fen
      from cust k join orders o on o.tenant_id = ${t} and o.customer_id = k.customer_id
      where k.lapsing and o.paid_day > ${asOf}::date - 365 and o.paid_day <= ${asOf}::date and ${PAID}
      group by 1),
    per as (
      select store_id, count(*)::int as buyers, sum(exp_purchases_90)::float8 as e90, count(*) filter (where lapsing)::int as lapsing,
        sum(predicted_value_12m_fen)::bigint as v
      from cust group by 1)
    select per.store_id, s.name as store, per.buyers, per.e90, per.lapsing, stake.fen as stake, per.v
    from per left join stake on stake.store_id is not distinct from per.store_id
      left join stores s on s.tenant_id = ${t} and s.id = per.store_id
    order by per.e90 desc nulls last, s.name`.execute(c.trx);
  const rows: PredictionStoreRow[] = r.rows.map((x) => ({
    storeId: x.store_id,
    store: x.store,
    buyers: Number(x.buyers),
    expected90: x.e90 ?? 0,
    likelyToLapse: Number(x.lapsing),
    valueAtStakeFen: Number(x.stake ?? 0),
    valueFen: Number(x.v ?? 0),
  }));
  // A manager's per-customer scope includes customers of other stores served by their clerks: one row for those.
  const scope = c.actor.storeScope;
  if (!scope) return rows;
  const mine = rows.filter((x) => x.storeId !== null && scope.includes(x.storeId));
  const others = rows.filter((x) => !(x.storeId !== null && scope.includes(x.storeId)));
  if (others.length === 0) return mine;
  const sum = (k: 'buyers' | 'expected90' | 'likelyToLapse' | 'valueAtStakeFen' | 'valueFen') => others.reduce((a, x) => a + x[k], 0);
  return [...mine, { storeId: OTHER_STORES, store: null, buyers: sum('buyers'), expected90: sum('expected90'), likelyToLapse: sum('likelyToLapse'), valueAtStakeFen: sum('valueAtStakeFen'), valueFen: sum('valueFen') }];
}

/** The per-store row of a manager's customers whose home store is outside their region (served by their clerks). */
export const OTHER_STORES = 'other';

export async function dashboardPredictions(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'predictions', input, 90, async (c): Promise<Predictions> => {
    const t = c.actor.tenantId;
    const fit = c.state ? await latestFit(c.trx, t, c.state.as_of) : null;
    const alive = await sql<{ b: number; n: number }>`
      select least(floor(cm.p_alive * 10), 9)::int as b, count(*)::int as n from customer_metrics cm
      where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.p_alive is not null and ${custScope(c)} group by 1`.execute(c.trx);
    const exp = await sql<{ b: number; n: number }>`
      select least(floor(cm.exp_purchases_90 * 2) / 2, 5)::float8 as b, count(*)::int as n from customer_metrics cm
      where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.exp_purchases_90 is not null and ${custScope(c)} group by 1`.execute(c.trx);
    const tiers = await sql<{ tier: number; n: number; value: number; p: number | null; e: number | null; min: number | null }>`
      select tier, count(*)::int as n, coalesce(sum(v), 0)::bigint as value, avg(p_alive)::float8 as p, avg(e90)::float8 as e, min(v)::bigint as min
      from (
        select cm.predicted_value_12m_fen as v, cm.p_alive, cm.exp_purchases_90 as e90,
          case when percent_rank() over w < 0.1 then 1 when percent_rank() over w < 0.3 then 2 when percent_rank() over w < 0.6 then 3 else 4 end as tier
        from customer_metrics cm
        where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.predicted_value_12m_fen is not null and ${custScope(c)}
        window w as (order by cm.predicted_value_12m_fen desc)) x
      group by 1 order by 1`.execute(c.trx);
    const totals = await sql<{ n: number; e30: number | null; e90: number | null; v: number | null; inactive: number; one: number }>`
      select count(*)::int as n, sum(cm.exp_purchases_30)::float8 as e30, sum(cm.exp_purchases_90)::float8 as e90,
        sum(cm.predicted_value_12m_fen)::bigint as v, count(*) filter (where cm.p_alive < 0.5)::int as inactive,
        count(*) filter (where cm.frequency = 1 and cm.exp_purchases_90 is not null)::int as one
      from customer_metrics cm where cm.tenant_id = ${t} and cm.frequency >= 1 and ${custScope(c)}`.execute(c.trx);
    const tt = totals.rows[0]!;
    const stores = await predictionsByStore(c);
    return {
      model: modelResponse(fit),
      fitMs: fit?.fitMs ?? null,
      distinctRows: fit?.distinctRows ?? null,
      pAlive: bucketize(
        alive.rows.map((x) => ({ value: x.b / 10, count: x.n })),
        [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        (a) => `${Math.round(a * 100)}–${Math.round(a * 100) + 10}%`,
      ),
      onePurchase: tt.one,
      expected90: bucketize(
        exp.rows.map((x) => ({ value: Number(x.b), count: x.n })),
        [0, 0.5, 1, 1.5, 2, 3, 5],
        (a, b) => (b === Infinity ? `≥${a}` : `${a}–${b}`),
      ),
      tiers: tiers.rows.map((x) => ({ tier: Number(x.tier), customers: x.n, valueFen: Number(x.value), avgPAlive: x.p, avgExpected90: x.e, minValueFen: x.min === null ? null : Number(x.min) })),
      totals: {
        customers: tt.n,
        expected30: tt.e30 ?? 0,
        expected90: tt.e90 ?? 0,
        valueFen: Number(tt.v ?? 0),
        likelyInactive: tt.inactive,
        valueAtStakeFen: stores.reduce((a, x) => a + x.valueAtStakeFen, 0),
      },
      stores,
      backtest: fit?.backtest ?? null,
    };
  });
}

export { STAGES };

/** listContext in its own tenant transaction (the dashboard frame). */
export async function pageContext(services: Services, actor: Actor): Promise<{ state: StateLite | null; options: FilterOptions }> {
  return withTenant(services.dbs, actor.tenantId, (trx) => listContext(trx, actor));
}

/** The analytics date and the actor's filter options, for pages outside the dashboards (the customer list). */
export async function listContext(trx: Tx, actor: Actor): Promise<{ state: StateLite | null; options: FilterOptions }> {
  const state = await stateLite(trx, actor.tenantId);
  const options = await cached(actor.tenantId, state?.version ?? 0, cacheKey(['filter-options', scopeKey(actor)]), () => filterOptions(trx, actor));
  return { state, options };
}
