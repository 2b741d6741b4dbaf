/**
 * The WeCom jobs:
 * - `wecom.sync`: runs or resumes one full-sync run (checkpointed; a retry continues where the last attempt
 *   stopped). The last attempt fails the run for good.
 * - `wecom.inbox`: processes stored callback events (re-reading WeCom, so order and duplicates do not matter).
 * - `wecom.tags.writeback`: pushes Huike-made tags (add_corp_tag) and tag changes (mark_tag), with retries.
 * - `wecom.handover`: collects, transfers and polls one customer handover (server/wecom/handovers.service.ts).
 * - `wecom.moment`: creates an enterprise moment, follows its job and syncs it (server/wecom/moments.service.ts).
 * - `wecom.watchdog` (every minute): resumes sync runs whose worker died, and re-enqueues inbox events, tag
 *   changes and handovers (idle 2 h) whose job was lost (a nudge that failed after commit).
 */
import { defineJob, type AnyJob } from '../jobs/job';
import { asTenantId, withSystem, withTenant } from '../tenancy/context';
import { processInbox, processPendingInbox } from './inbox.service';
import { pendingInboxIds } from './inbox.repository';
import { openHandoverIds } from './handovers.repository';
import { enqueueHandover, runHandover } from './handovers.service';
import { runMoment } from './moments.service';
import './merge-hooks';
import { enqueueSync, runFullSync } from './sync.service';
import { staleRuns } from './sync.repository';
import { stalePendingChanges } from './tag-changes.repository';
import { enqueueTagWriteback, processTagWriteback } from './tags.service';

const SYNC_RETRIES = 5;
const INBOX_RETRIES = 5;
const WRITEBACK_RETRIES = 5;

const syncJob = defineJob({
  name: 'wecom.sync',
  retryLimit: SYNC_RETRIES,
  retryDelay: 15,
  expireInSeconds: 4 * 3600,
  concurrency: 2,
  handler: async (services, data, ctx) => {
    await runFullSync(services, asTenantId(data.tenantId), data.runId, { jobId: ctx.jobId, takeover: ctx.retryCount > 0, final: ctx.retryCount >= SYNC_RETRIES });
  },
});

const inboxJob = defineJob({
  name: 'wecom.inbox',
  retryLimit: INBOX_RETRIES,
  retryDelay: 5,
  concurrency: 4,
  handler: async (services, data, ctx) => {
    const r = await processInbox(services, asTenantId(data.tenantId), data.inboxIds, { final: ctx.retryCount >= INBOX_RETRIES });
    if (r.retry > 0) throw new Error(`${r.retry} WeCom event(s) hit a transient failure; retrying`);
  },
});

const writebackJob = defineJob({
  name: 'wecom.tags.writeback',
  retryLimit: WRITEBACK_RETRIES,
  retryDelay: 5,
  concurrency: 2,
  handler: async (services, data, ctx) => {
    const r = await processTagWriteback(services, asTenantId(data.tenantId), { changeIds: data.changeIds, ...(data.tagIds ? { tagIds: data.tagIds } : {}) }, { final: ctx.retryCount >= WRITEBACK_RETRIES });
    if (r.retry > 0) throw new Error(`${r.retry} tag change(s) hit a transient WeCom failure; retrying`);
  },
});

const handoverJob = defineJob({
  name: 'wecom.handover',
  retryLimit: 5,
  retryDelay: 30,
  concurrency: 2,
  handler: async (services, data) => {
    await runHandover(services, asTenantId(data.tenantId), data.handoverId);
  },
});

const momentJob = defineJob({
  name: 'wecom.moment',
  retryLimit: 5,
  retryDelay: 15,
  concurrency: 2,
  handler: async (services, data) => {
    await runMoment(services, asTenantId(data.tenantId), data.momentId);
  },
});

const watchdogJob = defineJob({
  name: 'wecom.watchdog',
  cron: '* * * * *',
  retryLimit: 0,
  handler: async (services) => {
    for (const r of await withSystem(services.dbs, (db) => staleRuns(db, 120))) await enqueueSync(services, r.tenant_id, r.id);
    const tenants = await withSystem(services.dbs, (db) => db.selectFrom('wecom_connections').select('tenant_id').execute());
    for (const { tenant_id } of tenants) {
      const t = asTenantId(tenant_id);
      const inbox = await withTenant(services.dbs, t, (trx) => pendingInboxIds(trx, t, 500, 120));
      if (inbox.length > 0) await processPendingInbox(services, t, { olderThanSeconds: 120 });
      const changes = await withTenant(services.dbs, t, (trx) => stalePendingChanges(trx, t, 300));
      if (changes.length > 0) await enqueueTagWriteback(services, t, changes);
      for (const id of await withTenant(services.dbs, t, (trx) => openHandoverIds(trx, t, 2 * 3600))) await enqueueHandover(services, t, id);
    }
  },
});

export const wecomJobs: AnyJob[] = [syncJob, inboxJob, writebackJob, handoverJob, momentJob, watchdogJob];
