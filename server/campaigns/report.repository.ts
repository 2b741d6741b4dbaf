/**
 * The campaign report in SQL (issue #15 point 7, docs/campaigns.md "Attribution"), set-based: every recipient
 * and holdout customer of the campaign's runs becomes a unit with its start time t0 — the send time WeCom
 * reported for a reached recipient, the time the run started sending for a holdout customer — and its paid orders
 * in (t0, t0 + attribution days]. One statement aggregates the units for the campaign, each store and each clerk
 * (grouping sets); the store and clerk of a unit are the sender's (for the holdout: the clerk who would have
 * sent, assigned at planning). Tasks come from the outbox the same way; the daily series counts first conversions
 * per day of the window.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

export interface ReportScope {
  campaignId: string;
  /** One run only; null: every run of the campaign (each run's customers are separate units). */
  runId: string | null;
  /** The actor's store filter on the unit's store (storeScopeSql). */
  storeFilter: RawBuilder<SqlBool>;
}

export interface GroupCounts {
  level: 'total' | 'store' | 'clerk';
  store_id: string | null;
  store_name: string | null;
  staff_id: string | null;
  clerk_name: string | null;
  audience: number;
  holdout: number;
  recipients: number;
  reached: number;
  converted: number;
  orders: number;
  revenue_fen: number;
  holdout_converted: number;
  holdout_orders: number;
  holdout_revenue_fen: number;
}

export interface TaskCounts {
  level: 'total' | 'store' | 'clerk';
  store_id: string | null;
  staff_id: string | null;
  created: number;
  confirmed: number;
}

export interface CampaignHead {
  id: string;
  name: string;
  attribution_days: number;
}

export async function campaignHead(trx: Tx, tenantId: TenantId, campaignId: string): Promise<CampaignHead | undefined> {
  return (
    await sql<CampaignHead>`select id, name, attribution_days from campaigns where tenant_id = ${tenantId}::uuid and id = ${campaignId}::uuid`.execute(trx)
  ).rows[0];
}

/** The units (run, customer) with their group, arm, reach, start time and window; then their paid orders in it. */
function outcomes(tenantId: TenantId, s: ReportScope) {
  return sql`runs as (
      select r.id, coalesce(r.started_at, r.planned_for) as run_at, c.attribution_days as days
      from campaign_runs r join campaigns c on c.tenant_id = r.tenant_id and c.id = r.campaign_id
      where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${s.campaignId}::uuid ${s.runId ? sql`and r.id = ${s.runId}::uuid` : sql``}
    ), units as (
      select cr.run_id, cr.customer_id, cu.merged_into, cr.arm, cr.sender_staff_id as staff_id, st.store_id,
        (cr.arm = 'target' and cr.excluded is null) as is_recipient,
        (cr.arm = 'target' and cr.status = 'sent' and cr.sent_at is not null) as is_reached,
        case when cr.arm = 'target' and cr.status = 'sent' then cr.sent_at when cr.arm = 'holdout' then runs.run_at end as t0,
        runs.days
      from campaign_recipients cr
      join runs on runs.id = cr.run_id
      left join customers cu on cu.tenant_id = cr.tenant_id and cu.id = cr.customer_id
      left join staff st on st.tenant_id = cr.tenant_id and st.id = cr.sender_staff_id
      where cr.tenant_id = ${tenantId}::uuid and cr.arm in ('target', 'holdout') and ${s.storeFilter}
    ), outcome as (
      select u.*, coalesce(o.orders, 0) as orders, coalesce(o.revenue_fen, 0) as revenue_fen, o.first_at
      from units u left join lateral (
        select count(*)::int as orders, sum(o.amount_fen) as revenue_fen, min(o.paid_at) as first_at
        from orders o
        where o.tenant_id = ${tenantId}::uuid and o.customer_id = any(array[u.customer_id, u.merged_into])
          and not o.is_refund and o.amount_fen > 0
          and o.paid_at > u.t0 and o.paid_at <= u.t0 + make_interval(days => u.days)
      ) o on true
    )`;
}

const LEVEL = sql`case grouping(g.store_id, g.staff_id) when 3 then 'total' when 1 then 'store' else 'clerk' end`;

/** The campaign, each store and each clerk in one pass. */
export async function reportGroups(trx: Tx, tenantId: TenantId, s: ReportScope): Promise<GroupCounts[]> {
  return (
    await sql<GroupCounts>`with ${outcomes(tenantId, s)}
      select ${LEVEL} as level, g.store_id, max(sto.name) as store_name, g.staff_id, max(sf.name) as clerk_name,
        count(*)::int as audience,
        count(*) filter (where g.arm = 'holdout')::int as holdout,
        count(*) filter (where g.is_recipient)::int as recipients,
        count(*) filter (where g.is_reached)::int as reached,
        count(*) filter (where g.is_reached and g.orders > 0)::int as converted,
        coalesce(sum(g.orders) filter (where g.is_reached), 0)::int as orders,
        coalesce(sum(g.revenue_fen) filter (where g.is_reached), 0)::float8 as revenue_fen,
        count(*) filter (where g.arm = 'holdout' and g.orders > 0)::int as holdout_converted,
        coalesce(sum(g.orders) filter (where g.arm = 'holdout'), 0)::int as holdout_orders,
        coalesce(sum(g.revenue_fen) filter (where g.arm = 'holdout'), 0)::float8 as holdout_revenue_fen
      from outcome g
      left join stores sto on sto.tenant_id = ${tenantId}::uuid and sto.id = g.store_id
      left join staff sf on sf.tenant_id = ${tenantId}::uuid and sf.id = g.staff_id
      group by grouping sets ((), (g.store_id), (g.store_id, g.staff_id))
      order by grouping(g.store_id, g.staff_id) desc, max(sto.name) nulls last, max(sf.name) nulls last`.execute(trx)
  ).rows;
}

/** Tasks created and confirmed (the clerk sent it on their phone), for the campaign, each store and each clerk. */
export async function reportTasks(trx: Tx, tenantId: TenantId, s: ReportScope): Promise<TaskCounts[]> {
  return (
    await sql<TaskCounts>`select ${LEVEL} as level, g.store_id, g.staff_id,
        count(*) filter (where g.msgid is not null)::int as created,
        count(*) filter (where g.msgid is not null and g.confirmed_at is not null)::int as confirmed
      from (
        select o.msgid, o.confirmed_at, o.sender_staff_id as staff_id, st.store_id
        from campaign_outbox o
        join campaign_runs r on r.tenant_id = o.tenant_id and r.id = o.run_id
        left join staff st on st.tenant_id = o.tenant_id and st.id = o.sender_staff_id
        where o.tenant_id = ${tenantId}::uuid and r.campaign_id = ${s.campaignId}::uuid ${s.runId ? sql`and r.id = ${s.runId}::uuid` : sql``}
          and ${s.storeFilter}
      ) g
      group by grouping sets ((), (g.store_id), (g.store_id, g.staff_id))`.execute(trx)
  ).rows;
}

export interface DayCount {
  day: number;
  reached: number;
  holdout: number;
}

/** First conversions per day k of the window (an order in (t0 + (k−1) days, t0 + k days]), reached and holdout. */
export async function reportDays(trx: Tx, tenantId: TenantId, s: ReportScope): Promise<DayCount[]> {
  return (
    await sql<DayCount>`with ${outcomes(tenantId, s)}
      select greatest(1, ceil(extract(epoch from (g.first_at - g.t0)) / 86400))::int as day,
        count(*) filter (where g.is_reached)::int as reached,
        count(*) filter (where g.arm = 'holdout')::int as holdout
      from outcome g where g.first_at is not null and (g.is_reached or g.arm = 'holdout')
      group by 1 order by 1`.execute(trx)
  ).rows;
}

/** When the window opened (the first start time) and closes (the last start time + the window). */
export async function reportWindow(trx: Tx, tenantId: TenantId, s: ReportScope): Promise<{ starts_at: Date | null; ends_at: Date | null }> {
  return (
    await sql<{ starts_at: Date | null; ends_at: Date | null }>`with ${outcomes(tenantId, s)}
      select min(t0) as starts_at, max(t0 + make_interval(days => days)) as ends_at from units where t0 is not null`.execute(trx)
  ).rows[0]!;
}
