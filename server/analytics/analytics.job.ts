/**
 * Analytics jobs:
 * - `analytics.refresh-touched` ('analytics.refresh-touched'): ingest nudges it after imports, API batches, syncs and merges; it
 *   recomputes the queued customers (a full recompute when the tenant's local day has moved on).
 * - `analytics.daily` (hourly cron, UTC): for every tenant whose local date is past its metrics date, queues a
 *   full refresh, so recency, RFM quantiles, stages, "due" and predictions follow the calendar and each day
 *   gets its snapshot — after local midnight in each tenant's own time zone.
 * - `analytics.refresh-tenant`: one tenant's full refresh plus the model backtest.
 */
import { sql } from 'kysely';
import type { AnyJob } from '../jobs/job';
import type { Services } from '../services';
import { asTenantId, withSystem } from '../tenancy/context';
import { queueSegmentsRefresh } from '../segments/segments.job';
import { computeBacktest, fullRefresh, refreshTouched } from './refresh.service';


/**
 * Tenants whose local date is past their metrics date, that have customers but were never computed, or with a
 * pending full-recompute request that no worker was nudged for (a sync run from the CLI).
 */
export async function tenantsDueForDailyRefresh(services: Services): Promise<string[]> {
  const r = await withSystem(services.dbs, (db) =>
    sql<{ id: string }>`
      select t.id from tenants t left join analytics_state s on s.tenant_id = t.id
      where t.active and ((s.tenant_id is null and exists (select 1 from customers c where c.tenant_id = t.id))
        or (s.as_of < (now() at time zone t.timezone)::date)
        or exists (select 1 from analytics_refresh_requests r where r.tenant_id = t.id))`.execute(db),
  );
  return r.rows.map((x) => x.id);
}

/** Asks the worker for a full refresh of one tenant soon (e.g. after the repurchase window changed). */
export async function queueTenantRefresh(services: Services, tenantId: string): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send('analytics.refresh-tenant', { tenantId }, { singletonKey: tenantId, singletonSeconds: 30 });
  } catch (e) {
    services.log.warn('could not queue an analytics refresh', { tenantId, error: e });
  }
}

export const analyticsJobs: AnyJob[] = [
  {
    name: 'analytics.refresh-touched',
    retryLimit: 5,
    retryDelay: 5,
    expireInSeconds: 30 * 60,
    handler: async (services, data) => {
      const { tenantId } = data;
      await refreshTouched(services, asTenantId(tenantId));
      await queueSegmentsRefresh(services, tenantId);
    },
  },
  {
    name: 'analytics.daily',
    cron: '7 * * * *',
    handler: async (services) => {
      for (const tenantId of await tenantsDueForDailyRefresh(services)) {
        await services.queue.send('analytics.refresh-tenant', { tenantId }, { singletonKey: tenantId, singletonSeconds: 600 });
      }
    },
  },
  {
    name: 'analytics.refresh-tenant',
    retryLimit: 3,
    retryDelay: 60,
    expireInSeconds: 60 * 60,
    handler: async (services, data) => {
      const tenantId = asTenantId(data.tenantId);
      const report = await fullRefresh(services, tenantId);
      services.log.info('analytics refreshed', { tenantId, asOf: report.asOf, customers: report.customers, ms: report.ms.total });
      await queueSegmentsRefresh(services, tenantId);
      await computeBacktest(services, tenantId);
    },
  },
];
