/**
 * Segments: create, update, delete (audited), counts and members inside the viewer's scope, the preview of an
 * unsaved rule, and membership refresh. Every audience read goes through the rule compiler: a saved segment is
 * the rule "in segment X" (dynamic: its rule, live; static: its frozen members), so scope applies the same way.
 */
import { z } from 'zod';
import { parseRule, type Rule } from '../../app/lib/segments/rule';
import { templateByKey } from '../../app/lib/segments/templates';
import { compileRule, type CompiledRule } from '../customers/rule-compiler';
import { countCost, countMatching, countMatchingWithin, estimateMatching, pageMatching, type MatchingCustomerRow } from '../customers/rule.repository';
import { ConflictError, NotFoundError, UserError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { assertCan, systemActor, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type Dbs, type TenantId, type Tx } from '../tenancy/context';
import { applyMembership, type MembershipChange } from './membership.repository';
import { filterOptions } from '../analytics/filters';
import { listTagOptions } from '../wecom/tags.repository';
import { catalogueBuilt, catchUpCatalogue, searchCatalogue, type CatalogueEntry, type CatalogueKind } from './catalogue.repository';
import { builderLists, deleteSegmentRow, getSegment, insertSegment, listSegments, lockSegment, segmentIdsToRefresh, segmentLoader, segmentNameTaken, segmentsReferencing, setFillError, setFillOwed, updateSegmentRow, type SegmentRow } from './segments.repository';

export const segmentInput = z.object({
  name: z.string().trim().min(1, '请填写分群名称 / Name is required').max(60, '名称最多 60 个字 / At most 60 characters'),
  description: z.string().trim().max(500).nullish().transform((v) => v || null),
  kind: z.enum(['dynamic', 'static']).default('dynamic'),
  rule: z.unknown().optional(),
  template: z.string().max(40).nullish().transform((v) => v || null),
});
export type SegmentInput = z.input<typeof segmentInput>;

function parseInput(input: unknown) {
  const v = parseOrThrow(segmentInput, input, { field: 'body', details: 'issues' });
  if (v.template && !templateByKey(v.template)) throw new ValidationError(`template: unknown template "${v.template}"`);
  const rule = v.rule ?? (v.template ? templateByKey(v.template)!.rule : undefined);
  if (rule === undefined) throw new ValidationError('rule: a rule or a template is required');
  return { ...v, rule };
}

/** Compiles a rule for the actor (refusals name the condition); `segmentId` refuses a rule that reaches itself. */
export async function compileFor(trx: Tx, actor: Actor, rule: unknown, segmentId?: string): Promise<CompiledRule> {
  return compileRule({ trx, actor, loadSegment: segmentLoader(trx, actor.tenantId) }, rule, { segmentId });
}

function canonical(rule: unknown): Rule {
  const p = parseRule(rule);
  if (!p.ok) throw new ValidationError(p.issues.map((i) => i.message).join('; '), p.issues);
  return p.rule;
}

/** Membership over the whole tenant (the system's view), recorded on the metrics' reference day. */
export async function refreshMembership(trx: Tx, tenantId: TenantId, segment: Pick<SegmentRow, 'id' | 'kind' | 'rule'>, opts: { freeze?: boolean } = {}): Promise<MembershipChange> {
  const system = systemActor(tenantId, '', 'segments');
  const compiled = await compileFor(trx, system, segment.rule, segment.id);
  return applyMembership(trx, tenantId, segment.id, compiled, compiled.refDay, { exits: !opts.freeze });
}

export async function createSegment(trx: Tx, actor: Actor, input: unknown, opts: Pick<FillOptions, 'inlineMax'> = {}): Promise<SavedSegment> {
  assertCan(actor, 'segments.manage');
  const v = parseInput(input);
  const rule = canonical(v.rule);
  await compileFor(trx, actor, rule);
  if (await segmentNameTaken(trx, actor.tenantId, v.name)) {
    throw new ConflictError(`已有名为「${v.name}」的分群 / A segment named ${v.name} exists`);
  }
  const row = await insertSegment(trx, actor.tenantId, { ...v, rule }, { staffId: actor.staffId, label: actor.label });
  const change = await fillNowOrOwe(trx, actor.tenantId, row, { freeze: row.kind === 'static', inlineMax: opts.inlineMax });
  await audit(trx, actor, { action: 'segment.create', entityType: 'segment', entityId: row.id, after: { name: row.name, kind: row.kind, rule, template: row.template, size: change?.size ?? null } });
  return withFill(row, change);
}

/**
 * The most members (estimated) a request writes rows for — a segment's membership, follow-up tasks; above it a job
 * writes them (the `segments.fill` job; a queued segment action). A member's row and its entry cost ≈ 27 µs, a
 * follow-up task ≈ 50 µs (1M members: 27 s and 49 s in one request; docs/benchmarks.md), so 20,000 keep a request
 * around half a second to a second.
 */
export const INLINE_MEMBERS_MAX = 20_000;

export interface FillOptions {
  freeze?: boolean;
  /** Tests lower it to take the job's path on a small tenant. */
  inlineMax?: number;
}

/** Computes the membership now when it is small, else owes it to the fill job (null). */
async function fillNowOrOwe(trx: Tx, tenantId: TenantId, segment: SegmentRow, opts: FillOptions): Promise<MembershipChange | null> {
  const system = systemActor(tenantId, '', 'segments');
  const compiled = await compileFor(trx, system, segment.rule, segment.id);
  if ((await estimateMatching(trx, compiled, tenantId)) <= (opts.inlineMax ?? INLINE_MEMBERS_MAX)) {
    await setFillOwed(trx, tenantId, segment.id, false);
    return applyMembership(trx, tenantId, segment.id, compiled, compiled.refDay, { exits: !opts.freeze });
  }
  await setFillOwed(trx, tenantId, segment.id, true);
  return null;
}

/** A saved segment and what its save did to the members (null: nothing, or owed to the fill job: `fill_owed_since`). */
export type SavedSegment = SegmentRow & { change: MembershipChange | null };

/** The saved segment as its callers see it: with its size after the change, or owing its members to the fill job. */
function withFill(row: SegmentRow, change: MembershipChange | null): SavedSegment {
  return change ? { ...row, size: change.size, fill_owed_since: null, fill_error: null, change } : { ...row, fill_owed_since: row.fill_owed_since ?? new Date(), fill_error: null, change };
}

/**
 * Computes a segment's membership in its own transaction, holding the segment's lock: a dynamic one follows its
 * rule (with `onlyOwed`, only when a save owed it); a static one is frozen only while it is owed its first members
 * (afterwards it is never touched). A crash rolls it all back, debt included, so a re-run computes it again; a second
 * run finds nothing owed. Null: the segment is gone or nothing was owed.
 */
export async function fillSegment(dbs: Dbs, tenantId: TenantId, id: string, opts: { onlyOwed?: boolean } = {}): Promise<MembershipChange | null> {
  try {
    return await withTenant(dbs, tenantId, async (trx) => {
      const s = await lockSegment(trx, tenantId, id);
      // The fill job computes only what a save owed (a later save may have computed it already); the refresh also
      // re-evaluates every dynamic segment.
      if (!s || ((s.kind === 'static' || opts.onlyOwed) && !s.fill_owed_since)) return null;
      const change = await refreshMembership(trx, tenantId, s, { freeze: s.kind === 'static' });
      await setFillOwed(trx, tenantId, id, false);
      return change;
    });
  } catch (e) {
    // The rule refused (a tag or segment it names deleted since the save): no retry can mend it, so the segment says
    // why until it is saved again. Anything else (the database away) is the caller's to retry.
    if (e instanceof UserError) await withTenant(dbs, tenantId, (trx) => setFillError(trx, tenantId, id, e.message));
    throw e;
  }
}

export async function updateSegment(trx: Tx, actor: Actor, id: string, input: unknown, opts: Pick<FillOptions, 'inlineMax'> = {}): Promise<SavedSegment> {
  assertCan(actor, 'segments.manage');
  const before = await getSegment(trx, actor.tenantId, id);
  if (!before) throw new NotFoundError('分群不存在 / Segment not found');
  const v = parseInput(input);
  const rule = canonical(v.rule);
  await compileFor(trx, actor, rule, id);
  if (await segmentNameTaken(trx, actor.tenantId, v.name, id)) throw new ConflictError(`已有名为「${v.name}」的分群 / A segment named ${v.name} exists`);
  const row = (await updateSegmentRow(trx, actor.tenantId, id, { ...v, rule }))!;
  // A dynamic segment follows its new rule at once (or from the fill job when large); a static one keeps its frozen
  // members — unless it never got them (still owed, or its fill refused): then it is frozen from the rule saved now.
  const refill = row.kind === 'dynamic' || row.fill_owed_since !== null;
  const change = refill ? await fillNowOrOwe(trx, actor.tenantId, row, { ...opts, freeze: row.kind === 'static' }) : null;
  await audit(trx, actor, {
    action: 'segment.update',
    entityType: 'segment',
    entityId: id,
    before: { name: before.name, kind: before.kind, rule: before.rule, description: before.description },
    after: { name: row.name, kind: row.kind, rule, description: row.description, size: change?.size ?? (refill ? null : row.size) },
  });
  return refill ? withFill(row, change) : { ...row, change: null };
}

export async function deleteSegment(trx: Tx, actor: Actor, id: string): Promise<void> {
  assertCan(actor, 'segments.manage');
  const before = await getSegment(trx, actor.tenantId, id);
  if (!before) throw new NotFoundError('分群不存在 / Segment not found');
  const users = await segmentsReferencing(trx, actor.tenantId, id);
  if (users.length) throw new ConflictError(`分群被其他分群引用，不能删除：${users.join('、')} / Used by other segments: ${users.join(', ')}`);
  await deleteSegmentRow(trx, actor.tenantId, id);
  await audit(trx, actor, { action: 'segment.delete', entityType: 'segment', entityId: id, before: { name: before.name, kind: before.kind, rule: before.rule, size: before.size } });
}

export async function listSegmentsFor(trx: Tx, actor: Actor): Promise<SegmentRow[]> {
  assertCan(actor, 'segments.view');
  return listSegments(trx, actor.tenantId);
}

export async function segmentFor(trx: Tx, actor: Actor, id: string): Promise<SegmentRow> {
  assertCan(actor, 'segments.view');
  const s = await getSegment(trx, actor.tenantId, id);
  if (!s) throw new NotFoundError('分群不存在 / Segment not found');
  return s;
}

/** The segment's audience as a rule: dynamic = its rule (live), static = its members. */
const audienceOf = (id: string): Rule => ({ all: [{ any: [{ field: 'segment', op: 'in', value: [id] }] }], none: [] });

/** Members inside the viewer's scope, counted now. */
export async function segmentCount(trx: Tx, actor: Actor, id: string): Promise<{ count: number; exact: true; as_of: string }> {
  await segmentFor(trx, actor, id);
  const compiled = await compileFor(trx, actor, audienceOf(id));
  return { count: await countMatching(trx, compiled), exact: true, as_of: compiled.refDay };
}

export async function segmentCustomers(trx: Tx, actor: Actor, id: string, page: number, size: number): Promise<{ rows: MatchingCustomerRow[]; total: number; page: number; size: number }> {
  await segmentFor(trx, actor, id);
  const compiled = await compileFor(trx, actor, audienceOf(id));
  return { rows: await pageMatching(trx, compiled, page, size), total: await countMatching(trx, compiled), page, size };
}

/** How long the live count may take before the builder gets an estimate instead (exact on demand). */
export const EXACT_COUNT_BUDGET_MS = 250;
/**
 * Above this planner cost the live count does not try the exact count at all (it would run into the budget and be
 * cancelled, a quarter second of CPU lost per keystroke with 10 editors): on the 1M-customer bench tenant the 6-
 * condition rule costs ~78,000 and takes seconds; a page of 20 rows costs ~750 and takes tens of ms.
 */
export const EXACT_COUNT_MAX_COST = 20_000;

/**
 * Count of an unsaved rule in the viewer's scope. With `exact` (the API's `"exact": true`, the builder's "count
 * exactly", and every count before an action) one exact statement; without it the exact count when the planner
 * costs it at most EXACT_COUNT_MAX_COST and it takes at most EXACT_COUNT_BUDGET_MS, else an estimate from a sample of customers, marked `exact: false` (shown "≈").
 */
export async function previewRule(trx: Tx, actor: Actor, rule: unknown, withRows = 0, opts: { exact?: boolean } = {}): Promise<{ count: number; exact: boolean; as_of: string; rows?: MatchingCustomerRow[] }> {
  assertCan(actor, 'segments.view');
  const compiled = await compileFor(trx, actor, rule);
  let count: number;
  let exact = true;
  if (opts.exact) count = await countMatching(trx, compiled);
  else {
    const cheap = (await countCost(trx, compiled)) <= EXACT_COUNT_MAX_COST;
    const within = cheap ? await countMatchingWithin(trx, compiled, EXACT_COUNT_BUDGET_MS) : null;
    exact = within !== null;
    count = within ?? (await estimateMatching(trx, compiled, actor.tenantId));
  }
  return { count, exact, as_of: compiled.refDay, ...(withRows > 0 ? { rows: await pageMatching(trx, compiled, 1, withRows) } : {}) };
}

/**
 * Re-evaluates every dynamic segment of a tenant, each in its own transaction (a failing rule — e.g. a tag since
 * deleted — is reported and skipped, the others go on). A static segment is touched only while it is owed its
 * first members (a fill job whose nudge was lost converges here).
 */
export async function refreshTenantSegments(dbs: Dbs, tenantId: TenantId): Promise<{ segments: number; entered: number; exited: number; failed: { id: string; message: string }[] }> {
  // The builder's SKU / category catalogue follows the new orders first (a set-based catch-up from the watermark).
  await withTenant(dbs, tenantId, (trx) => catchUpCatalogue(trx, tenantId));
  const ids = await withTenant(dbs, tenantId, (trx) => segmentIdsToRefresh(trx, tenantId));
  const out = { segments: 0, entered: 0, exited: 0, failed: [] as { id: string; message: string }[] };
  for (const id of ids) {
    try {
      const change = await fillSegment(dbs, tenantId, id);
      if (!change) continue;
      out.segments++;
      out.entered += change.entered;
      out.exited += change.exited;
    } catch (e) {
      out.failed.push({ id, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}

export const catalogueQuery = z.object({ kind: z.enum(['sku', 'category']), q: z.string().trim().max(60).default('') });

/**
 * The builder's type-ahead for "bought SKU" / "bought category": the tenant's sold values whose code or name
 * contains the text, most sold first (built on the first search when the refresh job has not built it yet).
 */
export async function searchOrderCatalogue(trx: Tx, actor: Actor, input: unknown): Promise<CatalogueEntry[]> {
  assertCan(actor, 'segments.view');
  const q = parseOrThrow(catalogueQuery, input, { field: '' });
  if (!(await catalogueBuilt(trx, actor.tenantId))) await catchUpCatalogue(trx, actor.tenantId);
  return searchCatalogue(trx, actor.tenantId, q.kind as CatalogueKind, q.q, 20);
}

export interface BuilderOptions {
  stores: { id: string; code: string; name: string; regionCode: string | null }[];
  regions: { code: string; name: string }[];
  clerks: { id: string; name: string; store: string | null }[];
  tags: { id: string; name: string; groupName: string; kind: string }[];
  groups: { chatId: string; name: string }[];
  segments: { id: string; name: string; kind: string }[];
}

/** What the builder's pickers offer, inside the actor's scope. */
export async function builderOptions(trx: Tx, actor: Actor): Promise<BuilderOptions> {
  assertCan(actor, 'segments.view');
  const [opts, tags, segs] = await Promise.all([filterOptions(trx, actor), listTagOptions(trx, actor.tenantId), listSegments(trx, actor.tenantId)]);
  const lists = await builderLists(trx, actor);
  return {
    stores: opts.stores,
    regions: opts.regions,
    clerks: lists.clerks,
    tags: tags.map((t) => ({ id: t.id, name: t.name, groupName: t.groupName, kind: t.kind })),
    groups: lists.groups,
    segments: segs.map((s) => ({ id: s.id, name: s.name, kind: s.kind })),
  };
}
