/** Handovers (客户继承): `wecom_handovers`, `wecom_handover_customers`, and the relation move. All SQL here. */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';
import type { HandoverCustomerStatus, HandoverKind, HandoverReport, HandoverStatus } from '../../app/lib/contracts/wecom-ops';

export type { HandoverCustomerStatus, HandoverKind, HandoverStatus };

export interface HandoverRow {
  id: string;
  kind: HandoverKind;
  from_staff_id: string;
  to_staff_id: string;
  from_userid: string;
  to_userid: string;
  message: string | null;
  status: HandoverStatus;
}

export interface StaffForHandover {
  id: string;
  name: string;
  wecom_userid: string | null;
  store_id: string | null;
  active: boolean;
}

export async function staffById(trx: Tx, tenantId: TenantId, id: string): Promise<StaffForHandover | undefined> {
  return trx.selectFrom('staff').select(['id', 'name', 'wecom_userid', 'store_id', 'active']).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

/** The suggested takeover clerk: same store, active, on WeCom, fewest customers served now. */
export async function suggestTakeover(trx: Tx, tenantId: TenantId, fromStaffId: string): Promise<{ id: string; name: string; customers: number } | null> {
  const r = await sql<{ id: string; name: string; customers: number }>`
    select s.id, s.name, (select count(*)::int from customer_follows f where f.tenant_id = s.tenant_id and f.staff_id = s.id and f.ended_at is null) as customers
    from staff s join staff me on me.tenant_id = s.tenant_id and me.id = ${fromStaffId}::uuid
    where s.tenant_id = ${tenantId}::uuid and s.id <> me.id and s.active and s.wecom_userid is not null and s.store_id is not distinct from me.store_id
    order by customers, s.name limit 1`.execute(trx);
  return r.rows[0] ?? null;
}

export async function insertHandover(
  trx: Tx,
  tenantId: TenantId,
  h: { kind: HandoverKind; from: StaffForHandover; to: StaffForHandover; message: string | null; staffId: string | null; label: string },
): Promise<string> {
  const r = await sql<{ id: string }>`insert into wecom_handovers (tenant_id, kind, from_staff_id, to_staff_id, from_userid, to_userid, message, status, created_by_staff_id, created_by_label)
    values (${tenantId}::uuid, ${h.kind}, ${h.from.id}::uuid, ${h.to.id}::uuid, ${h.from.wecom_userid}, ${h.to.wecom_userid}, ${h.message}, ${h.kind === 'resigned' ? 'collecting' : 'transferring'},
      ${h.staffId}::uuid, ${h.label}) returning id`.execute(trx);
  return r.rows[0]!.id;
}

/** Which of a clerk's customers an on-job handover takes: chosen ids, or all matching a search (both optional). */
export interface ServedFilter {
  customerIds?: string[] | null;
  /** Remark, name, member number, or the last 4 digits of the mobile. */
  q?: string | null;
  stage?: string | null;
}

/** SQL conditions on `f` (customer_follows) and `c` (customers) for a served-customer filter. */
function servedFilterSql(filter: ServedFilter) {
  const conds = [];
  if (filter.customerIds) conds.push(sql`f.customer_id = any(${filter.customerIds}::uuid[])`);
  const q = filter.q?.trim();
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const any = [sql`f.remark ilike ${like}`, sql`c.display_name ilike ${like}`,
      sql`exists (select 1 from customer_identities m where m.tenant_id = f.tenant_id and m.customer_id = f.customer_id and m.kind = 'member_no' and m.value = ${q})`];
    if (/^\d{4}$/.test(q)) any.push(sql`c.mobile_masked like ${'%' + q}`);
    conds.push(sql`(${sql.join(any, sql` or `)})`);
  }
  if (filter.stage) conds.push(sql`exists (select 1 from customer_metrics cm where cm.tenant_id = f.tenant_id and cm.customer_id = f.customer_id and cm.stage = ${filter.stage})`);
  return conds.length ? sql`and ${sql.join(conds, sql` and `)}` : sql``;
}

/** On-job: the clerk's current customers (on WeCom) that the filter selects — all of them with an empty filter. */
export async function addServedCustomers(trx: Tx, tenantId: TenantId, handoverId: string, fromStaffId: string, filter: ServedFilter | string[] | null): Promise<number> {
  const f: ServedFilter = Array.isArray(filter) ? { customerIds: filter } : (filter ?? {});
  const r = await sql`insert into wecom_handover_customers (tenant_id, handover_id, external_userid, customer_id)
    select f.tenant_id, ${handoverId}::uuid, ci.value, f.customer_id from customer_follows f
    join customers c on c.tenant_id = f.tenant_id and c.id = f.customer_id
    join customer_identities ci on ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid'
    where f.tenant_id = ${tenantId}::uuid and f.staff_id = ${fromStaffId}::uuid and f.ended_at is null ${servedFilterSql(f)}
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

export interface ServedCustomerRow {
  id: string;
  name: string | null;
  stage: string | null;
  orders: number;
  added_at: Date | null;
}

/** The clerk's current customers on WeCom matching a search (for ops to pick from), with how many match in all. */
export async function searchServedCustomers(trx: Tx, tenantId: TenantId, fromStaffId: string, filter: ServedFilter, limit = 100): Promise<{ total: number; rows: ServedCustomerRow[] }> {
  const r = await sql<ServedCustomerRow & { total: number }>`
    select f.customer_id as id, coalesce(nullif(f.remark, ''), c.display_name) as name, cm.stage, coalesce(cm.frequency, 0)::int as orders, f.added_at,
      count(*) over ()::int as total
    from customer_follows f
    join customers c on c.tenant_id = f.tenant_id and c.id = f.customer_id
    left join customer_metrics cm on cm.tenant_id = f.tenant_id and cm.customer_id = f.customer_id
    where f.tenant_id = ${tenantId}::uuid and f.staff_id = ${fromStaffId}::uuid and f.ended_at is null
      and exists (select 1 from customer_identities ci where ci.tenant_id = f.tenant_id and ci.customer_id = f.customer_id and ci.kind = 'external_userid')
      ${servedFilterSql(filter)}
    order by coalesce(nullif(f.remark, ''), c.display_name) nulls last, f.customer_id
    limit ${limit}`.execute(trx);
  return { total: r.rows[0]?.total ?? 0, rows: r.rows.map(({ total: _t, ...x }) => x) };
}

/** Resigned: customers from get_unassigned_list (mapped to Huike customers where known). */
export async function addExternalCustomers(trx: Tx, tenantId: TenantId, handoverId: string, externalUserids: string[]): Promise<number> {
  if (externalUserids.length === 0) return 0;
  const r = await sql`insert into wecom_handover_customers (tenant_id, handover_id, external_userid, customer_id)
    select ${tenantId}::uuid, ${handoverId}::uuid, x.eid, ci.customer_id from unnest(${externalUserids}::text[]) as x(eid)
    left join customer_identities ci on ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = x.eid
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

export async function getHandover(trx: Tx, tenantId: TenantId, id: string): Promise<HandoverRow | undefined> {
  const r = await sql<HandoverRow>`select id, kind, from_staff_id, to_staff_id, from_userid, to_userid, message, status from wecom_handovers
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
  return r.rows[0];
}

export async function setHandoverStatus(trx: Tx, tenantId: TenantId, id: string, status: HandoverStatus, error: string | null = null): Promise<void> {
  await sql`update wecom_handovers set status = ${status}, error = ${error}, updated_at = now(),
      finished_at = ${status === 'done' || status === 'failed' ? sql`now()` : sql`null`}
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

/**
 * Skips, before any call, the customers WeCom would refuse: a transfer of the customer kept within the protection
 * period (90 natural days), an on-job customer already assigned twice, or a transfer of the customer still waiting.
 */
export async function skipProtected(trx: Tx, tenantId: TenantId, h: HandoverRow, protectionDays: number, onJobLimit: number): Promise<number> {
  const r = await sql`update wecom_handover_customers hc set status = 'skipped', updated_at = now(), reason = x.reason
    from (
      select c.external_userid, case
          when exists (select 1 from wecom_handover_customers o join wecom_handovers oh on oh.tenant_id = o.tenant_id and oh.id = o.handover_id
                       where o.tenant_id = c.tenant_id and o.external_userid = c.external_userid and o.handover_id <> c.handover_id and o.status = 'waiting')
            then 'in_progress'
          when exists (select 1 from wecom_handover_customers o where o.tenant_id = c.tenant_id and o.external_userid = c.external_userid and o.handover_id <> c.handover_id
                       and o.status = 'kept' and o.takeover_at > now() - make_interval(days => ${protectionDays}))
            then 'protection_period'
          when ${h.kind} = 'on_job' and (select count(*) from wecom_handover_customers o join wecom_handovers oh on oh.tenant_id = o.tenant_id and oh.id = o.handover_id
                       where o.tenant_id = c.tenant_id and o.external_userid = c.external_userid and o.status = 'kept' and oh.kind = 'on_job') >= ${onJobLimit}
            then 'transfer_limit'
        end as reason
      from wecom_handover_customers c where c.tenant_id = ${tenantId}::uuid and c.handover_id = ${h.id}::uuid and c.status = 'pending') x
    where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${h.id}::uuid and hc.external_userid = x.external_userid and x.reason is not null`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

export async function pendingBatch(trx: Tx, tenantId: TenantId, handoverId: string, limit: number): Promise<string[]> {
  const r = await sql<{ eid: string }>`select external_userid as eid from wecom_handover_customers
    where tenant_id = ${tenantId}::uuid and handover_id = ${handoverId}::uuid and status = 'pending' order by external_userid limit ${limit}`.execute(trx);
  return r.rows.map((x) => x.eid);
}

/** Per-customer answers of one transfer call: errcode 0 (or 40129, already waiting) → waiting, else failed. */
export async function applyTransferAnswers(trx: Tx, tenantId: TenantId, handoverId: string, answers: { external_userid: string; errcode: number }[]): Promise<void> {
  if (answers.length === 0) return;
  await sql`update wecom_handover_customers hc set updated_at = now(), errcode = nullif(a.errcode, 0),
      status = case when a.errcode in (0, 40129) then 'waiting' else 'failed' end
    from unnest(${answers.map((a) => a.external_userid)}::text[], ${answers.map((a) => a.errcode)}::int[]) as a(eid, errcode)
    where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${handoverId}::uuid and hc.external_userid = a.eid and hc.status = 'pending'`.execute(trx);
}

/** transfer_result answers: 1 kept, 2 waiting, 3 refused, 4 limit reached. Returns how many became kept. */
export async function applyTransferResults(trx: Tx, tenantId: TenantId, handoverId: string, rows: { external_userid: string; status: number; takeover_time?: number | undefined }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const r = await sql<{ kept: number }>`with u as (
      update wecom_handover_customers hc set updated_at = now(),
        status = case a.status when 1 then 'kept' when 3 then 'refused' when 4 then 'limit_reached' else hc.status end,
        takeover_at = case when a.status = 1 then to_timestamp(a.t) else hc.takeover_at end
      from unnest(${rows.map((x) => x.external_userid)}::text[], ${rows.map((x) => x.status)}::int[], ${rows.map((x) => x.takeover_time ?? 0)}::bigint[]) as a(eid, status, t)
      where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${handoverId}::uuid and hc.external_userid = a.eid and hc.status = 'waiting' and a.status in (1, 3, 4)
      returning hc.status)
    select count(*) filter (where status = 'kept')::int as kept from u`.execute(trx);
  return r.rows[0]?.kept ?? 0;
}

/** transfer_fail callback: the waiting customer of the takeover member is refused or hit the limit. */
export async function applyTransferFail(trx: Tx, tenantId: TenantId, takeoverUserid: string, externalUserid: string, reason: string | undefined): Promise<number> {
  const status = reason === 'customer_limit_exceed' ? 'limit_reached' : 'refused';
  const r = await sql`update wecom_handover_customers hc set status = ${status}, updated_at = now()
    from wecom_handovers h where h.tenant_id = hc.tenant_id and h.id = hc.handover_id and hc.tenant_id = ${tenantId}::uuid
      and h.to_userid = ${takeoverUserid} and hc.external_userid = ${externalUserid} and hc.status = 'waiting'`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * The kept customers' relation moves to the takeover clerk: a relation for the new clerk with the old one's
 * remark, phones, tags, channel and state (reopened if it existed), and the old one ended with reason "transfer".
 * The customer row — history, orders, metrics, internal tags — is untouched. Returns the moved customer ids.
 */
export async function moveKeptRelations(trx: Tx, tenantId: TenantId, h: HandoverRow): Promise<string[]> {
  const r = await sql<{ customer_id: string }>`
    with kept as (select customer_id, takeover_at from wecom_handover_customers
      where tenant_id = ${tenantId}::uuid and handover_id = ${h.id}::uuid and status = 'kept' and customer_id is not null),
    ins as (
      insert into customer_follows as f (tenant_id, customer_id, staff_id, remark, description, remark_mobiles, added_at, add_way, state, channel_id, oper_userid, tag_ids, updated_at)
      select o.tenant_id, o.customer_id, ${h.to_staff_id}::uuid, o.remark, o.description, o.remark_mobiles, k.takeover_at, 202, o.state, o.channel_id, ${h.to_userid}, o.tag_ids, now()
      from kept k join customer_follows o on o.tenant_id = ${tenantId}::uuid and o.customer_id = k.customer_id and o.staff_id = ${h.from_staff_id}::uuid
      on conflict (tenant_id, customer_id, staff_id) do update set ended_at = null, end_reason = null, updated_at = now()
        where f.ended_at is not null
      returning f.customer_id)
    update customer_follows o set ended_at = coalesce(k.takeover_at, now()), end_reason = 'transfer', updated_at = now()
    from kept k where o.tenant_id = ${tenantId}::uuid and o.customer_id = k.customer_id and o.staff_id = ${h.from_staff_id}::uuid and o.ended_at is null
    returning o.customer_id`.execute(trx);
  return r.rows.map((x) => x.customer_id);
}

export async function countWaiting(trx: Tx, tenantId: TenantId, handoverId: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from wecom_handover_customers where tenant_id = ${tenantId}::uuid and handover_id = ${handoverId}::uuid and status in ('waiting','pending')`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/** Unfinished handovers; with `idleSeconds`, only those untouched that long (their job was lost). */
export async function openHandoverIds(trx: Tx, tenantId: TenantId, idleSeconds = 0): Promise<string[]> {
  const r = await sql<{ id: string }>`select id from wecom_handovers where tenant_id = ${tenantId}::uuid and status not in ('done','failed')
    and updated_at <= now() - make_interval(secs => ${idleSeconds}) order by created_at`.execute(trx);
  return r.rows.map((x) => x.id);
}

export type HandoverReportRow = HandoverReport<Date>;

/** Handovers with their counts and the kept customers' repurchase after versus before. `clerkId` limits to one clerk's. */
export async function handoverReport(trx: Tx, tenantId: TenantId, opts: { clerkId?: string; limit?: number } = {}): Promise<HandoverReportRow[]> {
  const r = await sql<HandoverReportRow>`
    select h.id, h.kind, h.status, fs.name as from_clerk, ts.name as to_clerk, h.from_staff_id, h.to_staff_id, h.created_at, h.created_by_label, h.error,
      count(c.external_userid)::int as customers,
      count(*) filter (where c.status = 'kept')::int as kept,
      count(*) filter (where c.status = 'refused')::int as refused,
      count(*) filter (where c.status in ('waiting','pending'))::int as waiting,
      count(*) filter (where c.status = 'limit_reached')::int as limit_reached,
      count(*) filter (where c.status = 'skipped')::int as skipped,
      count(*) filter (where c.status = 'failed')::int as failed,
      count(*) filter (where c.status = 'kept' and exists (select 1 from orders o where o.tenant_id = h.tenant_id and o.customer_id = c.customer_id and not o.is_refund
        and o.paid_at >= h.created_at - interval '90 days' and o.paid_at < h.created_at))::int as bought_before,
      count(*) filter (where c.status = 'kept' and exists (select 1 from orders o where o.tenant_id = h.tenant_id and o.customer_id = c.customer_id and not o.is_refund
        and o.paid_at >= c.takeover_at and o.paid_at < c.takeover_at + interval '90 days'))::int as bought_after
    from wecom_handovers h
    join staff fs on fs.tenant_id = h.tenant_id and fs.id = h.from_staff_id
    join staff ts on ts.tenant_id = h.tenant_id and ts.id = h.to_staff_id
    left join wecom_handover_customers c on c.tenant_id = h.tenant_id and c.handover_id = h.id
    where h.tenant_id = ${tenantId}::uuid ${opts.clerkId ? sql`and (h.from_staff_id = ${opts.clerkId}::uuid or h.to_staff_id = ${opts.clerkId}::uuid)` : sql``}
    group by h.tenant_id, h.id, fs.name, ts.name
    order by h.created_at desc limit ${opts.limit ?? 200}`.execute(trx);
  return r.rows;
}

/** Clerks to hand over from: inactive (resigned) clerks who still have customers, and active clerks (on-job). */
export async function handoverCandidates(trx: Tx, tenantId: TenantId) {
  const r = await sql<{ id: string; name: string; wecom_userid: string; store: string | null; active: boolean; customers: number }>`
    select s.id, s.name, s.wecom_userid, st.name as store, s.active,
      (select count(*)::int from customer_follows f where f.tenant_id = s.tenant_id and f.staff_id = s.id and f.ended_at is null) as customers
    from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    where s.tenant_id = ${tenantId}::uuid and s.wecom_userid is not null
    order by s.active, s.name`.execute(trx);
  return r.rows;
}

export interface HandoverCustomerRow {
  external_userid: string;
  customer_id: string | null;
  name: string | null;
  status: HandoverCustomerStatus;
  reason: string | null;
  errcode: number | null;
  takeover_at: Date | null;
  orders: number;
}

/** One handover's customers (kept first), with their order count: the history that stays with them. */
export async function handoverCustomers(trx: Tx, tenantId: TenantId, handoverId: string, limit = 200): Promise<HandoverCustomerRow[]> {
  const r = await sql<HandoverCustomerRow>`
    select hc.external_userid, hc.customer_id, c.display_name as name, hc.status, hc.reason, hc.errcode, hc.takeover_at,
      (select count(*)::int from orders o where o.tenant_id = hc.tenant_id and o.customer_id = hc.customer_id and not o.is_refund) as orders
    from wecom_handover_customers hc left join customers c on c.tenant_id = hc.tenant_id and c.id = hc.customer_id
    where hc.tenant_id = ${tenantId}::uuid and hc.handover_id = ${handoverId}::uuid
    order by case hc.status when 'kept' then 0 when 'waiting' then 1 else 2 end, orders desc, hc.external_userid limit ${limit}`.execute(trx);
  return r.rows;
}
