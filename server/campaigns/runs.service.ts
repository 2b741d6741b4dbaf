/**
 * Executing campaigns (issue #15 points 2, 4, 6): the scheduler tick and the run executor.
 *
 * - `createDueRuns`: every scheduled or running campaign whose next run is due gets that run — once: the run is
 *   unique per (campaign, planned time) — and its next run time (missed occurrences of a recurring campaign are
 *   not replayed: one catch-up run, then the next future one). A triggered campaign's due time is its daily
 *   evaluation (triggers.ts): this is the only path that evaluates triggers.
 * - `executeRun`: snapshot → plan → deliver. Planning and the move to 'sending' commit together, so a crash
 *   before resumes with planning and a crash after resumes with delivery (itself crash-safe through the outbox).
 * - `finishRuns`: a sent run is done when its results are final, or at its expiry after its unsent tasks were
 *   cancelled; the campaign is done after its last run. `remindRuns` reminds clerks who have not confirmed.
 */
import type { Services } from '../services';
import { systemActor } from '../tenancy/actor';
import { withTenant, type TenantId } from '../tenancy/context';
import * as campaigns from './campaigns.repository';
import { loadCampaign, transition } from './campaigns.service';
import { deliverMassRun, RunStoppedError, senderTexts, settleCallingRows, type DeliveryOptions, type DeliveryResult } from './delivery.service';
import { createOneToOneTasks } from './one-to-one.service';
import { planRun, sendTimeFor } from './planning';
import { evaluateCampaignTriggers } from './triggers';
import { cancelExpired, remindUnconfirmed } from './results.service';
import { nextRunAt } from './schedule';
import { loadCampaignSettings } from './settings.service';

const system = (tenantId: TenantId) => systemActor(tenantId, '', 'campaigns');
const HOUR = 3_600_000;

/** Creates the due runs of a tenant's campaigns; returns the runs created. */
export async function createDueRuns(services: Services, tenantId: TenantId, now = new Date()): Promise<string[]> {
  const ids = await withTenant(services.dbs, tenantId, (trx) => campaigns.dueCampaignIds(trx, tenantId, now));
  const created: string[] = [];
  for (const id of ids) {
    const run = await withTenant(services.dbs, tenantId, async (trx) => {
      const c = await loadCampaign(trx, tenantId, id, true);
      if (!c.next_run_at || c.next_run_at.getTime() > now.getTime() || !['scheduled', 'running'].includes(c.status)) return null;
      const [settings, tz] = [await loadCampaignSettings(trx, tenantId), await campaigns.tenantTimezone(trx, tenantId)];
      const planned = c.next_run_at;
      if (c.schedule.kind === 'triggered') {
        // A triggered campaign's daily evaluation: a run only when entries fired, its audience exactly those entries.
        const fired = await evaluateCampaignTriggers(trx, tenantId, { id, schedule: c.schedule }, now);
        await campaigns.setNextRunAt(trx, tenantId, id, nextRunAt(c.schedule, now, tz, planned));
        return fired.runId;
      }
      const r = await campaigns.ensureRun(trx, tenantId, id, planned, sendTimeFor(planned, c, settings, tz));
      const after = planned.getTime() < now.getTime() ? now : planned;
      await campaigns.setNextRunAt(trx, tenantId, id, nextRunAt(c.schedule, after, tz, planned));
      return r.created ? r.id : null;
    });
    if (run) created.push(run);
  }
  return created;
}

export interface ExecuteOptions {
  now?: Date;
  /** Recipients per mass task (WeCom's maximum unless a test chunks smaller). */
  chunkSize?: number;
  delivery?: DeliveryOptions;
}

export type ExecuteOutcome =
  | { kind: 'nothing' }
  | { kind: 'waiting'; until: Date }
  | { kind: 'stopped' }
  | { kind: 'sent' | 'failed'; result: DeliveryResult };

/** Plans the run if it is not planned yet (in one commit with its move to 'sending'); null when there is nothing to do. */
async function prepareRun(services: Services, tenantId: TenantId, runId: string, now: Date, chunkSize?: number): Promise<{ campaign: campaigns.CampaignRow } | { waiting: Date } | null> {
  return withTenant(services.dbs, tenantId, async (trx) => {
    const run = await campaigns.getRun(trx, tenantId, runId, true);
    if (!run || (run.status !== 'planning' && run.status !== 'sending')) return null;
    const campaign = await loadCampaign(trx, tenantId, run.campaign_id, true);
    if (campaign.status !== 'scheduled' && campaign.status !== 'running') return null;
    const [settings, tz] = [await loadCampaignSettings(trx, tenantId), await campaigns.tenantTimezone(trx, tenantId)];
    // Quiet hours hold at the moment of sending too (a run delayed into them waits again).
    const sendAt = new Date(Math.max(run.send_after?.getTime() ?? 0, sendTimeFor(now, campaign, settings, tz).getTime()));
    if (sendAt.getTime() > now.getTime()) {
      await campaigns.deferRun(trx, tenantId, runId, sendAt);
      return { waiting: sendAt };
    }
    if (run.status === 'planning') {
      await planRun(trx, tenantId, campaign, run, now, chunkSize);
      await campaigns.setRunStatus(trx, tenantId, runId, ['planning'], 'sending', { expiresAt: new Date(now.getTime() + campaign.guardrails.expire_hours * HOUR) });
      if (campaign.status === 'scheduled') await transition(trx, system(tenantId), campaign, ['scheduled'], { status: 'running' }, 'start', { run: runId });
    }
    return { campaign };
  });
}

/** The delivery of a planned run, by mode. */
async function deliverRun(services: Services, tenantId: TenantId, campaign: campaigns.CampaignRow, runId: string, opts: DeliveryOptions): Promise<DeliveryResult> {
  switch (campaign.delivery) {
    case 'mass': {
      const texts = await withTenant(services.dbs, tenantId, (trx) => senderTexts(trx, tenantId, runId, campaign.content));
      return deliverMassRun(services, tenantId, runId, campaign.content, texts, opts);
    }
    case 'one_to_one':
      // 1:1 follow-up: a personalised task per customer in their clerk's 今日 (one-to-one.service.ts), idempotent.
      return { created: await createOneToOneTasks(services, tenantId, runId, campaign.content), reconciled: 0, failed: 0 };
  }
}

/** Snapshot → plan → deliver; safe to call again at any point (a crash resumes where it stopped). */
export async function executeRun(services: Services, tenantId: TenantId, runId: string, opts: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  const now = opts.now ?? new Date();
  const prepared = await prepareRun(services, tenantId, runId, now, opts.chunkSize);
  if (!prepared) return { kind: 'nothing' };
  if ('waiting' in prepared) return { kind: 'waiting', until: prepared.waiting };
  let result: DeliveryResult;
  try {
    result = await deliverRun(services, tenantId, prepared.campaign, runId, opts.delivery ?? {});
  } catch (e) {
    if (e instanceof RunStoppedError) return { kind: 'stopped' };
    throw e;
  }
  const failed = result.failed > 0 && result.created + result.reconciled === 0;
  await withTenant(services.dbs, tenantId, async (trx) => {
    if (!failed) {
      await campaigns.setRunStatus(trx, tenantId, runId, ['sending'], 'sent');
      return;
    }
    await failRunIn(trx, tenantId, runId, `WeCom refused every task (${result.failed})`);
  });
  return { kind: failed ? 'failed' : 'sent', result };
}

async function failRunIn(trx: Parameters<typeof campaigns.getRun>[0], tenantId: TenantId, runId: string, error: string): Promise<void> {
  const run = await campaigns.getRun(trx, tenantId, runId, true);
  if (!run || !(await campaigns.setRunStatus(trx, tenantId, runId, ['planning', 'sending'], 'failed', { error }))) return;
  const c = await loadCampaign(trx, tenantId, run.campaign_id, true);
  if (c.status === 'scheduled' || c.status === 'running') await transition(trx, system(tenantId), c, ['scheduled', 'running'], { status: 'failed', nextRunAt: null }, 'fail', { run: runId, error });
}

/** A run that could not be executed after the job's retries: the run and its campaign fail, with the reason. */
export async function failRun(services: Services, tenantId: TenantId, runId: string, error: string): Promise<void> {
  await withTenant(services.dbs, tenantId, (trx) => failRunIn(trx, tenantId, runId, error));
}

/** Sent runs whose results are final, or that expired (their unsent tasks cancelled first), are done; then their campaigns. */
export async function finishRuns(services: Services, tenantId: TenantId, now = new Date()): Promise<{ done: string[]; cancelled: number }> {
  const runs = await withTenant(services.dbs, tenantId, (trx) => campaigns.sentRuns(trx, tenantId, now));
  const out = { done: [] as string[], cancelled: 0 };
  for (const r of runs) {
    if (!r.final && !r.expired) continue;
    if (!r.final) out.cancelled += (await cancelExpired(services, tenantId, r.id, r.expires_at!, { now })).cancelled;
    await withTenant(services.dbs, tenantId, async (trx) => {
      if (!(await campaigns.setRunStatus(trx, tenantId, r.id, ['sent'], 'done'))) return;
      await completeCampaignIfLast(trx, tenantId, r.campaign_id);
    });
    out.done.push(r.id);
  }
  return out;
}

/** running → done once no run is open and no run is coming. */
async function completeCampaignIfLast(trx: Parameters<typeof campaigns.getRun>[0], tenantId: TenantId, campaignId: string): Promise<void> {
  const c = await loadCampaign(trx, tenantId, campaignId, true);
  if ((c.status !== 'running' && c.status !== 'scheduled') || c.next_run_at) return;
  if ((await campaigns.openRuns(trx, tenantId, campaignId)).length > 0) return;
  await transition(trx, system(tenantId), c, ['running', 'scheduled'], { status: 'done' }, 'finish');
}

/** Reminds the clerks of sent runs who have not confirmed: from 4 hours after the send, at most every 6 hours (3 a day). */
export async function remindRuns(services: Services, tenantId: TenantId, now = new Date()): Promise<number> {
  const runs = await withTenant(services.dbs, tenantId, (trx) => campaigns.sentRuns(trx, tenantId, now));
  let reminded = 0;
  for (const r of runs) {
    if (r.final || r.expired || !r.sent_at || now.getTime() - r.sent_at.getTime() < 4 * HOUR) continue;
    reminded += await remindUnconfirmed(services, tenantId, r.id, { now, minGapMs: 6 * HOUR });
  }
  return reminded;
}

/** One tick of a tenant: due runs created, runs to start returned (the job enqueues them), runs finished, clerks reminded. */
export async function tickTenant(services: Services, tenantId: TenantId, now = new Date()): Promise<{ created: string[]; toExecute: string[]; done: string[]; reminded: number }> {
  const created = await createDueRuns(services, tenantId, now);
  const toExecute = await withTenant(services.dbs, tenantId, (trx) => campaigns.runsToExecute(trx, tenantId, now));
  const { done } = await finishRuns(services, tenantId, now);
  const reminded = await remindRuns(services, tenantId, now);
  return { created, toExecute, done, reminded };
}

/**
 * After a cancel: a task a killed worker created but never recorded is found and recorded first, then what the
 * clerks have not sent yet is cancelled on WeCom (their results polled once more first).
 */
export async function stopRunTasks(services: Services, tenantId: TenantId, runId: string, now = new Date()): Promise<{ cancelled: number; unsent: number }> {
  await settleCallingRows(services, tenantId, runId);
  return cancelExpired(services, tenantId, runId, now, { now });
}
