/**
 * The hand-off from a WeCom sync to analytics: a sync that creates most of a tenant asks for one full recompute
 * instead of queueing every customer; smaller syncs queue the customers they touched, as before.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { tenantsDueForDailyRefresh } from '../../../server/analytics/analytics.job';
import { fullRefresh, refreshTouched } from '../../../server/analytics/refresh.service';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { SYNC_DEFAULTS } from '../../../server/wecom/sync.service';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

async function handOff(tenantId: TenantId) {
  return withTenant(h.services.dbs, tenantId, async (trx) => {
    const r = await sql<{ customers: number; queued: number; requests: number; metrics: number }>`
      select (select count(*)::int from customers where tenant_id = ${tenantId}::uuid) as customers,
        (select count(*)::int from customer_refresh_queue where tenant_id = ${tenantId}::uuid) as queued,
        (select count(*)::int from analytics_refresh_requests where tenant_id = ${tenantId}::uuid) as requests,
        (select count(*)::int from customer_metrics where tenant_id = ${tenantId}::uuid) as metrics`.execute(trx);
    return r.rows[0]!;
  });
}

describe('WeCom sync → analytics refresh', () => {
  it('a first sync of most of the tenant asks for one full recompute, which covers every customer; a later small sync queues its customers', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: SYNC_DEFAULTS.fullRefreshAt + 1500, staff: 30, seed: 77 });
    // Analytics already ran on the (empty) tenant, so only the request can make the next refresh a full one.
    await fullRefresh(h.services, tenant.id);
    const run = await syncOnce(h.services, tenant.id, { batchItems: 500 });
    expect(run.status).toBe('done');
    const after = await handOff(tenant.id);
    expect(after.customers).toBe(sim.summary().customers);
    expect(after.requests).toBe(1);
    // Customers are queued one by one only until the run has created `fullRefreshAt` of them (plus the batch that
    // crossed it): the rest are covered by the request.
    expect(after.queued).toBeGreaterThan(0);
    expect(after.queued).toBeLessThan(SYNC_DEFAULTS.fullRefreshAt + 1000);
    expect(after.metrics).toBe(0);
    // The hourly job would pick the tenant up even though its metrics are from today.
    expect(await tenantsDueForDailyRefresh(h.services)).toContain(tenant.id);

    const reports = await refreshTouched(h.services, tenant.id);
    expect(reports.map((r) => r.mode)).toEqual(['full']);
    const refreshed = await handOff(tenant.id);
    expect(refreshed.metrics).toBe(after.customers);
    expect(refreshed.queued).toBe(0);
    expect(refreshed.requests).toBe(0);
    expect(await tenantsDueForDailyRefresh(h.services)).not.toContain(tenant.id);

    // A clerk adds one customer in WeCom: the next sync creates one customer and queues just what it touched.
    const clerk = [...sim.state.staff.keys()][0]!;
    sim.addContact({ userid: clerk });
    const second = await syncOnce(h.services, tenant.id);
    expect(second.customers_created).toBe(1);
    const small = await handOff(tenant.id);
    expect(small.requests).toBe(0);
    expect(small.queued).toBe(1);
    expect((await refreshTouched(h.services, tenant.id)).map((r) => r.mode)).toEqual(['incremental']);
    expect((await handOff(tenant.id)).metrics).toBe(after.customers + 1);
  });
});
