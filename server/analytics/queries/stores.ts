/** The Stores & clerks dashboard: one row per store and per clerk, sorted and paged in SQL. */
import { sql } from 'kysely';
import type { ClerkSort, StoreSort } from '../../../app/lib/contracts/dashboard';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { storeScopeSql } from '../../customers/scope';
import { storeFilterSql, type FilterInput } from '../filters';
import { runRead, type Ctx } from './read';
import { channelFilter, PAID } from './sql';

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

type PerfSql = PerfRow & { repurchase_rate: number | null; private_share: number | null; revenue?: number; identified?: number };
type Sorting<S> = { sort: S; dir: 'asc' | 'desc' };

const orderDir = (d: 'asc' | 'desc') => sql.raw(d === 'asc' ? 'asc nulls first' : 'desc nulls last');

function shape(x: PerfSql): PerfRow {
  return {
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
  };
}

/** One row per store in scope: customers from the newest snapshot up to `to`, revenue from the daily facts of the period. */
async function storeRows(c: Ctx, o: Sorting<StoreSort>): Promise<PerfRow[]> {
  const t = c.actor.tenantId;
  const stores = await sql<PerfSql>`
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
    select * from rows order by ${sql.ref(SORT_SQL[o.sort])} ${orderDir(o.dir)}, name limit 1000`.execute(c.trx);
  return stores.rows.map(shape);
}

/** One page of the clerks in scope: customers they serve now (customer_metrics), orders they took in the period; and how many there are. */
async function clerkRows(c: Ctx, o: Sorting<ClerkSort> & { page: number; size: number }): Promise<{ rows: PerfRow[]; total: number }> {
  const t = c.actor.tenantId;
  const clerkWhere = sql`st.tenant_id = ${t} and st.role = 'clerk' and ${storeScopeSql(c.actor, 'st.store_id')} and ${storeFilterSql(c.f, 'st.store_id')}`;
  const clerkTotal = await sql<{ n: number }>`select count(*)::int as n from staff st where ${clerkWhere}`.execute(c.trx);
  const clerks = await sql<PerfSql>`
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
    select * from rows order by ${sql.ref(SORT_SQL[o.sort])} ${orderDir(o.dir)}, name, id
    limit ${o.size} offset ${(o.page - 1) * o.size}`.execute(c.trx);
  return { rows: clerks.rows.map(shape), total: clerkTotal.rows[0]?.n ?? 0 };
}

export async function dashboardStores(
  services: Services,
  actor: Actor,
  input: FilterInput,
  p: { storeSort: StoreSort; storeDir: 'asc' | 'desc'; clerkSort: ClerkSort; clerkDir: 'asc' | 'desc'; clerkPage: number; clerkSize: number },
) {
  return runRead(services, actor, `stores:${p.storeSort}:${p.storeDir}:${p.clerkSort}:${p.clerkDir}:${p.clerkPage}:${p.clerkSize}`, input, 90, async (c) => {
    const stores = await storeRows(c, { sort: p.storeSort, dir: p.storeDir });
    const clerks = await clerkRows(c, { sort: p.clerkSort, dir: p.clerkDir, page: p.clerkPage, size: p.clerkSize });
    return { stores, clerks: clerks.rows, clerkTotal: clerks.total };
  });
}
