/**
 * The SQL of the metrics engine's bookkeeping (orchestration in refresh.service.ts): the tenant's analytics state
 * (`analytics_state`), its repurchase window setting (`analytics_settings`), the refresh queue and full-refresh
 * requests a run covers, and the headline counts read back from a day's snapshot.
 */
import { sql } from 'kysely';
import type { IntervalBucket, RfmBreaks } from '../../db/schema/analytics';
import type { TenantId, Tx } from '../tenancy/context';

/** A jsonb value bound as text and cast (postgres.js would store a bound string as a JSON string). */
export function jsonText(v: unknown) {
  return sql<never>`cast(${JSON.stringify(v)}::text as jsonb)`;
}

export interface AnalyticsState {
  as_of: string;
  version: number;
  window_days: number;
  window_source: 'setting' | 'auto' | 'default';
  median_interval_days: number | null;
  interval_count: number;
  interval_histogram: IntervalBucket[];
  rfm_breaks: RfmBreaks;
  customers: number;
  buyers: number;
  repeaters: number;
  facts_watermark: Date | null;
  last_full_at: Date;
  last_full_ms: number | null;
  last_incremental_at: Date | null;
}

export async function getState(trx: Tx, tenantId: TenantId): Promise<AnalyticsState | null> {
  const r = await trx.selectFrom('analytics_state').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  if (!r) return null;
  return {
    as_of: r.as_of,
    version: Number(r.version),
    window_days: r.window_days,
    window_source: r.window_source,
    median_interval_days: r.median_interval_days === null ? null : Number(r.median_interval_days),
    interval_count: Number(r.interval_count),
    interval_histogram: r.interval_histogram,
    rfm_breaks: r.rfm_breaks,
    customers: r.customers,
    buyers: r.buyers,
    repeaters: r.repeaters,
    facts_watermark: r.facts_watermark,
    last_full_at: r.last_full_at,
    last_full_ms: r.last_full_ms,
    last_incremental_at: r.last_incremental_at,
  };
}

/** Customers, buyers and repeaters of the tenant as counted in the snapshot of one day. */
export interface HeadlineCounts {
  customers: number;
  buyers: number;
  repeaters: number;
}

/** What a full recompute stores as the tenant's state (the version and timings included). */
export interface FullRefreshState extends HeadlineCounts {
  as_of: string;
  version: number;
  window_days: number;
  window_source: AnalyticsState['window_source'];
  median_interval_days: number | null;
  interval_count: number;
  interval_histogram: IntervalBucket[];
  rfm_breaks: RfmBreaks;
  facts_watermark: Date | null;
  last_full_at: Date;
  last_full_ms: number;
}

/** Inserts or replaces the tenant's state after a full recompute. */
export async function upsertFullState(trx: Tx, tenantId: TenantId, s: FullRefreshState): Promise<void> {
  const row = { ...s, interval_histogram: jsonText(s.interval_histogram), rfm_breaks: jsonText(s.rfm_breaks) };
  await trx
    .insertInto('analytics_state')
    .values({ tenant_id: tenantId, ...row })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(row))
    .execute();
}

/** Moves the state to a new version with new daily-facts watermark (facts refreshed, no customer recomputed). */
export async function bumpStateFacts(trx: Tx, tenantId: TenantId, version: number, factsWatermark: Date | null): Promise<void> {
  await trx.updateTable('analytics_state').set({ version, facts_watermark: factsWatermark }).where('tenant_id', '=', tenantId).execute();
}

/** Stores the outcome of an incremental refresh: new version, counts, facts watermark and its timing. */
export async function updateIncrementalState(
  trx: Tx,
  tenantId: TenantId,
  s: HeadlineCounts & { version: number; facts_watermark: Date | null; last_incremental_ms: number },
): Promise<void> {
  await trx
    .updateTable('analytics_state')
    .set({ ...s, last_incremental_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .execute();
}

export async function getWindowSetting(trx: Tx, tenantId: TenantId): Promise<number | null> {
  const r = await trx.selectFrom('analytics_settings').select('repurchase_window_days').where('tenant_id', '=', tenantId).executeTakeFirst();
  return r?.repurchase_window_days ?? null;
}

/** Sets (or clears, with null) the tenant's repurchase window. */
export async function upsertWindowSetting(trx: Tx, tenantId: TenantId, days: number | null, updatedBy: string): Promise<void> {
  await trx
    .insertInto('analytics_settings')
    .values({ tenant_id: tenantId, repurchase_window_days: days, updated_by: updatedBy })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ repurchase_window_days: days, updated_by: updatedBy, updated_at: new Date() }))
    .execute();
}

/** Whether a writer that touched most of the tenant asked for a full recompute. */
export async function hasFullRefreshRequest(trx: Tx, tenantId: TenantId): Promise<boolean> {
  return (await trx.selectFrom('analytics_refresh_requests').select('tenant_id').where('tenant_id', '=', tenantId).executeTakeFirst()) !== undefined;
}

/** Drops the queued customers and full-refresh requests made up to `before` (a full run started after them). */
export async function clearRefreshQueueBefore(trx: Tx, tenantId: TenantId, before: Date): Promise<void> {
  await sql`delete from customer_refresh_queue where tenant_id = ${tenantId} and queued_at <= ${before}`.execute(trx);
  await sql`delete from analytics_refresh_requests where tenant_id = ${tenantId} and requested_at <= ${before}`.execute(trx);
}

export async function countsFromSnapshot(trx: Tx, tenantId: TenantId, day: string): Promise<HeadlineCounts> {
  const r = await sql<HeadlineCounts>`
    select coalesce(sum(customers), 0)::int as customers, coalesce(sum(customers) filter (where stage <> 'prospect'), 0)::int as buyers,
      coalesce(sum(repeaters), 0)::int as repeaters
    from analytics_daily_snapshots where tenant_id = ${tenantId} and day = ${day}::date`.execute(trx);
  return r.rows[0] ?? { customers: 0, buyers: 0, repeaters: 0 };
}
