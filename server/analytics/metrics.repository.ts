/**
 * The set-based SQL of the metrics engine (all Kysely/SQL of the computation lives here; its bookkeeping in
 * state.repository.ts and model-fits.repository.ts; orchestration in
 * refresh.service.ts). One pass over the tenant's orders builds per-customer purchase days in a temp table, one
 * GROUP BY turns them into per-customer stats, and one INSERT … SELECT … ON CONFLICT writes every customer's
 * metrics with window functions for the RFM quantiles. No per-customer round trips: the model fit pulls the
 * distinct (x, t_x, T) triples with GROUP BY and its predictions come back as one array-parameter INSERT.
 *
 * Temp tables (`_an_*`) live for the transaction (`on commit drop`); each builder drops its table first so one
 * transaction may compute several dates (snapshot backfill).
 */
import { sql, type RawBuilder } from 'kysely';
import type { IntervalBucket, RfmBreaks } from '../../db/schema/analytics';
import type { TenantId, Tx } from '../tenancy/context';
import type { GammaGammaParams } from './models/gamma-gamma';
import type { SpendRows, TriplePredictions, Triples } from './models/model';
import { rfmGroupCaseSql } from './rfm';

export const NO_STORE = '00000000-0000-0000-0000-000000000000';

/** Where the customers to compute come from: every customer of the tenant, or the touched ones in `_an_k`. */
export type CustomerSet = 'all' | 'touched';

const PAID = sql`(o.amount_fen > 0 and not o.is_refund)`;
const REFUND = sql`(o.is_refund or o.amount_fen < 0)`;

async function dropTemp(trx: Tx, name: string): Promise<void> {
  await sql`drop table if exists ${sql.table(name)}`.execute(trx);
}

/** Tune the session for one big set-based computation (transaction-local). */
export async function tuneForBulk(trx: Tx, big = false): Promise<void> {
  // (temp_buffers cannot change once a pooled session has used temp tables, so not that.)
  await sql`select set_config('work_mem', ${big ? '1GB' : '256MB'}, true), set_config('maintenance_work_mem', ${big ? '1GB' : '256MB'}, true)`.execute(trx);
}

/** The partition of `customer_metrics` holding one tenant's rows. */
export function partitionName(tenantId: TenantId): string {
  if (!/^[0-9a-f-]{36}$/i.test(tenantId)) throw new Error('bad tenant id');
  return `customer_metrics_t_${tenantId.replace(/-/g, '').toLowerCase()}`;
}

/** Creates the empty, unindexed next partition of a tenant (owner role). */
export async function createNextPartition(trx: Tx, tenantId: TenantId): Promise<string> {
  const next = `${partitionName(tenantId)}_n`;
  await sql`drop table if exists ${sql.table(next)}`.execute(trx);
  await sql`create table ${sql.table(next)} (like customer_metrics including defaults including constraints)`.execute(trx);
  // Lets ATTACH skip its validation scan.
  await sql`alter table ${sql.table(next)} add constraint ${sql.raw(`${next}_tenant`)} check (tenant_id = ${sql.lit(tenantId)}::uuid)`.execute(trx);
  return next;
}

/**
 * Indexes the filled next partition exactly like the parent's partitioned indexes (read from the catalog, so the
 * migration stays the one definition), then swaps it in for the tenant's current partition. The swap holds the
 * parent's lock for milliseconds; it waits at most 10 s for running queries, then retries.
 */
export async function swapInPartition(trx: Tx, tenantId: TenantId, next: string): Promise<void> {
  const part = partitionName(tenantId);
  const defs = await sql<{ def: string; primary: boolean }>`
    select pg_get_indexdef(i.indexrelid) as def, i.indisprimary as primary
    from pg_index i where i.indrelid = 'customer_metrics'::regclass`.execute(trx);
  for (const d of defs.rows) {
    if (d.primary) {
      await sql`alter table ${sql.table(next)} add primary key (tenant_id, customer_id)`.execute(trx);
      continue;
    }
    const m = /^CREATE (UNIQUE )?INDEX \S+ ON ONLY (?:public\.)?customer_metrics (USING .+)$/.exec(d.def);
    if (!m) throw new Error(`unexpected index definition: ${d.def}`);
    await sql.raw(`CREATE ${m[1] ?? ''}INDEX ON ${next} ${m[2]}`).execute(trx);
  }
  await sql`analyze ${sql.table(next)}`.execute(trx);
  for (let attempt = 1; ; attempt++) {
    await sql`savepoint an_swap`.execute(trx);
    try {
      await sql`select set_config('lock_timeout', '10s', true)`.execute(trx);
      const exists = await sql<{ r: string | null }>`select to_regclass(${part})::text as r`.execute(trx);
      if (exists.rows[0]?.r) {
        await sql`alter table customer_metrics detach partition ${sql.table(part)}`.execute(trx);
        await sql`drop table ${sql.table(part)}`.execute(trx);
      }
      await sql`alter table customer_metrics attach partition ${sql.table(next)} for values in (${sql.lit(tenantId)})`.execute(trx);
      await sql`alter table ${sql.table(next)} rename to ${sql.table(part)}`.execute(trx);
      await sql`select set_config('lock_timeout', '0', true)`.execute(trx);
      await sql`release savepoint an_swap`.execute(trx);
      return;
    } catch (e) {
      await sql`rollback to savepoint an_swap`.execute(trx);
      if ((e as { code?: string }).code !== '55P03' || attempt >= 6) throw e;
    }
  }
}

/** Serialises refreshes of one tenant (full, incremental, daily) for the transaction. */
export async function lockTenantAnalytics(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${'analytics:' + tenantId}, 0))`.execute(trx);
}

/** The tenant's local calendar date now (its time zone). */
export async function tenantToday(trx: Tx, tenantId: TenantId): Promise<string> {
  const r = await sql<{ d: string }>`select (now() at time zone timezone)::date::text as d from tenants where id = ${tenantId}`.execute(trx);
  const d = r.rows[0]?.d;
  if (!d) throw new Error('tenant not found');
  return d;
}

/**
 * Takes up to `limit` customers off the refresh queue into `_an_k`. The rows are deleted in this transaction:
 * if the refresh fails they come back; a customer touched again meanwhile waits on the row lock and is re-queued
 * after commit.
 */
export async function takeTouched(trx: Tx, tenantId: TenantId, limit: number): Promise<number> {
  await dropTemp(trx, '_an_k');
  await sql`create temp table _an_k (customer_id uuid primary key) on commit drop`.execute(trx);
  const r = await sql`
    with taken as (
      delete from customer_refresh_queue q
      where q.tenant_id = ${tenantId} and q.customer_id in (
        select customer_id from customer_refresh_queue where tenant_id = ${tenantId} order by queued_at limit ${limit} for update skip locked)
      returning q.customer_id)
    insert into _an_k select distinct customer_id from taken`.execute(trx);
  await sql`analyze _an_k`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * Per customer, from their orders up to D: F, first/second/last purchase day, paid and refunded amounts, the
 * intervals between consecutive purchase days (count, median, the list for the tenant histogram) and the mean spend
 * of the repeat purchase days.
 *
 * The orders come in (customer, local day) order from the index-only scan of orders_customer_day_idx and feed three
 * streaming steps that keep that order: the orders of a day become one row (several orders on a day are one purchase
 * day; a day with only refunds is no purchase day), a window gives each day the previous purchase day, and the
 * per-customer aggregate reads the days in order. The planner is told to keep it that way for a full recompute (no
 * hash aggregate, whose estimate of the number of customer-days is far off, and no sort of ten million orders).
 */
export async function buildCustomerStats(trx: Tx, tenantId: TenantId, asOf: string, set: CustomerSet): Promise<void> {
  await dropTemp(trx, '_an_cs');
  if (set === 'all') {
    await sql`select set_config('enable_hashagg', 'off', true), set_config('enable_sort', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
  }
  await sql`
    create temp table _an_cs on commit drop as
    with d as (
      select o.customer_id, o.paid_day as day,
        sum(o.amount_fen) filter (where ${PAID}) as spend,
        coalesce(-sum(o.amount_fen) filter (where ${REFUND}), 0) as refund
      from ${
        set === 'touched'
          ? // Per touched customer, an index lookup (a lateral join, `offset 0` so the planner cannot flatten it into a hash
            // join that reads every order of the tenant).
            sql`_an_k k cross join lateral (select o.tenant_id, o.customer_id, o.paid_day, o.amount_fen, o.is_refund from orders o where o.tenant_id = ${tenantId} and o.customer_id = k.customer_id offset 0) o`
          : sql`orders o`
      }
      where o.tenant_id = ${tenantId} and o.customer_id is not null and o.paid_day <= ${asOf}::date and (${PAID} or ${REFUND})
      group by o.customer_id, o.paid_day
    ),
    w as (
      select d.*, max(day) filter (where spend is not null) over (partition by customer_id order by day rows between unbounded preceding and 1 preceding) as prev
      from d
    )
    select customer_id,
      count(spend)::int as f,
      min(day) filter (where spend is not null) as first_day,
      min(day) filter (where spend is not null and prev is not null) as second_day,
      max(day) filter (where spend is not null) as last_day,
      coalesce(sum(spend), 0)::bigint as paid,
      sum(refund)::bigint as refund,
      count(*) filter (where spend is not null and prev is not null)::int as n_gaps,
      percentile_cont(0.5) within group (order by day - prev) filter (where spend is not null and prev is not null) as med_gap,
      array_agg(day - prev) filter (where spend is not null and prev is not null) as gaps,
      (sum(spend) filter (where prev is not null))::numeric / nullif(count(spend) - 1, 0) as repeat_spend
    from w
    group by customer_id`.execute(trx);
  if (set === 'all') {
    await sql`select set_config('enable_hashagg', 'on', true), set_config('enable_sort', 'on', true)`.execute(trx);
  }
  await sql`analyze _an_cs`.execute(trx);
}

/** Histogram of all inter-purchase intervals (days → count) of the computed customers. */
export async function intervalHistogram(trx: Tx): Promise<IntervalBucket[]> {
  const r = await sql<{ days: number; count: number }>`
    select g as days, count(*)::int as count from _an_cs, unnest(gaps) g group by g order by g`.execute(trx);
  return r.rows.map((x) => ({ days: Number(x.days), count: Number(x.count) }));
}

/** The distinct (x, t_x, T) triples of buyers at D with their weights (the BG/NBD input). */
export async function fetchTriples(trx: Tx, asOf: string): Promise<Triples> {
  const r = await sql<{ x: number; tx: number; t: number; n: number }>`
    select f - 1 as x, last_day - first_day as tx, ${asOf}::date - first_day as t, count(*)::int as n
    from _an_cs where f >= 1 group by 1, 2, 3`.execute(trx);
  const out: Triples = { x: [], tx: [], T: [], n: [] };
  for (const row of r.rows) {
    out.x.push(Number(row.x));
    out.tx.push(Number(row.tx));
    out.T.push(Number(row.t));
    out.n.push(Number(row.n));
  }
  return out;
}

/**
 * Distinct (x, mean repeat-day spend in fen) of repeaters (the Gamma-Gamma input). A large tenant has about as many
 * distinct means as repeaters, so above 50,000 rows the means are rounded to whole yuan (moving m̄ by at most
 * ¥0.50) to keep the fit fast.
 */
export async function fetchSpendRows(trx: Tx, repeaters?: number): Promise<SpendRows> {
  const q = (unit: number) => sql<{ x: number; m: number; n: number }>`
    select f - 1 as x, (greatest(1, round(repeat_spend / ${unit}::numeric)) * ${unit}::numeric)::float8 as m, count(*)::int as n
    from _an_cs where f >= 2 and repeat_spend > 0 group by 1, 2`.execute(trx);
  // With more repeaters than that there are too many distinct means anyway: round at once.
  let r = await q(repeaters !== undefined && repeaters > 50_000 ? 100 : 1);
  if (r.rows.length > 50_000) r = await q(100);
  const out: SpendRows = { x: [], meanSpend: [], n: [] };
  for (const row of r.rows) {
    out.x.push(Number(row.x));
    out.meanSpend.push(Number(row.m));
    out.n.push(Number(row.n));
  }
  return out;
}

/** Writes the per-triple predictions into `_an_pred` (one INSERT per 50,000 triples, arrays as parameters). */
export async function storePredictions(trx: Tx, t: Pick<Triples, 'x' | 'tx' | 'T'>, p: TriplePredictions | null): Promise<void> {
  await dropTemp(trx, '_an_pred');
  await sql`create temp table _an_pred (x int, tx int, t int, p_alive float8, e30 float8, e90 float8, e365 float8, primary key (x, tx, t)) on commit drop`.execute(trx);
  if (!p) return;
  const CHUNK = 50_000;
  for (let i = 0; i < t.x.length; i += CHUNK) {
    const s = (a: number[]) => a.slice(i, i + CHUNK);
    await sql`insert into _an_pred
      select * from unnest(${s(t.x)}::int[], ${s(t.tx)}::int[], ${s(t.T)}::int[], ${s(p.pAlive)}::float8[], ${s(p.e30)}::float8[], ${s(p.e90)}::float8[], ${s(p.e365)}::float8[])`.execute(trx);
  }
  await sql`analyze _an_pred`.execute(trx);
}

/** Customers' serving clerk from open WeCom follows (the earliest added), for the computed set. */
async function buildFollowClerks(trx: Tx, tenantId: TenantId, set: CustomerSet): Promise<void> {
  await dropTemp(trx, '_an_follow');
  await sql`
    create temp table _an_follow on commit drop as
    select distinct on (f.customer_id) f.customer_id, f.staff_id
    from ${set === 'touched' ? sql`_an_k k cross join lateral (select * from customer_follows f where f.tenant_id = ${tenantId} and f.customer_id = k.customer_id offset 0) f` : sql`customer_follows f`}
    where f.tenant_id = ${tenantId} and f.ended_at is null
    order by f.customer_id, f.added_at nulls last, f.staff_id`.execute(trx);
}

export interface WriteParams {
  tenantId: TenantId;
  asOf: string;
  set: CustomerSet;
  windowDays: number;
  tenantMedian: number | null;
  gg: GammaGammaParams | null;
  /** Incremental refresh: score against these breakpoints instead of recomputing the quantiles. */
  breaks?: RfmBreaks;
  /**
   * Where to write: `customer_metrics` (upsert, incremental), a tenant's next partition (full recompute) or the temp
   * table `_an_cm` (as-of reads, backfill). Only `customer_metrics` is an upsert.
   */
  target: string;
}

const COLUMNS = [
  'tenant_id',
  'customer_id',
  'as_of',
  'store_id',
  'clerk_id',
  'first_purchase',
  'second_purchase',
  'last_purchase',
  'frequency',
  'recency_days',
  'monetary_fen',
  'paid_fen',
  'refund_fen',
  'tx_days',
  't_days',
  'interval_count',
  'median_interval_days',
  'repeat_spend_fen',
  'r_score',
  'f_score',
  'm_score',
  'fm_score',
  'rfm_group',
  'stage',
  'expected_next_purchase',
  'is_due',
  'p_alive',
  'exp_purchases_30',
  'exp_purchases_90',
  'exp_purchases_365',
  'expected_spend_fen',
  'predicted_value_12m_fen',
  'refreshed_at',
] as const;

/** SQL for "the highest score whose bound passes" (see rfm.ts scoreFromBreaks). */
function breaksCase(valueRef: RawBuilder<unknown>, breaks: { score: number; min: number; max: number }[] | undefined, direction: 'asc' | 'desc') {
  const sorted = [...(breaks ?? [])].sort((a, b) => b.score - a.score);
  if (sorted.length === 0) return sql`1`;
  const whens = sorted.map((b) => (direction === 'asc' ? sql`when ${valueRef} >= ${b.min} then ${b.score}` : sql`when ${valueRef} <= ${b.max} then ${b.score}`));
  return sql`(case ${sql.join(whens, sql` `)} else 1 end)`;
}

/**
 * The RFM scoring parts of the metrics INSERT: with breakpoints (incremental) a CASE per score; without, the
 * quantile scores from the per-value tables `rs`/`fs` (extra CTEs) and one window sort for M.
 */
function rfmScoreSql(p: Pick<WriteParams, 'asOf' | 'breaks'>): { scores: RawBuilder<unknown>; scoreTables: RawBuilder<unknown>; scoreJoins: RawBuilder<unknown> } {
  const scores = p.breaks
    ? sql`${breaksCase(sql`b.r_days`, p.breaks.r, 'desc')} as r_score,
        (case when b.f0 <= 1 then 1 else greatest(2, ${breaksCase(sql`b.f0`, p.breaks.f, 'asc')}) end) as f_score,
        ${breaksCase(sql`b.m`, p.breaks.m, 'asc')} as m_score`
    : // ceil(5 · cume_dist) in exact integer arithmetic: k = buyers at or before the value (peers included), n = buyers.
      // R_days and F take few distinct values: their scores come from small per-value tables (rs, fs below); M needs
      // the one big window sort.
      sql`rs.score as r_score, fs.score as f_score,
          (5 * count(*) over (partition by b.f0 > 0 order by b.m) + (select n from tot) - 1) / nullif((select n from tot), 0) as m_score`;
  const scoreTables = p.breaks
    ? sql``
    : sql`,
    tot as (select count(*)::bigint as n from _an_cs where f >= 1),
    rs as (
      select r_days, ((5 * sum(n) over (order by r_days desc))::bigint + (select n from tot) - 1) / (select n from tot) as score
      from (select ${p.asOf}::date - last_day as r_days, count(*) as n from _an_cs where f >= 1 group by 1) x),
    -- F = 1 scores 1; F ≥ 2 scores 1 + ceil(4 · cume_dist over the repeaters only) (metrics.md, rfm.ts frequencyScores).
    fn as (select f, count(*)::bigint as n from _an_cs where f >= 1 group by 1),
    rep as (select sum(n)::bigint as n from fn where f >= 2),
    fs as (
      select f, case when f = 1 then 1 else 1 + ((4 * sum(n) filter (where f >= 2) over (order by f))::bigint + (select n from rep) - 1) / (select n from rep) end as score
      from fn)`;
  const scoreJoins = p.breaks ? sql`` : sql`left join rs on rs.r_days = b.r_days left join fs on fs.f = b.f0`;
  return { scores, scoreTables, scoreJoins };
}

/** Gamma-Gamma expected spend per purchase of the scored row `s` (null without a fit). */
function expectedSpendSql(gg: GammaGammaParams | null): RawBuilder<unknown> {
  return gg
    ? sql`case when s.f0 >= 1 and ${gg.p}::float8 * (s.f0 - 1) + ${gg.q}::float8 - 1 > 0
        then ${gg.p}::float8 * (${gg.v}::float8 + (s.f0 - 1) * coalesce(s.repeat_spend, 0)::float8) / (${gg.p}::float8 * (s.f0 - 1) + ${gg.q}::float8 - 1) end`
    : sql`null::float8`;
}

/** The ON CONFLICT clause: only `customer_metrics` is an upsert (partitions and `_an_cm` start empty). */
function upsertSql(target: string): RawBuilder<unknown> {
  return target === 'customer_metrics'
    ? sql`on conflict (tenant_id, customer_id) do update set ${sql.join(
        COLUMNS.filter((c) => c !== 'tenant_id' && c !== 'customer_id').map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`),
      )}`
    : sql``;
}

/**
 * The INSERT … SELECT that writes every computed customer's metrics, in customer id order: for the upsert into
 * `customer_metrics` that is the order its row locks are taken in; for a full refresh's new partition it lays the
 * rows out by id, so a slice of the id space — the segment builder's sample estimate (estimateSql) — reads a few
 * hundred adjacent pages instead of one page per customer (ADR 0016).
 */
export async function writeMetrics(trx: Tx, p: WriteParams): Promise<number> {
  await buildFollowClerks(trx, p.tenantId, p.set);
  const W = p.windowDays;
  const { scores, scoreTables, scoreJoins } = rfmScoreSql(p);
  const expectedSpend = expectedSpendSql(p.gg);
  const cols = sql.join(COLUMNS.map((c) => sql.ref(c)));
  const upsert = upsertSql(p.target);
  const q = sql`
    insert into ${sql.table(p.target)} (${cols})
    with base as (
      select c.id as customer_id,
        c.primary_store_id as store_id,
        fl.staff_id as clerk_id,
        coalesce(cs.f, 0) as f0,
        cs.first_day, cs.second_day, cs.last_day,
        ${p.asOf}::date - cs.last_day as r_days,
        coalesce(cs.paid, 0) - coalesce(cs.refund, 0) as m,
        coalesce(cs.paid, 0) as paid, coalesce(cs.refund, 0) as refund,
        coalesce(cs.n_gaps, 0) as n_gaps, cs.med_gap, cs.repeat_spend
      from ${p.set === 'touched' ? sql`_an_k k cross join lateral (select * from customers c where c.tenant_id = ${p.tenantId} and c.id = k.customer_id offset 0) c` : sql`customers c`}
      left join _an_cs cs on cs.customer_id = c.id
      left join _an_follow fl on fl.customer_id = c.id
      where c.tenant_id = ${p.tenantId} and c.merged_into is null
    )${scoreTables},
    scored as (
      select b.*, ${scores} from base b ${scoreJoins}
    ),
    s as (
      select sc.*,
        case when sc.f0 >= 1 then ceil((sc.f_score + sc.m_score) / 2.0)::int end as fm,
        sc.last_day + round((case when sc.n_gaps >= 2 then sc.med_gap else ${p.tenantMedian}::float8 end)::numeric)::int as next_day
      from scored sc
    )
    select ${p.tenantId}::uuid, s.customer_id, ${p.asOf}::date, s.store_id, s.clerk_id,
      s.first_day, s.second_day, s.last_day, s.f0,
      s.r_days, s.m, s.paid, s.refund,
      s.last_day - s.first_day, ${p.asOf}::date - s.first_day,
      s.n_gaps, case when s.n_gaps >= 1 then s.med_gap end, s.repeat_spend,
      case when s.f0 >= 1 then s.r_score end, case when s.f0 >= 1 then s.f_score end, case when s.f0 >= 1 then s.m_score end, s.fm,
      case when s.f0 >= 1 then ${sql.raw(rfmGroupCaseSql('s.r_score', 's.fm'))} end,
      case when s.f0 = 0 then 'prospect'
           when s.r_days <= ${W} then (case when s.f0 = 1 then 'new' else 'active' end)
           when s.r_days <= 2 * ${W} then 'at_risk'
           else 'lapsed' end,
      s.next_day,
      -- Due (metrics.md): 0 ≤ D − expected ≤ W and not lapsed (lifecycle.ts isDue).
      coalesce(${p.asOf}::date - s.next_day between 0 and ${W} and s.r_days <= 2 * ${W}, false),
      -- P(alive) of a one-purchase customer is 1 by construction under BG/NBD: not a probability, not stored (metrics.md).
      case when s.f0 >= 2 then pr.p_alive end, pr.e30, pr.e90, pr.e365,
      ${expectedSpend},
      round(pr.e365 * ${expectedSpend})::bigint,
      now()
    from s
    left join _an_pred pr on s.f0 >= 1 and pr.x = s.f0 - 1 and pr.tx = (case when s.f0 = 1 then 0 else s.last_day - s.first_day end) and pr.t = ${p.asOf}::date - s.first_day
    ${p.target === '_an_cm' ? sql`` : sql`order by s.customer_id`}
    ${upsert}`;
  const r = await q.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Incremental: touched customers that were merged away lose their row. */
export async function deleteMergedTouched(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`delete from customer_metrics m
    where m.tenant_id = ${tenantId} and m.customer_id = any(
      select c.id from _an_k k cross join lateral (select id, merged_into from customers c where c.tenant_id = ${tenantId} and c.id = k.customer_id offset 0) c
      where c.merged_into is not null)`.execute(trx);
}

export async function createMetricsTemp(trx: Tx): Promise<void> {
  await dropTemp(trx, '_an_cm');
  await sql`create temp table _an_cm (like customer_metrics including defaults) on commit drop`.execute(trx);
}

/** Per score the smallest and largest R_days / F / M that received it (for incremental scoring). */
export async function computeRfmBreaks(trx: Tx, tenantId: TenantId): Promise<RfmBreaks> {
  const q = async (col: 'recency_days' | 'frequency' | 'monetary_fen', score: 'r_score' | 'f_score' | 'm_score') => {
    const r = await sql<{ score: number; min: number; max: number }>`
      select ${sql.ref(score)} as score, min(${sql.ref(col)})::float8 as min, max(${sql.ref(col)})::float8 as max
      from customer_metrics where tenant_id = ${tenantId} and frequency >= 1 group by 1 order by 1`.execute(trx);
    return r.rows.map((x) => ({ score: Number(x.score), min: Number(x.min), max: Number(x.max) }));
  };
  return { r: await q('recency_days', 'r_score'), f: await q('frequency', 'f_score'), m: await q('monetary_fen', 'm_score') };
}

/** Replaces the snapshot of day D with the counts from `source` (customer_metrics or the temp table). */
export async function writeSnapshot(trx: Tx, tenantId: TenantId, day: string, source: 'customer_metrics' | '_an_cm'): Promise<void> {
  await sql`delete from analytics_daily_snapshots where tenant_id = ${tenantId} and day = ${day}::date`.execute(trx);
  await sql`
    insert into analytics_daily_snapshots (tenant_id, day, store_key, stage, rfm_group, customers, repeaters, due, monetary_fen)
    select ${tenantId}::uuid, ${day}::date, coalesce(store_id, ${NO_STORE}::uuid), stage, coalesce(rfm_group, ''),
      count(*)::int, count(*) filter (where frequency >= 2)::int, count(*) filter (where is_due)::int, coalesce(sum(monetary_fen), 0)::bigint
    from ${sql.table(source)} where tenant_id = ${tenantId}
    group by 3, 4, 5`.execute(trx);
}

/** Incremental: the touched customers' old snapshot contribution (before the upsert), into `_an_old`. */
export async function captureSnapshotContribution(trx: Tx, tenantId: TenantId, into: '_an_old' | '_an_new'): Promise<void> {
  await dropTemp(trx, into);
  await sql`
    create temp table ${sql.table(into)} on commit drop as
    select coalesce(store_id, ${NO_STORE}::uuid) as store_key, stage, coalesce(rfm_group, '') as rfm_group,
      count(*)::int as customers, count(*) filter (where frequency >= 2)::int as repeaters,
      count(*) filter (where is_due)::int as due, coalesce(sum(monetary_fen), 0)::bigint as monetary_fen
    from _an_k k cross join lateral (select * from customer_metrics cm where cm.tenant_id = ${tenantId} and cm.customer_id = k.customer_id offset 0) cm
    group by 1, 2, 3`.execute(trx);
}

/** Incremental: applies new − old to the snapshot of day D (rows that drop to zero customers go away). */
export async function applySnapshotDelta(trx: Tx, tenantId: TenantId, day: string): Promise<void> {
  await sql`
    insert into analytics_daily_snapshots as s (tenant_id, day, store_key, stage, rfm_group, customers, repeaters, due, monetary_fen)
    select ${tenantId}::uuid, ${day}::date, store_key, stage, rfm_group, sum(customers)::int, sum(repeaters)::int, sum(due)::int, sum(monetary_fen)::bigint
    from (select * from _an_new union all
          select store_key, stage, rfm_group, -customers, -repeaters, -due, -monetary_fen from _an_old) d
    group by store_key, stage, rfm_group
    on conflict (tenant_id, day, store_key, stage, rfm_group) do update set
      customers = s.customers + excluded.customers, repeaters = s.repeaters + excluded.repeaters,
      due = s.due + excluded.due, monetary_fen = s.monetary_fen + excluded.monetary_fen`.execute(trx);
  await sql`delete from analytics_daily_snapshots where tenant_id = ${tenantId} and day = ${day}::date and customers <= 0`.execute(trx);
}

const FACTS_SELECT = (tenantId: TenantId) => sql`
  select ${tenantId}::uuid, o.paid_day, coalesce(o.store_id, ${NO_STORE}::uuid), o.channel,
    count(*) filter (where ${PAID})::int,
    count(*) filter (where ${REFUND})::int,
    coalesce(sum(o.amount_fen) filter (where ${PAID}), 0)::bigint,
    coalesce(-sum(o.amount_fen) filter (where ${REFUND}), 0)::bigint,
    count(*) filter (where ${PAID} and o.customer_id is not null)::int,
    coalesce(sum(o.amount_fen) filter (where ${PAID} and o.customer_id is not null), 0)::bigint
  from orders o where o.tenant_id = ${tenantId}`;

/** Rebuilds the tenant's daily order facts; returns the orders' newest updated_at (the next watermark). */
export async function rebuildDailyFacts(trx: Tx, tenantId: TenantId): Promise<Date | null> {
  await sql`delete from analytics_daily_facts where tenant_id = ${tenantId}`.execute(trx);
  // Aggregated by CREATE TABLE AS, which may use parallel workers (INSERT … SELECT may not): at 10M orders the
  // scan and grouping take half the time on two cores. Then inserted in one go.
  // A full recompute turns parallel plans off for the customer phases earlier in the same transaction; this
  // aggregate needs them (13 s → 7 s at 10M orders on two cores), so it gets the server's setting back for itself.
  const prev = await sql<{ v: string }>`select current_setting('max_parallel_workers_per_gather') as v`.execute(trx);
  await sql`select set_config('max_parallel_workers_per_gather', (select reset_val from pg_settings where name = 'max_parallel_workers_per_gather'), true)`.execute(trx);
  await sql`drop table if exists _an_facts`.execute(trx);
  await sql`create temp table _an_facts on commit drop as
    select * from (${FACTS_SELECT(tenantId)} group by 2, 3, 4) as f(tenant_id, day, store_key, channel, paid_orders, refund_orders, paid_fen, refund_fen, identified_orders, identified_fen)`.execute(trx);
  await sql`insert into analytics_daily_facts (tenant_id, day, store_key, channel, paid_orders, refund_orders, paid_fen, refund_fen, identified_orders, identified_fen)
    select tenant_id, day, store_key, channel, paid_orders, refund_orders, paid_fen, refund_fen, identified_orders, identified_fen from _an_facts`.execute(trx);
  await sql`drop table _an_facts`.execute(trx);
  await sql`select set_config('max_parallel_workers_per_gather', ${prev.rows[0]?.v ?? '0'}, true)`.execute(trx);
  return safeWatermark(trx, tenantId, null);
}

/**
 * The newest updated_at among the tenant's orders, but never past the start of a transaction still running on
 * the database (an import that started earlier and commits later stamps its rows with that earlier time).
 */
async function safeWatermark(trx: Tx, tenantId: TenantId, after: Date | null): Promise<Date | null> {
  const r = await sql<{ w: Date | null; oldest: Date | null }>`
    select (select max(updated_at) from orders where tenant_id = ${tenantId} ${after ? sql`and updated_at > ${after}::timestamptz - interval '2 minutes'` : sql``}) as w,
      (select min(xact_start) from pg_stat_activity where pid <> pg_backend_pid() and xact_start is not null and datname = current_database() and backend_type = 'client backend') as oldest`.execute(trx);
  const w = r.rows[0]?.w ?? null;
  const oldest = r.rows[0]?.oldest ?? null;
  if (!w) return after;
  const capped = oldest && oldest < w ? oldest : w;
  return after && capped < after ? after : capped;
}

/**
 * Rebuilds the facts of the days whose orders changed since the watermark (with a 2-minute overlap for
 * transactions that committed late). Returns the new watermark and how many days were rebuilt.
 */
export async function refreshDirtyFacts(trx: Tx, tenantId: TenantId, watermark: Date | null): Promise<{ watermark: Date | null; days: number }> {
  if (!watermark) return { watermark: await rebuildDailyFacts(trx, tenantId), days: -1 };
  const dirty = await sql<{ day: string }>`
    select distinct paid_day::text as day from orders where tenant_id = ${tenantId} and updated_at > ${watermark}::timestamptz - interval '2 minutes'`.execute(trx);
  const days = dirty.rows.map((d) => d.day);
  if (days.length > 0) {
    // An array of days (not a subquery) lets the planner use orders_paid_day_idx.
    await sql`delete from analytics_daily_facts where tenant_id = ${tenantId} and day = any(${days}::date[])`.execute(trx);
    await sql`insert into analytics_daily_facts (tenant_id, day, store_key, channel, paid_orders, refund_orders, paid_fen, refund_fen, identified_orders, identified_fen)
      ${FACTS_SELECT(tenantId)} and o.paid_day = any(${days}::date[]) group by 2, 3, 4`.execute(trx);
  }
  return { watermark: await safeWatermark(trx, tenantId, watermark), days: days.length };
}

export async function customerCounts(trx: Tx, tenantId: TenantId, source: 'customer_metrics' | '_an_cm' = 'customer_metrics'): Promise<{ customers: number; buyers: number; repeaters: number }> {
  const r = await sql<{ customers: number; buyers: number; repeaters: number }>`
    select count(*)::int as customers, count(*) filter (where frequency >= 1)::int as buyers, count(*) filter (where frequency >= 2)::int as repeaters
    from ${sql.table(source)} where tenant_id = ${tenantId}`.execute(trx);
  return r.rows[0] ?? { customers: 0, buyers: 0, repeaters: 0 };
}

/** One customer's row of the metrics computed for another D (`_an_cm`, see refresh.service metricsAt). */
export async function computedMetricsRow(trx: Tx, customerId: string): Promise<Record<string, unknown> | null> {
  const r = await trx.selectFrom('_an_cm' as 'customer_metrics').selectAll().where('customer_id', '=', customerId).executeTakeFirst();
  return (r as Record<string, unknown> | undefined) ?? null;
}
