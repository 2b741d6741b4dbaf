/** Saved segments: rows, references between them, and the reads of the list and detail pages. */
import { sql } from 'kysely';
import type { SegmentKind } from '../../db/schema/segments';
import type { SegmentRef } from '../customers/rule-compiler';
import { customerScopeSql, storeScopeSql } from '../customers/scope';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';
import type { DB } from '../../db/connection';
import { jsonb } from '../lib/sql';

export interface SegmentRow {
  id: string;
  name: string;
  description: string | null;
  kind: SegmentKind;
  rule: Record<string, unknown>;
  template: string | null;
  source: 'rule' | 'upload';
  size: number;
  refreshed_at: Date | null;
  refreshed_as_of: string | null;
  /** Since when a job owes the segment its members (null: they follow the rule as of refreshed_at). */
  fill_owed_since: Date | null;
  /** Why the fill job could not compute the members (the rule refused when it ran); cleared by a save or a fill. */
  fill_error: string | null;
  created_by_label: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = sql`id, name, description, kind, rule, template, source, size, refreshed_at, refreshed_as_of::text as refreshed_as_of, fill_owed_since, fill_error, created_by_label, created_at, updated_at`;

export async function listSegments(trx: Tx, tenantId: TenantId): Promise<SegmentRow[]> {
  const r = await sql<SegmentRow>`select ${COLUMNS} from segments where tenant_id = ${tenantId}::uuid order by updated_at desc, name`.execute(trx);
  return r.rows;
}

export async function getSegment(trx: Tx, tenantId: TenantId, id: string): Promise<SegmentRow | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const r = await sql<SegmentRow>`select ${COLUMNS} from segments where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
  return r.rows[0] ?? null;
}

/** The compiler's view of saved segments ("in segment X"). */
export function segmentLoader(trx: Tx, tenantId: TenantId): (id: string) => Promise<SegmentRef | null> {
  return async (id) => {
    const s = await getSegment(trx, tenantId, id);
    return s ? { id: s.id, name: s.name, kind: s.kind, rule: s.rule, filling: s.fill_owed_since !== null } : null;
  };
}

export interface SegmentValues {
  name: string;
  description: string | null;
  kind: SegmentKind;
  rule: unknown;
  template: string | null;
  source?: 'rule' | 'upload';
}

export async function insertSegment(trx: Tx, tenantId: TenantId, v: SegmentValues, by: { staffId: string | null; label: string }): Promise<SegmentRow> {
  const r = await sql<SegmentRow>`
    insert into segments (tenant_id, name, description, kind, rule, template, source, created_by_staff_id, created_by_label)
    values (${tenantId}::uuid, ${v.name}, ${v.description}, ${v.kind}, ${jsonb(v.rule)}, ${v.template}, ${v.source ?? 'rule'}, ${by.staffId}::uuid, ${by.label})
    returning ${COLUMNS}`.execute(trx);
  return r.rows[0]!;
}

export async function updateSegmentRow(trx: Tx, tenantId: TenantId, id: string, v: Omit<SegmentValues, 'source'>): Promise<SegmentRow | null> {
  const r = await sql<SegmentRow>`
    update segments set name = ${v.name}, description = ${v.description}, kind = ${v.kind}, rule = ${jsonb(v.rule)}, template = ${v.template}, updated_at = now()
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid returning ${COLUMNS}`.execute(trx);
  return r.rows[0] ?? null;
}

export async function deleteSegmentRow(trx: Tx, tenantId: TenantId, id: string): Promise<boolean> {
  const r = await sql`delete from segments where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Names of the other segments whose rule refers to this one. */
export async function segmentsReferencing(trx: Tx, tenantId: TenantId, id: string): Promise<string[]> {
  const r = await sql<{ name: string }>`
    select s.name from segments s where s.tenant_id = ${tenantId}::uuid and s.id <> ${id}::uuid
      and exists (select 1 from jsonb_path_query(s.rule, '$.**.value') v where v @> to_jsonb(${id}::text) or v = to_jsonb(${id}::text))
    order by s.name`.execute(trx);
  return r.rows.map((x) => x.name);
}

/** What a tenant's refresh re-evaluates: every dynamic segment, and a static one still owed its first members. */
const TO_REFRESH = sql`(s.kind = 'dynamic' or s.fill_owed_since is not null)`;

export async function segmentIdsToRefresh(trx: Tx, tenantId: TenantId): Promise<string[]> {
  const r = await sql<{ id: string }>`select s.id from segments s where s.tenant_id = ${tenantId}::uuid and ${TO_REFRESH} order by s.id`.execute(trx);
  return r.rows.map((x) => x.id);
}

/** The active tenants with a segment to refresh (the hourly schedule's fan-out; across tenants: the owner's handle). */
export async function tenantsWithSegmentsToRefresh(db: DB): Promise<string[]> {
  const r = await sql<{ id: string }>`select t.id from tenants t where t.active and exists (select 1 from segments s where s.tenant_id = t.id and ${TO_REFRESH})`.execute(db);
  return r.rows.map((x) => x.id);
}

/** The segment, locked until the transaction ends: one membership computation at a time (fill job, refresh). */
export async function lockSegment(trx: Tx, tenantId: TenantId, id: string): Promise<SegmentRow | null> {
  const r = await sql<SegmentRow>`select ${COLUMNS} from segments where tenant_id = ${tenantId}::uuid and id = ${id}::uuid for update`.execute(trx);
  return r.rows[0] ?? null;
}

/** Owes the segment its membership (a job computes it), or clears the debt once computed; either clears a failure. */
export async function setFillOwed(trx: Tx, tenantId: TenantId, id: string, owed: boolean): Promise<void> {
  await (owed
    ? sql`update segments set fill_owed_since = coalesce(fill_owed_since, now()), fill_error = null where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`
    : sql`update segments set fill_owed_since = null, fill_error = null where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and (fill_owed_since is not null or fill_error is not null)`
  ).execute(trx);
}

/** Records why an owed fill was refused (the debt stays: a save with a mended rule, or a later refresh, retries it). */
export async function setFillError(trx: Tx, tenantId: TenantId, id: string, message: string): Promise<void> {
  await sql`update segments set fill_error = ${message.slice(0, 1000)} where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and fill_owed_since is not null`.execute(trx);
}

/** Size per day for the chart (the last `days` days that have a row). */
export async function segmentSizes(trx: Tx, tenantId: TenantId, id: string, days = 90): Promise<{ day: string; size: number; entered: number; exited: number }[]> {
  const r = await sql<{ day: string; size: number; entered: number; exited: number }>`
    select day::text as day, size, entered, exited from (
      select * from segment_sizes where tenant_id = ${tenantId}::uuid and segment_id = ${id}::uuid order by day desc limit ${days}) x
    order by day`.execute(trx);
  return r.rows;
}

/** Clerks (in the actor's stores) and live group chats for the builder's pickers (at most 500 each). */
export async function builderLists(trx: Tx, actor: Actor): Promise<{ clerks: { id: string; name: string; store: string | null }[]; groups: { chatId: string; name: string }[] }> {
  const clerks = await sql<{ id: string; name: string; store: string | null }>`
    select s.id, s.name, st.name as store from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    where s.tenant_id = ${actor.tenantId}::uuid and s.role = 'clerk' and s.active and ${storeScopeSql(actor, 's.store_id')}
    order by st.code nulls last, s.name limit 500`.execute(trx);
  const groups = await sql<{ chatId: string; name: string }>`
    select chat_id as "chatId", coalesce(nullif(name, ''), chat_id) as name from wecom_group_chats
    where tenant_id = ${actor.tenantId}::uuid and dismissed_at is null order by name limit 500`.execute(trx);
  return { clerks: clerks.rows, groups: groups.rows };
}

/** Another segment of the tenant already has this name (names are unique per tenant). */
export async function segmentNameTaken(trx: Tx, tenantId: TenantId, name: string, exceptId?: string): Promise<boolean> {
  const q = trx.selectFrom('segments').select('id').where('tenant_id', '=', tenantId).where('name', '=', name);
  return Boolean(await (exceptId ? q.where('id', '<>', exceptId) : q).executeTakeFirst());
}

/** For an uploaded list: the customer (unmerged, in the actor's scope) behind each identity value of a kind. */
export async function customersByIdentity(trx: Tx, actor: Actor, kind: string, values: readonly string[]): Promise<Map<string, string>> {
  const r = await sql<{ value: string; customer_id: string }>`
    select distinct on (ci.value) ci.value, c.id as customer_id
    from customer_identities ci join customers c on c.tenant_id = ci.tenant_id and c.id = ci.customer_id
    where ci.tenant_id = ${actor.tenantId}::uuid and ci.kind = ${kind} and ci.value = any(${[...values]}::text[])
      and c.merged_into is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}
    order by ci.value, c.id`.execute(trx);
  return new Map(r.rows.map((x) => [x.value, x.customer_id]));
}
