/**
 * Segment jobs:
 * - `segments.refresh`: re-evaluates a tenant's dynamic segments (entries, exits, size of the day). Queued after
 *   each analytics refresh (server/analytics/analytics.job.ts) and by the schedule.
 * - `segments.schedule` (hourly cron, UTC): queues `segments.refresh` for every active tenant with a dynamic (or owed)
 *   segment, so membership follows the calendar (relative dates move every day) even without a refresh.
 * - `segments.action`: a bulk tag action on all members, in resumable chunks (server/segments/actions.service.ts).
 * - `segments.fill`: the membership a save owed to a job (a large first fill, a large dynamic rule change).
 * Idempotent: a re-run applies the difference between the members and the rule, which is empty the second time.
 */
import type { AnyJob } from '../jobs/job';
import type { Services } from '../services';
import { UserError } from '../lib/errors';
import { asTenantId, withSystem } from '../tenancy/context';
import { processSegmentAction } from './actions.service';
import { fillSegment, refreshTenantSegments } from './segments.service';
import { tenantsWithSegmentsToRefresh } from './segments.repository';


/** Asks the worker to refresh a tenant's dynamic segments soon (after an analytics refresh). */
export async function queueSegmentsRefresh(services: Services, tenantId: string): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send('segments.refresh', { tenantId }, { singletonKey: tenantId, singletonSeconds: 30 });
  } catch (e) {
    services.log.warn('could not queue a segments refresh', { tenantId, error: e });
  }
}

/** After the saving transaction commits: asks the worker to compute a segment's owed membership. */
export async function queueSegmentFill(services: Services, tenantId: string, segmentId: string): Promise<void> {
  if (!services.queue.started) return;
  try {
    // One job per save, never deduplicated: a job already past its read of the rule must not swallow the nudge of a
    // later save. A job that finds nothing owed does nothing.
    await services.queue.send('segments.fill', { tenantId, segmentId }, { retryLimit: 5, retryDelay: 10, retryBackoff: true });
  } catch (e) {
    // The hourly schedule's refresh fills what is still owed.
    services.log.warn('could not queue a segment fill', { tenantId, segmentId, error: e });
  }
}

export const segmentJobs: AnyJob[] = [
  {
    name: 'segments.fill',
    retryLimit: 5,
    retryDelay: 10,
    expireInSeconds: 30 * 60,
    handler: async (services, data) => {
      const tenantId = asTenantId(data.tenantId);
      try {
        const change = await fillSegment(services.dbs, tenantId, data.segmentId, { onlyOwed: true });
        services.log.info('segment filled', { tenantId, segmentId: data.segmentId, ...(change ?? { owed: false }) });
      } catch (e) {
        // A refused rule is recorded on the segment (fillSegment); retrying would only refuse again.
        if (!(e instanceof UserError)) throw e;
        services.log.warn('segment fill refused', { tenantId, segmentId: data.segmentId, message: e.message });
      }
    },
  },
  {
    name: 'segments.action',
    retryLimit: 5,
    retryDelay: 10,
    expireInSeconds: 60 * 60,
    handler: async (services, data) => {
      await processSegmentAction(services, asTenantId(data.tenantId), data.actionId);
    },
  },
  {
    name: 'segments.refresh',
    retryLimit: 3,
    retryDelay: 30,
    expireInSeconds: 30 * 60,
    handler: async (services, data) => {
      const tenantId = asTenantId(data.tenantId);
      const r = await refreshTenantSegments(services.dbs, tenantId);
      services.log.info('segments refreshed', { tenantId, ...r });
    },
  },
  {
    name: 'segments.schedule',
    cron: '37 * * * *',
    handler: async (services) => {
      const tenants = await withSystem(services.dbs, (db) => tenantsWithSegmentsToRefresh(db));
      for (const id of tenants) await services.queue.send('segments.refresh', { tenantId: id }, { singletonKey: id, singletonSeconds: 600 });
    },
  },
];
