/**
 * The demo tenant's campaigns (issue #15 point 8): a finished campaign that went through the simulator — tasks
 * per clerk, some never confirmed, results polled — whose report shows a significant uplift of about the
 * configured lift; a running one with its window still open; a running 1:1 follow-up (scripts in the clerks' 今日); a
 * weekly one scheduled and a draft.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { DEMO_CAMPAIGN_OPTIONS, campaignDemoStep } from '../../../server/demo/campaigns';
import { ordersDemoStep } from '../../../server/demo/orders';
import { seedDemo } from '../../../server/demo/seed';
import { wecomDemoStep } from '../../../server/demo/wecom';
import { campaignReport } from '../../../server/campaigns/report.service';
import { installExtensions } from '../../../server/extensions';
import { systemActor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('demo tenant: campaigns', () => {
  it('a past campaign sent through the simulator shows a significant uplift close to the configured lift', async () => {
    await installExtensions(h.services);
    const ctx = await seedDemo(h.services, { seed: 11, slug: 'demo-campaigns', orderYears: 1, steps: false });
    await ordersDemoStep.run(ctx);
    await wecomDemoStep.run(ctx);
    await campaignDemoStep.run(ctx);
    const t = ctx.tenantId;
    const actor = systemActor(t, 'demo-campaigns', 'test');
    const campaigns = await withTenant(h.services.dbs, t, async (trx) => (await sql<{ id: string; name: string; status: string; delivery: string }>`select id, name, status, delivery from campaigns where tenant_id = ${t}::uuid order by created_at`.execute(trx)).rows);
    expect(campaigns.map((c) => `${c.status}:${c.delivery}`).sort()).toEqual(['done:mass', 'draft:mass', 'running:mass', 'running:one_to_one', 'scheduled:mass']);

    const done = campaigns.find((c) => c.status === 'done')!;
    const r = await withTenant(h.services.dbs, t, (trx) => campaignReport(trx, actor, done.id));
    // Through the pipeline: one task per clerk, some never confirmed; reached customers and a holdout.
    expect(r.tasks.created).toBeGreaterThan(5);
    expect(r.tasks.confirmed).toBeGreaterThan(0);
    expect(r.tasks.confirmed).toBeLessThan(r.tasks.created);
    expect(r.reached).toBeGreaterThan(300);
    expect(r.reached).toBeLessThan(r.recipients);
    expect(r.holdout).toBeGreaterThan(100);
    expect(r.window.complete).toBe(true);
    // The uplift: significant, and near the configured lift. (The holdout is a random draw, so a 95% interval
    // misses the true lift in one run of twenty: the test allows about three standard errors instead.)
    expect(r.uplift.significant).toBe(true);
    expect(Math.abs(r.uplift.absolute! - DEMO_CAMPAIGN_OPTIONS.lift)).toBeLessThan(0.05);
    expect(r.revenue_per_recipient_fen!).toBeGreaterThan(r.holdout_revenue_per_recipient_fen!);
    expect(r.by_store.length).toBeGreaterThan(1);
    expect(r.by_clerk.filter((c) => c.holdout > 0).length).toBeGreaterThan(1);
    expect(r.daily.at(-1)!.conversion_rate).toBeCloseTo(r.conversion_rate!, 10);

    const running = campaigns.find((c) => c.status === 'running' && c.delivery === 'mass')!;
    const live = await withTenant(h.services.dbs, t, (trx) => campaignReport(trx, actor, running.id));
    expect(live.window.complete).toBe(false);
    expect(live.tasks.confirmed).toBeLessThan(live.tasks.created);
    expect(live.reached).toBeGreaterThan(0);
  }, 600_000);
});
