/**
 * Mass-message delivery against the simulator: one task per clerk and chunk, each customer from exactly one
 * clerk, and a worker killed between WeCom's answer and Huike's record leaves no duplicate task after restart.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { deliverMassRun, planMassRun } from '../../../server/campaigns/delivery.service';
import { inCampaignHoldout } from '../../../server/campaigns/holdout';
import { withSystem, withTenant, type TenantId } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const content: CampaignContent = { text: '您好，我是{导购|您的导购}，{门店|门店}本周新品到店，欢迎来看看', attachments: [] };

async function newRun(tenantId: TenantId, holdoutPct: number) {
  return withTenant(h.services.dbs, tenantId, async (trx) => {
    const campaignId = await insertCampaign(trx, tenantId, { name: '新品到店', delivery: 'mass', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct, attributionDays: 7, createdBy: null });
    const runId = await insertRun(trx, tenantId, campaignId, new Date());
    const n = await snapshotRecipients(trx, tenantId, runId, campaignId, holdoutPct, sql<{ id: string }>`select id from customers where tenant_id = ${tenantId}::uuid and merged_into is null`);
    return { campaignId, runId, n };
  });
}

async function recipientsByStatus(tenantId: TenantId, runId: string) {
  return withTenant(h.services.dbs, tenantId, async (trx) => {
    const r = await sql<{ status: string; n: number }>`select status, count(*)::int as n from campaign_recipient_states where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid group by status`.execute(trx);
    return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
  });
}

/** Recipient rows of a run or a tenant, seen by the system (whatever tenant they claim). */
async function recipientRows(of: { runId: string } | { tenantId: string }) {
  const where = 'runId' in of ? sql`run_id = ${of.runId}::uuid` : sql`tenant_id = ${of.tenantId}::uuid`;
  return withSystem(h.services.dbs, async (db) => (await sql<{ n: number }>`select count(*)::int as n from campaign_recipients where ${where}`.execute(db)).rows[0]!.n);
}

describe('campaign mass delivery', () => {
  it('5,000 customers over 50 clerks: exactly one task per clerk and chunk, each customer from one clerk, holdout untouched', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 5000, staff: 50, seed: 31, multiFollowShare: 0.2 });
    await syncOnce(h.services, tenant.id);
    const { campaignId, runId, n } = await newRun(tenant.id, 10);
    expect(n).toBe(5000);
    const plan = await planMassRun(h.services, tenant.id, runId, content, 60);
    const r = await deliverMassRun(h.services, tenant.id, runId, content, plan.texts);
    expect(r).toEqual({ created: plan.tasks, reconciled: 0, failed: 0 });

    const tasks = [...sim.state.massTasks.values()];
    expect(tasks.length).toBe(plan.tasks);
    // One sender per task, at most 60 recipients per task, and no customer in two tasks.
    const seen = new Set<string>();
    for (const t of tasks) {
      expect(new Set(t.recipients.map((x) => x.userid)).size).toBe(1);
      expect(t.recipients.length).toBeLessThanOrEqual(60);
      for (const x of t.recipients) {
        expect(seen.has(x.external_userid!)).toBe(false);
        seen.add(x.external_userid!);
      }
      // The clerk's own name is in the text (a per-clerk variable).
      const sender = sim.state.staff.get(t.recipients[0]!.userid)!;
      expect(t.text?.content).toContain(`我是${sender.name}`);
    }
    const status = await recipientsByStatus(tenant.id, runId);
    // The holdout is the deterministic 10% draw and gets no task.
    const ids = await withTenant(h.services.dbs, tenant.id, async (trx) => (await sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid`.execute(trx)).rows);
    const expectedHoldout = ids.filter((c) => inCampaignHoldout(campaignId, c.id, 10)).length;
    expect(status.held_out).toBe(expectedHoldout);
    expect(seen.size).toBe(status.task_created);
    expect((status.task_created ?? 0) + (status.excluded ?? 0) + (status.invalid ?? 0)).toBe(5000 - expectedHoldout);
    // The holdout keeps 'held_out' and no WeCom id, but knows the clerk who would have sent (by the same rule as the
    // targets: a served customer always has one), so the report compares each clerk and store with their own holdout.
    const held = await withTenant(h.services.dbs, tenant.id, async (trx) =>
      (await sql<{ with_sender: number; served: number; with_eid: number }>`select count(*) filter (where r.sender_staff_id is not null)::int as with_sender,
          count(*) filter (where exists (select 1 from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id and s.active and s.wecom_userid is not null
            where f.tenant_id = r.tenant_id and f.customer_id = r.customer_id and f.ended_at is null))::int as served,
          count(r.external_userid)::int as with_eid
        from campaign_recipients r where r.tenant_id = ${tenant.id}::uuid and r.run_id = ${runId}::uuid and r.arm = 'holdout'`.execute(trx)).rows[0]!,
    );
    expect(held.with_sender).toBeGreaterThan(0);
    expect(held).toEqual({ with_sender: held.served, served: held.served, with_eid: 0 });

    // Recipients have no row-level key to their run (planning's insert skips the per-row check): deleting the tenant
    // still takes them along.
    await withSystem(h.services.dbs, (db) => sql`delete from tenants where id = ${tenant.id}::uuid`.execute(db));
    expect(await recipientRows({ tenantId: tenant.id })).toBe(0);
  }, 240_000);

  it('a worker killed after WeCom created a task and before Huike recorded it: the restart adopts that task, no clerk gets it twice', async () => {
    const { tenant, sim } = await connectedTenant(h.services, { customers: 1200, staff: 12, seed: 32 });
    await syncOnce(h.services, tenant.id);
    const { runId } = await newRun(tenant.id, 0);
    const plan = await planMassRun(h.services, tenant.id, runId, content, 50);
    let calls = 0;
    const killed = deliverMassRun(h.services, tenant.id, runId, content, plan.texts, {
      concurrency: 1,
      afterCall: () => {
        if (++calls === 3) throw new Error('worker killed');
      },
    });
    await expect(killed).rejects.toThrow('worker killed');
    expect(sim.state.massTasks.size).toBe(3);

    // A second row left 'calling' whose call never reached WeCom (killed just before it).
    await withTenant(h.services.dbs, tenant.id, (trx) =>
      sql`update campaign_outbox set state = 'calling', called_at = now(), attempts = 1
          where tenant_id = ${tenant.id}::uuid and run_id = ${runId}::uuid and state = 'pending'
            and (sender_staff_id, chunk) = (select sender_staff_id, chunk from campaign_outbox where tenant_id = ${tenant.id}::uuid and run_id = ${runId}::uuid and state = 'pending' order by sender_staff_id, chunk limit 1)`.execute(trx),
    );

    const resumed = await deliverMassRun(h.services, tenant.id, runId, content, plan.texts);
    expect(resumed.reconciled).toBe(1);
    expect(resumed.created).toBe(plan.tasks - 3);
    expect(sim.state.massTasks.size).toBe(plan.tasks);
    const perChunk = new Map<string, number>();
    for (const t of sim.state.massTasks.values()) {
      const key = t.recipients.map((x) => x.external_userid).sort().join(',');
      perChunk.set(key, (perChunk.get(key) ?? 0) + 1);
    }
    expect([...perChunk.values()].every((n) => n === 1)).toBe(true);
    const outbox = await withTenant(h.services.dbs, tenant.id, async (trx) => (await sql<{ state: string; reconciled: boolean; msgid: string | null }>`select state, reconciled, msgid from campaign_outbox where tenant_id = ${tenant.id}::uuid and run_id = ${runId}::uuid`.execute(trx)).rows);
    expect(outbox.every((o) => o.state === 'done' && o.msgid)).toBe(true);
    expect(new Set(outbox.map((o) => o.msgid)).size).toBe(plan.tasks);
    expect(outbox.filter((o) => o.reconciled).length).toBe(1);

    // Running it once more does nothing at all.
    expect(await deliverMassRun(h.services, tenant.id, runId, content, plan.texts)).toEqual({ created: 0, reconciled: 0, failed: 0 });
    expect(sim.state.massTasks.size).toBe(plan.tasks);

    // A deleted run takes its recipients along (a statement-level trigger in place of ON DELETE CASCADE).
    expect(await recipientRows({ runId })).toBe(1200);
    await withTenant(h.services.dbs, tenant.id, (trx) => sql`delete from campaign_runs where tenant_id = ${tenant.id}::uuid and id = ${runId}::uuid`.execute(trx));
    expect(await recipientRows({ runId })).toBe(0);
  }, 180_000);
});
