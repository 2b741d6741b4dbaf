/**
 * `campaigns.evaluate-triggers`: every 15 minutes (cron, no tenant) it fans out one job per tenant with a live
 * triggered campaign; with `{tenantId}` it evaluates that tenant's campaigns whose local time of day has come and
 * that have not run today (triggers.ts). Idempotent: the ledger's unique key makes a retry fire nothing twice.
 */
import { defineJob, type AnyJob } from '../jobs/job';
import { asTenantId, withSystem } from '../tenancy/context';
import { evaluateTenantTriggers } from './triggers';
import { tenantsWithLiveTriggers } from './triggers.repository';

const evaluateTriggersJob = defineJob({
  name: 'campaigns.evaluate-triggers',
  cron: '*/15 * * * *',
  retryLimit: 3,
  retryDelay: 60,
  expireInSeconds: 15 * 60,
  handler: async (services, data) => {
    if (data.tenantId) {
      const fired = await evaluateTenantTriggers(services, asTenantId(data.tenantId));
      for (const f of fired) services.log.info('triggered campaign fired', { tenantId: data.tenantId, ...f });
      return;
    }
    const tenants = await withSystem(services.dbs, (db) => tenantsWithLiveTriggers(db));
    for (const tenantId of tenants) await services.queue.send('campaigns.evaluate-triggers', { tenantId }, { singletonKey: tenantId, singletonSeconds: 60 });
  },
});

export const triggerJobs: AnyJob[] = [evaluateTriggersJob];
