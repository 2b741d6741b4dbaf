/**
 * Send results of a campaign run in SQL (issue #15 point 6): the tasks due for a poll, the per-recipient states
 * written a page at a time in one statement, the clerk's confirmation and poll schedule on the outbox row, the
 * reminder ledger, cancellation at expiry, and the per-store and per-clerk progress read model.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';
import { withoutNestedLoops } from './delivery.repository';
import { cancelGroupChunk } from './group-delivery.repository';

export interface PolledTask {
  sender_staff_id: string;
  chunk: number;
  msgid: string;
  wecom_userid: string;
  created_at: Date;
  confirmed_at: Date | null;
  cancelled_at: Date | null;
  poll_failures: number;
  reminders: Date[];
  /** 'group': a task to the clerk's customer group chats (its results land in campaign_group_targets). */
  chat_type: 'single' | 'group';
}

const taskColumns = sql`o.sender_staff_id, o.chunk, o.msgid, s.wecom_userid, coalesce(o.completed_at, o.called_at) as created_at,
  o.confirmed_at, o.cancelled_at, o.poll_failures, o.reminders, o.chat_type`;

/**
 * Tasks of a run whose results are due at `now`: created, not cancelled, and never polled or due again.
 * With `all`, every task of the run that is not yet final (for a forced refresh before a cancel).
 */
export async function dueTasks(trx: Tx, tenantId: TenantId, runId: string, now: Date, all = false): Promise<PolledTask[]> {
  return (
    await sql<PolledTask>`select ${taskColumns}
      from campaign_outbox o join staff s on s.tenant_id = o.tenant_id and s.id = o.sender_staff_id
      where o.tenant_id = ${tenantId}::uuid and o.run_id = ${runId}::uuid and o.state = 'done' and o.msgid is not null
        and o.cancelled_at is null
        and ${all ? sql`o.confirmed_at is null` : sql`(o.last_polled_at is null or o.next_poll_at <= ${now})`}
      order by o.sender_staff_id, o.chunk`.execute(trx)
  ).rows;
}

/** Runs of a tenant with at least one task due at `now`. */
export async function runsWithDueTasks(trx: Tx, tenantId: TenantId, now: Date): Promise<string[]> {
  return (
    await sql<{ run_id: string }>`select distinct run_id from campaign_outbox
      where tenant_id = ${tenantId}::uuid and state = 'done' and msgid is not null and cancelled_at is null
        and (last_polled_at is null or next_poll_at <= ${now})`.execute(trx)
  ).rows.map((r) => r.run_id);
}

/** Tenants with a task due at `now` (the job's sweep; runs on the owner connection through withSystem). */
export async function tenantsWithDueTasks(db: DB, now: Date): Promise<string[]> {
  return (
    await sql<{ tenant_id: string }>`select distinct tenant_id from campaign_outbox
      where state = 'done' and msgid is not null and cancelled_at is null
        and (last_polled_at is null or next_poll_at <= ${now})`.execute(db)
  ).rows.map((r) => r.tenant_id);
}

export interface SendResultPage {
  externalUserids: string[];
  statuses: number[];
  /** Unix seconds, null when WeCom gave none (status other than 1). */
  sendTimes: (number | null)[];
}

/**
 * One page of get_groupmsg_send_result onto the chunk's recipients, in one statement: status 1 → 'sent' with
 * its time, 2 → 'not_friend', 3 → 'cap_reached'; status 0 (not sent yet) leaves the row as it is.
 */
export async function applySendResults(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, page: SendResultPage): Promise<number> {
  if (page.externalUserids.length === 0) return 0;
  // Without nested loops: the page is matched with its chunk (up to 10,000 rows) once, not once per chunk row.
  const r = await withoutNestedLoops(trx, () => sql`update campaign_recipients r set
      status = case p.status when 1 then 'sent' when 2 then 'not_friend' else 'cap_reached' end,
      sent_at = case when p.status = 1 then to_timestamp(p.send_time) end
    from unnest(${page.externalUserids}::text[], ${page.statuses}::int[], ${page.sendTimes}::bigint[]) as p(external_userid, status, send_time)
    where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.sender_staff_id = ${staffId}::uuid and r.chunk = ${chunk}
      and r.external_userid = p.external_userid and p.status in (1, 2, 3)
      and r.status in ('planned', 'task_created', 'unsent', 'sent', 'not_friend', 'cap_reached')
      and (r.status, r.sent_at) is distinct from (case p.status when 1 then 'sent' when 2 then 'not_friend' else 'cap_reached' end, case when p.status = 1 then to_timestamp(p.send_time) end)`.execute(trx));
  return Number(r.numAffectedRows ?? 0);
}

/** After a successful poll: the clerk's confirmation (when WeCom reports it) and the next poll, failures reset. */
export async function markPolled(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, p: { confirmedAt: Date | null; now: Date; next: Date | null }): Promise<void> {
  await sql`update campaign_outbox set confirmed_at = coalesce(confirmed_at, ${p.confirmedAt}), last_polled_at = ${p.now}, next_poll_at = ${p.next}, poll_failures = 0
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}`.execute(trx);
}

/** After a poll WeCom still refused (rate limit, still dispatching): try again at `next`, the run goes on. */
export async function reschedulePoll(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, p: { now: Date; next: Date; error: string }): Promise<void> {
  await sql`update campaign_outbox set last_polled_at = ${p.now}, next_poll_at = ${p.next}, poll_failures = poll_failures + 1, error = ${p.error}
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}`.execute(trx);
}

/**
 * Takes a reminder slot for a task before remind_groupmsg_send is called: appends `now` to its reminders only if
 * fewer than `max` fall within the 24 hours before `now` (and it is still unconfirmed and not cancelled).
 * Recorded first, so a crash after the call can never lead to a fourth reminder. Returns whether a slot was taken.
 */
export async function takeReminderSlot(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, now: Date, max: number, minGapMs: number): Promise<boolean> {
  const r = await sql`update campaign_outbox set reminders = array_append(reminders, ${now}::timestamptz)
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}
      and confirmed_at is null and cancelled_at is null
      and (select count(*) from unnest(reminders) t where t > ${now}::timestamptz - interval '24 hours') < ${max}
      and coalesce((select max(t) from unnest(reminders) t), '-infinity') <= ${now}::timestamptz - make_interval(secs => ${minGapMs / 1000})`.execute(trx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** The task was cancelled on WeCom: no more polls, and the chunk's recipients not sent yet become 'unsent'. */
export async function markCancelled(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, now: Date): Promise<number> {
  await sql`update campaign_outbox set cancelled_at = ${now}, next_poll_at = null
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}`.execute(trx);
  const r = await sql`update campaign_recipients set status = 'unsent'
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk} and status in ('planned', 'task_created')`.execute(trx);
  // A group task's chats (negative chunks) likewise.
  const g = chunk < 0 ? await cancelGroupChunk(trx, tenantId, runId, staffId, chunk) : 0;
  return Number(r.numAffectedRows ?? 0) + g;
}

export interface ClerkProgress {
  store_id: string | null;
  store_name: string | null;
  staff_id: string;
  clerk_name: string;
  recipients: number;
  sent: number;
  not_friend: number;
  cap_reached: number;
  /** Refused by WeCom at task creation (fail_list). */
  invalid: number;
  /** Task created, not sent yet. */
  pending: number;
  /** Cancelled at expiry before the clerk sent it. */
  unsent: number;
  tasks_created: number;
  tasks_confirmed: number;
  /** Confirmed tasks / created tasks (0 when none were created). */
  execution_rate: number;
}

const progressColumns = sql`count(*)::int as recipients,
  count(*) filter (where r.status = 'sent')::int as sent,
  count(*) filter (where r.status = 'not_friend')::int as not_friend,
  count(*) filter (where r.status = 'cap_reached')::int as cap_reached,
  count(*) filter (where r.status = 'invalid')::int as invalid,
  count(*) filter (where r.status = 'task_created')::int as pending,
  count(*) filter (where r.status = 'unsent')::int as unsent`;

/**
 * Progress of a run per store and clerk (the run page): recipients by state, and tasks created / confirmed with
 * the execution rate. Ordered by store name, then clerk name; a clerk without a store has null store fields.
 */
export async function runProgressByClerk(trx: Tx, tenantId: TenantId, runId: string): Promise<ClerkProgress[]> {
  return (
    await sql<ClerkProgress>`with rec as (
        select r.sender_staff_id, ${progressColumns}
        from campaign_recipient_states r
        where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.arm = 'target' and r.sender_staff_id is not null
        group by r.sender_staff_id
      ), tasks as (
        select o.sender_staff_id, count(*) filter (where o.msgid is not null)::int as tasks_created,
          count(*) filter (where o.msgid is not null and o.confirmed_at is not null)::int as tasks_confirmed
        from campaign_outbox o where o.tenant_id = ${tenantId}::uuid and o.run_id = ${runId}::uuid
        group by o.sender_staff_id
      )
      select st.id as store_id, st.name as store_name, s.id as staff_id, s.name as clerk_name,
        rec.recipients, rec.sent, rec.not_friend, rec.cap_reached, rec.invalid, rec.pending, rec.unsent,
        coalesce(t.tasks_created, 0) as tasks_created, coalesce(t.tasks_confirmed, 0) as tasks_confirmed,
        case when coalesce(t.tasks_created, 0) = 0 then 0 else t.tasks_confirmed::float8 / t.tasks_created end as execution_rate
      from rec
      join staff s on s.tenant_id = ${tenantId}::uuid and s.id = rec.sender_staff_id
      left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
      left join tasks t on t.sender_staff_id = rec.sender_staff_id
      order by st.name nulls last, s.name, s.id`.execute(trx)
  ).rows;
}

export type StoreProgress = Omit<ClerkProgress, 'staff_id' | 'clerk_name'> & { clerks: number };

/** The same per store: the clerks' rows summed, the execution rate over the store's tasks. */
export function progressByStore(rows: ClerkProgress[]): StoreProgress[] {
  const out = new Map<string, StoreProgress>();
  const sums = ['recipients', 'sent', 'not_friend', 'cap_reached', 'invalid', 'pending', 'unsent', 'tasks_created', 'tasks_confirmed'] as const;
  for (const r of rows) {
    const key = r.store_id ?? '';
    const s = out.get(key) ?? { store_id: r.store_id, store_name: r.store_name, clerks: 0, recipients: 0, sent: 0, not_friend: 0, cap_reached: 0, invalid: 0, pending: 0, unsent: 0, tasks_created: 0, tasks_confirmed: 0, execution_rate: 0 };
    s.clerks += 1;
    for (const k of sums) s[k] += r[k];
    s.execution_rate = s.tasks_created === 0 ? 0 : s.tasks_confirmed / s.tasks_created;
    out.set(key, s);
  }
  return [...out.values()];
}
