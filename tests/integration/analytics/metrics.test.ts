/**
 * Hand-computed fixtures pin every per-customer metric (metrics.md), the repurchase window, lifecycle, due,
 * RFM ties, same-day orders, refunds, time zones and customers without orders; then the incremental refresh and
 * the daily job.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { fullRefresh, getState, refreshTouched, setWindowSetting } from '../../../server/analytics/refresh.service';
import { systemActor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { addCustomers, addOrders, metricsOf, touch } from './support';

const h = useTestServices();
const D = '2025-03-31';

describe('per-customer metrics on a hand-computed fixture (as of 2025-03-31, Asia/Shanghai)', () => {
  let t: Awaited<ReturnType<typeof makeTenant>>;
  let A: string, B: string, C: string, Dc: string, E: string, F: string, G: string;

  beforeAll(async () => {
    t = await makeTenant(h.services);
    [A, B, C, Dc, E, F, G] = await addCustomers(h.services, t.id, [
      { name: 'A', storeId: t.storeIds.S1 },
      { name: 'B', storeId: t.storeIds.S1 },
      { name: 'C' },
      { name: 'D', storeId: t.storeIds.S2 },
      { name: 'E' },
      { name: 'F' },
      { name: 'G' },
    ]) as [string, string, string, string, string, string, string];
    await addOrders(h.services, t.id, [
      // A: two orders on one day are one purchase day; a refund lowers M but adds no purchase day.
      { customer: A, at: '2025-01-01', yuan: 100, store: t.storeIds.S1 },
      { customer: A, at: '2025-01-01T20:00:00+08:00', yuan: 50, store: t.storeIds.S1 },
      { customer: A, at: '2025-01-11', yuan: 200, store: t.storeIds.S1 },
      { customer: A, at: '2025-02-10', yuan: 300, store: t.storeIds.S1 },
      { customer: A, at: '2025-02-15', yuan: -30, refund: true, store: t.storeIds.S1 },
      // B and C tie on F and M.
      { customer: B, at: '2025-03-30', yuan: 80, store: t.storeIds.S1 },
      // C: 00:30 on 31 March in Shanghai is still 30 March in UTC: the local day counts.
      { customer: C, at: '2025-03-30T16:30:00Z', yuan: 80, store: t.storeIds.S2 },
      // … and 00:30 on 1 April local (31 March UTC) is after D: ignored.
      { customer: C, at: '2025-03-31T16:30:00Z', yuan: 999, store: t.storeIds.S2 },
      { customer: Dc, at: '2024-06-01', yuan: 100, store: t.storeIds.S2 },
      { customer: Dc, at: '2024-07-01', yuan: 100, store: t.storeIds.S2 },
      // E: only a refund; F: only a zero-amount order; G: no orders at all.
      { customer: E, at: '2025-02-01', yuan: -50, refund: true },
      { customer: F, at: '2025-02-01', yuan: 0 },
      // Anonymous sale: store revenue, no customer.
      { customer: null, at: '2025-03-01', yuan: 500, store: t.storeIds.S1 },
    ]);
    await fullRefresh(h.services, t.id, { asOf: D });
  });

  it('A: same-day orders merge, refunds reduce M, intervals and median, due', async () => {
    const m = await metricsOf(h.services, t.id, A);
    expect(m).toMatchObject({
      as_of: D,
      first_purchase: '2025-01-01',
      second_purchase: '2025-01-11',
      last_purchase: '2025-02-10',
      frequency: 3,
      recency_days: 49,
      monetary_fen: 62000,
      paid_fen: 65000,
      refund_fen: 3000,
      tx_days: 40,
      t_days: 89,
      interval_count: 2,
      stage: 'at_risk',
      expected_next_purchase: '2025-03-02',
      is_due: true,
      store_id: t.storeIds.S1,
    });
    expect(Number(m.median_interval_days)).toBe(20);
    expect(Number(m.repeat_spend_fen)).toBe(25000);
  });

  it('the repurchase window falls back to 30 days with too few intervals; the tenant median fills single-purchase customers', async () => {
    const s = await withTenant(h.services.dbs, t.id, (trx) => getState(trx, t.id));
    expect(s).toMatchObject({ as_of: D, window_days: 30, window_source: 'default', interval_count: 3, median_interval_days: 30, customers: 7, buyers: 4, repeaters: 2 });
    const b = await metricsOf(h.services, t.id, B);
    expect(b).toMatchObject({ frequency: 1, recency_days: 1, stage: 'new', expected_next_purchase: '2025-04-29', is_due: false, interval_count: 0, median_interval_days: null });
  });

  it('time zones: the local day decides, orders after D are ignored; the home store is the primary store', async () => {
    const c = await metricsOf(h.services, t.id, C);
    expect(c).toMatchObject({ first_purchase: '2025-03-31', last_purchase: '2025-03-31', frequency: 1, recency_days: 0, monetary_fen: 8000, stage: 'new', store_id: null });
  });

  it('lapsed and prospects: refund-only, zero-amount and order-less customers have no purchase day', async () => {
    // Lapsed, 243 days past the expected day: a win-back case, not due (metrics.md, changed 2026-12-07; was due).
    expect(await metricsOf(h.services, t.id, Dc)).toMatchObject({ frequency: 2, recency_days: 273, stage: 'lapsed', is_due: false, expected_next_purchase: '2024-07-31' });
    expect(await metricsOf(h.services, t.id, E)).toMatchObject({ frequency: 0, monetary_fen: -5000, stage: 'prospect', r_score: null, rfm_group: null, first_purchase: null, is_due: false });
    expect(await metricsOf(h.services, t.id, F)).toMatchObject({ frequency: 0, monetary_fen: 0, stage: 'prospect' });
    expect(await metricsOf(h.services, t.id, G)).toMatchObject({ frequency: 0, monetary_fen: 0, stage: 'prospect', recency_days: null });
  });

  it('RFM: cume_dist scores with ties, FM and groups', async () => {
    const get = async (id: string) => {
      const m = await metricsOf(h.services, t.id, id);
      return [m.r_score, m.f_score, m.m_score, m.fm_score, m.rfm_group];
    };
    // F (metrics.md, changed 2026-12-07): B and C bought once → 1 (was 3); repeaters A (3), D (2) → 5, 3 (D was 4).
    expect(await get(A)).toEqual([3, 5, 5, 5, 'loyal']);
    expect(await get(B)).toEqual([4, 1, 3, 2, 'potential_loyalist']);
    expect(await get(C)).toEqual([5, 1, 3, 2, 'potential_loyalist']);
    expect(await get(Dc)).toEqual([2, 3, 4, 4, 'at_risk']);
  });

  it('too little data: no predictions and a recorded reason', async () => {
    const a = await metricsOf(h.services, t.id, A);
    expect(a.p_alive).toBeNull();
    const fit = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('analytics_model_fits').selectAll().where('tenant_id', '=', t.id).executeTakeFirstOrThrow());
    expect(fit).toMatchObject({ status: 'insufficient_data', customers: 4, repeaters: 2 });
    expect(fit.reason).toMatch(/fewer than 200/);
  });

  it('snapshot and daily facts', async () => {
    const snap = await withTenant(h.services.dbs, t.id, (trx) =>
      sql<{ stage: string; customers: number; due: number }>`select stage, sum(customers)::int as customers, sum(due)::int as due from analytics_daily_snapshots
        where tenant_id = ${t.id} and day = ${D}::date group by stage order by stage`.execute(trx),
    );
    expect(snap.rows).toEqual([
      { stage: 'at_risk', customers: 1, due: 1 },
      { stage: 'lapsed', customers: 1, due: 0 },
      { stage: 'new', customers: 2, due: 0 },
      { stage: 'prospect', customers: 3, due: 0 },
    ]);
    const facts = await withTenant(h.services.dbs, t.id, (trx) =>
      sql<{ paid: number; refunds: number; paid_fen: number; refund_fen: number; identified_fen: number }>`
        select sum(paid_orders)::int as paid, sum(refund_orders)::int as refunds, sum(paid_fen)::int as paid_fen, sum(refund_fen)::int as refund_fen, sum(identified_fen)::int as identified_fen
        from analytics_daily_facts where tenant_id = ${t.id} and day <= ${D}::date`.execute(trx),
    );
    // Paid: A 4 orders (65000), B 8000, C 8000 (the 999 order is after D), D 20000, anonymous 50000.
    expect(facts.rows[0]).toEqual({ paid: 9, refunds: 2, paid_fen: 151000, refund_fen: 8000, identified_fen: 101000 });
  });

  it('a configured repurchase window overrides the automatic one', async () => {
    await withTenant(h.services.dbs, t.id, (trx) => setWindowSetting(trx, systemActor(t.id, t.slug, 'test'), 50));
    await fullRefresh(h.services, t.id, { asOf: D });
    expect(await metricsOf(h.services, t.id, A)).toMatchObject({ stage: 'active' });
    const s = await withTenant(h.services.dbs, t.id, (trx) => getState(trx, t.id));
    expect(s).toMatchObject({ window_days: 50, window_source: 'setting' });
    await withTenant(h.services.dbs, t.id, (trx) => setWindowSetting(trx, systemActor(t.id, t.slug, 'test'), null));
    await fullRefresh(h.services, t.id, { asOf: D });
  });
});

describe('incremental refresh of touched customers', () => {
  it('recomputes only the queued customers, adjusts the snapshot and facts, and equals a full recompute', async () => {
    const t = await makeTenant(h.services, { timezone: 'UTC' });
    const ids = await addCustomers(h.services, t.id, Array.from({ length: 30 }, (_, i) => ({ name: `c${i}`, storeId: i % 2 ? t.storeIds.S1 : t.storeIds.S2 })));
    const today = new Date().toISOString().slice(0, 10);
    const day = (ago: number) => new Date(Date.now() - ago * 86400_000).toISOString().slice(0, 10);
    await addOrders(
      h.services,
      t.id,
      ids.flatMap((c, i) => [
        { customer: c, at: day(200 - i), yuan: 10 + i },
        ...(i % 3 === 0 ? [{ customer: c, at: day(100 - i), yuan: 20 }] : []),
      ]),
    );
    await fullRefresh(h.services, t.id);
    const before = await metricsOf(h.services, t.id, ids[1]!);
    expect(before).toMatchObject({ as_of: today, frequency: 1 });
    // An import adds orders for two customers and one anonymous order, then queues the two.
    await addOrders(h.services, t.id, [
      { customer: ids[1], at: day(1), yuan: 99 },
      { customer: ids[2], at: day(0), yuan: 5 },
      { customer: null, at: day(0), yuan: 7 },
    ]);
    await touch(h.services, t.id, [ids[1]!, ids[2]!]);
    const reports = await refreshTouched(h.services, t.id);
    expect(reports[0]).toMatchObject({ mode: 'incremental', processed: 2 });
    const after = await metricsOf(h.services, t.id, ids[1]!);
    expect(after).toMatchObject({ frequency: 2, recency_days: 1, stage: 'active', monetary_fen: 1100 + 9900 });
    // Scored against the last full run's breakpoints: the most recent buyer gets R 5, the top F gets 5.
    expect(after).toMatchObject({ r_score: 5, f_score: 5 });
    const queue = await withTenant(h.services.dbs, t.id, (trx) => sql<{ n: number }>`select count(*)::int as n from customer_refresh_queue where tenant_id = ${t.id}`.execute(trx));
    expect(queue.rows[0]!.n).toBe(0);

    const read = async () =>
      withTenant(h.services.dbs, t.id, async (trx) => ({
        // RFM groups of untouched customers may move when a full run re-cuts the quantiles; stages may not.
        snap: (await sql`select store_key, stage, sum(customers)::int, sum(repeaters)::int, sum(due)::int, sum(monetary_fen)::bigint from analytics_daily_snapshots
          where tenant_id = ${t.id} and day = ${today}::date group by 1, 2 order by 1, 2`.execute(trx)).rows,
        facts: (await sql`select day, store_key, channel, paid_orders, paid_fen, identified_fen from analytics_daily_facts where tenant_id = ${t.id} order by 1, 2, 3`.execute(trx)).rows,
        f: (await sql`select customer_id, frequency, recency_days, monetary_fen, stage, is_due, expected_next_purchase from customer_metrics where tenant_id = ${t.id} order by 1`.execute(trx)).rows,
      }));
    const incremental = await read();
    await fullRefresh(h.services, t.id);
    const full = await read();
    expect(incremental.snap).toEqual(full.snap);
    expect(incremental.facts).toEqual(full.facts);
    expect(incremental.f).toEqual(full.f);
  });
});
