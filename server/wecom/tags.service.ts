/**
 * Tags from Huike: creating tags (WeCom corp tags or Huike-internal ones), adding and removing tags on customers
 * one by one or in bulk, and writing WeCom tags back through the queue.
 *
 * - Internal tags live only in Huike (`customer_internal_tags`) and are never pushed.
 * - A WeCom tag change is recorded as a `tag_changes` row (pending) in the request's transaction; the
 *   `wecom.tags.writeback` job marks it with mark_tag on every open relation of the customer (WeCom tags belong
 *   to a clerk–customer relation), creating the tag first with add_corp_tag when Huike made it. The row ends
 *   synced, or failed with a readable reason; transient failures are retried by the job (pg-boss backoff).
 * - Limits: at most 3,000 corp tags per enterprise and 3,000 tags per relation — checked before anything is
 *   queued, with a clear message; WeCom's own refusal is reported the same way.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { markCustomersTouched } from '../customers/refresh';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import type { WecomClient } from './client';
import type { JobPayload } from '../jobs/payloads';
import { describeWecomError, isTransientWecomError, isWecomErrcode } from './messages';
import { wecomClientFor } from './runtime';
import { applyInternalTag, applyTagToRelation, customersInScope, maxRelationTags, openWecomRelations, pendingTagChanges, recordWecomTagChanges, settleTagChange } from './tag-changes.repository';
import { countLiveWecomTags, findTagGroup, insertTag, insertTagGroup, liveTagInGroup, liveTagsById, lockTagPush, markTagPushError, markTagPushed, tagForPush } from './tags.repository';
import { WECOM_LIMITS } from './types';

export const TAG_LIMIT_MESSAGE = (n: number) =>
  `企业微信最多允许 3,000 个企业标签，当前已有 ${n.toLocaleString('en-US')} 个：请先删除不用的标签，或将新标签建为“仅回客内部”标签 / WeCom allows at most 3,000 corp tags and ${n.toLocaleString('en-US')} exist: delete unused tags first, or create this one as a Huike-internal tag`;

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

export const tagCreateInput = z
  .object({
    name: z.string().trim().min(1, '请填写标签名 / Tag name is required').max(WECOM_LIMITS.tagNameChars, '标签名最多 30 个字 / Tag names have at most 30 characters'),
    kind: z.enum(['wecom', 'internal']),
    groupId: z.preprocess(blank, z.string().uuid().optional()),
    groupName: z.preprocess(blank, z.string().trim().max(WECOM_LIMITS.tagNameChars, '标签组名最多 30 个字 / Group names have at most 30 characters').optional()),
  })
  .refine((v) => v.groupId || v.groupName, { message: '请选择或新建一个标签组 / Choose or name a tag group', path: ['groupName'] });

/** Creates a tag. WeCom tags are pushed by the write-back job (returned in `push`). */
export async function createTag(trx: Tx, actor: Actor, input: unknown): Promise<{ tagId: string; push: boolean }> {
  assertCan(actor, 'tags.manage');
  const v = parseOrThrow(tagCreateInput, input, { details: 'issues' });
  const t = actor.tenantId;
  let group = await findTagGroup(trx, t, v.groupId ? { id: v.groupId } : { name: v.groupName!, kind: v.kind });
  if (v.groupId && !group) throw new NotFoundError('标签组不存在 / Tag group not found');
  if (group && group.kind !== v.kind) throw new ValidationError('该标签组与标签类型不一致 / The group is of the other kind (WeCom vs internal)');
  if (v.kind === 'wecom') {
    const n = await countLiveWecomTags(trx, t);
    if (n >= WECOM_LIMITS.corpTags) throw new ValidationError(TAG_LIMIT_MESSAGE(n));
  }
  if (!group) {
    group = await insertTagGroup(trx, t, v.groupName!, v.kind);
  } else if (await liveTagInGroup(trx, t, group.id, v.name)) {
    throw new ConflictError(`标签组「${group.name}」中已有标签「${v.name}」 / The group ${group.name} already has a tag ${v.name}`);
  }
  const tagId = await insertTag(trx, t, { groupId: group.id, name: v.name, kind: v.kind, label: actor.label });
  await audit(trx, actor, { action: 'tag.create', entityType: 'tag', entityId: tagId, after: { name: v.name, group: group.name, kind: v.kind } });
  return { tagId, push: v.kind === 'wecom' };
}

export const tagChangeInput = z.object({
  customerIds: z.array(z.string().uuid()).min(1, '请选择客户 / Select customers').max(1000, '一次最多 1,000 位客户 / At most 1,000 customers at a time'),
  add: z.array(z.string().uuid()).default([]),
  remove: z.array(z.string().uuid()).default([]),
});

export interface TagChangeResult {
  batchId: string;
  /** Changes waiting for the write-back job. */
  pending: number[];
  /** Internal-tag changes applied at once. */
  applied: number;
  /** Already so (tag present / absent): nothing to do. */
  unchanged: number;
  /** Could not be written back at all (no WeCom relation). */
  failed: number;
  /** Customers outside the actor's scope, ignored. */
  outOfScope: number;
}

/**
 * Adds and removes tags on customers in the actor's scope. Internal tags apply at once; WeCom tags are recorded
 * as pending changes for the write-back job (enqueue `pending` after commit with enqueueTagWriteback).
 */
export async function changeCustomerTags(trx: Tx, actor: Actor, input: unknown): Promise<TagChangeResult> {
  assertCan(actor, 'customers.tag');
  const { customerIds, add, remove } = parseOrThrow(tagChangeInput, input, { details: 'issues' });
  if (add.length === 0 && remove.length === 0) throw new ValidationError('请选择要添加或移除的标签 / Choose a tag to add or remove');
  if (add.some((x) => remove.includes(x))) throw new ValidationError('同一标签不能同时添加和移除 / A tag cannot be added and removed at once');
  const t = actor.tenantId;
  const ids = await customersInScope(trx, actor, customerIds);
  if (ids.length === 0) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
  const tagRows = await liveTagsById(trx, t, [...add, ...remove]);
  const byId = new Map(tagRows.map((r) => [r.id, r]));
  for (const id of [...add, ...remove]) if (!byId.has(id)) throw new NotFoundError('标签不存在或已删除 / Tag not found or deleted');
  if (add.some((id) => byId.get(id)!.push_state === 'failed')) throw new ValidationError('该标签未能在企业微信创建，不能使用 / This tag could not be created in WeCom and cannot be used');

  if (add.length > 0 && (await maxRelationTags(trx, t, ids)) + add.length > WECOM_LIMITS.corpTags) {
    throw new ValidationError('客户的标签已达企业微信 3,000 个上限 / A customer would exceed WeCom’s 3,000 tags');
  }

  const batchId = randomUUID();
  const out: TagChangeResult = { batchId, pending: [], applied: 0, unchanged: 0, failed: 0, outOfScope: customerIds.length - ids.length };
  const ops: { tagId: string; op: 'add' | 'remove' }[] = [...add.map((tagId) => ({ tagId, op: 'add' as const })), ...remove.map((tagId) => ({ tagId, op: 'remove' as const }))];
  const touched = new Set<string>();
  for (const { tagId, op } of ops) {
    const internal = byId.get(tagId)!.kind === 'internal';
    if (internal) {
      const changed = await applyInternalTag(trx, actor, { batchId, tagId, op, customerIds: ids });
      for (const c of changed) touched.add(c);
      out.applied += changed.length;
      out.unchanged += ids.length - changed.length;
      continue;
    }
    // WeCom tag: one change per customer for whom it changes something; customers without a relation fail at once.
    const rows = await recordWecomTagChanges(trx, actor, { batchId, tagId, op, customerIds: ids });
    for (const x of rows) {
      if (x.state === 'pending') out.pending.push(x.id);
      else out.failed++;
    }
    out.unchanged += ids.length - rows.length;
  }
  await markCustomersTouched(trx, t, [...touched], 'tags.internal');
  await audit(trx, actor, {
    action: ids.length > 1 ? 'customer.tags.bulk' : 'customer.tags',
    entityType: 'customer',
    entityId: ids.length === 1 ? ids[0]! : null,
    after: { batch_id: batchId, customers: ids.length, add: add.map((id) => byId.get(id)!.name), remove: remove.map((id) => byId.get(id)!.name), pending: out.pending.length, applied: out.applied, failed: out.failed },
  });
  return out;
}

export async function enqueueTagWriteback(services: Services, tenantId: TenantId, changeIds: readonly number[], tagIds: readonly string[] = []): Promise<void> {
  if (!services.queue.started) return;
  for (let i = 0; i < Math.max(changeIds.length, 1); i += 200) {
    const data: JobPayload<'wecom.tags.writeback'> = { tenantId, changeIds: changeIds.slice(i, i + 200), ...(i === 0 && tagIds.length ? { tagIds: [...tagIds] } : {}) };
    if (data.changeIds.length === 0 && !data.tagIds) continue;
    await services.queue.send('wecom.tags.writeback', data, { retryLimit: 5, retryDelay: 5, retryBackoff: true });
  }
}

/** Creates a tag in its own transaction; a WeCom tag is then pushed by the write-back job, queued after commit. */
export async function createTagAndPush(services: Services, actor: Actor, input: unknown): Promise<{ tagId: string; push: boolean }> {
  const r = await withTenant(services.dbs, actor.tenantId, (trx) => createTag(trx, actor, input));
  if (r.push) await enqueueTagWriteback(services, actor.tenantId, [], [r.tagId]);
  return r;
}

/** Adds/removes tags on customers (one or many) in their own transaction; pending WeCom changes go to the write-back job after commit. */
export async function applyTagChanges(services: Services, actor: Actor, input: { customerIds: string[]; add: string[]; remove: string[] }): Promise<TagChangeResult> {
  const r = await withTenant(services.dbs, actor.tenantId, (trx) => changeCustomerTags(trx, actor, input));
  await enqueueTagWriteback(services, actor.tenantId, r.pending);
  return r;
}

// ---------------------------------------------------------------------------------------------------------------
// The write-back

export interface WritebackOutcome {
  synced: number;
  failed: number;
  /** Left pending after a transient failure: the job is retried. */
  retry: number;
  tagsPushed: number;
}

/** Creates a Huike-made tag in WeCom (add_corp_tag), once. Returns its WeCom id, or throws. */
async function pushTag(services: Services, client: WecomClient, tenantId: TenantId, tagId: string, final: boolean): Promise<string> {
  // The outcome is written in the lock's transaction; the error is thrown after it commits.
  const r = await withTenant(services.dbs, tenantId, async (trx): Promise<{ id: string } | { error: unknown; permanent: boolean }> => {
    await lockTagPush(trx, tenantId, tagId);
    const tag = await tagForPush(trx, tenantId, tagId);
    if (tag.wecom_tag_id) return { id: tag.wecom_tag_id };
    if (tag.push_state === 'failed') return { error: new TagPushFailed(tag.push_error ?? 'tag could not be created in WeCom'), permanent: true };
    try {
      const res = await client.addCorpTag(tag.wecom_group_id ? { group_id: tag.wecom_group_id, tag: [{ name: tag.name }] } : { group_name: tag.group_name, tag: [{ name: tag.name }] });
      const created = res.tag_group.tag.find((x) => x.name === tag.name) ?? res.tag_group.tag[0];
      if (!created) throw new Error('add_corp_tag returned no tag');
      await markTagPushed(trx, tenantId, { tagId, groupId: tag.group_id, wecomGroupId: res.tag_group.group_id, wecomTagId: created.id });
      return { id: created.id };
    } catch (e) {
      const message = describeWecomError(e);
      const permanent = !isTransientWecomError(e) || final;
      await markTagPushError(trx, tenantId, tagId, permanent ? 'failed' : 'pending', message);
      return { error: permanent ? new TagPushFailed(message) : e, permanent };
    }
  });
  if ('id' in r) return r.id;
  throw r.error;
}

class TagPushFailed extends Error {
  override readonly name = 'TagPushFailed';
}

/**
 * Writes pending changes back to WeCom in id order (an add then a remove of the same tag end as a remove), and
 * pushes Huike-made tags. `final`: the last attempt, transient failures fail the change too.
 */
export async function processTagWriteback(services: Services, tenantId: TenantId, data: { changeIds: readonly number[]; tagIds?: readonly string[] }, opts: { final?: boolean; client?: WecomClient } = {}): Promise<WritebackOutcome> {
  const out: WritebackOutcome = { synced: 0, failed: 0, retry: 0, tagsPushed: 0 };
  const client = opts.client ?? (await wecomClientFor(services, tenantId));
  const final = opts.final === true;
  for (const tagId of data.tagIds ?? []) {
    try {
      await pushTag(services, client, tenantId, tagId, final);
      out.tagsPushed++;
    } catch (e) {
      if (!(e instanceof TagPushFailed)) out.retry++;
    }
  }
  const changes = await withTenant(services.dbs, tenantId, (trx) => pendingTagChanges(trx, tenantId, data.changeIds));
  for (const ch of changes) {
    let reason: string | null = null;
    let transient = false;
    try {
      const wecomTagId = await pushTag(services, client, tenantId, ch.tag_id, final);
      const relations = await withTenant(services.dbs, tenantId, (trx) => openWecomRelations(trx, tenantId, ch.customer_id));
      const usable = relations.filter((r): r is typeof r & { external_userid: string } => Boolean(r.external_userid));
      if (usable.length === 0) throw new TagPushFailed('该客户已没有企业微信好友关系 / The customer no longer has a WeCom relation');
      for (const rel of usable) {
        try {
          await client.markTag({ userid: rel.userid, external_userid: rel.external_userid, ...(ch.op === 'add' ? { add_tag: [wecomTagId] } : { remove_tag: [wecomTagId] }) });
        } catch (e) {
          // The clerk deleted the customer meanwhile: nothing to tag on this relation.
          if (isWecomErrcode(e, 84061) && usable.length > 1) continue;
          throw e;
        }
        await withTenant(services.dbs, tenantId, (trx) => applyTagToRelation(trx, tenantId, { customerId: ch.customer_id, staffId: rel.staff_id, tagId: ch.tag_id, op: ch.op }));
      }
    } catch (e) {
      reason = e instanceof TagPushFailed ? e.message : describeWecomError(e);
      transient = !(e instanceof TagPushFailed) && isTransientWecomError(e);
    }
    const state = reason === null ? 'synced' : transient && !final ? 'pending' : 'failed';
    await withTenant(services.dbs, tenantId, async (trx) => {
      await settleTagChange(trx, tenantId, ch.id, { state, reason, attempts: ch.attempts + 1 });
      if (state === 'synced') await markCustomersTouched(trx, tenantId, [ch.customer_id], 'tags.wecom');
    });
    if (state === 'synced') out.synced++;
    else if (state === 'failed') out.failed++;
    else out.retry++;
  }
  return out;
}
