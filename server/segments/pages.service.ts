/**
 * What the segment pages (app/routes/_app.segments.*) and the customers list's "all N matching" read and do — and
 * the API's saves, which queue the same jobs — each in its own tenant transaction; jobs are queued after the
 * transaction commits. Routes guard the actor and parse the request, then call one of these.
 */
import { parseCustomerFiltersLenient } from '../customers/customer-list.service';
import { mobileHashKey } from '../customers/mobile-identity';
import type { Services } from '../services';
import { can } from '../tenancy/permissions';
import type { Actor } from '../tenancy/actor';
import { withActorTenant } from '../tenancy/context';
import { withPageActor, type ActorSource } from '../tenancy/auth.service';
import { ValidationError } from '../lib/errors';
import { recentActions } from './actions.repository';
import { handToClerks, openMembersExport, queueSegmentAction, startBulkTag, startBulkTagMatching } from './actions.service';
import { segmentSizes } from './segments.repository';
import { builderOptions, createSegment, deleteSegment, listSegmentsFor, previewRule, searchOrderCatalogue, segmentCustomers, segmentFor, updateSegment } from './segments.service';
import { createStaticFromUpload } from './upload.service';
import { queueSegmentFill } from './segments.job';


export const segmentsList = (services: Services, actor: Actor) => withActorTenant(services, actor, (trx) => listSegmentsFor(trx, actor));

/** One segment's page: the segment, a page of its members, size per day, the builder's options (managers) and recent actions. */
export function segmentPage(services: Services, actor: Actor, id: string, p: { page: number; size: number }) {
  return withActorTenant(services, actor, async (trx) => {
    const segment = await segmentFor(trx, actor, id);
    // A static segment still owed its first members has none to show yet (its page says it is being computed); a
    // dynamic one's members are its rule, read live, even while the job catches its size up.
    const members = segment.kind === 'static' && segment.fill_owed_since ? { rows: [], total: 0, page: p.page, size: p.size } : await segmentCustomers(trx, actor, segment.id, p.page, p.size);
    const sizes = await segmentSizes(trx, actor.tenantId, segment.id);
    const options = can(actor.role, 'segments.manage') ? await builderOptions(trx, actor) : null;
    const actions = await recentActions(trx, actor.tenantId, segment.id);
    return { segment, members, sizes, options, actions };
  });
}

export const segmentBuilderOptions = (services: Services, actor: Actor) => withActorTenant(services, actor, (trx) => builderOptions(trx, actor));

/** Saves a new segment; when its membership is owed to the fill job, queues the job after commit. */
export async function saveNewSegment(services: Services, actor: Actor, input: unknown) {
  const s = await withActorTenant(services, actor, (trx) => createSegment(trx, actor, input));
  if (s.fill_owed_since) await queueSegmentFill(services, actor.tenantId, s.id);
  return s;
}

/** Saves a segment's changes; a dynamic rule change owed to the fill job queues the job after commit. */
export async function saveSegment(services: Services, actor: Actor, id: string, input: unknown) {
  const s = await withActorTenant(services, actor, (trx) => updateSegment(trx, actor, id, input));
  if (s.fill_owed_since) await queueSegmentFill(services, actor.tenantId, s.id);
  return s;
}

export const removeSegment = (services: Services, actor: Actor, id: string) => withActorTenant(services, actor, (trx) => deleteSegment(trx, actor, id));

/** A static segment from an uploaded list of mobiles or member numbers. */
export function saveUploadedSegment(services: Services, actor: Actor, input: unknown) {
  const key = mobileHashKey(services.config.APP_ENCRYPTION_KEY);
  return withActorTenant(services, actor, (trx) => createStaticFromUpload(trx, actor, key, input));
}

/**
 * The builder's live count and preview rows, in one tenant transaction that also reads the session (withPageActor):
 * it runs on every edit of every open builder, so a transaction and four statements fewer per count matter.
 */
export const previewSegmentRule = (services: Services, src: ActorSource, ruleJson: string, opts: { exact: boolean }) =>
  withPageActor(services, src, (actor, trx) => previewRule(trx, actor, parseRuleJson(ruleJson), 20, opts), { serialPlans: true });

/** The rule of a query string (after the session is checked: a visitor without one is sent to sign in, not told about JSON). */
function parseRuleJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new ValidationError('rule: not valid JSON');
  }
}
export const segmentCatalogue = (services: Services, actor: Actor, input: { kind: unknown; q: unknown }) => withActorTenant(services, actor, (trx) => searchOrderCatalogue(trx, actor, input));
export const segmentMembersExport = (services: Services, actor: Actor, id: string) => openMembersExport(services, actor, id);
/** Follow-up tasks for every member: written in the transaction, or (a large segment) by the action's job queued after commit. */
export async function segmentFollowUp(services: Services, actor: Actor, id: string, input: unknown) {
  const r = await withActorTenant(services, actor, (trx) => handToClerks(trx, actor, id, input));
  if (r.queued) await queueSegmentAction(services, actor.tenantId, r.actionId);
  return r;
}

/** Bulk tag on every member of a segment: recorded in the transaction, its job queued after commit. */
export async function segmentBulkTag(services: Services, actor: Actor, id: string, input: unknown) {
  const r = await withActorTenant(services, actor, (trx) => startBulkTag(trx, actor, id, input));
  await queueSegmentAction(services, actor.tenantId, r.actionId);
  return r;
}

/**
 * The customers list's "all N matching customers": the list's filters (its query string) and the tag; records
 * the action, then queues its job after commit.
 */
export async function bulkTagMatching(services: Services, actor: Actor, query: string, input: unknown) {
  const filters = parseCustomerFiltersLenient(new URLSearchParams(query));
  const r = await withActorTenant(services, actor, (trx) => startBulkTagMatching(trx, actor, filters, input));
  await queueSegmentAction(services, actor.tenantId, r.actionId);
  return r;
}
