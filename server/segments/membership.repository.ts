/**
 * Segment membership, set-based: the current members are replaced by what a compiled rule matches in one
 * statement that also records each entry and exit with its day and the day's size.
 */
import { sql } from 'kysely';
import { RULE_FROM, type CompiledRule } from '../customers/rule-compiler';
import type { TenantId, Tx } from '../tenancy/context';

export interface MembershipChange {
  size: number;
  entered: number;
  exited: number;
}

/**
 * Makes the members of `segmentId` exactly the customers `compiled` matches (`exits`: false keeps members that
 * no longer match — a static freeze adds only). Entries and exits are recorded on `day`.
 */
export async function applyMembership(trx: Tx, tenantId: TenantId, segmentId: string, compiled: CompiledRule, day: string, opts: { exits?: boolean } = {}): Promise<MembershipChange> {
  const exits = opts.exits !== false;
  const r = await sql<{ entered: number; exited: number }>`
    with cur as materialized (select c.id from ${RULE_FROM} where ${compiled.where}),
    ins as (
      insert into segment_members (tenant_id, segment_id, customer_id, entered_on)
      select ${tenantId}::uuid, ${segmentId}::uuid, cur.id, ${day}::date from cur
      on conflict do nothing returning customer_id),
    del as (
      delete from segment_members m where ${exits ? sql`true` : sql`false`} and m.tenant_id = ${tenantId}::uuid and m.segment_id = ${segmentId}::uuid
        and not exists (select 1 from cur where cur.id = m.customer_id)
      returning customer_id),
    ev as (
      insert into segment_events (tenant_id, segment_id, customer_id, kind, day)
      select ${tenantId}::uuid, ${segmentId}::uuid, customer_id, 'enter', ${day}::date from ins
      union all
      select ${tenantId}::uuid, ${segmentId}::uuid, customer_id, 'exit', ${day}::date from del)
    select (select count(*)::int from ins) as entered, (select count(*)::int from del) as exited`.execute(trx);
  const { entered, exited } = r.rows[0]!;
  return recordSize(trx, tenantId, segmentId, day, entered, exited);
}

/** Adds customers by id to a static segment (an upload), recording their entry. */
export async function addMembers(trx: Tx, tenantId: TenantId, segmentId: string, customerIds: readonly string[], day: string): Promise<MembershipChange> {
  const r = await sql<{ entered: number }>`
    with ins as (
      insert into segment_members (tenant_id, segment_id, customer_id, entered_on)
      select ${tenantId}::uuid, ${segmentId}::uuid, x, ${day}::date from unnest(${[...customerIds]}::uuid[]) x
      on conflict do nothing returning customer_id),
    ev as (insert into segment_events (tenant_id, segment_id, customer_id, kind, day) select ${tenantId}::uuid, ${segmentId}::uuid, customer_id, 'enter', ${day}::date from ins)
    select count(*)::int as entered from ins`.execute(trx);
  return recordSize(trx, tenantId, segmentId, day, r.rows[0]!.entered, 0);
}

async function recordSize(trx: Tx, tenantId: TenantId, segmentId: string, day: string, entered: number, exited: number): Promise<MembershipChange> {
  const r = await sql<{ size: number }>`
    with n as (select count(*)::int as size from segment_members m join customers c on c.tenant_id = m.tenant_id and c.id = m.customer_id
               where m.tenant_id = ${tenantId}::uuid and m.segment_id = ${segmentId}::uuid and c.merged_into is null),
    s as (
      insert into segment_sizes (tenant_id, segment_id, day, size, entered, exited)
      select ${tenantId}::uuid, ${segmentId}::uuid, ${day}::date, n.size, ${entered}, ${exited} from n
      on conflict (tenant_id, segment_id, day) do update set size = excluded.size,
        entered = segment_sizes.entered + excluded.entered, exited = segment_sizes.exited + excluded.exited)
    update segments set size = n.size, refreshed_at = now(), refreshed_as_of = ${day}::date from n
    where tenant_id = ${tenantId}::uuid and id = ${segmentId}::uuid returning n.size`.execute(trx);
  return { size: r.rows[0]?.size ?? 0, entered, exited };
}
