/**
 * Bridge from routes to the WeCom capability (server-only). Functions here take an actor that the route has
 * already guarded, run the domain code in the tenant's transaction and enqueue follow-up jobs after commit.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { channelFormOptions, createChannel, listChannels, retryChannel } from '../../server/wecom/channels.service';
import { configureConnection, getConnectionView, testConnection } from '../../server/wecom/connection.service';
import { getCustomerWecomProfile } from '../../server/wecom/customer-wecom.repository';
import { simulateActivity } from '../../server/wecom/demo-activity';
import { inboxCounts, recentInbox } from '../../server/wecom/inbox.repository';
import { buildClient } from '../../server/wecom/runtime';
import { requestFullSync, syncOverview } from '../../server/wecom/sync.service';
import { changeCustomerTags, createTag, enqueueTagWriteback } from '../../server/wecom/tags.service';
import { countLiveWecomTags, listTagGroups, listTagOptions } from '../../server/wecom/tags.repository';
import { MemoryTokenStore } from '../../server/wecom/token-store';
import { generateEncodingAesKey } from '../../server/wecom/crypto';
import { randomBytes } from 'node:crypto';
import { WECOM_LIMITS } from '../../server/wecom/types';
import { z } from 'zod';
import { ValidationError } from '../../server/lib/errors';
import './load-context';
import type { ChannelSort, SimActivity } from './contracts/wecom';

// ---- settings ----------------------------------------------------------------------------------------------------

export async function loadWecomSettings(context: AppLoadContext, actor: Actor) {
  const s = context.services;
  return withTenant(s.dbs, actor.tenantId, async (trx) => {
    const connection = await getConnectionView(s, trx, actor.tenantId, actor.tenantSlug);
    const sync = await syncOverview(trx, actor.tenantId);
    const inbox = (await recentInbox(trx, actor.tenantId, 30)).map((r) => ({
      id: r.id,
      event: r.event,
      changeType: r.change_type,
      subject: r.subject,
      status: r.status,
      result: r.result,
      error: r.error,
      attempts: r.attempts,
      receivedAt: r.received_at,
      processedAt: r.processed_at,
    }));
    const counts = await inboxCounts(trx, actor.tenantId);
    const corpTags = await countLiveWecomTags(trx, actor.tenantId);
    // Fresh values to paste into the WeCom console when the connection is new (Token: letters/digits ≤32; key: 43).
    const suggestions = connection.configured ? null : { token: randomBytes(12).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 16), aesKey: generateEncodingAesKey(() => randomBytes(4).readUInt32BE(0) / 4294967296) };
    return { connection, sync, inbox, inboxCounts: counts, corpTags, corpTagLimit: WECOM_LIMITS.corpTags, suggestions };
  });
}

export async function saveWecomConnection(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  const s = context.services;
  const r = await withTenant(s.dbs, actor.tenantId, (trx) => configureConnection(s, trx, actor, input));
  return { ...r };
}

export async function testWecomConnection(context: AppLoadContext, actor: Actor) {
  const s = context.services;
  return testConnection(s, actor.tenantId, (conn) => buildClient(s, conn, { tokenStore: new MemoryTokenStore(), retry: { maxRetries: 1 }, timeoutMs: 10_000 }));
}

export async function startWecomSync(context: AppLoadContext, actor: Actor) {
  return requestFullSync(context.services, actor, 'ui');
}

export async function simulateWecom(context: AppLoadContext, actor: Actor, kind: SimActivity) {
  return simulateActivity(context.services, actor.tenantId, kind);
}

// ---- channels ----------------------------------------------------------------------------------------------------

export async function loadChannels(context: AppLoadContext, actor: Actor, p: { sort: ChannelSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ list: await listChannels(trx, actor.tenantId, p), options: await channelFormOptions(trx, actor.tenantId) }));
}

export async function createWecomChannel(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return createChannel(context.services, actor, input);
}

export async function retryWecomChannel(context: AppLoadContext, actor: Actor, id: string) {
  return retryChannel(context.services, actor, id);
}

// ---- tags --------------------------------------------------------------------------------------------------------

export async function loadTagCatalogue(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ groups: await listTagGroups(trx, actor.tenantId), corpTags: await countLiveWecomTags(trx, actor.tenantId), limit: WECOM_LIMITS.corpTags }));
}

/** Creates a tag; a WeCom tag is then pushed by the write-back job. */
export async function createTagFor(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  const r = await withTenant(context.services.dbs, actor.tenantId, (trx) => createTag(trx, actor, input));
  if (r.push) await enqueueTagWriteback(context.services, actor.tenantId, [], [r.tagId]);
  return r;
}

// ---- customers ---------------------------------------------------------------------------------------------------

export async function tagOptionsFor(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, (trx) => listTagOptions(trx, actor.tenantId));
}

export async function customerWecom(context: AppLoadContext, actor: Actor, id: string) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ profile: await getCustomerWecomProfile(trx, actor, id), tagOptions: await listTagOptions(trx, actor.tenantId) }));
}

/** Adds/removes tags on customers (one or many); pending WeCom changes go to the write-back job after commit. */
export async function changeTags(context: AppLoadContext, actor: Actor, input: { customerIds: string[]; add: string[]; remove: string[] }) {
  const r = await withTenant(context.services.dbs, actor.tenantId, (trx) => changeCustomerTags(trx, actor, input));
  await enqueueTagWriteback(context.services, actor.tenantId, r.pending);
  return r;
}

const tagActionSchema = z.object({ tagId: z.string().uuid('请选择标签 / Choose a tag'), op: z.enum(['add', 'remove']) });

function parseTagAction(form: FormData) {
  const r = tagActionSchema.safeParse({ tagId: form.get('tagId'), op: form.get('op') });
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

/** The profile's add/remove tag form. */
export async function customerTagAction(context: AppLoadContext, actor: Actor, customerId: string, form: FormData) {
  const { tagId, op } = parseTagAction(form);
  const r = await changeTags(context, actor, { customerIds: [customerId], add: op === 'add' ? [tagId] : [], remove: op === 'remove' ? [tagId] : [] });
  return { ok: true as const, error: undefined, tagResult: { pending: r.pending.length, applied: r.applied, unchanged: r.unchanged, failed: r.failed, outOfScope: r.outOfScope } };
}

/** The list's bulk bar: one tag added to or removed from the selected customers. */
export async function bulkTagAction(context: AppLoadContext, actor: Actor, form: FormData) {
  const { tagId, op } = parseTagAction(form);
  const ids = form.getAll('customerId').map(String);
  if (ids.length === 0) throw new ValidationError('请先勾选客户 / Select customers first');
  const r = await changeTags(context, actor, { customerIds: ids, add: op === 'add' ? [tagId] : [], remove: op === 'remove' ? [tagId] : [] });
  return { ok: true as const, error: undefined, tagResult: { pending: r.pending.length, applied: r.applied, unchanged: r.unchanged, failed: r.failed, outOfScope: r.outOfScope } };
}
