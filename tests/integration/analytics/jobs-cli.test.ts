/**
 * The jobs (refresh of touched customers, the daily refresh after each tenant's local midnight) and the CLI
 * `analytics refresh --tenant S [--as-of D]`.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { analyticsJobs, tenantsDueForDailyRefresh } from '../../../server/analytics/analytics.job';
import { fullRefresh, getState, refreshTouchedBatch } from '../../../server/analytics/refresh.service';
import { runCli } from '../../../server/cli/main';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { addCustomers, addOrders, metricsOf, touch } from './support';
import { runJob } from '../../support/jobs';

const h = useTestServices();

async function localToday(tenantId: TenantId): Promise<string> {
  const r = await withTenant(h.services.dbs, tenantId, (trx) => sql<{ d: string }>`select (now() at time zone timezone)::date::text as d from tenants where id = ${tenantId}`.execute(trx));
  return r.rows[0]!.d;
}

describe('jobs', () => {
  it('registers the refresh job ingest nudges, an hourly cron and the per-tenant refresh', () => {
    expect(analyticsJobs.map((j) => j.name).sort()).toEqual(['analytics.daily', 'analytics.refresh-touched', 'analytics.refresh-tenant'].sort());
    expect(analyticsJobs.find((j) => j.name === 'analytics.daily')?.cron).toMatch(/^\d+ \* \* \* \*$/);
  });

  it('the daily refresh runs after local midnight in the tenant’s own time zone, stores the day’s snapshot and the backtest', async () => {
    // UTC+14: its calendar day differs from UTC's for 14 hours of each day.
    const t = await makeTenant(h.services, { timezone: 'Pacific/Kiritimati' });
    const [a] = await addCustomers(h.services, t.id, [{ name: 'a' }]);
    await addOrders(h.services, t.id, [{ customer: a, at: new Date(Date.now() - 3 * 86400_000).toISOString(), yuan: 10 }]);
    expect(await tenantsDueForDailyRefresh(h.services)).toContain(t.id);
    await runJob(analyticsJobs, 'analytics.refresh-tenant', h.services, { tenantId: t.id });
    const today = await localToday(t.id);
    const s = await withTenant(h.services.dbs, t.id, (trx) => getState(trx, t.id));
    expect(s?.as_of).toBe(today);
    expect(await tenantsDueForDailyRefresh(h.services)).not.toContain(t.id);
    const snap = await withTenant(h.services.dbs, t.id, (trx) => sql<{ n: number }>`select count(*)::int as n from analytics_daily_snapshots where tenant_id = ${t.id} and day = ${today}::date`.execute(trx));
    expect(snap.rows[0]!.n).toBeGreaterThan(0);
    const fit = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('analytics_model_fits').select(['status', 'backtest']).where('tenant_id', '=', t.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow());
    expect(fit.status).toBe('insufficient_data');
    expect(fit.backtest?.reason).toMatch(/Not enough data/);
    // Yesterday's metrics are due again; time-dependent fields move with the day.
    await withTenant(h.services.dbs, t.id, (trx) => sql`update analytics_state set as_of = as_of - 1 where tenant_id = ${t.id}`.execute(trx));
    expect(await tenantsDueForDailyRefresh(h.services)).toContain(t.id);
  });

  it('the touched-customers job recomputes the queue; after local midnight it recomputes everything', async () => {
    const t = await makeTenant(h.services, { timezone: 'Asia/Shanghai' });
    const [a, b] = await addCustomers(h.services, t.id, [{ name: 'a' }, { name: 'b' }]);
    await addOrders(h.services, t.id, [{ customer: a, at: new Date(Date.now() - 10 * 86400_000).toISOString(), yuan: 10 }]);
    await fullRefresh(h.services, t.id);
    expect(await metricsOf(h.services, t.id, b!)).toMatchObject({ frequency: 0, stage: 'prospect' });
    await addOrders(h.services, t.id, [{ customer: b, at: new Date(Date.now() - 3600_000).toISOString(), yuan: 20 }]);
    await touch(h.services, t.id, [b!]);
    await runJob(analyticsJobs, 'analytics.refresh-touched', h.services, { tenantId: t.id });
    expect(await metricsOf(h.services, t.id, b!)).toMatchObject({ frequency: 1, stage: 'new', monetary_fen: 2000 });
    // The stored metrics are from yesterday: the next batch is a full recompute at today.
    await withTenant(h.services.dbs, t.id, (trx) => sql`update analytics_state set as_of = as_of - 1 where tenant_id = ${t.id}`.execute(trx));
    await touch(h.services, t.id, [a!]);
    const r = await refreshTouchedBatch(h.services, t.id);
    expect(r.mode).toBe('full');
    expect(r.asOf).toBe(await localToday(t.id));
  });
});

describe('CLI: analytics refresh', () => {
  function io() {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) } };
  }

  it('recomputes at any as_of, backfills weekly snapshots and backtests; JSON report as the last line', async () => {
    const t = await makeTenant(h.services, { timezone: 'UTC' });
    const [a] = await addCustomers(h.services, t.id, [{ name: 'a' }]);
    await addOrders(h.services, t.id, [
      { customer: a, at: '2025-01-10', yuan: 10 },
      { customer: a, at: '2025-02-10', yuan: 10 },
      { customer: a, at: '2025-04-10', yuan: 10 },
    ]);
    const x = io();
    const code = await runCli(['analytics', 'refresh', '--tenant', t.slug, '--as-of', '2025-03-31', '--backfill-weeks', '3', '--backtest'], x.io, async () => h.services);
    expect(code, x.err.join('\n')).toBe(0);
    const report = JSON.parse(x.out.at(-1)!) as { asOf: string; customers: number; buyers: number; repeaters: number; mode: string; backtest: { calibrationEnd: string } };
    expect(report).toMatchObject({ asOf: '2025-03-31', mode: 'full', customers: 1, buyers: 1, repeaters: 1, backtest: { calibrationEnd: '2024-12-31' } });
    expect(await metricsOf(h.services, t.id, a!)).toMatchObject({ as_of: '2025-03-31', frequency: 2, last_purchase: '2025-02-10' });
    const days = await withTenant(h.services.dbs, t.id, (trx) => sql<{ day: string }>`select distinct day::text as day from analytics_daily_snapshots where tenant_id = ${t.id} order by 1`.execute(trx));
    expect(days.rows.map((d) => d.day)).toEqual(['2025-03-10', '2025-03-17', '2025-03-24', '2025-03-31']);
  });

  it('refuses a bad date and an unknown tenant with a clear message; sets the repurchase window', async () => {
    const t = await makeTenant(h.services);
    const x = io();
    expect(await runCli(['analytics', 'refresh', '--tenant', t.slug, '--as-of', '2025-13-01'], x.io, async () => h.services)).toBe(1);
    expect(x.err.join('\n')).toMatch(/--as-of/);
    const y = io();
    expect(await runCli(['analytics', 'refresh', '--tenant', 'no-such-tenant'], y.io, async () => h.services)).toBe(1);
    expect(y.err.join('\n')).toContain('no-such-tenant');
    const z = io();
    expect(await runCli(['analytics', 'window', '--tenant', t.slug, '--days', '45'], z.io, async () => h.services)).toBe(0);
    const row = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('analytics_settings').selectAll().where('tenant_id', '=', t.id).executeTakeFirstOrThrow());
    expect(row.repurchase_window_days).toBe(45);
  });
});
