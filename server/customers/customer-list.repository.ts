/**
 * The customers list's reads over a compiled rule (server/customers/rule-compiler.ts): one page of customers with
 * their metrics, sorted and paged in SQL, and the total. Built for a million customers: the page drives from the
 * metrics' sort indexes (tenant_id, key desc nulls last, customer_id) and probes each customer by key; the total of
 * a filter made of the daily snapshot's dimensions is read from the snapshot (exact, not counted).
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Actor } from '../tenancy/actor';
import { serialPlans, type Tx } from '../tenancy/context';
import type { CompiledRule } from './rule-compiler';
import { customerScopeSql } from './scope';

export const METRIC_SORTS = ['monetary', 'frequency', 'last_purchase', 'first_purchase', 'expected_next', 'value', 'p_alive', 'name', 'priority'] as const;
export type MetricSort = (typeof METRIC_SORTS)[number];

/** The metrics relation the list reads: today's metrics, or a backtest's metrics at another day (API `as_of`). */
export type MetricsRelation = 'customer_metrics' | '_an_cm';

const SORT_COLUMN: Record<MetricSort, string> = {
  monetary: 'cm.monetary_fen',
  frequency: 'cm.frequency',
  last_purchase: 'cm.last_purchase',
  first_purchase: 'cm.first_purchase',
  expected_next: 'cm.expected_next_purchase',
  value: 'cm.predicted_value_12m_fen',
  p_alive: 'cm.p_alive',
  name: 'c.display_name',
  // The due list's priority (metrics.md; lifecycle.ts compareDuePriority): value (M without one), then the most
  // recently due first. Matches customer_metrics_due_priority_idx.
  priority: 'coalesce(cm.predicted_value_12m_fen, cm.monetary_fen)',
};

/**
 * ORDER BY of the list: the sort key in `dir`, the priority's second key, the id as the tie-break. `outer`: over the
 * page's subquery (aliased cm), which carries the customer's name beside the metrics.
 */
function orderOf(sort: MetricSort, dir: 'asc' | 'desc', outer = false) {
  const d = sql.raw(dir === 'asc' ? 'asc nulls first' : 'desc nulls last');
  const tie = sql.raw(dir === 'asc' ? 'desc' : 'asc');
  if (sort === 'p_alive') {
    // One-purchase customers have no P(alive) (docs/metrics.md): after every repeater, ranked by expected purchases;
    // prospects last. (No index serves this sort; nulls go last both ways.)
    const pd = sql.raw(dir === 'asc' ? 'asc nulls last' : 'desc nulls last');
    return sql`cm.p_alive ${pd}, cm.exp_purchases_90 ${pd}, cm.customer_id ${tie}`;
  }
  const second = sort === 'priority' ? sql`, cm.expected_next_purchase ${d}` : sql``;
  const key = outer && sort === 'name' ? 'cm.display_name' : SORT_COLUMN[sort];
  return sql`${sql.raw(key)} ${d}${second}, cm.customer_id ${tie}`;
}

export interface CustomerRow {
  id: string;
  display_name: string | null;
  mobile_masked: string | null;
  store: string | null;
  clerks: string | null;
  stage: string;
  rfm_group: string | null;
  r_score: number | null;
  fm_score: number | null;
  frequency: number;
  recency_days: number | null;
  monetary_fen: number;
  first_purchase: string | null;
  last_purchase: string | null;
  expected_next_purchase: string | null;
  is_due: boolean;
  /** D − expected next purchase (days), for due customers; null otherwise. */
  days_overdue: number | null;
  p_alive: number | null;
  exp_purchases_90: number | null;
  predicted_value_12m_fen: number | null;
}

/** The list's FROM: customers with their metrics (a customer appears once the metrics know them). */
const listFrom = (relation: MetricsRelation) => sql`customers c join ${sql.table(relation)} cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id`;

/** The list's search box (name or mobile digits): not a segment condition, added beside the rule. */
export function searchSql(q: string | undefined): RawBuilder<SqlBool> {
  if (!q) return sql<SqlBool>`true`;
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  return sql<SqlBool>`(c.display_name ilike ${like} or c.mobile_masked like ${like})`;
}

/** A compiled audience narrowed by the list's search text (none: unchanged). */
export function withSearch(compiled: CompiledRule, search: string | null): CompiledRule {
  return search ? { ...compiled, where: sql<SqlBool>`${compiled.where} and ${searchSql(search)}` } : compiled;
}

/** One page of the list, sorted and paged in SQL. */
export async function pageCustomerList(trx: Tx, compiled: CompiledRule, extra: RawBuilder<SqlBool>, p: { sort: MetricSort; dir: 'asc' | 'desc'; page: number; size: number }, relation: MetricsRelation): Promise<CustomerRow[]> {
  await serialPlans(trx);
  const order = orderOf(p.sort, p.dir);
  const rows = await sql<CustomerRow>`
    select cm.customer_id as id, cm.display_name, cm.mobile_masked, st.name as store,
      coalesce((select string_agg(s.name, '、' order by f.added_at) from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        where f.tenant_id = cm.tenant_id and f.customer_id = cm.customer_id and f.ended_at is null),
        (select k.name from staff k where k.tenant_id = cm.tenant_id and k.id = cm.clerk_id)) as clerks,
      cm.stage, cm.rfm_group, cm.r_score, cm.fm_score, cm.frequency, cm.recency_days, cm.monetary_fen,
      cm.first_purchase, cm.last_purchase, cm.expected_next_purchase, cm.is_due,
      case when cm.is_due then cm.as_of - cm.expected_next_purchase end as days_overdue, cm.p_alive, cm.exp_purchases_90, cm.predicted_value_12m_fen
    from (
      select cm.*, c.display_name, c.mobile_masked from ${listFrom(relation)}
      where ${compiled.where} and ${extra}
      order by ${order}
      limit ${p.size} offset ${(p.page - 1) * p.size}
    ) cm
    -- The store's name joined (a tenant's stores are few: hashed once, where a scalar subquery scanned them per row);
    -- the clerks' names by key per row (scalar subqueries): joined, the planner hashed all 2,000 staff of a large
    -- tenant for a page of 50 rows.
    left join stores st on st.tenant_id = cm.tenant_id and st.id = cm.store_id
    order by ${orderOf(p.sort, p.dir, true)}`.execute(trx);
  return rows.rows;
}

/** The list's total, counted. */
export async function countCustomerList(trx: Tx, compiled: CompiledRule, extra: RawBuilder<SqlBool>, relation: MetricsRelation): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from ${listFrom(relation)} where ${compiled.where} and ${extra}`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/** Dimensions of the daily snapshot (analytics_daily_snapshots) a total can be read from. */
export interface SnapshotKey {
  stage?: string;
  group?: string;
  due?: boolean;
  /** Store ids of the store/region filter (null = none). */
  storeIds: string[] | null;
}

/**
 * The total from today's snapshot, which holds the exact count by stage, RFM group, store and due (written by the
 * full recompute, kept exact by the incremental refresh), for the actor's stores; countServedElsewhere adds a
 * manager's customers of other stores.
 */
export async function countFromSnapshot(trx: Tx, actor: Actor, k: SnapshotKey, day: string): Promise<number> {
  const scope = actor.storeScope;
  const keyConds = [sql`s.tenant_id = ${actor.tenantId}`, sql`s.day = ${day}::date`];
  if (k.stage) keyConds.push(sql`s.stage = ${k.stage}`);
  if (k.group) keyConds.push(sql`s.rfm_group = ${k.group}`);
  if (k.storeIds) keyConds.push(k.storeIds.length ? sql`s.store_key = any(${k.storeIds}::uuid[])` : sql`false`);
  if (scope) keyConds.push(scope.length ? sql`s.store_key = any(${scope}::uuid[])` : sql`false`);
  const measure = k.due === undefined ? sql`s.customers` : k.due ? sql`s.due` : sql`s.customers - s.due`;
  const base = await sql<{ n: number }>`select coalesce(sum(${measure}), 0)::int as n from analytics_daily_snapshots s where ${sql.join(keyConds, sql` and `)}`.execute(trx);
  return base.rows[0]?.n ?? 0;
}

/**
 * The customers a manager's clerks serve whose metrics store is outside the manager's stores (they are in the list,
 * but not in the stores' snapshot rows): added to the snapshot count. A semi-join over the scope clerks' open
 * relations; 0 for an unscoped actor or a store filter.
 */
export async function countServedElsewhere(trx: Tx, actor: Actor, k: SnapshotKey): Promise<number> {
  const scope = actor.storeScope;
  if (!scope || !scope.length || k.storeIds !== null) return 0;
  const conds = [sql`cm.tenant_id = ${actor.tenantId}`, sql`(cm.store_id is null or not (cm.store_id = any(${scope}::uuid[])))`, customerScopeSql(actor, 'cm.customer_id', 'cm.store_id')];
  if (k.stage) conds.push(sql`cm.stage = ${k.stage}`);
  if (k.group) conds.push(sql`cm.rfm_group = ${k.group}`);
  if (k.due !== undefined) conds.push(k.due ? sql`cm.is_due` : sql`not cm.is_due`);
  const extra = await sql<{ n: number }>`
    select count(*)::int as n from customer_metrics cm
    where cm.customer_id in (
      select f.customer_id from customer_follows f join staff st on st.tenant_id = f.tenant_id and st.id = f.staff_id
      where f.tenant_id = ${actor.tenantId} and f.ended_at is null and st.store_id = any(${scope}::uuid[]))
      and ${sql.join(conds, sql` and `)}`.execute(trx);
  return extra.rows[0]?.n ?? 0;
}
