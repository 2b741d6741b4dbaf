/**
 * 1:1 follow-up delivery in SQL (issue #15 point 3): the values of each recipient's personalised script, a page
 * at a time, the clerk tasks (kind 'campaign', one per run and customer: `on conflict do nothing`), and the
 * recipient counted as sent when their clerk sends the script (sidebar touch or "sent" on the phone).
 */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

export interface ScriptValues {
  customer_id: string;
  staff_id: string;
  /** The clerk's remark for the customer, else their name. */
  salutation: string | null;
  last_item: string | null;
  days_since: number | null;
  spent_fen: number | null;
  member_level: string | null;
  clerk: string;
  store: string | null;
  store_address: string | null;
}

/** Up to `limit` target recipients of a run with a sender and no clerk task yet, after `afterCustomerId`. */
export async function scriptValuesPage(trx: Tx, tenantId: TenantId, runId: string, afterCustomerId: string | null, limit: number): Promise<ScriptValues[]> {
  const t = sql`${tenantId}::uuid`;
  const r = await sql<ScriptValues>`
    select r.customer_id, r.sender_staff_id as staff_id,
      coalesce(nullif(f.remark, ''), c.display_name) as salutation,
      lo.item as last_item,
      ((now() at time zone tn.timezone)::date - lo.paid_day) as days_since,
      lo.spent::int8 as spent_fen, c.member_level,
      s.name as clerk, st.name as store, st.address as store_address
    from campaign_recipients r
    join customers c on c.tenant_id = r.tenant_id and c.id = r.customer_id
    join staff s on s.tenant_id = r.tenant_id and s.id = r.sender_staff_id
    join tenants tn on tn.id = r.tenant_id
    left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    left join customer_follows f on f.tenant_id = r.tenant_id and f.customer_id = r.customer_id and f.staff_id = r.sender_staff_id
    left join lateral (
      select o.paid_day,
        (select coalesce(i.name, i.category) from order_items i where i.tenant_id = o.tenant_id and i.order_id = o.id order by i.amount_fen desc, i.line_no limit 1) as item,
        (select sum(o2.amount_fen) from orders o2 where o2.tenant_id = r.tenant_id and o2.customer_id = r.customer_id) as spent
      from orders o where o.tenant_id = r.tenant_id and o.customer_id = r.customer_id and not o.is_refund
      order by o.paid_at desc limit 1) lo on true
    where r.tenant_id = ${t} and r.run_id = ${runId}::uuid and r.arm = 'target' and r.excluded is null and r.status = 'planned'
      and r.sender_staff_id is not null and (${afterCustomerId}::uuid is null or r.customer_id > ${afterCustomerId}::uuid)
    order by r.customer_id limit ${limit}`.execute(trx);
  return r.rows.map((x) => ({ ...x, spent_fen: x.spent_fen === null ? null : Number(x.spent_fen) }));
}

export interface NewScriptTask {
  customerId: string;
  staffId: string;
  text: string;
}

/**
 * One clerk task per recipient (kind 'campaign', key run + customer, so a re-run creates nothing twice) carrying
 * the rendered script; the recipients become 'task_created'. Returns the tasks inserted.
 */
export async function insertScriptTasks(trx: Tx, tenantId: TenantId, run: { runId: string; campaignId: string; title: string; dueOn: string; attachments: unknown[] }, tasks: NewScriptTask[]): Promise<number> {
  if (tasks.length === 0) return 0;
  const t = sql`${tenantId}::uuid`;
  const payload = sql`jsonb_build_object('run_id', ${run.runId}::text, 'campaign_id', ${run.campaignId}::text, 'text', x.text, 'attachments', (${JSON.stringify(run.attachments)}::text)::jsonb)`;
  const r = await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, source, dedupe_key, title, payload)
    select ${t}, 'campaign', x.customer_id, x.staff_id, ${run.dueOn}::date, ${'campaign:' + run.campaignId}, ${'run:' + run.runId + ':'} || x.customer_id, ${run.title}, ${payload}
    from unnest(${tasks.map((x) => x.customerId)}::uuid[], ${tasks.map((x) => x.staffId)}::uuid[], ${tasks.map((x) => x.text)}::text[]) as x(customer_id, staff_id, text)
    on conflict do nothing`.execute(trx);
  await sql`update campaign_recipients set status = 'task_created'
    where tenant_id = ${t} and run_id = ${run.runId}::uuid and customer_id = any(${tasks.map((x) => x.customerId)}::uuid[]) and status = 'planned'`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * The clerk sent (or skipped) their 1:1 campaign task: the task is closed and its recipient counted as sent at
 * `at` (or 'unsent'), which also counts toward the customer's frequency cap. Only an open campaign task of this
 * clerk, named by its id, or (a message put into the customer's chat) by the customer and the exact script text.
 * Returns the closed task, or null when there was none.
 */
export async function closeScriptTask(trx: Tx, tenantId: TenantId, staffId: string, match: { taskId: string } | { customerId: string; text: string }, close: { outcome: 'sent' | 'unsent'; reason: string | null; at: Date }): Promise<{ id: string; kind: string; customer_id: string | null } | null> {
  const which = 'taskId' in match ? sql`k2.id = ${match.taskId}::uuid` : sql`k2.customer_id = ${match.customerId}::uuid and k2.payload->>'text' = ${match.text}`;
  const r = await sql<{ id: string; kind: string; run_id: string; customer_id: string }>`
    update clerk_tasks k set status = ${close.outcome === 'sent' ? 'done' : 'skipped'}, reason = ${close.reason ?? (close.outcome === 'sent' ? 'campaign_sent' : null)},
      closed_at = ${close.at}, closed_by = ${staffId}::uuid
    where k.id = (select k2.id from clerk_tasks k2 where k2.tenant_id = ${tenantId}::uuid and k2.staff_id = ${staffId}::uuid and k2.kind = 'campaign' and k2.status = 'open'
        and ${which} order by k2.created_at limit 1)
      and k.tenant_id = ${tenantId}::uuid
    returning k.id, k.kind, k.payload->>'run_id' as run_id, k.customer_id`.execute(trx);
  const task = r.rows[0];
  if (!task) return null;
  await markRecipient(trx, tenantId, task.run_id, task.customer_id, close.outcome, close.at);
  return { id: task.id, kind: task.kind, customer_id: task.customer_id };
}

/** A closed 1:1 campaign task's recipient: sent with its time, or unsent. */
export async function markRecipient(trx: Tx, tenantId: TenantId, runId: string, customerId: string, outcome: 'sent' | 'unsent', at: Date): Promise<void> {
  await sql`update campaign_recipients set status = ${outcome}, sent_at = ${outcome === 'sent' ? at : null}
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and customer_id = ${customerId}::uuid and status = 'task_created'`.execute(trx);
}

/** The run's campaign (name and id) and the local day its tasks are due. */
export async function runHeader(trx: Tx, tenantId: TenantId, runId: string): Promise<{ campaign_id: string; name: string; due_on: string }> {
  const r = await sql<{ campaign_id: string; name: string; due_on: string }>`
    select r.campaign_id, c.name, (greatest(r.planned_for, now()) at time zone t.timezone)::date::text as due_on
    from campaign_runs r join campaigns c on c.tenant_id = r.tenant_id and c.id = r.campaign_id join tenants t on t.id = r.tenant_id
    where r.tenant_id = ${tenantId}::uuid and r.id = ${runId}::uuid`.execute(trx);
  return r.rows[0]!;
}

/** The clerk's open 1:1 campaign tasks for one customer (the sidebar offers their scripts in the chat), with how many attachments each carries. */
export async function openScriptTasks(trx: Tx, tenantId: TenantId, staffId: string, customerId: string): Promise<{ id: string; title: string | null; text: string; attachments: number }[]> {
  return (
    await sql<{ id: string; title: string | null; text: string; attachments: number }>`select id, title, payload->>'text' as text,
        coalesce(jsonb_array_length(payload->'attachments'), 0)::int as attachments from clerk_tasks
      where tenant_id = ${tenantId}::uuid and staff_id = ${staffId}::uuid and customer_id = ${customerId}::uuid and kind = 'campaign' and status = 'open'
      order by due_on, created_at`.execute(trx)
  ).rows;
}

/** One open 1:1 campaign task of this clerk: its script and attachments (null when it is not theirs or not open). */
export async function openScriptTask(trx: Tx, tenantId: TenantId, staffId: string, taskId: string): Promise<{ id: string; customer_id: string; text: string; attachments: unknown[] } | null> {
  const r = await sql<{ id: string; customer_id: string; text: string; attachments: unknown[] | null }>`select id, customer_id, payload->>'text' as text, payload->'attachments' as attachments
    from clerk_tasks where tenant_id = ${tenantId}::uuid and staff_id = ${staffId}::uuid and id = ${taskId}::uuid and kind = 'campaign' and status = 'open'`.execute(trx);
  const row = r.rows[0];
  return row ? { ...row, attachments: row.attachments ?? [] } : null;
}
