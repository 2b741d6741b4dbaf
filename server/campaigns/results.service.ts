/**
 * Send results of a campaign run (issue #15 point 6). For each task (outbox row with a msgid) WeCom is asked
 * whether the clerk confirmed it (get_groupmsg_task) and what became of every recipient
 * (get_groupmsg_send_result, pages of 1,000, each page written in one statement). Polls follow poll-schedule.ts;
 * a poll WeCom still refuses after the client's retries (rate limit, still dispatching) is rescheduled with a
 * backoff and the other tasks go on. Clerks who have not confirmed are reminded (at most 3 times in 24 hours,
 * checked and recorded before the call); after the campaign's expiry what is still unconfirmed is cancelled and
 * its recipients marked 'unsent'. Everything here is idempotent: WeCom's answer simply overwrites the states.
 */
import type { Services } from '../services';
import { withTenant, type TenantId } from '../tenancy/context';
import type { WecomClient } from '../wecom/client';
import { drainPool } from '../wecom/concurrency';
import { wecomClientFor } from '../wecom/runtime';
import { WECOM_LIMITS, WecomApiError } from '../wecom/types';
import { nextPollAt, retryPollAt } from './poll-schedule';
import { applyGroupSendResults } from './group-delivery.repository';
import * as repo from './results.repository';

export interface PollResult {
  polled: number;
  confirmed: number;
  /** Recipient rows whose state changed. */
  updated: number;
  /** Tasks WeCom refused to answer for now (rescheduled with a backoff). */
  deferred: number;
}

/** Polls the tasks of a run that are due at `now` (all unconfirmed ones with `all`). */
export interface PollOptions {
  now?: Date;
  /** Every unconfirmed, uncancelled task, due or not (a refresh before a cancel). */
  all?: boolean;
  client?: WecomClient;
  /** Recipients per get_groupmsg_send_result page (WeCom's maximum, 1,000, unless a test pages smaller). */
  pageSize?: number;
  /** Tasks polled at once (WeCom's per-API concurrency); default 4, like task creation. */
  concurrency?: number;
}

export async function pollRunResults(services: Services, tenantId: TenantId, runId: string, opts: PollOptions = {}): Promise<PollResult> {
  const now = opts.now ?? new Date();
  const client = opts.client ?? (await wecomClientFor(services, tenantId));
  const tasks = await withTenant(services.dbs, tenantId, (trx) => repo.dueTasks(trx, tenantId, runId, now, opts.all ?? false));
  const out: PollResult = { polled: 0, confirmed: 0, updated: 0, deferred: 0 };
  let failure: { error: unknown } | null = null;
  // Tasks are independent (each writes only its own chunk): a few at once hide WeCom's latency. On a failure that
  // is not retryable no further task starts; those in flight finish, then it throws.
  const pageSize = opts.pageSize ?? WECOM_LIMITS.groupMsgTaskPageSize;
  await drainPool([...tasks], opts.concurrency ?? 4, () => !failure, (task) => pollOne(services, client, tenantId, runId, task, now, pageSize, out), (error) => (failure ??= { error }));
  if (failure) throw (failure as { error: unknown }).error;
  return out;
}

/** Polls one task into `out`; a poll WeCom refuses for now is rescheduled with a backoff. */
async function pollOne(services: Services, client: WecomClient, tenantId: TenantId, runId: string, task: repo.PolledTask, now: Date, pageSize: number, out: PollResult): Promise<void> {
  try {
    const r = await pollTask(services, client, tenantId, runId, task, now, pageSize);
    out.polled++;
    out.updated += r.updated;
    if (r.confirmed) out.confirmed++;
  } catch (e) {
    if (!isRetryable(e)) throw e;
    const next = retryPollAt(now, task.poll_failures + 1);
    await withTenant(services.dbs, tenantId, (trx) => repo.reschedulePoll(trx, tenantId, runId, task.sender_staff_id, task.chunk, { now, next, error: (e as Error).message }));
    out.deferred++;
  }
}

/** One task: the clerk's confirmation, then every page of recipients, then the next poll time. */
async function pollTask(services: Services, client: WecomClient, tenantId: TenantId, runId: string, task: repo.PolledTask, now: Date, pageSize: number): Promise<{ updated: number; confirmed: boolean }> {
  let confirmedAt: Date | null = null;
  for await (const t of client.iterateGroupMsgTasks(task.msgid, WECOM_LIMITS.groupMsgTaskPageSize)) {
    if (t.userid === task.wecom_userid && t.status === 2) confirmedAt = new Date((t.send_time ?? Math.floor(now.getTime() / 1000)) * 1000);
  }
  let updated = 0;
  let notYetSent = 0;
  let cursor = '';
  do {
    const r = await client.getGroupMsgSendResult({ msgid: task.msgid, userid: task.wecom_userid, limit: pageSize, cursor });
    const page: repo.SendResultPage = { externalUserids: [], statuses: [], sendTimes: [] };
    for (const x of r.send_list) {
      // A customer task reports customers; a group task (chat_type=group) its chats.
      const to = task.chat_type === 'group' ? x.chat_id : x.external_userid;
      if (!to) continue;
      page.externalUserids.push(to);
      page.statuses.push(x.status);
      page.sendTimes.push(x.send_time ?? null);
      if (x.status === 0) notYetSent++;
    }
    updated += await withTenant(services.dbs, tenantId, (trx) =>
      task.chat_type === 'group'
        ? applyGroupSendResults(trx, tenantId, runId, task.sender_staff_id, task.chunk, { chatIds: page.externalUserids, statuses: page.statuses, sendTimes: page.sendTimes })
        : repo.applySendResults(trx, tenantId, runId, task.sender_staff_id, task.chunk, page),
    );
    cursor = r.next_cursor;
  } while (cursor);
  const confirmed = confirmedAt !== null || task.confirmed_at !== null;
  // Polling stops once the clerk confirmed and WeCom has a final status for every recipient.
  const next = nextPollAt({ createdAt: task.created_at, confirmed: confirmed && notYetSent === 0, cancelled: false }, now);
  await withTenant(services.dbs, tenantId, (trx) => repo.markPolled(trx, tenantId, runId, task.sender_staff_id, task.chunk, { confirmedAt, now, next }));
  return { updated, confirmed };
}

/** Failures worth another try later: WeCom's transient codes (rate limit 45009, busy, 41063 dispatching), HTTP and network. */
function isRetryable(e: unknown): boolean {
  if (!(e instanceof WecomApiError)) return false;
  return e.kind === 'http' || e.kind === 'network' || e.isTransient || e.errcode === 41063;
}

export interface RemindOptions {
  now?: Date;
  /** Reminders per task within 24 hours (WeCom's limit: 3). */
  maxPer24h?: number;
  /** Least time between two reminders of the same task (the job spreads them over the day); default none. */
  minGapMs?: number;
}

/**
 * Reminds the clerks of the run's tasks that are not confirmed (as last polled) and not cancelled. A slot is
 * taken in the database before the call, so the 24-hour limit holds across workers and crashes; WeCom's own
 * refusal (40058, limit reached) is accepted. Returns how many reminders WeCom accepted.
 */
export async function remindUnconfirmed(services: Services, tenantId: TenantId, runId: string, opts: RemindOptions = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const client = await wecomClientFor(services, tenantId);
  const tasks = await withTenant(services.dbs, tenantId, (trx) => repo.dueTasks(trx, tenantId, runId, now, true));
  let reminded = 0;
  for (const t of tasks) {
    const slot = await withTenant(services.dbs, tenantId, (trx) => repo.takeReminderSlot(trx, tenantId, runId, t.sender_staff_id, t.chunk, now, opts.maxPer24h ?? WECOM_LIMITS.remindPerDay, opts.minGapMs ?? 0));
    if (!slot) continue;
    try {
      await client.remindGroupMsgSend(t.msgid);
      reminded++;
    } catch (e) {
      if (!(e instanceof WecomApiError) || e.kind !== 'api' || e.errcode !== 40058) throw e;
    }
  }
  return reminded;
}

/**
 * After the campaign's expiry: the run's unconfirmed tasks are polled once more (a clerk may have just sent),
 * and those still unconfirmed are cancelled on WeCom; their recipients not sent yet become 'unsent'.
 */
export async function cancelExpired(services: Services, tenantId: TenantId, runId: string, expiresAt: Date, opts: { now?: Date } = {}): Promise<{ cancelled: number; unsent: number }> {
  const now = opts.now ?? new Date();
  if (now.getTime() < expiresAt.getTime()) return { cancelled: 0, unsent: 0 };
  const client = await wecomClientFor(services, tenantId);
  await pollRunResults(services, tenantId, runId, { now, all: true, client });
  const open = await withTenant(services.dbs, tenantId, (trx) => repo.dueTasks(trx, tenantId, runId, now, true));
  const out = { cancelled: 0, unsent: 0 };
  for (const t of open) {
    await client.cancelGroupMsgSend(t.msgid);
    out.unsent += await withTenant(services.dbs, tenantId, (trx) => repo.markCancelled(trx, tenantId, runId, t.sender_staff_id, t.chunk, now));
    out.cancelled++;
  }
  return out;
}

/** Polls every run of a tenant with tasks due at `now` (the job's body). */
export async function pollTenantResults(services: Services, tenantId: TenantId, opts: { now?: Date } = {}): Promise<PollResult & { runs: number }> {
  const now = opts.now ?? new Date();
  const runs = await withTenant(services.dbs, tenantId, (trx) => repo.runsWithDueTasks(trx, tenantId, now));
  const total = { runs: runs.length, polled: 0, confirmed: 0, updated: 0, deferred: 0 };
  if (runs.length === 0) return total;
  const client = await wecomClientFor(services, tenantId);
  for (const runId of runs) {
    const r = await pollRunResults(services, tenantId, runId, { now, client });
    total.polled += r.polled;
    total.confirmed += r.confirmed;
    total.updated += r.updated;
    total.deferred += r.deferred;
  }
  return total;
}
