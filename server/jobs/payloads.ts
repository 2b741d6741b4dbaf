/**
 * Every job Huike queues: its name and the zod schema of its payload, in one map. `services.queue.send(name,
 * data)` is typed by it and checks the data before storing it; the worker parses each job's data with it before
 * the handler runs (server/jobs/queue.ts), so a handler never sees a payload of the wrong shape.
 *
 * Adding a job: one line here, then its handler with `defineJob` in the capability's *.job.ts (listed in
 * server/jobs/registry.ts). Cron and run-on-start jobs get `{}`.
 */
import { z } from 'zod';

const none = z.object({});
const tenant = z.object({ tenantId: z.string().min(1) });
const ids = z.array(z.number().int());

export const JOB_PAYLOADS = {
  'platform.cleanup-sessions': none,
  'ingest.import-orders': tenant.extend({ importId: z.string().min(1) }),
  'ingest.watchdog': none,
  'analytics.refresh-touched': tenant,
  'analytics.daily': none,
  'analytics.refresh-tenant': tenant,
  'segments.action': tenant.extend({ actionId: z.string().min(1) }),
  'segments.refresh': tenant,
  'segments.fill': tenant.extend({ segmentId: z.string().uuid() }),
  'segments.schedule': none,
  'wecom.sync': tenant.extend({ runId: z.string().min(1) }),
  'wecom.inbox': tenant.extend({ inboxIds: ids }),
  /** tagIds: tags created in Huike that must be pushed with add_corp_tag even without a customer change. */
  'wecom.tags.writeback': tenant.extend({ changeIds: ids, tagIds: z.array(z.string()).optional() }),
  'wecom.handover': tenant.extend({ handoverId: z.string().min(1) }),
  'wecom.moment': tenant.extend({ momentId: z.string().min(1) }),
  'wecom.watchdog': none,
  /** Without a tenant (the cron): fans out one job per tenant with due tasks. */
  'campaigns.poll-results': z.object({ tenantId: z.string().min(1).optional() }),
  /** Without a tenant (the cron): fans out one tick per tenant with campaign work. */
  'campaigns.tick': z.object({ tenantId: z.string().min(1).optional() }),
  'campaigns.execute-run': tenant.extend({ runId: z.string().min(1) }),
  'campaigns.stop-run': tenant.extend({ runId: z.string().min(1) }),
  'clerk.tasks.schedule': none,
  'clerk.tasks.generate': tenant.extend({ day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/) }),
} as const;

export type JobPayloads = typeof JOB_PAYLOADS;
export type JobName = keyof JobPayloads;
export type JobPayload<N extends JobName> = z.output<JobPayloads[N]>;
