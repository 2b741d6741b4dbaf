/** The demo tenant's WeCom operations (issue 18): each report shows real numbers to a newcomer. */
import { describe, expect, it } from 'vitest';
import { ordersDemoStep } from '../../../db/demo/orders';
import { seedDemo } from '../../../db/demo/seed';
import { wecomDemoStep } from '../../../db/demo/wecom';
import { welcomeDemoStep } from '../../../db/demo/wecom-ops';
import { installExtensions } from '../../../server/extensions';
import { withTenant } from '../../../server/tenancy/context';
import { welcomeReport } from '../../../server/wecom/welcome.repository';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('demo tenant: WeCom operations', () => {
  it('welcome messages were sent on channel-code adds, and some of those customers bought within 30 days', async () => {
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
  });
});
