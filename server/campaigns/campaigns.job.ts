/**
 * Campaign jobs (typed payloads below):
 * - `campaigns.tick` (every minute; or `{tenantId}` for one tenant): creates the due runs of once/recurring
 *   campaigns (unique per campaign and planned time), queues the runs that may start, finishes runs whose results
 *   are final or that expired (cancelling their unsent tasks), and reminds clerks (runs.service.ts). Without a
 *   tenant it fans out one job per tenant with campaign work.
 * - `campaigns.execute-run` `{tenantId, runId}`: snapshot → plan → deliver, resumable; after its last retry the
 *   run and its campaign fail with the error.
 * - `campaigns.stop-run` `{tenantId, runId}`: after a cancel, the run's unsent WeCom tasks are cancelled.
 * - `campaigns.poll-results` with `{tenantId}`: polls the send results of every task of that tenant's runs that
 *   is due (results.service.ts, poll-schedule.ts). Idempotent: WeCom's answer overwrites the recipient states,
 *   and a task WeCom refuses for now is rescheduled instead of failing the job.
 *   The same job without a tenant (every 5 minutes by cron) fans out one job per tenant with due tasks.
 */
import { defineJob, type AnyJob } from '../jobs/job';
import type { z } from 'zod';
import type { JobPayloads } from '../jobs/payloads';
import type { Services } from '../services';
import { asTenantId, withSystem } from '../tenancy/context';
import { tenantsWithCampaignWork } from './campaigns.repository';
import { tenantsWithDueTasks } from './results.repository';
import { pollTenantResults } from './results.service';
import { executeRun, failRun, stopRunTasks, tickTenant } from './runs.service';

type CampaignJobName = 'campaigns.tick' | 'campaigns.execute-run' | 'campaigns.stop-run';

const EXECUTE_RETRIES = 5;

/** Queues a campaign job after a commit; a failure to queue is logged (the minute's tick picks the work up anyway). */
async function enqueue<N extends CampaignJobName>(services: Services, name: N, data: z.input<JobPayloads[N]>, singletonKey: string): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send(name, data, { singletonKey, singletonSeconds: 30 });
  } catch (e) {
    services.log.warn('could not queue a campaign job', { name, singletonKey, error: e });
  }
}

/** After a commit that made a run due (schedule, approve): the tenant's tick runs now instead of within the minute. */
export async function nudgeCampaignTick(services: Services, tenantId: string): Promise<void> {
  await enqueue(services, 'campaigns.tick', { tenantId }, `tick:${tenantId}`);
}

/** After a cancel: each run that had started has its unsent tasks cancelled on WeCom. */
export async function queueStopRuns(services: Services, tenantId: string, runIds: string[]): Promise<void> {
  for (const runId of runIds) await enqueue(services, 'campaigns.stop-run', { tenantId, runId }, `stop:${runId}`);
}

const pollResultsJob = defineJob({
  name: 'campaigns.poll-results',
  cron: '*/5 * * * *',
  retryLimit: 3,
  retryDelay: 30,
  expireInSeconds: 30 * 60,
  handler: async (services, data) => {
    if (data.tenantId) {
      const r = await pollTenantResults(services, asTenantId(data.tenantId));
      if (r.polled + r.deferred > 0) services.log.info('campaign results polled', { tenantId: data.tenantId, ...r });
      return;
    }
    const tenants = await withSystem(services.dbs, (db) => tenantsWithDueTasks(db, new Date()));
    for (const tenantId of tenants) await services.queue.send('campaigns.poll-results', { tenantId }, { singletonKey: tenantId, singletonSeconds: 60 });
  },
});

const tickJob = defineJob({
  name: 'campaigns.tick',
  cron: '* * * * *',
  retryLimit: 2,
  retryDelay: 20,
  expireInSeconds: 10 * 60,
  handler: async (services, data) => {
    if (!data.tenantId) {
      const tenants = await withSystem(services.dbs, (db) => tenantsWithCampaignWork(db, new Date()));
      for (const tenantId of tenants) await enqueue(services, 'campaigns.tick', { tenantId }, `tick:${tenantId}`);
      return;
    }
    const tenantId = asTenantId(data.tenantId);
    const r = await tickTenant(services, tenantId);
    for (const runId of r.toExecute) await enqueue(services, 'campaigns.execute-run', { tenantId, runId }, `run:${runId}`);
    if (r.created.length + r.done.length + r.reminded > 0) services.log.info('campaign tick', { tenantId, created: r.created.length, done: r.done.length, reminded: r.reminded });
  },
});

const executeRunJob = defineJob({
  name: 'campaigns.execute-run',
  retryLimit: EXECUTE_RETRIES,
  retryDelay: 30,
  expireInSeconds: 60 * 60,
  concurrency: 2,
  handler: async (services, data, ctx) => {
    const tenantId = asTenantId(data.tenantId);
    try {
      const r = await executeRun(services, tenantId, data.runId);
      if (r.kind !== 'nothing') services.log.info('campaign run', { tenantId, runId: data.runId, outcome: r.kind });
    } catch (e) {
      // Transient failures are retried (delivery resumes through the outbox); after the last try the run fails.
      if (ctx.retryCount >= EXECUTE_RETRIES) await failRun(services, tenantId, data.runId, e instanceof Error ? e.message : String(e));
      throw e;
    }
  },
});

const stopRunJob = defineJob({
  name: 'campaigns.stop-run',
  retryLimit: 5,
  retryDelay: 30,
  expireInSeconds: 30 * 60,
  handler: async (services, data) => {
    const r = await stopRunTasks(services, asTenantId(data.tenantId), data.runId);
    services.log.info('campaign run stopped', { tenantId: data.tenantId, runId: data.runId, ...r });
  },
});

export const campaignJobs: AnyJob[] = [pollResultsJob, tickJob, executeRunJob, stopRunJob];
