/**
 * Actions on all members of a segment (not just a page):
 * - bulk tag add / remove: recorded as a `segment_actions` row in the request's transaction, then worked by the
 *   `segments.action` job in chunks of 1,000 customers through the existing tag path (changeCustomerTags: internal
 *   tags at once, WeCom tags as pending changes for the write-back queue). Each chunk commits its progress and its
 *   cursor with its changes, so a crashed job resumes after the last chunk without duplicates;
 * - follow-up tasks: one `clerk_tasks` row (kind 'segment') per member for their serving clerk, in one statement;
 *   they appear in the clerk's 今日 list (server/clerk/tasks.repository.ts);
 * - export: the members as CSV rows (the route writes them with app/lib/csv.ts, formula-injection safe).
 * Members are those in the acting user's scope at the time the action runs.
 *
 * The customers list's "all N matching customers" (#13.12) is the same bulk tag action without a saved segment:
 * its audience is the list's filters as a rule plus the search text, and the acting user's scope is kept with it
 * (a clerk tags only the customers they serve), in `params`.
 */
import { z } from 'zod';
import { ruleFromCustomerFilters, type ListFilters } from '../../app/lib/segments/from-filters';
import { withSearch } from '../customers/customer-list.repository';
import { compileRule, type CompiledRule } from '../customers/rule-compiler';
import { countMatching, estimateMatching, matchingInOrder } from '../customers/rule.repository';
import { NotFoundError, ValidationError } from '../lib/errors';
import { inSlot, slots } from '../lib/slots';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { streamInTenant, withActorTenant, withTenant, type Dbs, type TenantId, type Tx } from '../tenancy/context';
import { liveTagsById } from '../wecom/tags.repository';
import { changeCustomerTags, enqueueTagWriteback } from '../wecom/tags.service';
import { advanceAction, analyzeSegmentMembers, failAction, finishAction, getAction, insertAction, insertFollowUps, nextMemberIds, type SegmentActionRow } from './actions.repository';
import { segmentLoader } from './segments.repository';
import { INLINE_MEMBERS_MAX, segmentFor } from './segments.service';

const CHUNK = 1000;

const audience = (id: string) => ({ all: [{ any: [{ field: 'segment', op: 'in', value: [id] }] }], none: [] });
const compileAudience = (trx: Tx, actor: Actor, id: string) => compileRule({ trx, actor, loadSegment: segmentLoader(trx, actor.tenantId) }, audience(id));

export const bulkTagInput = z.object({ op: z.enum(['add', 'remove']), tagId: z.string().uuid('请选择标签 / Choose a tag') });

/** Records a bulk tag action on every member; enqueue its job after commit with queueSegmentAction. */
export async function startBulkTag(trx: Tx, actor: Actor, segmentId: string, input: unknown): Promise<{ actionId: string; total: number }> {
  assertCan(actor, 'segments.manage');
  assertCan(actor, 'customers.tag');
  const v = parseOrThrow(bulkTagInput, input);
  const seg = await segmentFor(trx, actor, segmentId);
  const [tag] = await liveTagsById(trx, actor.tenantId, [v.tagId]);
  if (!tag) throw new NotFoundError('标签不存在或已删除 / Tag not found or deleted');
  const total = await countMatching(trx, await compileAudience(trx, actor, seg.id));
  const kind = v.op === 'add' ? 'tag_add' : 'tag_remove';
  const actionId = await insertAction(trx, actor.tenantId, { segmentId: seg.id, kind, params: { tagId: tag.id, tagName: tag.name, cursor: null }, total, staffId: actor.staffId, label: actor.label });
  await audit(trx, actor, { action: `segment.${kind}`, entityType: 'segment', entityId: seg.id, after: { action_id: actionId, tag: tag.name, customers: total } });
  return { actionId, total };
}

/** The acting user's scope, kept with a list action so the job tags exactly what the user could see. */
interface ActionScope {
  role: Actor['role'];
  staffId: string | null;
  storeScope: string[] | null;
}
interface ListActionParams {
  tagId: string;
  tagName: string;
  cursor: string | null;
  rule: unknown;
  search: string | null;
  scope: ActionScope;
}

/** The list's audience: its filters as a rule, and the search text beside it (as the list shows them). */
async function compileListAudience(trx: Tx, actor: Actor, rule: unknown, search: string | null): Promise<CompiledRule> {
  const compiled = await compileRule({ trx, actor, loadSegment: segmentLoader(trx, actor.tenantId) }, rule);
  return withSearch(compiled, search);
}

/**
 * "All N matching customers" of the customers list: records a bulk tag action over the list's filters (and search)
 * in the acting user's scope; enqueue its job after commit with queueSegmentAction. The tagging itself is the
 * segment action's job (chunks, progress, resumable, WeCom tags through the write-back queue).
 */
export async function startBulkTagMatching(trx: Tx, actor: Actor, filters: ListFilters & { q?: string }, input: unknown): Promise<{ actionId: string; total: number }> {
  assertCan(actor, 'customers.tag');
  const v = parseOrThrow(bulkTagInput, input);
  const [tag] = await liveTagsById(trx, actor.tenantId, [v.tagId]);
  if (!tag) throw new NotFoundError('标签不存在或已删除 / Tag not found or deleted');
  const { q, ...rest } = filters;
  const rule = ruleFromCustomerFilters(rest);
  const total = await countMatching(trx, await compileListAudience(trx, actor, rule, q ?? null));
  if (total === 0) throw new ValidationError('没有符合条件的客户 / No customers match');
  const kind = v.op === 'add' ? 'tag_add' : 'tag_remove';
  const params: ListActionParams = { tagId: tag.id, tagName: tag.name, cursor: null, rule, search: q ?? null, scope: { role: actor.role, staffId: actor.staffId, storeScope: actor.storeScope } };
  const actionId = await insertAction(trx, actor.tenantId, { segmentId: null, kind, params: { ...params }, total, staffId: actor.staffId, label: actor.label });
  await audit(trx, actor, { action: `customers.${kind}_all`, entityType: 'segment_action', entityId: actionId, after: { tag: tag.name, customers: total, rule, search: q ?? null } });
  return { actionId, total };
}

interface Audience {
  compiled: CompiledRule;
  /**
   * Set when the audience is a static segment's members: they are walked from its membership, and `compiled` is
   * then the rest of the audience's conditions (the customer not merged away, the actor's scope).
   */
  staticSegmentId: string | null;
}

/** The audience of an action: a segment's members, or a list action's rule and search. */
async function audienceOfAction(trx: Tx, actor: Actor, a: SegmentActionRow): Promise<Audience> {
  if (a.segment_id) {
    const seg = await segmentLoader(trx, actor.tenantId)(a.segment_id);
    if (seg?.kind === 'static') return { compiled: await compileRule({ trx, actor }, { all: [], none: [] }), staticSegmentId: seg.id };
    return { compiled: await compileAudience(trx, actor, a.segment_id), staticSegmentId: null };
  }
  const p = a.params as unknown as ListActionParams;
  return { compiled: await compileListAudience(trx, actor, p.rule, p.search), staticSegmentId: null };
}

/** The actor a job acts as: the creator's role and scope for a list action, the whole tenant for a segment's. */
function jobActor(tenantId: TenantId, a: SegmentActionRow): Actor {
  const scope = a.segment_id ? null : (a.params as unknown as ListActionParams).scope;
  return {
    kind: 'system',
    tenantId,
    tenantSlug: '',
    staffId: scope?.staffId ?? a.created_by_staff_id,
    role: scope?.role ?? 'admin',
    name: a.created_by_label,
    label: a.created_by_label,
    storeId: null,
    storeScope: scope ? scope.storeScope : null,
  };
}

export async function queueSegmentAction(services: Services, tenantId: TenantId, actionId: string): Promise<void> {
  if (!services.queue.started) return;
  await services.queue.send('segments.action', { tenantId, actionId }, { singletonKey: actionId, retryLimit: 5, retryDelay: 10, retryBackoff: true });
}

interface ChunkResult {
  done: number;
  pending: number[];
  failed: number;
  skipped: number;
}

/** What one chunk of an action does to its customers: tags changed, or follow-up tasks handed to their clerks. */
async function actOnChunk(trx: Tx, actor: Actor, a: SegmentActionRow, audience: Audience, ids: string[]): Promise<ChunkResult> {
  if (a.kind === 'follow_up') {
    const p = a.params as { title: string; note?: string | null; dueOn: string | null };
    const r = await insertFollowUps(trx, a.tenant_id as TenantId, audience.compiled, { actionId: a.id, segmentId: a.segment_id!, title: p.title, note: p.note ?? null, dueOn: p.dueOn, label: a.created_by_label }, ids);
    return { done: r.created, pending: [], failed: 0, skipped: r.skipped };
  }
  const tagId = (a.params as { tagId: string }).tagId;
  const r = await changeCustomerTags(trx, actor, { customerIds: ids, ...(a.kind === 'tag_add' ? { add: [tagId] } : { remove: [tagId] }) });
  return { done: ids.length, pending: r.pending, failed: r.failed, skipped: r.unchanged + r.outOfScope };
}

/** Works a bulk action (tags, follow-up tasks) to the end, chunk by chunk (resumes from the committed cursor). */
export async function runSegmentAction(services: Services, tenantId: TenantId, actionId: string, actor: Actor, opts: { chunk?: number } = {}): Promise<void> {
  const chunk = opts.chunk ?? CHUNK;
  await analyzeSegmentMembers(services.ownerSql);
  // The audience is compiled once per run (the SQL does not depend on the transaction), not once per chunk.
  let audience: Audience | null = null;
  for (;;) {
    const more = await withTenant(services.dbs, tenantId, async (trx) => {
      const a = await getAction(trx, tenantId, actionId, true);
      if (!a || a.status === 'done' || a.status === 'failed') return { pending: [] as number[], more: false };
      const cursor = (a.params as { cursor?: string | null }).cursor ?? null;
      audience ??= await audienceOfAction(trx, actor, a);
      const ids = await nextMemberIds(trx, audience.compiled, cursor, chunk, audience.staticSegmentId ? { tenantId, id: audience.staticSegmentId } : null);
      if (ids.length === 0) {
        await advanceAction(trx, tenantId, actionId, { cursor, done: 0, pending: 0, failed: 0, skipped: 0, finished: true });
        return { pending: [], more: false };
      }
      const r = await actOnChunk(trx, actor, a, audience, ids);
      await advanceAction(trx, tenantId, actionId, { cursor: ids[ids.length - 1]!, done: r.done, pending: r.pending.length, failed: r.failed, skipped: r.skipped, finished: ids.length < chunk });
      return { pending: r.pending, more: ids.length === chunk };
    });
    await enqueueTagWriteback(services, tenantId, more.pending);
    if (!more.more) return;
  }
}

/** The job: runs as the action's creator would see (ops/admin: the whole tenant), labelled with them. */
export async function processSegmentAction(services: Services, tenantId: TenantId, actionId: string): Promise<void> {
  const a = await withTenant(services.dbs, tenantId, (trx) => getAction(trx, tenantId, actionId));
  if (!a || a.status === 'done' || a.status === 'failed') return;
  const actor = jobActor(tenantId, a);
  try {
    await runSegmentAction(services, tenantId, actionId, actor);
  } catch (e) {
    if (e instanceof ValidationError || e instanceof NotFoundError) {
      await withTenant(services.dbs, tenantId, (trx) => failAction(trx, tenantId, actionId, e.message));
      return;
    }
    throw e;
  }
}

export const followUpInput = z.object({
  title: z.string().trim().min(1, '请填写任务内容 / Describe the task').max(200),
  note: z.string().trim().max(1000).nullish().transform((v) => v || null),
  dueOn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullish().transform((v) => v || null),
});

/**
 * Hands every member to their serving clerk as a follow-up task (the clerk workspace shows them): written now for
 * up to INLINE_MEMBERS_MAX members (estimated), else recorded as a queued action (`queued`) whose job writes them in
 * chunks with visible progress — enqueue it after commit with queueSegmentAction.
 */
export async function handToClerks(trx: Tx, actor: Actor, segmentId: string, input: unknown, opts: { inlineMax?: number } = {}): Promise<{ actionId: string; created: number; skipped: number; total: number; queued: boolean }> {
  assertCan(actor, 'segments.manage');
  const v = parseOrThrow(followUpInput, input);
  const seg = await segmentFor(trx, actor, segmentId);
  const compiled = await compileAudience(trx, actor, seg.id);
  const queued = (await estimateMatching(trx, compiled, actor.tenantId)) > (opts.inlineMax ?? INLINE_MEMBERS_MAX);
  // Queued: the exact count is the job's progress bar. Written now: the insert counts its members itself.
  const total = queued ? await countMatching(trx, compiled) : 0;
  const params = { title: v.title, note: v.note, dueOn: v.dueOn, cursor: null };
  const actionId = await insertAction(trx, actor.tenantId, { segmentId: seg.id, kind: 'follow_up', params, total, staffId: actor.staffId, label: actor.label });
  const r = queued ? { created: 0, skipped: 0, total } : await insertFollowUps(trx, actor.tenantId, compiled, { actionId, segmentId: seg.id, title: v.title, note: v.note, dueOn: v.dueOn, label: actor.label });
  if (!queued) await finishAction(trx, actor.tenantId, actionId, { total: r.total, done: r.created, skipped: r.skipped });
  await audit(trx, actor, { action: 'segment.follow_up', entityType: 'segment', entityId: seg.id, after: { action_id: actionId, title: v.title, customers: r.total, ...(queued ? { queued: true } : { tasks: r.created, without_clerk: r.skipped }) } });
  return { actionId, ...r, queued };
}

/** Rows the export reads from its cursor at once (a few MB). */
const EXPORT_CHUNK = 5_000;
/**
 * Exports streaming at once in this process: each holds one of the 20 app connections while it streams (≈ 18 s for
 * 1M members). A third waits, its download started, until one ends.
 */
export const exportCursors = slots(2);

/**
 * Every member in the actor's scope, for the CSV export. The segment is checked, its members counted and the export
 * audited first (personal data leaves the system), so a refusal is an answer, not a broken download; then the
 * members are read a chunk at a time from a cursor, highest net spend first, as the response stream pulls them: the
 * rows are never all held (1M members held at once took ≈ 0.9 GB). With `@remix-run/node` patched (ADR 0018) the
 * response is read no faster than the client takes it, and a client that leaves cancels it (its transaction rolls back).
 */
export async function openMembersExport(services: { dbs: Pick<Dbs, 'app'> }, actor: Actor, segmentId: string) {
  const { segment, total } = await withActorTenant(services, actor, async (trx) => {
    const seg = await segmentFor(trx, actor, segmentId);
    const n = await countMatching(trx, await compileAudience(trx, actor, seg.id));
    await audit(trx, actor, { action: 'segment.export', entityType: 'segment', entityId: seg.id, after: { rows: n } });
    return { segment: seg, total: n };
  });
  const chunks = inSlot(exportCursors, () => streamInTenant(services.dbs, actor.tenantId, async (trx) => matchingInOrder(await compileAudience(trx, actor, segment.id)), EXPORT_CHUNK));
  return { segment, total, chunks };
}
