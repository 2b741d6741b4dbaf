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
  // One pass over the match and the members (a hash full join) gives both sides of the diff; only the diff is
  // written. With exits the members are the match afterwards, so the size is the match's count.
  const r = await sql<{ entered: number; exited: number; matched: number }>`
    with cur as materialized (select c.id from ${RULE_FROM} where ${compiled.where}),
    mem as (select m.customer_id from segment_members m where m.tenant_id = ${tenantId}::uuid and m.segment_id = ${segmentId}::uuid),
    diff as materialized (
      select coalesce(cur.id, mem.customer_id) as customer_id, cur.id is null as gone
      from cur full join mem on mem.customer_id = cur.id where cur.id is null or mem.customer_id is null),
    ins as (
      insert into segment_members (tenant_id, segment_id, customer_id, entered_on)
      select ${tenantId}::uuid, ${segmentId}::uuid, diff.customer_id, ${day}::date from diff where not diff.gone
      on conflict do nothing returning customer_id),
    del as (
      delete from segment_members m using diff
      where ${exits ? sql`true` : sql`false`} and diff.gone and m.tenant_id = ${tenantId}::uuid and m.segment_id = ${segmentId}::uuid and m.customer_id = diff.customer_id
      returning m.customer_id),
    ev as (
      insert into segment_events (tenant_id, segment_id, customer_id, kind, day)
      select ${tenantId}::uuid, ${segmentId}::uuid, customer_id, 'enter', ${day}::date from ins
      union all
      select ${tenantId}::uuid, ${segmentId}::uuid, customer_id, 'exit', ${day}::date from del)
    select (select count(*)::int from ins) as entered, (select count(*)::int from del) as exited, (select count(*)::int from cur) as matched`.execute(trx);
  const { entered, exited, matched } = r.rows[0]!;
  return recordSize(trx, tenantId, segmentId, day, entered, exited, exits ? matched : undefined);
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

/** Records the day's size (counted over the members not merged away, unless the caller knows it). */
async function recordSize(trx: Tx, tenantId: TenantId, segmentId: string, day: string, entered: number, exited: number, known?: number): Promise<MembershipChange> {
  const r = await sql<{ size: number }>`
    with n as (${known !== undefined ? sql`select ${known}::int as size` : sql`select count(*)::int as size from segment_members m join customers c on c.tenant_id = m.tenant_id and c.id = m.customer_id
               where m.tenant_id = ${tenantId}::uuid and m.segment_id = ${segmentId}::uuid and c.merged_into is null`}),
    s as (
      insert into segment_sizes (tenant_id, segment_id, day, size, entered, exited)
      select ${tenantId}::uuid, ${segmentId}::uuid, ${day}::date, n.size, ${entered}, ${exited} from n
      on conflict (tenant_id, segment_id, day) do update set size = excluded.size,
        entered = segment_sizes.entered + excluded.entered, exited = segment_sizes.exited + excluded.exited)
    update segments set size = n.size, refreshed_at = now(), refreshed_as_of = ${day}::date from n
    where tenant_id = ${tenantId}::uuid and id = ${segmentId}::uuid returning n.size`.execute(trx);
  return { size: r.rows[0]?.size ?? 0, entered, exited };
}
