/**
 * Demo step (runs after the orders step): a year of weekly snapshots for the trend charts, then the full
 * analytics refresh and the model backtest, so the dashboards are populated at `npm start`.
 */
import { backfillSnapshots, computeBacktest, fullRefresh } from '../analytics/refresh.service';
import { addDays } from '../analytics/lifecycle';
import type { DemoStep } from './context';

export const analyticsDemoStep: DemoStep = {
  name: 'analytics',
  async run(ctx) {
    const report = await fullRefresh(ctx.services, ctx.tenantId);
    const weeks = 52;
    await backfillSnapshots(
      ctx.services,
      ctx.tenantId,
      Array.from({ length: weeks }, (_, i) => addDays(report.asOf, -7 * (weeks - i))),
    );
    await computeBacktest(ctx.services, ctx.tenantId, { asOf: report.asOf });
    ctx.log(`Analytics: ${report.customers} customers, ${report.repeaters} repeaters, W = ${report.windowDays} days, model ${report.fit.status} (${report.ms.total} ms)`);
  },
};
