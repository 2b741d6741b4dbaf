/**
 * The campaign report against a hand-computed fixture: three clerks in two stores, reached recipients and a
 * holdout with orders placed around the edges of the attribution window (at the send time, exactly 7 days after,
 * one second later, refunds, zero amounts, an order on the customer a recipient was merged into). Every number
 * below was worked out by hand from the fixture, not read back from the code. Also: the store and clerk
 * breakdown, a manager's store scope, and tenant isolation of GET /api/v1/campaigns/{id}/report.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { campaignReport } from '../../../server/campaigns/report.service';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeStaff, makeTenant } from '../../factories/tenant';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';

const h = useTestServices();
const api = useApiServer(h);

const T = new Date('2026-11-01T02:00:00Z'); // the run started sending
const H = 3_600_000;
const D = 24 * H;
const at = (ms: number) => new Date(T.getTime() + ms);

interface Unit {
  key: string;
  clerk: 'c1' | 'c2' | 'c3' | null;
  arm: 'target' | 'holdout';
  status: string;
  sentAt?: Date;
  excluded?: string;
  /** Orders: [time, amount fen, refund?]; on the survivor when `mergedInto` is set. */
  orders?: [Date, number, boolean?][];
  mergedInto?: boolean;
}

const S = at(H); // every reached recipient's send time: T + 1 h
const units: Unit[] = [
  // c1 (store 一号店): 10 reached, 4 converted (a: two orders; b; c: exactly 7 days after; d), 2 pending.
  { key: 'c1-a', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 2 * H), 10000], [new Date(S.getTime() + 2 * D), 5000]] },
  { key: 'c1-b', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 3 * D + H), 10000]] },
  { key: 'c1-c', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 7 * D), 10000]] },
  { key: 'c1-d', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + D + 2 * H), 10000]] },
  // Not conversions: an order at the send time itself, one second after the window, a refund, a zero amount, one before.
  { key: 'c1-e', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[S, 9900]] },
  { key: 'c1-f', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 7 * D + 1000), 9900]] },
  { key: 'c1-g', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + D), -9900, true]] },
  { key: 'c1-h', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + D), 0]] },
  { key: 'c1-i', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() - D), 9900]] },
  { key: 'c1-j', clerk: 'c1', arm: 'target', status: 'sent', sentAt: S },
  // Task created, the clerk never sent: an order does not make them reached or converted.
  { key: 'c1-k', clerk: 'c1', arm: 'target', status: 'task_created', orders: [[at(2 * D), 9900]] },
  { key: 'c1-l', clerk: 'c1', arm: 'target', status: 'task_created' },
  // c2 (一号店): 5 reached, 1 converted on day 6.
  { key: 'c2-a', clerk: 'c2', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 5 * D + H), 20000]] },
  ...['b', 'c', 'd', 'e'].map((k): Unit => ({ key: `c2-${k}`, clerk: 'c2', arm: 'target', status: 'sent', sentAt: S })),
  // c3 (二号店): 5 reached, 3 converted (days 1, 3 — on the customer it was merged into — and 7), 1 not a friend.
  { key: 'c3-a', clerk: 'c3', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + H), 8000]] },
  { key: 'c3-b', clerk: 'c3', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 2 * D + H), 8000]], mergedInto: true },
  { key: 'c3-c', clerk: 'c3', arm: 'target', status: 'sent', sentAt: S, orders: [[new Date(S.getTime() + 6 * D + H), 8000]] },
  ...['d', 'e'].map((k): Unit => ({ key: `c3-${k}`, clerk: 'c3', arm: 'target', status: 'sent', sentAt: S })),
  { key: 'c3-f', clerk: 'c3', arm: 'target', status: 'not_friend' },
  // Excluded: nobody serves them.
  { key: 'x-a', clerk: null, arm: 'target', status: 'excluded', excluded: 'no_relation' },
  // Holdout (window from T): c1 4 with 1 converted on day 6 (and one before T), c2 2, c3 4 with 1 on day 1, one without a clerk.
  { key: 'h1-a', clerk: 'c1', arm: 'holdout', status: 'held_out', orders: [[at(6 * D), 12000]] },
  { key: 'h1-b', clerk: 'c1', arm: 'holdout', status: 'held_out', orders: [[at(-60_000), 12000]] },
  ...['c', 'd'].map((k): Unit => ({ key: `h1-${k}`, clerk: 'c1', arm: 'holdout', status: 'held_out' })),
  ...['a', 'b'].map((k): Unit => ({ key: `h2-${k}`, clerk: 'c2', arm: 'holdout', status: 'held_out' })),
  { key: 'h3-a', clerk: 'c3', arm: 'holdout', status: 'held_out', orders: [[at(H), 6000]] },
  ...['b', 'c', 'd'].map((k): Unit => ({ key: `h3-${k}`, clerk: 'c3', arm: 'holdout', status: 'held_out' })),
  { key: 'hx-a', clerk: null, arm: 'holdout', status: 'held_out' },
];

async function fixture() {
  const tenant = await makeTenant(h.services);
  const clerks = {
    c1: await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { storeCode: 'S1' }),
    c2: await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { storeCode: 'S1' }),
    c3: await makeStaff(h.services, tenant.id, tenant.slug, 'clerk', { storeCode: 'S2' }),
  };
  const t = tenant.id;
  const { campaignId, runId } = await withTenant(h.services.dbs, t, async (trx) => {
    const c = await sql<{ id: string }>`insert into campaigns (tenant_id, name, status, delivery, audience, content, schedule, holdout_pct, attribution_days)
      values (${t}::uuid, '双11 回购', 'done', 'mass', '{"segment_id":null}', '{"text":"hi","attachments":[]}', '{"kind":"once","at":null}', 30, 7) returning id`.execute(trx);
    const campaignId = c.rows[0]!.id;
    const r = await sql<{ id: string }>`insert into campaign_runs (tenant_id, campaign_id, status, planned_for, started_at) values (${t}::uuid, ${campaignId}::uuid, 'done', ${at(-H)}, ${T}) returning id`.execute(trx);
    const runId = r.rows[0]!.id;
    let n = 0;
    for (const u of units) {
      const cu = await sql<{ id: string }>`insert into customers (tenant_id, display_name, source) values (${t}::uuid, ${u.key}, 'manual') returning id`.execute(trx);
      let orderCustomer = cu.rows[0]!.id;
      if (u.mergedInto) {
        const survivor = await sql<{ id: string }>`insert into customers (tenant_id, display_name, source) values (${t}::uuid, ${u.key + '-survivor'}, 'manual') returning id`.execute(trx);
        orderCustomer = survivor.rows[0]!.id;
        await sql`update customers set merged_into = ${orderCustomer}::uuid where tenant_id = ${t}::uuid and id = ${cu.rows[0]!.id}::uuid`.execute(trx);
      }
      const staff = u.clerk ? clerks[u.clerk].id : null;
      await sql`insert into campaign_recipients (tenant_id, run_id, customer_id, arm, excluded, sender_staff_id, status, sent_at, chunk)
        values (${t}::uuid, ${runId}::uuid, ${cu.rows[0]!.id}::uuid, ${u.arm}, ${u.excluded ?? null}, ${staff}::uuid, ${u.status}, ${u.sentAt ?? null}, ${u.arm === 'target' && staff ? 0 : null})`.execute(trx);
      for (const [paidAt, amount, refund] of u.orders ?? []) {
        n++;
        await sql`insert into orders (tenant_id, order_no, paid_at, paid_day, amount_fen, is_refund, customer_id, content_hash, source)
          values (${t}::uuid, ${'R' + n}, ${paidAt}, ${paidAt.toISOString().slice(0, 10)}::date, ${amount}, ${refund ?? false}, ${orderCustomer}::uuid, ${'h' + n}, 'api')`.execute(trx);
      }
    }
    // Tasks: c1 two chunks (one confirmed), c2 one confirmed, c3 one unconfirmed, and a failed call without a task.
    const tasks: [string, number, string | null, Date | null][] = [
      [clerks.c1.id, 0, 'm1', at(2 * H)],
      [clerks.c1.id, 1, 'm2', null],
      [clerks.c2.id, 0, 'm3', at(3 * H)],
      [clerks.c3.id, 0, 'm4', null],
      [clerks.c3.id, 1, null, null],
    ];
    for (const [staff, chunk, msgid, confirmed] of tasks) {
      await sql`insert into campaign_outbox (tenant_id, run_id, sender_staff_id, chunk, state, recipients, text_sha256, msgid, confirmed_at)
        values (${t}::uuid, ${runId}::uuid, ${staff}::uuid, ${chunk}, ${msgid ? 'done' : 'failed'}, 1, 'x', ${msgid}, ${confirmed})`.execute(trx);
    }
    return { campaignId, runId };
  });
  return { tenant, clerks, campaignId, runId };
}

const Z = 1.959963984540054;

describe('campaign report', () => {
  it('counts reached, converted, holdout and the uplift interval exactly as worked out by hand, per store and clerk', async () => {
    const { tenant, clerks, campaignId, runId } = await fixture();
    const r = await withTenant(h.services.dbs, tenant.id, (trx) => campaignReport(trx, tenant.actor, campaignId, { now: new Date('2026-12-01T00:00:00Z') }));

    // 24 target (one excluded) + 11 holdout; 20 reached; 4 + 1 + 3 converted; holdout 2 of 11.
    expect({ audience: r.audience, holdout: r.holdout, recipients: r.recipients, tasks: r.tasks, reached: r.reached, converted: r.converted, holdout_converted: r.holdout_converted }).toEqual({
      audience: 35,
      holdout: 11,
      recipients: 23,
      tasks: { created: 4, confirmed: 2 },
      reached: 20,
      converted: 8,
      holdout_converted: 2,
    });
    expect(r.conversion_rate).toBeCloseTo(0.4, 12);
    expect(r.holdout_conversion_rate).toBeCloseTo(2 / 11, 12);
    // Uplift 0.4 − 0.181818 = 0.218182; se = √(0.4·0.6/20 + (2/11)(9/11)/11) = √0.0255237 = 0.159761.
    expect(r.uplift.absolute).toBeCloseTo(0.218182, 5);
    expect(r.uplift.low).toBeCloseTo(0.218182 - Z * 0.159761, 5);
    expect(r.uplift.high).toBeCloseTo(0.218182 + Z * 0.159761, 5);
    expect(r.uplift.low).toBeCloseTo(-0.09494, 4);
    expect(r.uplift.significant).toBe(false);
    expect(r.uplift.relative).toBeCloseTo(1.2, 10); // 0.218182 / 0.181818
    // Revenue: c1 45,000 (10,000 + 5,000 + 3 × 10,000), c2 20,000, c3 24,000 → 89,000 over 20; holdout 18,000 over 11.
    expect(r.revenue_fen).toBe(89000);
    expect(r.orders).toBe(9);
    expect(r.revenue_per_recipient_fen).toBe(4450);
    expect(r.holdout_revenue_per_recipient_fen).toBe(1636);
    // Incremental: 0.218182 × 20 = 4.4 conversions; (9/20 − 2/11) × 20 = 5.4 orders; (4450 − 1636.36) × 20 = 56,273 fen.
    expect(r.incremental).toEqual({ conversions: 4.4, orders: 5.4, revenue_fen: 56273 });
    expect(r.window).toEqual({ starts_at: T.toISOString(), ends_at: new Date(S.getTime() + 7 * D).toISOString(), complete: true });

    // Cumulative conversion per day of the window: reached firsts on days 1,1,2,3,4,6,7,7; holdout on 1 and 6.
    expect(r.daily.map((d) => [d.day, d.conversions, d.holdout_conversions])).toEqual([
      [1, 2, 1],
      [2, 3, 1],
      [3, 4, 1],
      [4, 5, 1],
      [5, 5, 1],
      [6, 6, 2],
      [7, 8, 2],
    ]);
    expect(r.daily[6]!.conversion_rate).toBeCloseTo(0.4, 12);

    // Per store: 一号店 (c1 + c2) 15 reached, 5 converted, 6 holdout, 1 converted; 二号店 5 / 3 / 4 / 1; no store: the
    // excluded recipient and the holdout customer nobody serves.
    const store = (id: string | null) => r.by_store.find((s) => s.store_id === id)!;
    const pick = (g: (typeof r.by_store)[number]) => ({ audience: g.audience, reached: g.reached, converted: g.converted, holdout: g.holdout, holdout_converted: g.holdout_converted, revenue_fen: g.revenue_fen, tasks: g.tasks });
    expect(r.by_store.length).toBe(3);
    expect(pick(store(tenant.storeIds.S1))).toEqual({ audience: 23, reached: 15, converted: 5, holdout: 6, holdout_converted: 1, revenue_fen: 65000, tasks: { created: 3, confirmed: 2 } });
    expect(pick(store(tenant.storeIds.S2))).toEqual({ audience: 10, reached: 5, converted: 3, holdout: 4, holdout_converted: 1, revenue_fen: 24000, tasks: { created: 1, confirmed: 0 } });
    expect(pick(store(null))).toEqual({ audience: 2, reached: 0, converted: 0, holdout: 1, holdout_converted: 0, revenue_fen: 0, tasks: { created: 0, confirmed: 0 } });
    expect(store(tenant.storeIds.S1).store_name).toBe('一号店');
    // 二号店: 3/5 − 1/4 = 0.35; se = √(0.6·0.4/5 + 0.25·0.75/4) = √0.094875 = 0.308018.
    expect(store(tenant.storeIds.S2).uplift.absolute).toBeCloseTo(0.35, 10);
    expect(store(tenant.storeIds.S2).uplift.high).toBeCloseTo(0.35 + Z * 0.308018, 5);
    expect(store(tenant.storeIds.S2).execution_rate).toBe(0);

    // Per clerk.
    const clerk = (id: string) => r.by_clerk.find((c) => c.staff_id === id)!;
    expect(pick(clerk(clerks.c1.id))).toEqual({ audience: 16, reached: 10, converted: 4, holdout: 4, holdout_converted: 1, revenue_fen: 45000, tasks: { created: 2, confirmed: 1 } });
    expect(pick(clerk(clerks.c2.id))).toEqual({ audience: 7, reached: 5, converted: 1, holdout: 2, holdout_converted: 0, revenue_fen: 20000, tasks: { created: 1, confirmed: 1 } });
    expect(pick(clerk(clerks.c3.id))).toEqual({ audience: 10, reached: 5, converted: 3, holdout: 4, holdout_converted: 1, revenue_fen: 24000, tasks: { created: 1, confirmed: 0 } });
    expect(clerk(clerks.c1.id).conversion_rate).toBeCloseTo(0.4, 12);
    expect(clerk(clerks.c1.id).holdout_conversion_rate).toBeCloseTo(0.25, 12);
    expect(clerk(clerks.c1.id).execution_rate).toBe(0.5);
    expect(clerk(clerks.c2.id).uplift.absolute).toBeCloseTo(0.2, 12);
    // Sorted by reached (default, descending): c1 first.
    expect(r.by_clerk[0]!.staff_id).toBe(clerks.c1.id);
    const byRate = await withTenant(h.services.dbs, tenant.id, (trx) => campaignReport(trx, tenant.actor, campaignId, { sort: 'conversion_rate', dir: 'desc', runId }));
    expect(byRate.by_clerk.slice(0, 3).map((c) => c.staff_id)).toEqual([clerks.c3.id, clerks.c1.id, clerks.c2.id]);
    expect(byRate.reached).toBe(20);

    // A manager of 二号店 sees that store only.
    const manager: Actor = { ...tenant.actor, kind: 'staff', role: 'manager', storeScope: [tenant.storeIds.S2] };
    const m = await withTenant(h.services.dbs, tenant.id, (trx) => campaignReport(trx, manager, campaignId));
    expect({ reached: m.reached, converted: m.converted, holdout: m.holdout, stores: m.by_store.map((s) => s.store_id), tasks: m.tasks }).toEqual({ reached: 5, converted: 3, holdout: 4, stores: [tenant.storeIds.S2], tasks: { created: 1, confirmed: 0 } });
  });

  it('a window that is still open says so; a campaign without runs reports zeros and no uplift', async () => {
    const { tenant, campaignId } = await fixture();
    const open = await withTenant(h.services.dbs, tenant.id, (trx) => campaignReport(trx, tenant.actor, campaignId, { now: at(3 * D) }));
    expect(open.window.complete).toBe(false);
    const empty = await withTenant(h.services.dbs, tenant.id, async (trx) => {
      const c = await sql<{ id: string }>`insert into campaigns (tenant_id, name, delivery, audience, content, schedule) values (${tenant.id}::uuid, '空', 'mass', '{}', '{}', '{}') returning id`.execute(trx);
      return campaignReport(trx, tenant.actor, c.rows[0]!.id);
    });
    expect({ audience: empty.audience, reached: empty.reached, rate: empty.conversion_rate, uplift: empty.uplift, by_store: empty.by_store, days: empty.daily.length }).toEqual({
      audience: 0,
      reached: 0,
      rate: null,
      uplift: { absolute: null, low: null, high: null, significant: false, relative: null },
      by_store: [],
      days: 7,
    });
  });

  it('GET /api/v1/campaigns/{id}/report answers its own tenant only', async () => {
    const a = await fixture();
    const b = await fixture();
    const keyA = await createApiKey(h.services, a.tenant.id as TenantId);
    const keyB = await createApiKey(h.services, b.tenant.id as TenantId);
    const get = (key: string, id: string, q = '') => fetch(`${api.base()}/campaigns/${id}/report${q}`, { headers: { authorization: `Bearer ${key}` } });

    const res = await get(keyA, a.campaignId);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    for (const k of ['audience', 'holdout', 'recipients', 'tasks', 'reached', 'converted', 'conversion_rate', 'holdout_converted', 'holdout_conversion_rate', 'uplift', 'revenue_per_recipient_fen', 'holdout_revenue_per_recipient_fen', 'by_store', 'by_clerk']) expect(body).toHaveProperty(k);
    expect(body).toMatchObject({ audience: 35, reached: 20, converted: 8, tasks: { created: 4, confirmed: 2 }, uplift: { significant: false } });
    expect(Object.keys(body.uplift as object).slice(0, 4)).toEqual(['absolute', 'low', 'high', 'significant']);

    // Tenant B's key: A's campaign does not exist for it, even by id; its own is its own.
    expect((await get(keyB, a.campaignId)).status).toBe(404);
    expect((await get(keyB, a.campaignId, `?run_id=${a.runId}`)).status).toBe(404);
    const own = await get(keyB, b.campaignId, `?run_id=${a.runId}`);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ audience: 0, reached: 0, by_clerk: [] });
    expect((await get(keyA, 'not-a-uuid')).status).toBe(400);
    expect((await fetch(`${api.base()}/campaigns/${a.campaignId}/report`)).status).toBe(401);

    const doc = (await (await fetch(`${api.base()}/openapi.json`)).json()) as { paths: Record<string, unknown>; components: { schemas: Record<string, { required?: string[] }> } };
    expect(doc.paths).toHaveProperty(['/campaigns/{id}/report']);
    expect(doc.components.schemas.CampaignReport!.required).toContain('holdout_revenue_per_recipient_fen');
  });
});
