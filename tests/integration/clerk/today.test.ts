/**
 * 今日 beyond the due list (issue 16): birthdays where known, the daily generation job, 群发 tasks waiting for the
 * clerk's confirmation in WeCom (and their confirmation rate in the execution view), a 1:1 campaign task with its
 * script, and the card's tap-to-call and campaign history.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { deliverMassRun, planMassRun } from '../../../server/campaigns/delivery.service';
import { pollRunResults } from '../../../server/campaigns/results.service';
import { executionByClerk, rollUpStores } from '../../../server/clerk/execution.queries';
import { saveClerkSettings } from '../../../server/clerk/settings';
import { generateDailyTasks } from '../../../server/clerk/tasks.job';
import { generateClerkTasks } from '../../../server/clerk/tasks.repository';
import { customerCard, openTaskCount, todayView } from '../../../server/clerk/workspace.service';
import { sealCustomerMobile } from '../../../server/customers/mobile-identity';
import { jobDefinitions } from '../../../server/jobs/registry';
import { SecretBox } from '../../../server/lib/secret-box';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';
import { clerkTenant } from './helpers';

const h = useTestServices();

async function setup(seed: number) {
  const t = await clerkTenant(h.services, seed);
  const today = (await t.db((trx) => sql<{ d: string }>`select (now() at time zone timezone)::date::text as d from tenants where id = ${t.tenant.id}::uuid`.execute(trx))).rows[0]!.d;
  return { ...t, today };
}

const [y, m, d] = [0, 1, 2];
const part = (iso: string, i: number) => Number(iso.split('-')[i]);

describe('今日: birthdays and the daily generation', () => {
  it('a customer whose birthday is today gets one birthday task (with the age when the year is known); tomorrow’s and unknown birthdays do not', async () => {
    const { tenant, clerk, db, mine, today } = await setup(1611);
    const [a, b, c] = mine;
    const tomorrow = new Date(Date.UTC(part(today, y), part(today, m) - 1, part(today, d) + 1)).toISOString().slice(0, 10);
    await db(async (trx) => {
      await sql`update customers set birth_month = ${part(today, m)}, birth_day = ${part(today, d)}, birth_year = 1990 where tenant_id = ${tenant.id}::uuid and id = ${a}::uuid`.execute(trx);
      await sql`update customers set birth_month = ${part(tomorrow, m)}, birth_day = ${part(tomorrow, d)} where tenant_id = ${tenant.id}::uuid and id = ${b}::uuid`.execute(trx);
      await sql`update customers set birth_month = null, birth_day = null where tenant_id = ${tenant.id}::uuid and id = ${c}::uuid`.execute(trx);
    });
    const t1 = await db((trx) => todayView(trx, clerk));
    const birthdays = t1.tasks.filter((k) => k.kind === 'birthday');
    expect(birthdays.map((k) => k.customer_id)).toEqual([a]);
    expect(birthdays[0]!.payload).toMatchObject({ month: part(today, m), day: part(today, d), age: part(today, y) - 1990 });
    const t2 = await db((trx) => todayView(trx, clerk));
    expect(t2.tasks.filter((k) => k.kind === 'birthday').length).toBe(1);
    // A birthday task left open past its day expires at the next day's generation (a greeting a day late is not a task).
    await db((trx) => sql`update clerk_tasks set due_on = due_on - 1 where tenant_id = ${tenant.id}::uuid and kind = 'birthday'`.execute(trx));
    await db((trx) => generateClerkTasks(trx, tenant.id, clerk.staffId!, today));
    const row = await db((trx) => trx.selectFrom('clerk_tasks').select(['status', 'reason']).where('tenant_id', '=', tenant.id).where('kind', '=', 'birthday').executeTakeFirstOrThrow());
    expect(row).toEqual({ status: 'expired', reason: 'birthday_passed' });
  });

  it('29 February birthdays are kept on 28 February in other years', async () => {
    const { tenant, clerk, db, mine } = await setup(1612);
    const [a] = mine;
    await db((trx) => sql`update customers set birth_month = 2, birth_day = 29 where tenant_id = ${tenant.id}::uuid and id = ${a}::uuid`.execute(trx));
    const keys = async () => (await db((trx) => sql<{ k: string }>`select dedupe_key as k from clerk_tasks where tenant_id = ${tenant.id}::uuid and kind = 'birthday' order by k`.execute(trx))).rows.map((r) => r.k);
    // The generator run for three calendar days: 2027 is not a leap year, 2028 is.
    await db((trx) => generateClerkTasks(trx, tenant.id, clerk.staffId!, '2027-02-28'));
    expect(await keys()).toEqual([`bday:${a}:2027`]);
    await db((trx) => generateClerkTasks(trx, tenant.id, clerk.staffId!, '2028-02-28'));
    expect(await keys()).toEqual([`bday:${a}:2027`]);
    await db((trx) => generateClerkTasks(trx, tenant.id, clerk.staffId!, '2028-02-29'));
    expect(await keys()).toEqual([`bday:${a}:2027`, `bday:${a}:2028`]);
  });

  it('the daily job creates every clerk’s tasks once per tenant day; a second run and the page create nothing more', async () => {
    const { tenant, clerk, db, mine, today } = await setup(1613);
    await db(async (trx) => {
      await sql`update customer_metrics set is_due = true, expected_next_purchase = current_date - 2 where tenant_id = ${tenant.id}::uuid and customer_id = any(${mine.slice(0, 3)}::uuid[])`.execute(trx);
      await sql`update customers set birth_month = ${part(today, m)}, birth_day = ${part(today, d)} where tenant_id = ${tenant.id}::uuid and id = ${mine[3]!}::uuid`.execute(trx);
      // A due customer of another clerk (not left to the generated data), so the run must reach more than one clerk.
      await sql`update customer_metrics set is_due = true, expected_next_purchase = current_date - 2 where tenant_id = ${tenant.id}::uuid and customer_id = (
        select f.customer_id from customer_follows f where f.tenant_id = ${tenant.id}::uuid and f.ended_at is null and f.staff_id <> ${clerk.staffId!}::uuid
          and f.customer_id <> all(${mine}::uuid[]) and exists (select 1 from customer_metrics cm where cm.tenant_id = f.tenant_id and cm.customer_id = f.customer_id)
        order by f.customer_id limit 1)`.execute(trx);
    });
    const first = await generateDailyTasks(h.services, tenant.id);
    expect(first?.day).toBe(today);
    expect(first!.created).toBeGreaterThan(3);
    const mineCreated = await db((trx) => sql<{ kind: string; n: number }>`select kind, count(*)::int as n from clerk_tasks where tenant_id = ${tenant.id}::uuid and staff_id = ${clerk.staffId}::uuid group by kind`.execute(trx));
    const byKind = Object.fromEntries(mineCreated.rows.map((r) => [r.kind, r.n]));
    expect(byKind.birthday).toBe(1);
    expect(byKind.due).toBeGreaterThanOrEqual(3);
    // Other clerks got theirs in the same run.
    const owners = await db((trx) => sql<{ n: number }>`select count(distinct staff_id)::int as n from clerk_tasks where tenant_id = ${tenant.id}::uuid`.execute(trx));
    expect(owners.rows[0]!.n).toBeGreaterThan(1);
    expect(await generateDailyTasks(h.services, tenant.id)).toBeNull();
    const total = async () => (await db((trx) => sql<{ n: number }>`select count(*)::int as n from clerk_tasks where tenant_id = ${tenant.id}::uuid`.execute(trx))).rows[0]!.n;
    const before = await total();
    await db((trx) => todayView(trx, clerk));
    expect(await total()).toBe(before);
    expect(jobDefinitions.some((j) => j.name === 'clerk.tasks.schedule' && j.cron)).toBe(true);
  });
});

describe('今日: campaign tasks', () => {
  it('群发 tasks waiting for the clerk’s confirmation show what to send and to how many customers, count on the tab, and leave once confirmed; the execution view shows the confirmation rate', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 200, staff: 4, seed: 1614, sim: { config: { rateLimitPerMinute: null } } });
    await syncOnce(h.services, tenant.id);
    const content: CampaignContent = { text: '本周会员日，全场满 199 减 30，欢迎到店', attachments: [] };
    const runId = await withTenant(h.services.dbs, tenant.id, async (trx) => {
      const campaignId = await insertCampaign(trx, tenant.id, { name: '会员日群发', delivery: 'mass', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
      const id = await insertRun(trx, tenant.id, campaignId, new Date());
      await snapshotRecipients(trx, tenant.id, id, campaignId, 0, sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid and merged_into is null`);
      return id;
    });
    const plan = await planMassRun(h.services, tenant.id, runId, content, 20);
    await deliverMassRun(h.services, tenant.id, runId, content, plan.texts);
    const tasks = [...sim.state.massTasks.values()];
    const sender = tasks[0]!.recipients[0]!.userid;
    const staff = await withTenant(h.services.dbs, tenant.id, (trx) => trx.selectFrom('staff').select(['id', 'store_id']).where('tenant_id', '=', tenant.id).where('wecom_userid', '=', sender).executeTakeFirstOrThrow());
    const clerk: Actor = { kind: 'staff', tenantId: tenant.id, tenantSlug: tenant.slug, staffId: staff.id, role: 'clerk', name: 'c', label: 'c', storeId: staff.store_id, storeScope: staff.store_id ? [staff.store_id] : [] };
    const theirs = tasks.filter((t) => t.recipients[0]!.userid === sender);
    const outbox = await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql<{ n: number }>`select sum(recipients - coalesce(fail_count, 0))::int as n from campaign_outbox where tenant_id = ${tenant.id}::uuid and sender_staff_id = ${staff.id}::uuid`.execute(trx),
    );

    const t1 = await withTenant(h.services.dbs, tenant.id, (trx) => todayView(trx, clerk));
    expect(t1.mass).toHaveLength(1);
    expect(t1.mass[0]).toMatchObject({ campaign: '会员日群发', text: content.text, tasks: theirs.length, customers: outbox.rows[0]!.n });
    expect(t1.mass[0]!.customers).toBeGreaterThan(0);
    const tab = await withTenant(h.services.dbs, tenant.id, (trx) => openTaskCount(trx, clerk));
    expect(tab).toBe(t1.counts.open + 1);

    // Nothing confirmed yet: 0 of the clerk's tasks.
    const admin = tenant.actor;
    const e0 = await withTenant(h.services.dbs, tenant.id, (trx) => executionByClerk(trx, admin, { days: 30, sort: 'mass_rate', dir: 'desc' }));
    expect(e0.rows.find((r) => r.staff_id === staff.id)).toMatchObject({ mass_created: theirs.length, mass_confirmed: 0 });

    // The clerk confirms in WeCom; the poll learns it; the task leaves 今日 and the rate is 100 %.
    for (const t of theirs) sim.sendMassMessage(t.msgid);
    sim.advance(31 * 60_000);
    await pollRunResults(h.services, tenant.id, runId, { now: new Date(sim.now()) });
    const t2 = await withTenant(h.services.dbs, tenant.id, (trx) => todayView(trx, clerk));
    expect(t2.mass).toEqual([]);
    const e1 = await withTenant(h.services.dbs, tenant.id, (trx) => executionByClerk(trx, admin, { days: 30, sort: 'mass_rate', dir: 'desc' }));
    expect(e1.rows[0]).toMatchObject({ staff_id: staff.id, mass_created: theirs.length, mass_confirmed: theirs.length });
    const allCreated = e1.rows.reduce((a, r) => a + r.mass_created, 0);
    expect(allCreated).toBe(tasks.length);
    const stores = rollUpStores(e1.rows);
    const confirmed = stores.reduce((a, s) => a + s.massConfirmed, 0);
    expect(confirmed).toBe(theirs.length);
    const mineStore = stores.find((s) => s.storeId === staff.store_id)!;
    expect(mineStore.massRate).toBe(mineStore.massConfirmed / mineStore.massCreated);

    // The card's campaign history: the confirmed clerk's customer received it.
    const received = theirs[0]!.recipients.find((r) => r.status === 1);
    if (received) {
      const cid = await withTenant(h.services.dbs, tenant.id, (trx) => sql<{ id: string }>`select customer_id as id from customer_identities where tenant_id = ${tenant.id}::uuid and kind = 'external_userid' and value = ${received.external_userid!}`.execute(trx));
      const card = await withTenant(h.services.dbs, tenant.id, (trx) => customerCard(trx, clerk, cid.rows[0]!.id));
      expect(card.campaigns[0]).toMatchObject({ campaign: '会员日群发', received: true, converted: false });
    }
  });

  it('a 1:1 campaign task carries its personalised script into 今日, ranked before due customers', async () => {
    const { tenant, clerk, db, mine } = await setup(1615);
    const [a, b] = mine;
    await db(async (trx) => {
      await sql`update customer_metrics set is_due = true, expected_next_purchase = current_date - 2 where tenant_id = ${tenant.id}::uuid and customer_id = ${a}::uuid`.execute(trx);
      await sql`insert into clerk_tasks (tenant_id, kind, customer_id, staff_id, due_on, dedupe_key, source, title, payload)
        values (${tenant.id}::uuid, 'campaign', ${b}::uuid, ${clerk.staffId}::uuid, current_date, 'campaign:x:' || ${b}::text, 'campaign:x', '会员日 1 对 1', ${JSON.stringify({ script: '王姐您好，本周会员日给您留了一份' })}::jsonb)`.execute(trx);
    });
    const t = await db((trx) => todayView(trx, clerk));
    const kinds = t.tasks.map((k) => k.kind);
    expect(kinds.indexOf('campaign')).toBeLessThan(kinds.indexOf('due'));
    expect(t.tasks.find((k) => k.kind === 'campaign')!.payload).toEqual({ script: '王姐您好，本周会员日给您留了一份' });
  });
});

describe('customer card: tap-to-call', () => {
  it('only where the tenant allows it and only to a clerk serving the customer; off by default', async () => {
    const { tenant, clerk, db, mine } = await setup(1616);
    const box = new SecretBox(h.services.config.APP_ENCRYPTION_KEY);
    const [a] = mine;
    await db((trx) => sql`update customers set mobile_masked = '139****5678', mobile_sealed = ${sealCustomerMobile(box, tenant.id, '13912345678')} where tenant_id = ${tenant.id}::uuid and id = ${a}::uuid`.execute(trx));
    const card0 = await db((trx) => customerCard(trx, clerk, a!, { box }));
    expect({ mobile: card0.mobile, tel: card0.tel }).toEqual({ mobile: null, tel: null });
    await db((trx) => saveClerkSettings(trx, tenant.actor, { showMobile: 'on', otherClerkCustomer: 'basic' }));
    const card1 = await db((trx) => customerCard(trx, clerk, a!, { box }));
    expect({ mobile: card1.mobile, tel: card1.tel }).toEqual({ mobile: '139****5678', tel: '13912345678' });
    // The admin sees the card (in scope) but does not serve the customer: masked only.
    const card2 = await db((trx) => customerCard(trx, tenant.actor, a!, { box }));
    expect({ mobile: card2.mobile, tel: card2.tel }).toEqual({ mobile: '139****5678', tel: null });
    // A clerk whose relation ended no longer serves the customer.
    await db((trx) => sql`update customer_follows set ended_at = now(), end_reason = 'transfer' where tenant_id = ${tenant.id}::uuid and customer_id = ${a}::uuid and staff_id = ${clerk.staffId}::uuid`.execute(trx));
    await expect(db((trx) => customerCard(trx, clerk, a!, { box }))).rejects.toMatchObject({ status: 404 });
    const audit = await db((trx) => trx.selectFrom('audit_log').select('action').where('tenant_id', '=', tenant.id).where('action', '=', 'tenant.clerk_settings').execute());
    expect(audit).toHaveLength(1);
    // Clerks may not change it.
    await expect(db((trx) => saveClerkSettings(trx, clerk, { showMobile: 'on', otherClerkCustomer: 'basic' }))).rejects.toMatchObject({ status: 403 });
  });
});
