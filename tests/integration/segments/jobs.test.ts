/**
 * Membership follows the data: the analytics refresh jobs queue `segments.refresh` for the tenant, the hourly
 * schedule queues it for every tenant with a dynamic segment, and the job records the entries of the day.
 */
import { describe, expect, it } from 'vitest';
import { analyticsJobs } from '../../../server/analytics/analytics.job';
import { segmentJobs } from '../../../server/segments/segments.job';
import { createSegment } from '../../../server/segments/segments.service';
import { getSegment } from '../../../server/segments/segments.repository';
import type { Services } from '../../../server/services';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { addOrders, touch } from '../analytics/support';
import { buildWorld, day } from './world';
import { runJob } from '../../support/jobs';

const h = useTestServices();

/** The services with a queue that records what is sent. */
function recording(): { services: Services; sent: { name: string; data: unknown }[] } {
  const sent: { name: string; data: unknown }[] = [];
  const queue = { ...h.services.queue, started: true, send: async (name: string, data: object) => (sent.push({ name, data }), 'id') };
  return { services: { ...h.services, queue } as Services, sent };
}

describe('segment membership jobs', () => {
  it('an analytics refresh queues the segments refresh; the job records who entered today', async () => {
    const w = await buildWorld(h.services);
    const seg = await withTenant(h.services.dbs, w.t.id, (trx) => createSegment(trx, w.admin, { name: 'bought in the last 7 days', rule: { all: [{ any: [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 7 } }] }] } }));
    expect(seg.size).toBe(2); // B, C
    await addOrders(h.services, w.t.id, [{ customer: w.ids.D, at: day(0), yuan: 10, store: w.t.storeIds.S2 }]);
    await touch(h.services, w.t.id, [w.ids.D]);

    const r = recording();
    await runJob(analyticsJobs, 'analytics.refresh-touched', r.services, { tenantId: w.t.id });
    expect(r.sent).toContainEqual({ name: 'segments.refresh', data: { tenantId: w.t.id } });
    await runJob(analyticsJobs, 'analytics.refresh-tenant', r.services, { tenantId: w.t.id });
    expect(r.sent.filter((x) => x.name === 'segments.refresh')).toHaveLength(2);

    await runJob(segmentJobs, 'segments.refresh', r.services, { tenantId: w.t.id });
    const after = await withTenant(h.services.dbs, w.t.id, (trx) => getSegment(trx, w.t.id, seg.id));
    expect(after).toMatchObject({ size: 3, refreshed_as_of: day(0) });

    const s = recording();
    await runJob(segmentJobs, 'segments.schedule', s.services, {});
    expect(s.sent.map((x) => x.data)).toContainEqual({ tenantId: w.t.id });
    expect(segmentJobs.find((j) => j.name === 'segments.schedule')!.cron).toMatch(/^\d+ \* \* \* \*$/);
  });
});
