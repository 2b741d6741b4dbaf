/**
 * Execution of the clerk's workspace for managers and ops (/dashboard/execution): per clerk and store, tasks
 * created / done / skipped / overdue, follow-ups logged and what they led to (an order by the customer within 7 days
 * after the follow-up), messages sent from the sidebar, and the 群发 confirmation rate (campaign_outbox: tasks
 * confirmed in WeCom / tasks created). Within the actor's store scope. The store roll-up is a pure
 * function (rollUpStores).
 */
import { sql } from 'kysely';
import { ValidationError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type Tx } from '../tenancy/context';
import { storeScopeSql } from '../customers/scope';
import { loadOpenConnection } from '../wecom/connection.service';
import { wecomClientFor } from '../wecom/runtime';
import { tenantToday } from './tasks.repository';

export const EXECUTION_SORTS = ['name', 'store', 'created', 'done', 'overdue', 'done_rate', 'follow_ups', 'converted', 'mass_rate'] as const;
export type ExecutionSort = (typeof EXECUTION_SORTS)[number];
/** Days after a follow-up in which an order counts as what it led to. */
export const CONVERSION_DAYS = 7;

export interface ExecutionRow {
  staff_id: string;
  name: string;
  store_id: string | null;
  store: string | null;
  created: number;
  done: number;
  skipped: number;
  /** Open tasks due today or later (their clerk's to-do, not yet late). */
  open: number;
  overdue: number;
  follow_ups: number;
  converted: number;
  touches: number;
  /** 群发 tasks (campaign_outbox rows with a WeCom msgid) created for the clerk in the period, and of those confirmed. */
  mass_created: number;
  mass_confirmed: number;
}

const ORDER: Record<ExecutionSort, string> = {
  name: 'x.name',
  store: 'x.store',
  created: 'x.created',
  done: 'x.done',
  overdue: 'x.overdue',
  done_rate: 'case when x.created > 0 then x.done::float8 / x.created else null end',
  follow_ups: 'x.follow_ups',
  converted: 'x.converted',
  mass_rate: 'case when x.mass_created > 0 then x.mass_confirmed::float8 / x.mass_created else null end',
};

export async function executionByClerk(trx: Tx, actor: Actor, p: { days: number; sort: ExecutionSort; dir: 'asc' | 'desc' }): Promise<{ rows: ExecutionRow[]; today: string }> {
  const t = sql`${actor.tenantId}::uuid`;
  const today = await tenantToday(trx, actor.tenantId);
  const since = sql`now() - make_interval(days => ${p.days})`;
  const r = await sql<ExecutionRow>`
    select * from (
      select s.id as staff_id, s.name, s.store_id, st.name as store,
        (select count(*)::int from clerk_tasks k where k.tenant_id = s.tenant_id and k.staff_id = s.id and k.created_at >= ${since}) as created,
        (select count(*)::int from clerk_tasks k where k.tenant_id = s.tenant_id and k.staff_id = s.id and k.status = 'done' and k.closed_at >= ${since}) as done,
        (select count(*)::int from clerk_tasks k where k.tenant_id = s.tenant_id and k.staff_id = s.id and k.status = 'skipped' and k.closed_at >= ${since}) as skipped,
        (select count(*)::int from clerk_tasks k where k.tenant_id = s.tenant_id and k.staff_id = s.id and k.status = 'open' and k.due_on >= ${today}::date) as open,
        (select count(*)::int from clerk_tasks k where k.tenant_id = s.tenant_id and k.staff_id = s.id and k.status = 'open' and k.due_on < ${today}::date) as overdue,
        (select count(*)::int from customer_follow_ups fu where fu.tenant_id = s.tenant_id and fu.staff_id = s.id and fu.created_at >= ${since}) as follow_ups,
        (select count(*)::int from customer_follow_ups fu where fu.tenant_id = s.tenant_id and fu.staff_id = s.id and fu.created_at >= ${since}
          and exists (select 1 from orders o where o.tenant_id = fu.tenant_id and o.customer_id = fu.customer_id and not o.is_refund and o.amount_fen > 0
            and o.paid_at > fu.created_at and o.paid_at <= fu.created_at + make_interval(days => ${CONVERSION_DAYS}))) as converted,
        (select count(*)::int from customer_touches ct where ct.tenant_id = s.tenant_id and ct.staff_id = s.id and ct.created_at >= ${since}) as touches,
        (select count(*)::int from campaign_outbox o where o.tenant_id = s.tenant_id and o.sender_staff_id = s.id and o.msgid is not null and o.called_at >= ${since}) as mass_created,
        (select count(*)::int from campaign_outbox o where o.tenant_id = s.tenant_id and o.sender_staff_id = s.id and o.msgid is not null and o.called_at >= ${since} and o.confirmed_at is not null) as mass_confirmed
      from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
      where s.tenant_id = ${t} and s.role = 'clerk' and s.active and ${storeScopeSql(actor, 's.store_id')}
    ) x
    order by ${sql.raw(ORDER[p.sort])} ${sql.raw(p.dir === 'asc' ? 'asc nulls first' : 'desc nulls last')}, x.name, x.staff_id
    limit 2000`.execute(trx);
  return { rows: r.rows, today };
}

export interface StoreExecution {
  storeId: string | null;
  store: string | null;
  clerks: number;
  created: number;
  done: number;
  skipped: number;
  open: number;
  overdue: number;
  followUps: number;
  converted: number;
  touches: number;
  massCreated: number;
  massConfirmed: number;
  doneRate: number | null;
  conversionRate: number | null;
  /** 群发 confirmation rate: confirmed / created tasks. */
  massRate: number | null;
}

/** Per-store totals of the clerk rows, largest task volume first. */
export function rollUpStores(rows: readonly ExecutionRow[]): StoreExecution[] {
  const by = new Map<string, StoreExecution>();
  for (const r of rows) {
    const k = r.store_id ?? '';
    const s = by.get(k) ?? { storeId: r.store_id, store: r.store, clerks: 0, created: 0, done: 0, skipped: 0, open: 0, overdue: 0, followUps: 0, converted: 0, touches: 0, massCreated: 0, massConfirmed: 0, doneRate: null, conversionRate: null, massRate: null };
    s.clerks += 1;
    s.created += r.created;
    s.done += r.done;
    s.skipped += r.skipped;
    s.open += r.open;
    s.overdue += r.overdue;
    s.followUps += r.follow_ups;
    s.converted += r.converted;
    s.touches += r.touches;
    s.massCreated += r.mass_created;
    s.massConfirmed += r.mass_confirmed;
    by.set(k, s);
  }
  return [...by.values()]
    .map((s) => ({ ...s, doneRate: s.created > 0 ? s.done / s.created : null, conversionRate: s.followUps > 0 ? s.converted / s.followUps : null, massRate: s.massCreated > 0 ? s.massConfirmed / s.massCreated : null }))
    .sort((a, b) => b.created - a.created || (a.store ?? '').localeCompare(b.store ?? ''));
}

/**
 * Nudges clerks in the actor's scope who have overdue tasks, with a WeCom app message (message/send). Returns who
 * was messaged; clerks without a WeCom account are reported, not messaged.
 */
export async function nudgeOverdueClerks(services: Services, actor: Actor): Promise<{ sent: number; withoutWecom: number; invalid: number }> {
  const conn = await loadOpenConnection(services, actor.tenantId);
  if (conn.agentId === null) throw new ValidationError('请先在企业微信设置中填写 AgentId / Set the WeCom AgentId first');
  const clerks = await withTenant(services.dbs, actor.tenantId, async (trx) => {
    const today = await tenantToday(trx, actor.tenantId);
    const r = await sql<{ id: string; wecom_userid: string | null; overdue: number }>`
      select s.id, s.wecom_userid, count(*)::int as overdue
      from clerk_tasks k join staff s on s.tenant_id = k.tenant_id and s.id = k.staff_id
      where k.tenant_id = ${actor.tenantId}::uuid and k.status = 'open' and k.due_on < ${today}::date and s.active and ${storeScopeSql(actor, 's.store_id')}
      group by s.id, s.wecom_userid`.execute(trx);
    return r.rows;
  });
  const targets = clerks.filter((c) => c.wecom_userid);
  let invalid = 0;
  if (targets.length) {
    const client = await wecomClientFor(services, actor.tenantId);
    for (let i = 0; i < targets.length; i += 1000) {
      const chunk = targets.slice(i, i + 1000);
      const r = await client.sendAppText({ touser: chunk.map((c) => c.wecom_userid!), agentid: conn.agentId, content: '【回客】你有逾期未处理的客户任务，请打开「今日」尽快跟进。You have overdue customer tasks: open Today in Huike.' });
      invalid += r.invalid.length;
    }
  }
  const out = { sent: targets.length - invalid, withoutWecom: clerks.length - targets.length, invalid };
  await withTenant(services.dbs, actor.tenantId, (trx) => audit(trx, actor, { action: 'clerk_tasks.nudge', entityType: 'staff', entityId: null, after: { ...out, clerks: clerks.map((c) => c.id) } }));
  return out;
}
