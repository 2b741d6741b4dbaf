/** Bulk actions on a segment's members: their progress rows, and the follow-up tasks handed to clerks. */
import { sql } from 'kysely';
import type { SegmentActionKind, SegmentActionsTable } from '../../db/schema/segments';
import type { Selectable } from 'kysely';
import { RULE_FROM, type CompiledRule } from '../customers/rule-compiler';
import type { Sql } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';
import { jsonb } from '../lib/sql';

export type SegmentActionRow = Selectable<SegmentActionsTable>;

export async function insertAction(trx: Tx, tenantId: TenantId, v: { segmentId: string | null; kind: SegmentActionKind; params: Record<string, unknown>; total: number; staffId: string | null; label: string }): Promise<string> {
  const r = await sql<{ id: string }>`
    insert into segment_actions (tenant_id, segment_id, kind, params, total, created_by_staff_id, created_by_label)
    values (${tenantId}::uuid, ${v.segmentId}::uuid, ${v.kind}, ${jsonb(v.params)}, ${v.total}, ${v.staffId}::uuid, ${v.label}) returning id`.execute(trx);
  return r.rows[0]!.id;
}

export async function getAction(trx: Tx, tenantId: TenantId, id: string, lock = false): Promise<SegmentActionRow | null> {
  const r = await sql<SegmentActionRow>`select * from segment_actions where tenant_id = ${tenantId}::uuid and id = ${id}::uuid ${lock ? sql`for update` : sql``}`.execute(trx);
  return r.rows[0] ?? null;
}

export async function recentActions(trx: Tx, tenantId: TenantId, segmentId: string, limit = 10): Promise<SegmentActionRow[]> {
  const r = await sql<SegmentActionRow>`select * from segment_actions where tenant_id = ${tenantId}::uuid and segment_id = ${segmentId}::uuid order by created_at desc limit ${limit}`.execute(trx);
  return r.rows;
}

/** The customers list's own bulk actions ("all N matching customers") of one user, newest first. */
export async function recentListActions(trx: Tx, tenantId: TenantId, staffId: string | null, limit = 3): Promise<SegmentActionRow[]> {
  const r = await sql<SegmentActionRow>`select * from segment_actions where tenant_id = ${tenantId}::uuid and segment_id is null
    and created_by_staff_id is not distinct from ${staffId}::uuid order by created_at desc limit ${limit}`.execute(trx);
  return r.rows;
}

/** Progress of one chunk, with the cursor (last customer id done) committed in the same transaction. */
export async function advanceAction(trx: Tx, tenantId: TenantId, id: string, p: { cursor: string | null; done: number; pending: number; failed: number; skipped: number; finished: boolean }): Promise<void> {
  await sql`update segment_actions set
      params = params || jsonb_build_object('cursor', ${p.cursor}::text), status = ${p.finished ? 'done' : 'running'},
      done = done + ${p.done}, pending = pending + ${p.pending}, failed = failed + ${p.failed}, skipped = skipped + ${p.skipped},
      finished_at = ${p.finished ? sql`now()` : sql`null`}
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

export async function failAction(trx: Tx, tenantId: TenantId, id: string, error: string): Promise<void> {
  await sql`update segment_actions set status = 'failed', error = ${error}, finished_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

/**
 * Fresh planner statistics of segment memberships (as the database owner: ANALYZE needs it). A static segment
 * built a moment ago has none until autovacuum comes by, and every chunk of a bulk action over it was then planned
 * as if it had 3 members: a nested loop over all 100,000 of them per chunk of 1,000 (41 s instead of 8 for the
 * bench's first bulk tag). ANALYZE samples a bounded number of rows, so its cost does not grow with the table.
 */
export async function analyzeSegmentMembers(owner: Sql): Promise<void> {
  await owner.unsafe('analyze segment_members');
}

/**
 * The next `limit` customers of an audience after the cursor, in id order (resumable chunks). A static segment's
 * members are walked from its membership, from the cursor on, `compiled` holding the audience's other conditions
 * (not merged away, the actor's scope); any other audience walks the customers from the cursor and tests the rule.
 * (Walked from the customers, a static segment's chunks re-read its membership from the start each time: 100
 * chunks of 1,000 read 5M membership entries.)
 */
export async function nextMemberIds(trx: Tx, compiled: CompiledRule, cursor: string | null, limit: number, staticSegment: { tenantId: TenantId; id: string } | null = null): Promise<string[]> {
  const after = (col: ReturnType<typeof sql.ref>) => (cursor ? sql`and ${col} > ${cursor}::uuid` : sql``);
  const r = staticSegment
    ? await sql<{ id: string }>`
        select x.id from segment_members sm
        -- One probe of the customer per member, in the membership's order (offset 0 keeps the planner from merging
        -- the membership with a walk of every customer after the cursor: ten customers read per member).
        cross join lateral (select c.id from ${RULE_FROM} where c.id = sm.customer_id and ${compiled.where} offset 0) x
        where sm.tenant_id = ${staticSegment.tenantId}::uuid and sm.segment_id = ${staticSegment.id}::uuid ${after(sql.ref('sm.customer_id'))}
        order by sm.customer_id limit ${limit}`.execute(trx)
    : await sql<{ id: string }>`select c.id from ${RULE_FROM} where ${compiled.where} ${after(sql.ref('c.id'))} order by c.id limit ${limit}`.execute(trx);
  return r.rows.map((x) => x.id);
}

export interface FollowUpValues {
  actionId: string;
  segmentId: string;
  title: string;
  note: string | null;
  dueOn: string | null;
  label: string;
}

/**
 * One follow-up task per member — of the whole audience, or of its customers in `ids` (a chunk of the action's job)
 * — for their serving clerk (the metrics' serving clerk, else the earliest open relation), set-based, as rows of the
 * clerk workspace's `clerk_tasks` (kind 'segment', source 'segment:<id>'); members without a serving clerk are
 * counted as skipped. A re-run of the same action adds nothing (the dedupe key is the action and the customer).
 */
export async function insertFollowUps(trx: Tx, tenantId: TenantId, compiled: CompiledRule, v: FollowUpValues, ids?: readonly string[]): Promise<{ created: number; skipped: number; total: number }> {
  const r = await sql<{ created: number; skipped: number; total: number }>`
    with m as materialized (
      select c.id as customer_id, coalesce(cm.clerk_id, (select f.staff_id from customer_follows f where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.ended_at is null order by f.added_at nulls last limit 1)) as staff_id
      from ${RULE_FROM} where ${compiled.where} ${ids ? sql`and c.id = any(${[...ids]}::uuid[])` : sql``}),
    ins as (
      insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, source, dedupe_key, title, payload)
      select ${tenantId}::uuid, 'segment', m.customer_id, m.staff_id,
        coalesce(${v.dueOn}::date, (select (now() at time zone t.timezone)::date from tenants t where t.id = ${tenantId}::uuid)),
        'segment:' || ${v.segmentId}::text, ${v.actionId}::text || ':' || m.customer_id::text, ${v.title},
        jsonb_build_object('note', ${v.note}::text, 'segment_id', ${v.segmentId}::text, 'action_id', ${v.actionId}::text, 'by', ${v.label}::text)
      from m where m.staff_id is not null
      on conflict do nothing returning 1)
    select (select count(*)::int from ins) as created, (select count(*)::int from m where staff_id is null) as skipped, (select count(*)::int from m) as total`.execute(trx);
  return r.rows[0]!;
}

/** A follow-up action is done at once: its totals. */
export async function finishAction(trx: Tx, tenantId: TenantId, id: string, r: { total: number; done: number; skipped: number }): Promise<void> {
  await trx.updateTable('segment_actions').set({ status: 'done', total: r.total, done: r.done, skipped: r.skipped, finished_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}
