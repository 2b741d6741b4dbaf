/**
 * Bridge from routes to the WeCom capability (server-only). Functions here take an actor that the route has
 * already guarded and adapt the request to server/wecom, whose functions open the tenant's transaction and
 * enqueue follow-up jobs after commit.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { channelsPage, createChannel, retryChannel } from '../../server/wecom/channels.service';
import { saveConnection, testConnection } from '../../server/wecom/connection.service';
import { simulateActivity } from '../../server/wecom/demo-activity';
import { customerWecomView, tagCatalogue, wecomSettingsPage } from '../../server/wecom/pages.service';
import { buildClient } from '../../server/wecom/runtime';
import { requestFullSync } from '../../server/wecom/sync.service';
import { applyTagChanges, createTagAndPush } from '../../server/wecom/tags.service';
import { MemoryTokenStore } from '../../server/wecom/token-store';
import { z } from 'zod';
import { ValidationError } from '../../server/lib/errors';
import { parseOrThrow } from '../../server/lib/validation';
import './load-context';
import type { ChannelSort, SimActivity } from './contracts/wecom';

// ---- settings ----------------------------------------------------------------------------------------------------

export const loadWecomSettings = (context: AppLoadContext, actor: Actor) => wecomSettingsPage(context.services, actor);

export async function saveWecomConnection(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return { ...(await saveConnection(context.services, actor, input)) };
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
  return channelsPage(context.services, actor, p);
}

export async function createWecomChannel(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return createChannel(context.services, actor, input);
}

export async function retryWecomChannel(context: AppLoadContext, actor: Actor, id: string) {
  return retryChannel(context.services, actor, id);
}

// ---- tags --------------------------------------------------------------------------------------------------------

export async function loadTagCatalogue(context: AppLoadContext, actor: Actor) {
  return tagCatalogue(context.services, actor);
}

/** Creates a tag; a WeCom tag is then pushed by the write-back job. */
export async function createTagFor(context: AppLoadContext, actor: Actor, input: Record<string, unknown>) {
  return createTagAndPush(context.services, actor, input);
}

// ---- customers ---------------------------------------------------------------------------------------------------

export async function customerWecom(context: AppLoadContext, actor: Actor, id: string) {
  return customerWecomView(context.services, actor, id);
}

/** Adds/removes tags on customers (one or many); pending WeCom changes go to the write-back job after commit. */
export async function changeTags(context: AppLoadContext, actor: Actor, input: { customerIds: string[]; add: string[]; remove: string[] }) {
  return applyTagChanges(context.services, actor, input);
}

const tagActionSchema = z.object({ tagId: z.string().uuid('请选择标签 / Choose a tag'), op: z.enum(['add', 'remove']) });

function parseTagAction(form: FormData) {
  return parseOrThrow(tagActionSchema, { tagId: form.get('tagId'), op: form.get('op') });
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
