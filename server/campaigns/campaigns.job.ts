/**
 * Campaign jobs:
 * - `campaigns.poll-results` with `{tenantId}`: polls the send results of every task of that tenant's runs that
 *   is due (results.service.ts, poll-schedule.ts). Idempotent: WeCom's answer overwrites the recipient states,
 *   and a task WeCom refuses for now is rescheduled instead of failing the job.
 *   The same job without a tenant (every 5 minutes by cron) fans out one job per tenant with due tasks.
 */
import { defineJob, type AnyJob } from '../jobs/job';
import { asTenantId, withSystem } from '../tenancy/context';
import { tenantsWithDueTasks } from './results.repository';
import { pollTenantResults } from './results.service';

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

export const campaignJobs: AnyJob[] = [pollResultsJob];
