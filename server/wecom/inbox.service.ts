/**
 * Processing of stored callback events (the `wecom.inbox` job). Every handler re-reads the current state from the
 * API instead of trusting the event, under a per-subject advisory lock held from the read to the write, so that
 * duplicated, lost or out-of-order events converge to what WeCom says now:
 *
 * - change_external_contact (add / edit / add_half / del_external_contact / del_follow_user / transfer_fail):
 *   externalcontact/get → customer, identities, every follow relation (clerk, remark, add way, state → channel,
 *   tags, remark mobiles); relations WeCom no longer lists are ended; del_follow_user marks the one-way deletion;
 *   new identities link anonymous orders.
 * - change_external_chat (create / update / dismiss): groupchat/get → chat and members. An update whose CurMemVer
 *   equals the stored member_version is already applied (duplicate, or overtaken by a later re-read) and skipped.
 * - change_external_tag (create / update / delete / shuffle): get_corp_tag_list → tags reconciled in full.
 */
import { z } from 'zod';
import { mobileHashKey } from '../customers/mobile-identity';
import { markCustomersTouched, nudgeRefresh } from '../customers/refresh';
import { generateRelationTasks, tenantToday } from '../clerk/tasks.repository';
import { linkOrdersForIdentities, loadTenantIngestContext, lockTenantIdentities, mergeCustomerPairs, type IdentityRef } from '../customers/identity.service';
import type { Services } from '../services';
import { systemActor } from '../tenancy/actor';
import { withTenant, type TenantId } from '../tenancy/context';
import type { WecomClient } from './client';
import { applyContactPairs, endMissingRelations, pairsFromGet, setCustomerDeleted } from './contacts.repository';
import { wecomEventSchema, type ExternalChatEvent, type ExternalContactEvent, type ExternalTagEvent, type WecomEvent } from './events';
import { applyGroupChats, markChatsDismissed, storedMemberVersion } from './groups.repository';
import { applyTransferFail } from './handovers.repository';
import { getInboxRow, lockSubject, markInbox, pendingInboxIds } from './inbox.repository';
import { describeWecomError, isTransientWecomError, isWecomErrcode } from './messages';
import { wecomClientFor } from './runtime';
import { reconcileCorpTags } from './tags.repository';
import type { ExternalContactGetResponse } from './types';

const isApi = isWecomErrcode;

async function handleContact(services: Services, client: WecomClient, tenantId: TenantId, e: ExternalContactEvent): Promise<string> {
  const key = mobileHashKey(services.config.APP_ENCRYPTION_KEY);
  const r = await withTenant(services.dbs, tenantId, async (trx) => {
    await lockSubject(trx, tenantId, `contact:${e.externalUserId}`);
    const fetchedAt = new Date();
    let resp: ExternalContactGetResponse | null;
    try {
      resp = await client.getExternalContactFull(e.externalUserId);
    } catch (err) {
      // No relation with any visible clerk any more (84061), or an id outside the app's range (40096).
      if (isApi(err, 84061, 40096)) resp = null;
      else throw err;
    }
    await lockTenantIdentities(trx, tenantId);
    const reason = e.changeType === 'del_external_contact' ? (e.source === 'DELETE_BY_TRANSFER' ? 'transfer' : 'clerk_deleted') : 'wecom.missing';
    let applied = null;
    if (resp && resp.follow_user.length > 0) {
      const pairs = pairsFromGet(resp, key, e.state ? { userid: e.userId, state: e.state } : undefined);
      applied = await applyContactPairs(trx, tenantId, pairs, { fetchedAt });
    }
    const ended = await endMissingRelations(trx, tenantId, e.externalUserId, resp?.follow_user.map((f) => f.userid) ?? [], reason);
    let flagged = 0;
    if (e.changeType === 'del_follow_user') flagged = await setCustomerDeleted(trx, tenantId, e.externalUserId, e.userId, true);
    if (e.changeType === 'add_external_contact' || e.changeType === 'add_half_external_contact') flagged = await setCustomerDeleted(trx, tenantId, e.externalUserId, e.userId, false);
    const handoverFailed = e.changeType === 'transfer_fail' ? await applyTransferFail(trx, tenantId, e.userId, e.externalUserId, e.failReason) : 0;
    if (applied && applied.mergePairs.length > 0) {
      const prio = (await loadTenantIngestContext(trx, tenantId)).priority;
      await mergeCustomerPairs(trx, systemActor(tenantId, '', 'wecom-callback'), applied.mergePairs, prio, 'wecom: identities of one person');
    }
    const touched = new Set(applied?.touched ?? []);
    if (ended.customerId) touched.add(ended.customerId);
    await markCustomersTouched(trx, tenantId, [...touched], `wecom.${e.changeType}`);
    // 今日 at once: a relation added (to tag) or ended (to win back) is the clerk's task today, not after tomorrow's run.
    await generateRelationTasks(trx, tenantId, { externalUserid: e.externalUserId, customerIds: [...touched] }, await tenantToday(trx, tenantId));
    let linked = 0;
    if (applied) {
      const ids: IdentityRef[] = [{ kind: 'external_userid', value: e.externalUserId }, ...applied.identities];
      linked = await linkOrdersForIdentities(trx, tenantId, ids);
    }
    const parts = [
      `relations ${applied ? `+${applied.relationsCreated} new, ${applied.relationsUpdated} updated` : 'none'}`,
      ended.ended ? `${ended.ended} ended` : '',
      applied?.customersCreated ? `${applied.customersCreated} customer created` : '',
      flagged ? (e.changeType === 'del_follow_user' ? 'marked: customer deleted the clerk' : 'cleared: customer-deleted mark') : '',
      linked ? `${linked} orders linked` : '',
      e.changeType === 'transfer_fail' ? `transfer failed (${e.failReason ?? 'unknown'})${handoverFailed ? '; handover updated' : ''}` : '',
      e.state ? `state ${e.state}` : '',
    ];
    return parts.filter(Boolean).join('; ');
  });
  await nudgeRefresh(services, tenantId);
  return r;
}

const NON_MEMBER_UPDATES = new Set(['change_name', 'change_notice', 'change_owner']);

async function handleChat(services: Services, client: WecomClient, tenantId: TenantId, e: ExternalChatEvent): Promise<string> {
  return withTenant(services.dbs, tenantId, async (trx) => {
    await lockSubject(trx, tenantId, `chat:${e.chatId}`);
    const stored = await storedMemberVersion(trx, tenantId, e.chatId);
    if (e.changeType === 'update' && e.curMemVer && stored?.version === e.curMemVer && !NON_MEMBER_UPDATES.has(e.updateDetail ?? '')) {
      return `member list already at version ${e.curMemVer.slice(0, 8)}…: nothing to do`;
    }
    const gap = e.changeType === 'update' && e.lastMemVer && stored?.version && stored.version !== e.lastMemVer ? ' (member version gap: lost or out-of-order events, re-read)' : '';
    try {
      const chat = await client.getGroupChat(e.chatId, true);
      const r = await applyGroupChats(trx, tenantId, [{ chat }]);
      return `chat ${r.chatsChanged ? 'updated' : 'unchanged'}, ${r.membersChanged} member rows changed${gap}`;
    } catch (err) {
      if (isApi(err, 40050)) {
        const n = await markChatsDismissed(trx, tenantId, [e.chatId]);
        return n ? 'chat dismissed' : 'chat already dismissed or unknown';
      }
      throw err;
    }
  });
}

async function handleTag(services: Services, client: WecomClient, tenantId: TenantId, e: ExternalTagEvent): Promise<string> {
  return withTenant(services.dbs, tenantId, async (trx) => {
    await lockSubject(trx, tenantId, 'tags');
    const r = await client.getCorpTagList();
    const rec = await reconcileCorpTags(trx, tenantId, r.tag_group, 'full');
    return `${e.changeType} ${e.tagType ?? ''}: ${rec.tagsChanged} tags and ${rec.groupsChanged} groups changed, ${rec.followTagsRemoved} assignments removed`;
  });
}

export async function processEvent(services: Services, tenantId: TenantId, e: WecomEvent, client?: WecomClient): Promise<string> {
  const c = client ?? (await wecomClientFor(services, tenantId));
  switch (e.event) {
    case 'change_external_contact':
      return handleContact(services, c, tenantId, e);
    case 'change_external_chat':
      return handleChat(services, c, tenantId, e);
    case 'change_external_tag':
      return handleTag(services, c, tenantId, e);
    default:
      return 'unknown event: acknowledged, not processed';
  }
}

export interface InboxOutcome {
  done: number;
  failed: number;
  /** Left pending after a transient failure (the job retries). */
  retry: number;
}

/**
 * Processes inbox rows in id order. A transient failure (network, busy, rate limit) leaves the row pending
 * unless `final`; a permanent one fails it with a readable reason.
 */
export async function processInbox(services: Services, tenantId: TenantId, ids: readonly number[], opts: { final?: boolean } = {}): Promise<InboxOutcome> {
  const out: InboxOutcome = { done: 0, failed: 0, retry: 0 };
  for (const id of [...ids].sort((a, b) => a - b)) {
    const row = await withTenant(services.dbs, tenantId, (trx) => getInboxRow(trx, tenantId, id));
    if (!row || row.status !== 'pending') continue;
    const parsed = wecomEventSchema.safeParse(row.payload);
    if (!parsed.success) {
      // Not an event this version can read (a payload from an older release, or a damaged row): fail it readably.
      const error = `stored event does not match the event schema: ${z.prettifyError(parsed.error)}`;
      await withTenant(services.dbs, tenantId, (trx) => markInbox(trx, tenantId, id, { status: 'failed', error, attempt: true }));
      services.log.warn('wecom inbox row unreadable', { tenantId, inboxId: id, error });
      out.failed++;
      continue;
    }
    const event = parsed.data;
    try {
      const result = await processEvent(services, tenantId, event);
      await withTenant(services.dbs, tenantId, (trx) => markInbox(trx, tenantId, id, { status: 'done', result, attempt: true }));
      out.done++;
    } catch (err) {
      const message = describeWecomError(err);
      const retry = isTransientWecomError(err) && !opts.final;
      await withTenant(services.dbs, tenantId, (trx) => markInbox(trx, tenantId, id, { status: retry ? 'pending' : 'failed', error: message, attempt: true }));
      services.log.warn('wecom event processing failed', { tenantId, inboxId: id, event: event.event, error: message, willRetry: retry });
      if (retry) out.retry++;
      else out.failed++;
    }
  }
  return out;
}

/** Processes every pending event of the tenant (the watchdog, tests, the demo). */
export async function processPendingInbox(services: Services, tenantId: TenantId, opts: { final?: boolean; olderThanSeconds?: number } = {}): Promise<InboxOutcome> {
  const ids = await withTenant(services.dbs, tenantId, (trx) => pendingInboxIds(trx, tenantId, 1000, opts.olderThanSeconds ?? 0));
  return processInbox(services, tenantId, ids, opts);
}
