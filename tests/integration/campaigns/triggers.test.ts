/**
 * Triggered campaigns fire once per entry, for each trigger kind, through the scheduler tick (the one path that
 * evaluates them): a tick in the tenant's zone after the campaign's time of day creates a run whose audience is
 * the new entries; the same day again (a later tick, or a retried one) fires nothing twice; history before the campaign's first evaluation never fires; a new entry inside
 * the re-entry period is skipped and one after it fires again.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { triggeredSchedule, type CampaignTrigger } from '../../../app/lib/contracts/campaign';
import { insertCampaign } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { scheduleCampaign } from '../../../server/campaigns/campaigns.service';
import { tickTenant } from '../../../server/campaigns/runs.service';
import { triggeredAudienceSql } from '../../../server/campaigns/triggers';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
/** Day 0 at 12:00 in Asia/Shanghai (the tenant's zone); the campaigns evaluate at 10:00 local. */
const D0 = Date.parse('2026-12-07T04:00:00Z');
const at = (days: number, hourUtc = 4) => new Date(D0 + days * 86_400_000 + (hourUtc - 4) * 3_600_000);
const day = (days: number) => at(days).toISOString().slice(0, 10);

async function setup(seed: number) {
  const { tenant } = await connectedTenant(h.services, { customers: 40, staff: 2, seed });
  await syncOnce(h.services, tenant.id);
  const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
  // Relations added long ago, so only what a test sets up enters.
  await db((trx) => sql`update customer_follows set added_at = '2020-01-01T00:00:00Z' where tenant_id = ${tenant.id}::uuid`.execute(trx));
  const ids = (await db((trx) => sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid and merged_into is null order by id`.execute(trx))).rows.map((r) => r.id);
  return { tenantId: tenant.id, actor: tenant.actor, db, ids };
}

let orderNo = 0;
async function order(tenantId: TenantId, customerId: string, onDay: number, item: { sku?: string; category?: string } = {}) {
  await withTenant(h.services.dbs, tenantId, async (trx) => {
    const r = await sql<{ id: number }>`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, content_hash, source, customer_id)
      values (${tenantId}::uuid, ${'T-' + ++orderNo}, ${at(onDay)}, ${day(onDay)}::date, 9900, 'h', 'api', ${customerId}::uuid) returning id`.execute(trx);
    await sql`insert into order_items (tenant_id, order_id, line_no, sku, name, category, quantity, amount_fen)
      values (${tenantId}::uuid, ${r.rows[0]!.id}, 1, ${item.sku ?? 'OTHER'}, '商品', ${item.category ?? '其他'}, 1, 9900)`.execute(trx);
  });
}

/** A triggered campaign scheduled on day 0 at 09:00 local, before its time of day (10:00): first evaluated at 10:00. */
async function newCampaign(tenantId: TenantId, actor: Actor, trigger: CampaignTrigger, reentryDays: number | null) {
  const schedule = triggeredSchedule.parse({ kind: 'triggered', trigger, reentry_days: reentryDays, time: '10:00' });
  return withTenant(h.services.dbs, tenantId, async (trx) => {
    const id = await insertCampaign(trx, tenantId, { name: `触发-${trigger.type}`, delivery: 'mass', audience: { segment_id: null }, content: { text: '您好', attachments: [] }, schedule, holdoutPct: 0, attributionDays: 7, createdBy: null });
    await scheduleCampaign(trx, actor, id, at(0, 1));
    return { id, schedule };
  });
}

/** One scheduler tick of the tenant at `now`; returns the fired customers per campaign (each run's audience). */
async function evaluate(tenantId: TenantId, now: Date) {
  const { created } = await tickTenant(h.services, tenantId, now);
  const out = new Map<string, string[]>();
  for (const runId of created) {
    const { campaignId, audience } = await withTenant(h.services.dbs, tenantId, async (trx) => ({
      campaignId: (await sql<{ campaign_id: string }>`select campaign_id from campaign_runs where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx)).rows[0]!.campaign_id,
      audience: (await sql<{ id: string }>`${triggeredAudienceSql(tenantId, runId)} order by 1`.execute(trx)).rows.map((r) => r.id),
    }));
    expect(out.has(campaignId)).toBe(false);
    out.set(campaignId, audience);
  }
  return out;
}

describe('triggered campaigns', () => {
  it('each trigger kind fires once per entry, skips history and entries inside the re-entry period, and fires again after it', async () => {
    const { tenantId, actor, db, ids } = await setup(1701);
    const [segX, segY, firstX, firstY, lastX, skuX, skuY, catX, addX, addY, bdayX, bdayY] = ids;
    const t = sql`${tenantId}::uuid`;

    // Segment: X enters on day 0; Y entered the day before the campaign started (history).
    const segmentId = (await db((trx) => sql<{ id: string }>`insert into segments (tenant_id, name, kind, created_by_label) values (${t}, '待回购', 'dynamic', 'test') returning id`.execute(trx))).rows[0]!.id;
    const enter = (customerId: string, onDay: number) =>
      db(async (trx) => {
        await sql`insert into segment_members (tenant_id, segment_id, customer_id, entered_on) values (${t}, ${segmentId}::uuid, ${customerId}::uuid, ${day(onDay)}::date) on conflict do nothing`.execute(trx);
        await sql`insert into segment_events (tenant_id, segment_id, customer_id, kind, day) values (${t}, ${segmentId}::uuid, ${customerId}::uuid, 'enter', ${day(onDay)}::date)`.execute(trx);
      });
    const exit = (customerId: string, onDay: number) =>
      db(async (trx) => {
        await sql`delete from segment_members where tenant_id = ${t} and segment_id = ${segmentId}::uuid and customer_id = ${customerId}::uuid`.execute(trx);
        await sql`insert into segment_events (tenant_id, segment_id, customer_id, kind, day) values (${t}, ${segmentId}::uuid, ${customerId}::uuid, 'exit', ${day(onDay)}::date)`.execute(trx);
      });
    await enter(segX!, 0);
    await enter(segY!, -1);
    // First purchase 7 days ago (X, who bought again since) or 8 (Y, history); last purchase 7 days ago (X).
    await order(tenantId, firstX!, -7);
    await order(tenantId, firstX!, -2);
    await order(tenantId, firstY!, -8);
    await order(tenantId, lastX!, -30);
    await order(tenantId, lastX!, -7);
    // SKU and category orders on day 0; Y bought another SKU.
    await order(tenantId, skuX!, 0, { sku: 'SKU-RICE' });
    await order(tenantId, skuY!, 0, { sku: 'SKU-TEA' });
    await order(tenantId, catX!, 0, { category: '面霜' });
    // Added on WeCom 3 days before day 0 (X) and 5 (Y, history).
    const added = (customerId: string, onDay: number) => db((trx) => sql`update customer_follows set added_at = ${at(onDay)} where tenant_id = ${t} and customer_id = ${customerId}::uuid`.execute(trx));
    await added(addX!, -3);
    await added(addY!, -5);
    // Birthdays: X on day 0; Y on day 1 (no year known).
    const bday = (customerId: string, onDay: number) => db((trx) => sql`update customers set birth_month = ${Number(day(onDay).slice(5, 7))}, birth_day = ${Number(day(onDay).slice(8, 10))} where tenant_id = ${t} and id = ${customerId}::uuid`.execute(trx));
    await bday(bdayX!, 0);
    await bday(bdayY!, 1);

    const c = {
      seg: await newCampaign(tenantId, actor, { type: 'entered_segment', segment_id: segmentId }, 30),
      first: await newCampaign(tenantId, actor, { type: 'days_after_first_purchase', days: 7 }, null),
      last: await newCampaign(tenantId, actor, { type: 'days_after_last_purchase', days: 7 }, 30),
      sku: await newCampaign(tenantId, actor, { type: 'ordered_sku', sku: 'SKU-RICE' }, 30),
      cat: await newCampaign(tenantId, actor, { type: 'ordered_category', category: '面霜' }, null),
      add: await newCampaign(tenantId, actor, { type: 'days_after_wecom_add', days: 3 }, 30),
      bday: await newCampaign(tenantId, actor, { type: 'birthday', days_before: 0 }, 30),
    };

    // Before 10:00 local nothing is evaluated.
    expect((await evaluate(tenantId, at(0, 1))).size).toBe(0);
    const d0 = await evaluate(tenantId, at(0));
    expect(Object.fromEntries([...d0].map(([k, v]) => [k, v]))).toEqual({
      [c.seg.id]: [segX],
      [c.first.id]: [firstX],
      [c.last.id]: [lastX],
      [c.sku.id]: [skuX],
      [c.cat.id]: [catX],
      [c.add.id]: [addX],
      [c.bday.id]: [bdayX],
    });
    // Later the same day: already evaluated. Made due again (a tick retried after it had committed) fires no entry twice.
    expect((await evaluate(tenantId, at(0, 8))).size).toBe(0);
    await db((trx) => sql`update campaigns set next_run_at = ${at(0)} where tenant_id = ${t} and schedule->>'kind' = 'triggered'`.execute(trx));
    expect((await evaluate(tenantId, at(0, 9))).size).toBe(0);
    // Day 1: Y's birthday.
    expect(Object.fromEntries(await evaluate(tenantId, at(1)))).toEqual({ [c.bday.id]: [bdayY] });

    // Day 20: new entries inside the 30-day re-entry period are skipped (once-only campaigns ignore them too).
    await exit(segX!, 5);
    await enter(segX!, 20);
    await order(tenantId, lastX!, 13);
    await order(tenantId, skuX!, 20, { sku: 'SKU-RICE' });
    await order(tenantId, catX!, 20, { category: '面霜' });
    await order(tenantId, firstX!, 20);
    expect(Object.fromEntries(await evaluate(tenantId, at(20)))).toEqual({});

    // Day 40: after the re-entry period, new entries fire again; the once-per-customer campaigns stay quiet.
    await exit(segX!, 25);
    await enter(segX!, 40);
    await order(tenantId, lastX!, 33);
    await order(tenantId, skuX!, 40, { sku: 'SKU-RICE' });
    await order(tenantId, catX!, 40, { category: '面霜' });
    await added(addX!, 37);
    expect(Object.fromEntries(await evaluate(tenantId, at(40)))).toEqual({ [c.seg.id]: [segX], [c.last.id]: [lastX], [c.sku.id]: [skuX], [c.add.id]: [addX] });

    // A year later both birthdays come round again.
    expect(Object.fromEntries(await evaluate(tenantId, at(365)))).toEqual({ [c.bday.id]: [bdayX] });
    expect(Object.fromEntries(await evaluate(tenantId, at(366)))).toEqual({ [c.bday.id]: [bdayY] });

    // The ledger holds one row per fired entry, and a run's snapshot is exactly its entries.
    const ledger = await db((trx) => sql<{ n: number; runs: number }>`select count(*)::int as n, count(distinct run_id)::int as runs from campaign_trigger_entries where tenant_id = ${t}`.execute(trx));
    expect(ledger.rows[0]).toEqual({ n: 14, runs: 14 });
    const run = (await db((trx) => sql<{ run_id: string; customer_id: string }>`select run_id, customer_id from campaign_trigger_entries where tenant_id = ${t} and campaign_id = ${c.sku.id}::uuid order by fired_at limit 1`.execute(trx))).rows[0]!;
    const n = await db((trx) => snapshotRecipients(trx, tenantId, run.run_id, c.sku.id, 0, triggeredAudienceSql(tenantId, run.run_id)));
    expect(n).toBe(1);
  }, 120_000);
});
