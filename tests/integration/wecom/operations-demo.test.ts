/** The demo tenant's WeCom operations (issue 18): each report shows real numbers to a newcomer. */
import { describe, expect, it } from 'vitest';
import { ordersDemoStep } from '../../../server/demo/orders';
import { seedDemo } from '../../../server/demo/seed';
import { wecomDemoStep } from '../../../server/demo/wecom';
import { handoverDemoStep, momentDemoStep, welcomeDemoStep } from '../../../server/demo/wecom-ops';
import { momentReport } from '../../../server/wecom/moments.repository';
import { handoverReport } from '../../../server/wecom/handovers.repository';
import { installExtensions } from '../../../server/extensions';
import { withTenant } from '../../../server/tenancy/context';
import { welcomeReport } from '../../../server/wecom/welcome.repository';
import { wecomClientFor } from '../../../server/wecom/runtime';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('demo tenant: WeCom operations', () => {
  it('welcome messages sent on channel-code adds, a resigned clerk handed over, one moment: each report shows real numbers', async () => {
    await installExtensions(h.services);
    const ctx = await seedDemo(h.services, { seed: 7, slug: 'demo-ops', customers: 300, orderYears: 1, steps: false });
    await ordersDemoStep.run(ctx);
    await wecomDemoStep.run(ctx);
    await welcomeDemoStep.run(ctx);
    const t = ctx.tenantId;
    const report = await withTenant(h.services.dbs, t, (trx) => welcomeReport(trx, t));
    const poster = report.find((r) => r.state === 'poster_618')!;
    expect(poster.welcomed).toBeGreaterThanOrEqual(12);
    expect(poster.added).toBeGreaterThanOrEqual(poster.welcomed);
    expect(report.reduce((a, r) => a + r.welcomed, 0)).toBe(24);
    expect(report.reduce((a, r) => a + r.first_purchase_30d, 0)).toBeGreaterThan(0);

    // A resigned clerk's customers were handed over two months ago: some kept, some refused, some bought again.
    await handoverDemoStep.run(ctx);
    const [ho] = await withTenant(h.services.dbs, t, (trx) => handoverReport(trx, t));
    expect(ho).toMatchObject({ kind: 'resigned', status: 'done', waiting: 0, limit_reached: 0 });
    expect(ho!.kept).toBeGreaterThan(0);
    expect(ho!.refused).toBeGreaterThan(0);
    expect(ho!.customers).toBe(ho!.kept + ho!.refused);
    expect(ho!.bought_after).toBeGreaterThan(0);
    // A second resigned clerk still has customers waiting for ops.
    const waiting = await withTenant(h.services.dbs, t, (trx) => trx.selectFrom('staff').select('id').where('tenant_id', '=', t).where('active', '=', false).where('wecom_userid', 'is not', null).execute());
    expect(waiting).toHaveLength(2);

    // One moment: posted by some clerks, reached customers, orders within 7 days next to the group it did not reach.
    await momentDemoStep.run(ctx);
    const [m] = await withTenant(h.services.dbs, t, (trx) => momentReport(trx, t));
    expect(m!.status).toBe('active');
    expect(m!.posted).toBeGreaterThan(0);
    expect(m!.posted).toBeLessThan(m!.clerks);
    expect(m!.reached).toBeGreaterThan(0);
    expect(m!.orders_7d).toBeGreaterThan(0);
    expect(m!.unreached).toBeGreaterThan(0);

    // The steps move the simulator's clock on by a day and more: the client renewed its tokens on that clock before
    // they were due, so a first `npm start` logs no "wecom token rejected" (WeCom would have refused none).
    const client = await wecomClientFor(h.services, t);
    expect(client.stats.refreshes).toBeGreaterThan(1);
    expect(client.stats.tokenRetries).toBe(0);
  });
});
