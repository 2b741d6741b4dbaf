/** CLI: `analytics refresh --tenant S [--as-of YYYY-MM-DD] [--backtest] [--backfill-weeks N]` and the window setting. */
import { computeBacktest, fullRefresh, backfillSnapshots, setWindowSetting, assertIsoDate } from '../analytics/refresh.service';
import { addDays } from '../analytics/lifecycle';
import { systemActor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { findTenantBySlug } from '../tenancy/tenants.service';
import { CliUsageError, optionalString, requireString, type CliCommand } from './command';

export const analyticsCommands: CliCommand[] = [
  {
    name: 'analytics refresh',
    usage: 'analytics refresh --tenant S [--as-of YYYY-MM-DD] [--backtest] [--backfill-weeks N]   (full recompute; prints a JSON report as the last line)',
    options: { tenant: { type: 'string' }, 'as-of': { type: 'string' }, backtest: { type: 'boolean' }, 'backfill-weeks': { type: 'string' } },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const asOf = optionalString(values, 'as-of');
      if (asOf) assertIsoDate(asOf, '--as-of');
      const weeks = optionalString(values, 'backfill-weeks');
      if (weeks !== undefined && !/^\d{1,3}$/.test(weeks)) throw new CliUsageError('--backfill-weeks must be a whole number');
      const report = await fullRefresh(services, tenant.id, { asOf });
      io.err(`Refreshed ${tenant.slug} as of ${report.asOf}: ${report.customers} customers, ${report.buyers} with purchases, ${report.repeaters} repeaters, W = ${report.windowDays} days (${report.windowSource}), model ${report.fit.status}, ${report.ms.total} ms`);
      if (weeks) {
        const days = Array.from({ length: Number(weeks) }, (_, i) => addDays(report.asOf, -7 * (Number(weeks) - i)));
        await backfillSnapshots(services, tenant.id, days);
        io.err(`Backfilled ${days.length} weekly snapshots`);
      }
      const backtest = values.backtest === true ? await computeBacktest(services, tenant.id, { asOf: report.asOf }) : undefined;
      io.out(JSON.stringify({ ...report, backtest }));
    },
  },
  {
    name: 'analytics window',
    usage: 'analytics window --tenant S --days N|auto   (the repurchase window W; applies from the next refresh)',
    options: { tenant: { type: 'string' }, days: { type: 'string' } },
    async run(services, { values }, io) {
      const tenant = await findTenantBySlug(services, requireString(values, 'tenant'));
      const d = requireString(values, 'days');
      if (d !== 'auto' && !/^\d+$/.test(d)) throw new CliUsageError('--days must be a number of days or "auto"');
      await withTenant(services.dbs, tenant.id, (trx) => setWindowSetting(trx, systemActor(tenant.id, tenant.slug, 'cli'), d === 'auto' ? null : Number(d)));
      io.out(`Repurchase window of ${tenant.slug}: ${d === 'auto' ? 'automatic' : `${d} days`}`);
    },
  },
];
