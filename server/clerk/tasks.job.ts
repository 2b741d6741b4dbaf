/**
 * The daily task generation of the clerk's workspace (issue 16):
 * - `clerk.tasks.schedule` (cron, every 15 minutes, UTC): for each active tenant whose local time has reached
 *   GENERATE_FROM_HOUR and whose local day has no run yet, queues `clerk.tasks.generate` for that tenant and day
 *   (singleton per tenant and day).
 * - `clerk.tasks.generate`: creates the day's due / new-untagged / relation-ended / follow-up / birthday tasks of
 *   every active clerk of the tenant in one transaction, set-based, and records the run in the same transaction.
 *   Idempotent per tenant and day: a second run finds the run row; a crash leaves none and the retry starts over
 *   (inserts are `on conflict do nothing`, so nothing is ever duplicated).
 * The 今日 page still generates the signed-in clerk's tasks on the way (a day without a run yet), and a WeCom callback
 * that adds or ends a relation creates that relation's task at once (tasks.repository.ts generateRelationTasks).
 */
import { defineJob, type AnyJob } from '../jobs/job';
import type { Services } from '../services';
import { asTenantId, withSystem, withTenant, type TenantId } from '../tenancy/context';
import { dailyRunDone, generateClerkTasks, recordDailyRun, tenantsDueForDailyRun, tenantToday } from './tasks.repository';

/** Local hour from which the day's tasks are generated (after the night's analytics refresh). */
export const GENERATE_FROM_HOUR = 6;

/** Generates the tenant's tasks for its local today unless that day already ran. Returns the tasks created, or null when it had run. */
export async function generateDailyTasks(services: Services, tenantId: TenantId): Promise<{ day: string; created: number } | null> {
  return withTenant(services.dbs, tenantId, async (trx) => {
    const day = await tenantToday(trx, tenantId);
    if (await dailyRunDone(trx, tenantId, day)) return null;
    await generateClerkTasks(trx, tenantId, 'all', day);
    return { day, created: await recordDailyRun(trx, tenantId, day) };
  });
}

export const clerkTaskJobs: AnyJob[] = [
  defineJob({
    name: 'clerk.tasks.generate',
    retryLimit: 5,
    retryDelay: 60,
    expireInSeconds: 30 * 60,
    handler: async (services, data) => {
      const r = await generateDailyTasks(services, asTenantId(data.tenantId));
      services.log.info(r ? 'clerk tasks generated' : 'clerk tasks already generated today', { tenantId: data.tenantId, ...(r ?? {}) });
    },
  }),
  defineJob({
    name: 'clerk.tasks.schedule',
    cron: '*/15 * * * *',
    runOnStart: true,
    handler: async (services) => {
      for (const t of await withSystem(services.dbs, (db) => tenantsDueForDailyRun(db, GENERATE_FROM_HOUR))) {
        await services.queue.send('clerk.tasks.generate', { tenantId: t.id, day: t.day }, { singletonKey: `${t.id}:${t.day}` });
      }
    },
  }),
];
