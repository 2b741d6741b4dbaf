/**
 * Crash-safe creation of WeCom mass-message tasks for a campaign run (issue #15 point 4). Each outbox row (run,
 * clerk, chunk) is marked 'calling' and committed before add_msg_template, and completed with the msgid and
 * fail_list after it. A row found 'calling' (the worker died between the call and the record) is reconciled
 * first: the tasks WeCom holds from shortly before the call are listed (get_groupmsg_list_v2), matched by the
 * hash of the text, the sender (get_groupmsg_task) and the recipients (get_groupmsg_send_result, a subset of
 * the chunk); only when none matches is the call made again. So no clerk gets the same task twice. Group-chat
 * tasks (chat_type=group, planGroupRunIn) go through the same outbox, with chats in place of customers. Image
 * attachments are uploaded once per run (media.service.ts), not per task.
 */
import { createHash } from 'node:crypto';
import type { CampaignContent } from '../../app/lib/contracts/campaign';
import type { Services } from '../services';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import { WECOM_LIMITS, WecomApiError } from '../wecom/types';
import type { WecomClient } from '../wecom/client';
import { drainPool } from '../wecom/concurrency';
import { wecomClientFor } from '../wecom/runtime';
import { renderMessage } from './content';
import { resolveAttachments, type ImageFetcher } from './media.service';
import * as repo from './delivery.repository';
import * as groups from './group-delivery.repository';

export const textSha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The text each clerk sends: the content with the clerk's own variables filled. */
function clerkTexts(content: CampaignContent, clerks: { staff_id: string; name: string; store_name: string | null; store_address: string | null }[]): Map<string, string> {
  return new Map(clerks.map((s) => [s.staff_id, renderMessage(content.text, { 导购: s.name, 门店: s.store_name, 门店地址: s.store_address })]));
}

const hashesOf = (texts: Map<string, string>) => [...texts].map(([staffId, text]) => ({ staffId, sha256: textSha256(text) }));

/** Snapshot → senders → chunks and outbox rows, in one transaction; the text each sender sends is rendered here. */
export async function planMassRun(services: Services, tenantId: TenantId, runId: string, content: CampaignContent, chunkSize: number = WECOM_LIMITS.massMessageRecipients): Promise<{ tasks: number; texts: Map<string, string> }> {
  return withTenant(services.dbs, tenantId, (trx) => planMassRunIn(trx, tenantId, runId, content, chunkSize));
}

/** The same inside the caller's transaction (the run executor plans and moves the run on in one commit). */
export async function planMassRunIn(trx: Tx, tenantId: TenantId, runId: string, content: CampaignContent, chunkSize: number = WECOM_LIMITS.massMessageRecipients): Promise<{ tasks: number; texts: Map<string, string> }> {
  await repo.assignSenders(trx, tenantId, runId);
  const chunks = await repo.numberChunks(trx, tenantId, runId, chunkSize);
  const texts = clerkTexts(content, await repo.clerkTextFields(trx, tenantId, [...new Set(chunks.map((c) => c.staff_id))]));
  const tasks = await repo.insertOutboxRows(trx, tenantId, runId, chunks, hashesOf(texts));
  return { tasks, texts };
}

/** Each sender's text with their per-clerk variables filled, for the clerks of the run's outbox (a planned run). */
export async function senderTexts(trx: Tx, tenantId: TenantId, runId: string, content: CampaignContent): Promise<Map<string, string>> {
  return clerkTexts(content, await repo.clerkTextFields(trx, tenantId, await repo.outboxSenders(trx, tenantId, runId)));
}

/** The run was cancelled while it was being delivered: its remaining outbox rows are closed, nothing more is called. */
export class RunStoppedError extends Error {
  constructor(readonly runId: string) {
    super(`campaign run ${runId} was stopped`);
  }
}

/**
 * The run's second target (a campaign with target `customers_and_groups`, after its mass plan, in the caller's
 * transaction): the customer group chats of its senders (of every active clerk with `allClerks`, for a groups-only
 * campaign), one task per owner clerk and chunk of at most 2,000 chats (chat_type=group). Returns the tasks planned
 * and each owner's text; deliverMassRun sends them with the customer tasks (merge the texts).
 */
export async function planGroupRunIn(trx: Tx, tenantId: TenantId, runId: string, content: CampaignContent, opts: { allClerks?: boolean; chunkSize?: number } = {}): Promise<{ tasks: number; texts: Map<string, string> }> {
  await groups.snapshotGroupTargets(trx, tenantId, runId, opts.chunkSize ?? WECOM_LIMITS.massMessageChats, opts.allClerks ?? false);
  const texts = clerkTexts(content, await groups.groupOwners(trx, tenantId, runId));
  return { tasks: await groups.planGroupOutbox(trx, tenantId, runId, hashesOf(texts)), texts };
}

/**
 * add_msg_template calls in flight at once, like the sync's readers (SYNC_DEFAULTS.concurrency): a call waits on
 * WeCom far longer than its records take here. 300 tasks at 10,000 calls/min per API are within the minute's budget;
 * a 45033 (too many concurrent calls) is retried with backoff by the client.
 */
export const CALLS_IN_FLIGHT = 8;

export interface DeliveryOptions {
  /** Calls in flight at once; default CALLS_IN_FLIGHT. */
  concurrency?: number;
  /** Test seam: runs after WeCom accepted a task and before Huike records it (a crash there must not duplicate). */
  afterCall?: (row: repo.OutboxRow) => void | Promise<void>;
  /** How far before a 'calling' row's call time a matching task may have been created (clock skew). */
  skewSeconds?: number;
  /** Test seam: how an image attachment's bytes are fetched (default: its URL). */
  fetchImage?: ImageFetcher;
}

export interface DeliveryResult {
  created: number;
  reconciled: number;
  failed: number;
}

/** Creates (or reconciles) every open outbox row of a run. Safe to run again after a crash at any point. */
export async function deliverMassRun(services: Services, tenantId: TenantId, runId: string, content: CampaignContent, texts: Map<string, string>, opts: DeliveryOptions = {}): Promise<DeliveryResult> {
  const client = await wecomClientFor(services, tenantId);
  const rows = await withTenant(services.dbs, tenantId, (trx) => repo.openOutbox(trx, tenantId, runId));
  const result: DeliveryResult = { created: 0, reconciled: 0, failed: 0 };
  if (rows.length === 0) return result;
  // Images are uploaded (or a live upload re-used) once for the run, before any task: every task carries the media_id.
  const sent: CampaignContent = { ...content, attachments: await resolveAttachments(services, client, tenantId, content.attachments, { fetchImage: opts.fetchImage }) };
  let failure: { error: unknown } | null = null;
  // On the first failure no further row starts; calls already in flight finish and are recorded, then it throws.
  await drainPool(
    rows,
    opts.concurrency ?? CALLS_IN_FLIGHT,
    () => !failure,
    async (row) => {
      result[await deliverRow(services, client, tenantId, runId, row, sent, texts, opts)] += 1;
    },
    (error) => (failure ??= { error }),
  );
  if (failure) throw (failure as { error: unknown }).error;
  return result;
}

/** The external user ids of a customer chunk, or the chat ids of a group chunk. */
function chunkRecipients(services: Services, tenantId: TenantId, runId: string, row: repo.OutboxRow): Promise<string[]> {
  return withTenant(services.dbs, tenantId, (trx) => (row.chat_type === 'group' ? groups.chunkChatIds : repo.chunkExternalUserids)(trx, tenantId, runId, row.sender_staff_id, row.chunk));
}

async function deliverRow(services: Services, client: WecomClient, tenantId: TenantId, runId: string, row: repo.OutboxRow, content: CampaignContent, texts: Map<string, string>, opts: DeliveryOptions): Promise<keyof DeliveryResult> {
  const group = row.chat_type === 'group';
  const recipients = await chunkRecipients(services, tenantId, runId, row);
  const text = texts.get(row.sender_staff_id);
  if (text === undefined || textSha256(text) !== row.text_sha256) throw new Error(`campaign run ${runId}: the text for sender ${row.sender_staff_id} differs from the planned one`);
  if (row.state === 'calling') {
    const found = await findCreatedTask(services, client, tenantId, row, recipients, opts.skewSeconds ?? 120);
    if (found) {
      await complete(services, tenantId, runId, row, { msgid: found.msgid, failList: found.failList, reconciled: true });
      return 'reconciled';
    }
  }
  const open = await withTenant(services.dbs, tenantId, (trx) => repo.markCalling(trx, tenantId, runId, row.sender_staff_id, row.chunk));
  if (!open) throw new RunStoppedError(runId);
  try {
    const to = group ? { chat_type: 'group' as const, chat_id_list: recipients } : { chat_type: 'single' as const, external_userid: recipients };
    const r = await client.addMsgTemplate({ ...to, sender: row.wecom_userid, text: { content: text }, attachments: content.attachments });
    await opts.afterCall?.(row);
    await complete(services, tenantId, runId, row, { msgid: r.msgid, failList: r.fail_list, reconciled: false });
    return 'created';
  } catch (e) {
    if (isPermanent(e)) {
      await withTenant(services.dbs, tenantId, (trx) => repo.failOutbox(trx, tenantId, runId, row.sender_staff_id, row.chunk, e instanceof Error ? e.message : String(e)));
      return 'failed';
    }
    throw e; // transient or unknown: the row stays 'calling' and the retried job reconciles it first
  }
}

/** Records a created task on its outbox row, and its recipients (customers, or chats of a group task). */
async function complete(services: Services, tenantId: TenantId, runId: string, row: repo.OutboxRow, done: { msgid: string; failList: string[]; reconciled: boolean }): Promise<void> {
  await withTenant(services.dbs, tenantId, async (trx) => {
    await repo.completeOutbox(trx, tenantId, runId, row.sender_staff_id, row.chunk, done);
    if (row.chat_type === 'group') await groups.completeGroupChunk(trx, tenantId, runId, row.sender_staff_id, row.chunk, done.failList);
  });
}

/**
 * A stopped run (cancelled) calls nothing more, but a row left 'calling' may hold a task WeCom created before the
 * worker died: it is looked up like a restart would, recorded when found (so it can be cancelled with the others)
 * and closed otherwise. Returns how many tasks were adopted.
 */
export async function settleCallingRows(services: Services, tenantId: TenantId, runId: string, opts: { skewSeconds?: number } = {}): Promise<number> {
  const rows = (await withTenant(services.dbs, tenantId, (trx) => repo.openOutbox(trx, tenantId, runId))).filter((r) => r.state === 'calling');
  if (rows.length === 0) return 0;
  const client = await wecomClientFor(services, tenantId);
  let adopted = 0;
  for (const row of rows) {
    const found = await findCreatedTask(services, client, tenantId, row, await chunkRecipients(services, tenantId, runId, row), opts.skewSeconds ?? 120);
    if (found) {
      await complete(services, tenantId, runId, row, { msgid: found.msgid, failList: found.failList, reconciled: true });
      adopted++;
    } else await withTenant(services.dbs, tenantId, (trx) => repo.failOutbox(trx, tenantId, runId, row.sender_staff_id, row.chunk, 'cancelled'));
  }
  return adopted;
}

/** WeCom refused the request itself (not a network failure, a rate limit or a stale token): retrying cannot help. */
function isPermanent(e: unknown): boolean {
  return e instanceof WecomApiError && !e.isTransient && !e.isTokenError;
}

/**
 * The task a killed worker created for this row, if WeCom has it: same text, created since just before the call,
 * sent by this row's clerk to recipients that are all in this chunk (fail_list recipients are absent).
 */
async function findCreatedTask(services: Services, client: WecomClient, tenantId: TenantId, row: repo.OutboxRow, recipients: string[], skewSeconds: number): Promise<{ msgid: string; failList: string[] } | null> {
  const from = Math.floor((row.called_at?.getTime() ?? Date.now()) / 1000) - skewSeconds;
  const to = Math.min(Math.floor(Date.now() / 1000) + skewSeconds, from + 30 * 86_400);
  const candidates: string[] = [];
  for await (const m of client.iterateGroupMsgList({ chat_type: row.chat_type, start_time: from, end_time: to, filter_type: 0, limit: 100 })) {
    if (textSha256(m.text?.content ?? '') === row.text_sha256) candidates.push(m.msgid);
  }
  const known = await withTenant(services.dbs, tenantId, (trx) => repo.knownMsgids(trx, tenantId, candidates));
  const chunk = new Set(recipients);
  for (const msgid of candidates.filter((m) => !known.has(m))) {
    let bySender = false;
    for await (const t of client.iterateGroupMsgTasks(msgid)) if (t.userid === row.wecom_userid) bySender = true;
    if (!bySender) continue;
    const sentTo = new Set<string>();
    for await (const r of client.iterateGroupMsgSendResults(msgid, row.wecom_userid)) {
      const to = row.chat_type === 'group' ? r.chat_id : r.external_userid;
      if (to) sentTo.add(to);
    }
    if (sentTo.size > 0 && [...sentTo].every((e) => chunk.has(e))) return { msgid, failList: recipients.filter((e) => !sentTo.has(e)) };
  }
  return null;
}
