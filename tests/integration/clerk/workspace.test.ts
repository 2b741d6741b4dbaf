/** The clerk's workspace on a synced simulator tenant: today's tasks, closing them, follow-ups, the list and the card. */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { listClerkCustomers } from '../../../server/clerk/customers.queries';
import { executionByClerk, nudgeOverdueClerks, rollUpStores } from '../../../server/clerk/execution.queries';
import { generateDailyTasks } from '../../../server/clerk/tasks.job';
import { closeClerkTask, customerCard, logFollowUp, todayView } from '../../../server/clerk/workspace.service';
import { useTestServices } from '../../support/db';
import { clerkTenant } from './helpers';

const h = useTestServices();

const setup = (seed: number) => clerkTenant(h.services, seed);

describe('clerk workspace', () => {
  it('today: due customers in priority order, once per cycle; done and skipped with a reason; a follow-up closes the due task and comes back on its date', async () => {
    const { tenant, clerk, db, mine } = await setup(1601);
    expect(mine.length).toBeGreaterThan(10);
    const withMetrics = (await db((trx) => sql<{ id: string }>`select customer_id as id from customer_metrics where tenant_id = ${tenant.id}::uuid and customer_id = any(${mine}::uuid[]) order by customer_id`.execute(trx))).rows.map((r) => r.id);
    expect(withMetrics.length).toBeGreaterThan(3);
    const [a, b, c, d] = withMetrics;
    // Three due customers: b has the highest predicted value, then a; c has no fit (M counts) and the lowest.
    await db((trx) =>
      sql`update customer_metrics set is_due = true, expected_next_purchase = current_date - 3,
            predicted_value_12m_fen = case customer_id when ${b}::uuid then 90000 when ${a}::uuid then 50000 else null end,
            monetary_fen = case customer_id when ${c}::uuid then 100 else monetary_fen end
          where tenant_id = ${tenant.id}::uuid and customer_id = any(${[a, b, c]}::uuid[])`.execute(trx),
    );
    const t1 = await db((trx) => todayView(trx, clerk));
    const due = t1.tasks.filter((k) => k.kind === 'due').map((k) => k.customer_id);
    expect(due).toEqual([b, a, c]);
    // The clerk's day is generated once: opening the page again only reads, so a customer who falls due later in the
    // day waits for the next generation (here the tenant's daily job, which has not run today).
    await db((trx) => sql`update customer_metrics set is_due = true, expected_next_purchase = current_date - 1 where tenant_id = ${tenant.id}::uuid and customer_id = ${d}::uuid`.execute(trx));
    const t2 = await db((trx) => todayView(trx, clerk));
    expect(t2.tasks.map((k) => k.id)).toEqual(t1.tasks.map((k) => k.id));
    expect(t2.counts.open).toBe(t1.counts.open);
    expect(t2.tasks.some((k) => k.customer_id === d)).toBe(false);
    await generateDailyTasks(h.services, tenant.id);
    const dTask = (await db((trx) => todayView(trx, clerk))).tasks.find((k) => k.kind === 'due' && k.customer_id === d);
    expect(dTask).toBeDefined();
    // d buys: no longer due, and its task expires at the next generation; here it is taken out by hand.
    await db((trx) => sql`update clerk_tasks set status = 'expired', reason = 'no_longer_due' where tenant_id = ${tenant.id}::uuid and id = ${dTask!.id}::uuid`.execute(trx));

    const taskOf = (id: string) => t2.tasks.find((k) => k.kind === 'due' && k.customer_id === id)!.id;
    await db((trx) => closeClerkTask(trx, clerk, { intent: 'done', taskId: taskOf(b) }));
    await expect(db((trx) => closeClerkTask(trx, clerk, { intent: 'skip', taskId: taskOf(a) }))).rejects.toMatchObject({ status: 400 });
    await db((trx) => closeClerkTask(trx, clerk, { intent: 'skip', taskId: taskOf(a), reason: 'not_reachable' }));
    const t3 = await db((trx) => todayView(trx, clerk));
    expect(t3.tasks.filter((k) => k.kind === 'due').map((k) => k.customer_id)).toEqual([c]);
    expect(t3.counts).toMatchObject({ open: t1.counts.open - 2, done_today: 1, skipped_today: 1 });
    const skipped = await db((trx) => trx.selectFrom('clerk_tasks').select(['status', 'reason']).where('tenant_id', '=', tenant.id).where('customer_id', '=', a).executeTakeFirstOrThrow());
    expect(skipped).toEqual({ status: 'skipped', reason: 'not_reachable' });

    // A follow-up on c closes its due task; with a next date of today it becomes a follow-up task.
    const today = t3.today;
    await db((trx) => logFollowUp(trx, clerk, c!, { channel: 'call', note: '客户说周末来店', nextOn: today }));
    const t4 = await db((trx) => todayView(trx, clerk));
    expect(t4.tasks.some((k) => k.kind === 'due')).toBe(false);
    expect(t4.tasks[0]).toMatchObject({ kind: 'follow_up', customer_id: c });
    const card = await db((trx) => customerCard(trx, clerk, c!));
    expect(card.followUps[0]).toMatchObject({ channel: 'call', note: '客户说周末来店', next_follow_up_on: today });
    const audit = await db((trx) => trx.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('action', 'like', '%follow_up%').execute());
    expect(audit.map((x) => x.action)).toContain('follow_up.create');
  });

  it('my customers: search by remark, last 4 mobile digits and member number; a clerk cannot open or log on a customer they do not serve', async () => {
    const { tenant, clerk, db, mine } = await setup(1602);
    const [a, b, c] = mine;
    await db(async (trx) => {
      await sql`update customer_follows set remark = '王姐-老顾客' where tenant_id = ${tenant.id}::uuid and customer_id = ${a}::uuid and staff_id = ${clerk.staffId}::uuid`.execute(trx);
      await sql`update customers set mobile_masked = '138****4321' where tenant_id = ${tenant.id}::uuid and id = ${b}::uuid`.execute(trx);
      await sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) values (${tenant.id}::uuid, 'member_no', 'M7788', ${c}::uuid, 'test')`.execute(trx);
    });
    const search = async (q: string) => (await db((trx) => listClerkCustomers(trx, clerk, { q, page: 1 }))).rows.map((r) => r.id);
    expect(await search('王姐')).toEqual([a]);
    expect(await search('4321')).toEqual([b]);
    expect(await search('M7788')).toEqual([c]);
    const all = await db((trx) => listClerkCustomers(trx, clerk, { page: 1 }));
    expect(all.total).toBe(mine.length);
    // Another clerk's customer.
    const other = await db((trx) =>
      sql<{ id: string }>`select c.id from customers c where c.tenant_id = ${tenant.id}::uuid and not exists (select 1 from customer_follows f where f.tenant_id = c.tenant_id and f.customer_id = c.id and f.staff_id = ${clerk.staffId}::uuid) limit 1`.execute(trx),
    );
    const oid = other.rows[0]!.id;
    await expect(db((trx) => customerCard(trx, clerk, oid))).rejects.toMatchObject({ status: 404 });
    await expect(db((trx) => logFollowUp(trx, clerk, oid, { channel: 'chat', note: 'x' }))).rejects.toMatchObject({ status: 404 });
  });

  it('execution: a manager-level view counts tasks, follow-ups and the orders they led to within 7 days; a nudge reaches clerks with overdue tasks', async () => {
    const { tenant, sim, userid, clerk, db, mine } = await setup(1603);
    await db((trx) => sql`update staff set store_id = ${tenant.storeIds.S1}::uuid where tenant_id = ${tenant.id}::uuid and id = ${clerk.staffId}::uuid`.execute(trx));
    const [a, b] = mine;
    await db((trx) => logFollowUp(trx, clerk, a!, { channel: 'visit', note: '到店试用' }));
    await db((trx) => logFollowUp(trx, clerk, b!, { channel: 'chat', note: '发了新品' }));
    // a orders 2 days after the follow-up (counts); b orders 9 days after (does not).
    await db((trx) =>
      sql`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id)
          values (${tenant.id}::uuid, 'EX-1', now() + interval '2 days', current_date + 2, 12800, 'h1', 'api', ${a}::uuid),
                 (${tenant.id}::uuid, 'EX-2', now() + interval '9 days', current_date + 9, 9900, 'h2', 'api', ${b}::uuid)`.execute(trx),
    );
    // An overdue task (given yesterday, still open).
    await db((trx) => sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key) values (${tenant.id}::uuid, 'segment', ${a}::uuid, ${clerk.staffId}::uuid, current_date - 1, 'seg:test')`.execute(trx));
    // And one due in two days: to do, not late.
    await db((trx) => sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key) values (${tenant.id}::uuid, 'segment', ${b}::uuid, ${clerk.staffId}::uuid, current_date + 2, 'seg:later')`.execute(trx));
    const admin = tenant.actor;
    const r = await db((trx) => executionByClerk(trx, admin, { days: 30, sort: 'overdue', dir: 'desc' }));
    expect(r.rows[0]).toMatchObject({ staff_id: clerk.staffId, follow_ups: 2, converted: 1, overdue: 1, open: 1, created: 2 });
    const store = rollUpStores(r.rows).find((s) => s.storeId === tenant.storeIds.S1)!;
    expect(store).toMatchObject({ followUps: 2, converted: 1, conversionRate: 0.5, open: 1, overdue: 1 });
    const bySort = await db((trx) => executionByClerk(trx, admin, { days: 30, sort: 'follow_ups', dir: 'asc' }));
    expect(bySort.rows.at(-1)!.staff_id).toBe(clerk.staffId);

    await db((trx) => sql`update wecom_connections set agent_id = 1000002 where tenant_id = ${tenant.id}::uuid`.execute(trx));
    const nudged = await nudgeOverdueClerks(h.services, admin);
    expect(nudged).toEqual({ sent: 1, withoutWecom: 0, invalid: 0 });
    expect(sim.appMessages.at(-1)).toMatchObject({ touser: [userid], agentid: 1000002 });
  });
});
