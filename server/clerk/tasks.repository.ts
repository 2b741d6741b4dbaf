/**
 * Clerk tasks (`clerk_tasks`): today's generated tasks of one clerk, the list the 今日 tab shows, closing a task.
 *
 * Generation is idempotent and set-based: each kind is one `insert … select … on conflict do nothing` on
 * (tenant, clerk, kind, dedupe_key), so two runs of a day, or two devices at once, never duplicate a task.
 * The daily job (tasks.job.ts) runs it for every clerk of a tenant each morning in its zone (`clerk_task_runs`);
 * 今日 runs it for the signed-in clerk only when their day has no run yet (before the job, or a tenant whose job
 * has not run) and records that (`clerk_task_staff_runs`), so every other request of the day only reads.
 * Segments and campaigns insert their own rows (kind 'segment' / 'campaign', source naming them) the same way, and
 * a follow-up logged with a date that has come creates its task at once (`createDueFollowUpTask`), and so does a WeCom
 * callback that adds or ends a relation (`generateRelationTasks`, in the inbox's transaction).
 */
import { sql, type RawBuilder } from 'kysely';
import type { TaskView } from '../../app/lib/clerk-contract';
import { tenantToday } from '../analytics/metrics.repository';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';
import { jsonObjectSql } from '../lib/sql';
import { dueCycleKeySql, duePriorityOrderSql, isDueSql } from './due-priority';

/** The tenant's "today" (its time zone): the one definition, in the analytics repository. */
export { tenantToday };

/** Window of "new" customers and "just ended" relations. */
export const RECENT_DAYS = 7;

/**
 * Whose tasks to generate: one clerk (the 今日 page, the tab), or every active staff member of the tenant (the
 * daily job). A clerk's generation takes the tenant's lock shared and the clerk's exclusively; the tenant-wide
 * run takes the tenant's exclusively, so two generations never insert the same rows side by side.
 */
export type TaskOwners = { staffId: string } | 'all';

async function lockOwners(trx: Tx, tenantId: TenantId, who: TaskOwners): Promise<void> {
  if (who === 'all') {
    await sql`select pg_advisory_xact_lock(hashtext('huike.clerk.tasks.tenant'), hashtext(${tenantId}))`.execute(trx);
    return;
  }
  await lockTenantShared(trx, tenantId);
  await sql`select pg_advisory_xact_lock(hashtext('huike.clerk.tasks'), hashtext(${tenantId + ':' + who.staffId}))`.execute(trx);
}

/** The tenant's generation lock, shared: beside other clerks' generations, never beside the tenant-wide run. */
async function lockTenantShared(trx: Tx, tenantId: TenantId): Promise<void> {
  await sql`select pg_advisory_xact_lock_shared(hashtext('huike.clerk.tasks.tenant'), hashtext(${tenantId}))`.execute(trx);
}

/** SQL: the staff column belongs to the owners. */
function ownedBy(tenantId: TenantId, who: TaskOwners, col: string) {
  return who === 'all'
    ? sql`${sql.ref(col)} in (select s.id from staff s where s.tenant_id = ${tenantId}::uuid and s.active)`
    : sql`${sql.ref(col)} = ${who.staffId}::uuid`;
}

/**
 * SQL: the customer's birthday falls on `day` (a 29 February birthday is kept on 28 February in other years).
 * Only customers whose month and day are known.
 */
function birthdayOnSql(c: string, day: RawBuilder<unknown>) {
  const m = sql.ref(`${c}.birth_month`);
  const d = sql.ref(`${c}.birth_day`);
  return sql`(${m} = extract(month from ${day})::int and (${d} = extract(day from ${day})::int
    or (${m} = 2 and ${d} = 29 and extract(day from ${day})::int = 28 and extract(day from (${day} + 1))::int = 1)))`;
}

/**
 * The relations' own tasks: new customers (added in the last 7 days) without any tag, and relations that just ended
 * or where the customer deleted the clerk (two branches, one index each) — of the owners' relations matching `also`.
 */
async function insertRelationTasks(trx: Tx, tenantId: TenantId, mine: (col: string) => RawBuilder<unknown>, today: string, also: RawBuilder<unknown>): Promise<void> {
  const t = sql`${tenantId}::uuid`;
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source)
    select ${t}, 'new_untagged', f.customer_id, f.staff_id, ${today}::date, 'new:' || f.customer_id, 'system'
    from customer_follows f
    where f.tenant_id = ${t} and ${mine('f.staff_id')} and ${also} and f.ended_at is null and f.added_at >= now() - make_interval(days => ${RECENT_DAYS})
      and cardinality(f.tag_ids) = 0
      and not exists (select 1 from customer_internal_tags it where it.tenant_id = f.tenant_id and it.customer_id = f.customer_id)
    on conflict do nothing`.execute(trx);
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source, payload)
    select ${t}, 'relation_ended', x.customer_id, x.staff_id, ${today}::date, 'ended:' || x.customer_id || ':' || x.at::date, 'system', jsonb_build_object('reason', x.reason)
    from (
      select f.customer_id, f.staff_id, f.ended_at as at, coalesce(f.end_reason, 'customer_deleted') as reason from customer_follows f
      where f.tenant_id = ${t} and ${mine('f.staff_id')} and ${also} and f.ended_at is not null and f.ended_at >= now() - make_interval(days => ${RECENT_DAYS})
      union all
      select f.customer_id, f.staff_id, f.customer_deleted_at, 'customer_deleted' from customer_follows f
      where f.tenant_id = ${t} and ${mine('f.staff_id')} and ${also} and f.ended_at is null and f.customer_deleted_at >= now() - make_interval(days => ${RECENT_DAYS})) x
    on conflict do nothing`.execute(trx);
}

/**
 * The relation tasks of a WeCom contact's customer (and of other customers its event touched), at once, in the
 * transaction of the callback that added or ended a relation: a customer added at noon, or who deleted their clerk
 * at noon, shows in 今日 now, not tomorrow. Takes the tenant's generation lock shared, like one clerk's generation.
 * Idempotent with the daily run (same dedupe keys).
 */
export async function generateRelationTasks(trx: Tx, tenantId: TenantId, of: { externalUserid: string; customerIds: readonly string[] }, today: string): Promise<void> {
  await lockTenantShared(trx, tenantId);
  const customers = sql`(f.customer_id = any(${[...of.customerIds]}::uuid[]) or f.customer_id in (select ci.customer_id from customer_identities ci
    where ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = ${of.externalUserid}))`;
  await insertRelationTasks(trx, tenantId, (col) => ownedBy(tenantId, 'all', col), today, customers);
}

/** Creates the system tasks for `today` that do not exist yet; expires those whose reason went away. Set-based. */
export async function generateClerkTasks(trx: Tx, tenantId: TenantId, who: TaskOwners | string, today: string): Promise<void> {
  const owners: TaskOwners = who === 'all' ? 'all' : typeof who === 'string' ? { staffId: who } : who;
  const t = sql`${tenantId}::uuid`;
  await lockOwners(trx, tenantId, owners);
  const mine = (col: string) => ownedBy(tenantId, owners, col);
  // Due customers the clerk serves (one task per due cycle).
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source)
    select ${t}, 'due', cm.customer_id, f.staff_id, ${today}::date, ${dueCycleKeySql('cm')}, 'system'
    from customer_follows f join customer_metrics cm on cm.tenant_id = f.tenant_id and cm.customer_id = f.customer_id
    where f.tenant_id = ${t} and ${mine('f.staff_id')} and f.ended_at is null and ${isDueSql('cm')}
    on conflict do nothing`.execute(trx);
  await insertRelationTasks(trx, tenantId, mine, today, sql`true`);
  // Follow-ups whose next date has come (the latest record of the customer by this clerk only).
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source)
    select ${t}, 'follow_up', fu.customer_id, fu.staff_id, fu.next_follow_up_on, 'fu:' || fu.id, 'system'
    from customer_follow_ups fu
    where fu.tenant_id = ${t} and ${mine('fu.staff_id')} and fu.next_follow_up_on <= ${today}::date and fu.next_follow_up_on > ${today}::date - 30
      and not exists (select 1 from customer_follow_ups l where l.tenant_id = fu.tenant_id and l.staff_id = fu.staff_id and l.customer_id = fu.customer_id and l.created_at > fu.created_at)
    on conflict do nothing`.execute(trx);
  // Birthdays where known: customers the clerk serves whose birthday is today (one task a year).
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source, payload)
    select ${t}, 'birthday', f.customer_id, f.staff_id, ${today}::date, 'bday:' || f.customer_id || ':' || extract(year from ${today}::date)::int, 'system',
      jsonb_build_object('month', c.birth_month, 'day', c.birth_day, 'age', case when c.birth_year is not null then extract(year from ${today}::date)::int - c.birth_year end)
    from customer_follows f join customers c on c.tenant_id = f.tenant_id and c.id = f.customer_id
    where f.tenant_id = ${t} and ${mine('f.staff_id')} and f.ended_at is null and c.merged_into is null and c.birth_month is not null
      and ${birthdayOnSql('c', sql`${today}::date`)}
    on conflict do nothing`.execute(trx);
  await sql`update clerk_tasks k set status = 'expired', reason = 'no_longer_due', closed_at = now()
    where k.tenant_id = ${t} and ${mine('k.staff_id')} and k.status = 'open' and k.kind = 'due'
      and not exists (select 1 from customer_metrics cm where cm.tenant_id = k.tenant_id and cm.customer_id = k.customer_id and ${isDueSql('cm')})`.execute(trx);
  await sql`update clerk_tasks k set status = 'expired', reason = 'tagged', closed_at = now()
    where k.tenant_id = ${t} and ${mine('k.staff_id')} and k.status = 'open' and k.kind = 'new_untagged'
      and exists (select 1 from customer_follows f where f.tenant_id = k.tenant_id and f.customer_id = k.customer_id and f.staff_id = k.staff_id and cardinality(f.tag_ids) > 0)`.execute(trx);
  // A birthday greeting is for the day itself.
  await sql`update clerk_tasks k set status = 'expired', reason = 'birthday_passed', closed_at = now()
    where k.tenant_id = ${t} and ${mine('k.staff_id')} and k.status = 'open' and k.kind = 'birthday' and k.due_on < ${today}::date`.execute(trx);
}

export interface TaskRow extends TaskView {
  status: string;
  due_on: string;
  reason: string | null;
  source: string;
  frequency: number | null;
  monetary_fen: number | null;
}

const KIND_RANK = sql`case k.kind when 'follow_up' then 1 when 'campaign' then 2 when 'birthday' then 3 when 'due' then 4 when 'segment' then 5 when 'new_untagged' then 6 when 'relation_ended' then 7 else 8 end`;

/** The clerk's open tasks up to `today` (follow-ups, campaigns, due customers in priority order, new, ended). */
export async function listOpenTasks(trx: Tx, tenantId: TenantId, staffId: string, today: string, limit = 200): Promise<TaskRow[]> {
  const r = await sql<TaskRow>`
    select k.id, k.kind, k.status, k.due_on::text as due_on, k.reason, k.source, k.title, ${jsonObjectSql('k.payload')} as payload, k.customer_id,
      coalesce((select f.remark from customer_follows f where f.tenant_id = k.tenant_id and f.customer_id = k.customer_id and f.staff_id = k.staff_id and f.remark <> '' limit 1), c.display_name) as customer_name,
      cm.stage, cm.recency_days, cm.median_interval_days::float8 as median_interval_days, cm.frequency, cm.monetary_fen::int8 as monetary_fen,
      exists (select 1 from customer_follows f where f.tenant_id = k.tenant_id and f.customer_id = k.customer_id and f.staff_id = k.staff_id and f.ended_at is null) as in_scope
    from clerk_tasks k
    left join customers c on c.tenant_id = k.tenant_id and c.id = k.customer_id
    left join customer_metrics cm on cm.tenant_id = k.tenant_id and cm.customer_id = k.customer_id
    where k.tenant_id = ${tenantId}::uuid and k.staff_id = ${staffId}::uuid and k.status = 'open' and k.due_on <= ${today}::date
    order by ${KIND_RANK}, ${duePriorityOrderSql('cm')}, k.due_on, k.id
    limit ${limit}`.execute(trx);
  return r.rows.map((x) => ({ ...x, monetary_fen: x.monetary_fen === null ? null : Number(x.monetary_fen) }));
}

export interface TaskCounts {
  open: number;
  overdue: number;
  done_today: number;
  skipped_today: number;
}

/**
 * Counts for 今日: open (due today or earlier), of which overdue, and closed since the start of the tenant's local
 * day. Two index range scans: the clerk's open tasks (clerk_tasks_open_idx) and their tasks closed today
 * (clerk_tasks_closed_idx), never the clerk's whole history.
 */
export async function taskCounts(trx: Tx, tenantId: TenantId, staffId: string, today: string): Promise<TaskCounts> {
  const r = await sql<TaskCounts>`
    with o as (
      select count(*)::int as open, count(*) filter (where due_on < ${today}::date)::int as overdue from clerk_tasks
      where tenant_id = ${tenantId}::uuid and staff_id = ${staffId}::uuid and status = 'open' and due_on <= ${today}::date),
    d as (select (${today}::date::timestamp at time zone t.timezone) as since, ((${today}::date + 1)::timestamp at time zone t.timezone) as until from tenants t where t.id = ${tenantId}::uuid),
    c as (
      select count(*) filter (where k.status = 'done')::int as done_today, count(*) filter (where k.status = 'skipped')::int as skipped_today
      from clerk_tasks k, d
      where k.tenant_id = ${tenantId}::uuid and k.staff_id = ${staffId}::uuid and k.status in ('done', 'skipped') and k.closed_at >= d.since and k.closed_at < d.until)
    select o.open, o.overdue, c.done_today, c.skipped_today from o, c`.execute(trx);
  return r.rows[0]!;
}

/** The tab's count on the other /m pages: open tasks up to the tenant's today (clerk_tasks_open_idx), one statement. */
export async function openTaskTotal(trx: Tx, tenantId: TenantId, staffId: string): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from clerk_tasks k, tenants t
    where t.id = ${tenantId}::uuid and k.tenant_id = ${tenantId}::uuid and k.staff_id = ${staffId}::uuid and k.status = 'open'
      and k.due_on <= (now() at time zone t.timezone)::date`.execute(trx);
  return r.rows[0]!.n;
}

/** Closes one open task of the clerk. Returns the row before, or null when it is not theirs or not open. */
export async function closeTask(trx: Tx, tenantId: TenantId, staffId: string, taskId: string, status: 'done' | 'skipped', reason: string | null) {
  const r = await sql<{ id: string; kind: string; customer_id: string | null }>`
    update clerk_tasks set status = ${status}, reason = ${reason}, closed_at = now(), closed_by = ${staffId}::uuid
    where tenant_id = ${tenantId}::uuid and id = ${taskId}::uuid and staff_id = ${staffId}::uuid and status = 'open'
    returning id, kind, customer_id`.execute(trx);
  return r.rows[0] ?? null;
}

/** Marks the clerk's open tasks of a customer done (after a follow-up was logged or a message sent). */
export async function completeCustomerTasks(trx: Tx, tenantId: TenantId, staffId: string, customerId: string, kinds: readonly string[], reason: string): Promise<number> {
  const r = await sql`update clerk_tasks set status = 'done', reason = ${reason}, closed_at = now(), closed_by = ${staffId}::uuid
    where tenant_id = ${tenantId}::uuid and staff_id = ${staffId}::uuid and customer_id = ${customerId}::uuid and status = 'open' and kind = any(${[...kinds]}::text[])`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * A handover moved customers from one clerk to another: their open tasks follow them. A task the new clerk
 * already has (same kind and key) is closed on the old clerk's side as expired, so nothing is done twice.
 */
export async function moveOpenTasks(trx: Tx, tenantId: TenantId, customerIds: string[], fromStaffId: string, toStaffId: string, reason: string): Promise<number> {
  if (customerIds.length === 0) return 0;
  const moved = await sql`update clerk_tasks k set staff_id = ${toStaffId}::uuid
    where k.tenant_id = ${tenantId}::uuid and k.staff_id = ${fromStaffId}::uuid and k.status = 'open' and k.customer_id = any(${customerIds}::uuid[])
      and not exists (select 1 from clerk_tasks d where d.tenant_id = k.tenant_id and d.staff_id = ${toStaffId}::uuid and d.kind = k.kind and d.dedupe_key = k.dedupe_key)`.execute(trx);
  await sql`update clerk_tasks set status = 'expired', reason = ${reason}, closed_at = now()
    where tenant_id = ${tenantId}::uuid and staff_id = ${fromStaffId}::uuid and status = 'open' and customer_id = any(${customerIds}::uuid[])`.execute(trx);
  return Number(moved.numAffectedRows ?? 0);
}

/**
 * The tenant's today and whether the clerk's tasks of it were generated: by the tenant's daily run, or by 今日 for
 * this clerk (two primary-key probes, one statement).
 */
export async function clerkDay(trx: Tx, tenantId: TenantId, staffId: string): Promise<{ today: string; generated: boolean }> {
  const r = await sql<{ today: string; generated: boolean }>`select d.day::text as today,
      exists (select 1 from clerk_task_runs r where r.tenant_id = ${tenantId}::uuid and r.day = d.day)
        or exists (select 1 from clerk_task_staff_runs s where s.tenant_id = ${tenantId}::uuid and s.staff_id = ${staffId}::uuid and s.day = d.day) as generated
    from (select (now() at time zone timezone)::date as day from tenants where id = ${tenantId}::uuid) d`.execute(trx);
  const row = r.rows[0];
  if (!row) throw new Error('tenant not found');
  return row;
}

/** Records that 今日 generated the clerk's tasks of `day`, with the tasks this transaction created for them. */
export async function recordClerkDayRun(trx: Tx, tenantId: TenantId, staffId: string, day: string): Promise<void> {
  await sql`insert into clerk_task_staff_runs (tenant_id, staff_id, day, tasks_created)
    select ${tenantId}::uuid, ${staffId}::uuid, ${day}::date, count(*)::int from clerk_tasks
    where tenant_id = ${tenantId}::uuid and created_at = now() and staff_id = ${staffId}::uuid
    on conflict (tenant_id, staff_id, day) do nothing`.execute(trx);
}

/**
 * A follow-up record whose next date has already come (today or earlier) becomes the clerk's follow-up task at once,
 * as the day's generation would have made it; later dates wait for the generation of their day.
 */
export async function createDueFollowUpTask(trx: Tx, tenantId: TenantId, followUpId: string, today: string): Promise<void> {
  await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source)
    select fu.tenant_id, 'follow_up', fu.customer_id, fu.staff_id, fu.next_follow_up_on, 'fu:' || fu.id, 'system'
    from customer_follow_ups fu
    where fu.tenant_id = ${tenantId}::uuid and fu.id = ${followUpId}::uuid and fu.next_follow_up_on <= ${today}::date
    on conflict do nothing`.execute(trx);
}

/** Whether the daily generation of `day` has run for the tenant. */
export async function dailyRunDone(trx: Tx, tenantId: TenantId, day: string): Promise<boolean> {
  const r = await sql`select 1 from clerk_task_runs where tenant_id = ${tenantId}::uuid and day = ${day}::date`.execute(trx);
  return r.rows.length > 0;
}

/** Records the day's run with the tasks this transaction created (their created_at is the transaction's now()). */
export async function recordDailyRun(trx: Tx, tenantId: TenantId, day: string): Promise<number> {
  const r = await sql<{ n: number }>`insert into clerk_task_runs (tenant_id, day, tasks_created)
    select ${tenantId}::uuid, ${day}::date, count(*)::int from clerk_tasks where tenant_id = ${tenantId}::uuid and created_at = now()
    on conflict (tenant_id, day) do nothing returning tasks_created as n`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/** Active tenants whose local time has reached `fromHour` and whose local day has no daily run yet: (tenant, local day). */
export async function tenantsDueForDailyRun(db: DB, fromHour: number): Promise<{ id: string; day: string }[]> {
  const r = await sql<{ id: string; day: string }>`select t.id, (now() at time zone t.timezone)::date::text as day from tenants t
    where t.active and extract(hour from now() at time zone t.timezone) >= ${fromHour}
      and not exists (select 1 from clerk_task_runs r where r.tenant_id = t.id and r.day = (now() at time zone t.timezone)::date)`.execute(db);
  return r.rows;
}
