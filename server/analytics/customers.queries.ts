/**
 * The customer list over the metrics (server-side sort, filter and paging; built for a million customers: the
 * query drives from `customer_metrics`, whose indexes lead with tenant_id and cover the sort orders) and the
 * customer profile (metrics, order timeline, serving clerks, identities). Always inside the actor's scope
 * (customerScopeSql on the customer's home store).
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { isoDateParam, text } from '../../app/lib/params';
import { customerScopeSql, identityScopeSql } from '../customers/scope';
import { NotFoundError } from '../lib/errors';
import type { Actor } from '../tenancy/actor';
import type { Services } from '../services';
import { withTenant, type Tx } from '../tenancy/context';
import { customerHasTagSql } from '../wecom/tags.repository';
import { storeFilterSql, type FilterOptions } from './filters';
import { STAGES } from './lifecycle';
import { RFM_GROUPS } from './rfm';

export const METRIC_SORTS = ['monetary', 'frequency', 'last_purchase', 'first_purchase', 'expected_next', 'value', 'p_alive', 'name', 'priority'] as const;
export type MetricSort = (typeof METRIC_SORTS)[number];

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

/** ORDER BY of the list: the sort key in `dir`, the priority's second key, the id as the tie-break. */
function orderOf(sort: MetricSort, dir: 'asc' | 'desc') {
  const d = sql.raw(dir === 'asc' ? 'asc nulls first' : 'desc nulls last');
  const tie = sql.raw(dir === 'asc' ? 'desc' : 'asc');
  if (sort === 'p_alive') {
    // One-purchase customers have no P(alive) (docs/metrics.md): after every repeater, ranked by expected purchases;
    // prospects last. (No index serves this sort; nulls go last both ways.)
    const pd = sql.raw(dir === 'asc' ? 'asc nulls last' : 'desc nulls last');
    return sql`cm.p_alive ${pd}, cm.exp_purchases_90 ${pd}, cm.customer_id ${tie}`;
  }
  const second = sort === 'priority' ? sql`, cm.expected_next_purchase ${d}` : sql``;
  return sql`${sql.raw(SORT_COLUMN[sort])} ${d}${second}, cm.customer_id ${tie}`;
}

const score = z.coerce.number().int().min(1).max(5);
/** Filters of the list (URL of /customers and the API query string share it). */
export const customerFilterSchema = z.object({
  stage: z.enum(STAGES as unknown as [string, ...string[]]).optional(),
  group: z.enum(RFM_GROUPS as unknown as [string, ...string[]]).optional(),
  r: score.optional(),
  fm: score.optional(),
  store: text().trim().min(1).max(30).optional(),
  region: text().trim().min(1).max(30).optional(),
  due: z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true').optional(),
  q: text().trim().min(1).max(100).optional(),
  /** Serving clerk (staff id), from the Stores & clerks dashboard. */
  clerk: z.string().uuid().optional(),
  first_from: isoDateParam.optional(),
  first_to: isoDateParam.optional(),
  /** A WeCom or internal tag (server/wecom/tags.repository.ts). */
  tag: z.string().uuid().optional(),
});
export type CustomerFilters = z.infer<typeof customerFilterSchema>;

export function parseCustomerFiltersLenient(params: URLSearchParams): CustomerFilters {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(customerFilterSchema.shape)) {
    const v = params.get(k);
    if (v === null || v === '') continue;
    const r = s.safeParse(v);
    if (r.success) out[k] = r.data;
  }
  return out as CustomerFilters;
}

export interface CustomerListParams {
  sort: MetricSort;
  dir: 'asc' | 'desc';
  page: number;
  size: number;
  filters: CustomerFilters;
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

/** Store ids of the store/region filter inside the actor's options (unknown codes match nothing). */
export function storeIdsFor(filters: Pick<CustomerFilters, 'store' | 'region'>, options: FilterOptions): string[] | null {
  let ids: string[] | null = null;
  if (filters.region) ids = options.stores.filter((s) => s.regionCode === filters.region).map((s) => s.id);
  if (filters.store) {
    const s = options.stores.find((x) => x.code === filters.store);
    ids = s ? (ids ? ids.filter((i) => i === s.id) : [s.id]) : [];
  }
  return ids;
}

function whereOf(actor: Actor, f: CustomerFilters, storeIds: string[] | null, relation: string) {
  const conds = [sql`cm.tenant_id = ${actor.tenantId}`, customerScopeSql(actor, 'cm.customer_id', 'cm.store_id'), storeFilterSql({ storeIds }, 'cm.store_id')];
  if (f.stage) conds.push(sql`cm.stage = ${f.stage}`);
  if (f.group) conds.push(sql`cm.rfm_group = ${f.group}`);
  if (f.r) conds.push(sql`cm.r_score = ${f.r}`);
  if (f.fm) conds.push(sql`cm.fm_score = ${f.fm}`);
  if (f.due !== undefined) conds.push(f.due ? sql`cm.is_due` : sql`not cm.is_due`);
  if (f.clerk) conds.push(sql`cm.clerk_id = ${f.clerk}::uuid`);
  if (f.first_from) conds.push(sql`cm.first_purchase >= ${f.first_from}::date`);
  if (f.first_to) conds.push(sql`cm.first_purchase <= ${f.first_to}::date`);
  if (f.tag) conds.push(customerHasTagSql(actor.tenantId, 'cm.customer_id', f.tag));
  if (f.q) {
    const like = `%${f.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    conds.push(sql`exists (select 1 from customers c2 where c2.tenant_id = cm.tenant_id and c2.id = cm.customer_id and (c2.display_name ilike ${like} or c2.mobile_masked like ${like}))`);
  }
  void relation;
  return sql.join(conds, sql` and `);
}

/** One page of customers with their metrics, sorted and filtered in SQL, plus the total. */
export async function listCustomerMetrics(trx: Tx, actor: Actor, p: CustomerListParams, options: FilterOptions, relation: 'customer_metrics' | '_an_cm' = 'customer_metrics', asOf?: string | null) {
  const storeIds = storeIdsFor(p.filters, options);
  const where = whereOf(actor, p.filters, storeIds, relation);
  const rel = sql.table(relation);
  await sql`select set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
  const fromSnapshot = relation === 'customer_metrics' ? await countFromSnapshot(trx, actor, p.filters, storeIds, asOf) : null;
  const total = fromSnapshot !== null ? { rows: [{ n: fromSnapshot }] } : await sql<{ n: number }>`select count(*)::int as n from ${rel} cm where ${where}`.execute(trx);
  // Matches the sort indexes (x desc nulls last, customer_id): forward scan for desc, backward scan for asc.
  const order = orderOf(p.sort, p.dir);
  const rows = await sql<CustomerRow>`
    select cm.customer_id as id, c.display_name, c.mobile_masked,
      (select st.name from stores st where st.tenant_id = cm.tenant_id and st.id = cm.store_id) as store,
      coalesce((select string_agg(s.name, '、' order by f.added_at) from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
        where f.tenant_id = cm.tenant_id and f.customer_id = cm.customer_id and f.ended_at is null),
        (select k.name from staff k where k.tenant_id = cm.tenant_id and k.id = cm.clerk_id)) as clerks,
      cm.stage, cm.rfm_group, cm.r_score, cm.fm_score, cm.frequency, cm.recency_days, cm.monetary_fen,
      cm.first_purchase, cm.last_purchase, cm.expected_next_purchase, cm.is_due,
      case when cm.is_due then cm.as_of - cm.expected_next_purchase end as days_overdue, cm.p_alive, cm.exp_purchases_90, cm.predicted_value_12m_fen
    from (
      select cm.* from ${rel} cm
      ${p.sort === 'name' ? sql`join customers c on c.tenant_id = cm.tenant_id and c.id = cm.customer_id` : sql``}
      where ${where}
      order by ${order}
      limit ${p.size} offset ${(p.page - 1) * p.size}
    ) cm
    join customers c on c.tenant_id = cm.tenant_id and c.id = cm.customer_id
    -- Store and clerk names by key per row (scalar subqueries): joined, the planner hashed all 2,000 staff of a
    -- large tenant for a page of 50 rows.
    order by ${order}`.execute(trx);
  return { rows: rows.rows, total: total.rows[0]?.n ?? 0 };
}

/**
 * The list's total without counting a million rows: when the filters are dimensions of today's snapshot (stage,
 * RFM group, store/region, due) the snapshot holds the exact count (it is written by the full recompute and kept
 * exact by the incremental refresh). A manager's scope adds the customers of other stores served by their clerks,
 * counted live (few). Null when the snapshot cannot answer (search, RFM cell, tag, clerk, dates; or a clerk).
 */
async function countFromSnapshot(trx: Tx, actor: Actor, f: CustomerFilters, storeIds: string[] | null, asOf?: string | null): Promise<number | null> {
  if (f.q || f.r || f.fm || f.tag || f.clerk || f.first_from || f.first_to || actor.role === 'clerk') return null;
  const day = asOf ?? (await sql<{ as_of: string }>`select as_of::text from analytics_state where tenant_id = ${actor.tenantId}`.execute(trx)).rows[0]?.as_of;
  if (!day) return null;
  const scope = actor.storeScope;
  const keyConds = [sql`s.tenant_id = ${actor.tenantId}`, sql`s.day = ${day}::date`];
  if (f.stage) keyConds.push(sql`s.stage = ${f.stage}`);
  if (f.group) keyConds.push(sql`s.rfm_group = ${f.group}`);
  if (storeIds) keyConds.push(storeIds.length ? sql`s.store_key = any(${storeIds}::uuid[])` : sql`false`);
  if (scope) keyConds.push(scope.length ? sql`s.store_key = any(${scope}::uuid[])` : sql`false`);
  const measure = f.due === undefined ? sql`s.customers` : f.due ? sql`s.due` : sql`s.customers - s.due`;
  const base = await sql<{ n: number }>`select coalesce(sum(${measure}), 0)::int as n from analytics_daily_snapshots s where ${sql.join(keyConds, sql` and `)}`.execute(trx);
  let n = base.rows[0]?.n ?? 0;
  if (scope && scope.length && storeIds === null) {
    const conds = [sql`cm.tenant_id = ${actor.tenantId}`, sql`(cm.store_id is null or not (cm.store_id = any(${scope}::uuid[])))`, customerScopeSql(actor, 'cm.customer_id', 'cm.store_id')];
    if (f.stage) conds.push(sql`cm.stage = ${f.stage}`);
    if (f.group) conds.push(sql`cm.rfm_group = ${f.group}`);
    if (f.due !== undefined) conds.push(f.due ? sql`cm.is_due` : sql`not cm.is_due`);
    const extra = await sql<{ n: number }>`
      select count(*)::int as n from customer_metrics cm
      where cm.customer_id in (
        select f.customer_id from customer_follows f join staff st on st.tenant_id = f.tenant_id and st.id = f.staff_id
        where f.tenant_id = ${actor.tenantId} and f.ended_at is null and st.store_id = any(${scope}::uuid[]))
        and ${sql.join(conds, sql` and `)}`.execute(trx);
    n += extra.rows[0]?.n ?? 0;
  }
  return n;
}

export interface ProfileOrder {
  id: number;
  order_no: string;
  paid_at: Date;
  paid_day: string;
  amount_fen: number;
  is_refund: boolean;
  channel: string;
  store: string | null;
  clerk: string | null;
  items: { name: string | null; category: string | null; quantity: number; amount_fen: number }[];
}

/** The profile: base data, metrics, the order timeline (newest first, up to 200), serving clerks, identities (tags: the WeCom section). */
/** customerProfile in its own tenant transaction (the profile page). */
export async function getCustomerProfile(services: Services, actor: Actor, id: string) {
  return withTenant(services.dbs, actor.tenantId, (trx) => customerProfile(trx, actor, id));
}

export async function customerProfile(trx: Tx, actor: Actor, id: string) {
  const base = await sql<{
    id: string;
    display_name: string | null;
    source: string;
    mobile_masked: string | null;
    created_at: Date;
    gender: number;
    store: string | null;
    home_store: string | null;
  }>`
    select c.id, c.display_name, c.source, c.mobile_masked, c.created_at, c.gender, ps.name as store, hs.name as home_store
    from customers c
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
    left join stores ps on ps.tenant_id = c.tenant_id and ps.id = c.primary_store_id
    left join stores hs on hs.tenant_id = c.tenant_id and hs.id = cm.store_id
    where c.tenant_id = ${actor.tenantId} and c.id = ${id}::uuid and c.merged_into is null
      and (${customerScopeSql(actor, 'c.id', 'c.primary_store_id')} or (cm.customer_id is not null and ${customerScopeSql(actor, 'c.id', 'cm.store_id')}))`.execute(trx);
  const c = base.rows[0];
  if (!c) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
  const metrics = await trx.selectFrom('customer_metrics').selectAll().where('tenant_id', '=', actor.tenantId).where('customer_id', '=', id).executeTakeFirst();
  const orders = await sql<Omit<ProfileOrder, 'items'>>`
    select o.id, o.order_no, o.paid_at, o.paid_day::text as paid_day, o.amount_fen, (o.is_refund or o.amount_fen < 0) as is_refund, o.channel, s.name as store, k.name as clerk
    from orders o left join stores s on s.tenant_id = o.tenant_id and s.id = o.store_id left join staff k on k.tenant_id = o.tenant_id and k.id = o.clerk_id
    where o.tenant_id = ${actor.tenantId} and o.customer_id = ${id}::uuid
    order by o.paid_at desc limit 200`.execute(trx);
  const orderCount = await sql<{ n: number }>`select count(*)::int as n from orders where tenant_id = ${actor.tenantId} and customer_id = ${id}::uuid`.execute(trx);
  const ids = orders.rows.map((o) => o.id);
  const items = ids.length
    ? await sql<{ order_id: number; name: string | null; category: string | null; quantity: number; amount_fen: number }>`
        select order_id, name, category, quantity::float8 as quantity, amount_fen from order_items
        where tenant_id = ${actor.tenantId} and order_id = any(${ids}::bigint[]) order by order_id, line_no`.execute(trx)
    : { rows: [] };
  const byOrder = new Map<number, ProfileOrder['items']>();
  for (const it of items.rows) {
    const list = byOrder.get(it.order_id) ?? [];
    list.push({ name: it.name, category: it.category, quantity: Number(it.quantity), amount_fen: Number(it.amount_fen) });
    byOrder.set(it.order_id, list);
  }
  const follows = await sql<{ clerk: string; store: string | null; added_at: Date | null; remark: string | null; ended_at: Date | null }>`
    select s.name as clerk, st.name as store, f.added_at, f.remark, f.ended_at
    from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    where f.tenant_id = ${actor.tenantId} and f.customer_id = ${id}::uuid order by f.added_at nulls last`.execute(trx);
  const identities = await sql<{ kind: string; value: string }>`
    select kind, value from customer_identities where tenant_id = ${actor.tenantId} and customer_id = ${id}::uuid and ${identityScopeSql(actor)} order by created_at`.execute(trx);
  return {
    ...c,
    metrics: metrics ?? null,
    orders: orders.rows.map((o) => ({ ...o, amount_fen: Number(o.amount_fen), items: byOrder.get(o.id) ?? [] })),
    orderCount: orderCount.rows[0]?.n ?? 0,
    follows: follows.rows,
    identities: identities.rows.map((i) => ({ kind: i.kind, value: i.kind === 'mobile' ? (c.mobile_masked ?? '***') : i.value })),
  };
}
