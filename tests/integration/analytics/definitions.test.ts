/**
 * The metric definitions changed on 2026-12-07 (docs/metrics.md): the F score, the due window and the priority of
 * due lists, P(alive) of one-purchase customers. The refreshed metrics in the database follow them: the TypeScript
 * twins (rfm.ts scoreRfm and scoreWithBreaks, lifecycle.ts lifecycleStage, expectedNextPurchase, isDue and
 * compareDuePriority, gamma-gamma.ts predictedValue) are the reference the set-based SQL is checked against,
 * customer by customer, on a seeded chain large enough for a model fit.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardPredictions } from '../../../server/analytics/queries/predictions';
import { listCustomerMetrics } from '../../../server/customers/customer-list.service';
import { filterOptions } from '../../../server/analytics/filters';
import { compareDuePriority, dayNumber, expectedNextPurchase, isDue, lifecycleStage, type LifecycleStage } from '../../../server/analytics/lifecycle';
import { predictedValue } from '../../../server/analytics/models/gamma-gamma';
import { fullRefresh, getState, latestFit, refreshTouched, type AnalyticsState } from '../../../server/analytics/refresh.service';
import { scoreRfm, scoreWithBreaks } from '../../../server/analytics/rfm';
import { systemActor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { addCustomers, addOrders, touch, type OrderSpec } from './support';

const h = useTestServices();
const D = '2026-12-07';

/** A small deterministic generator (no Math.random: the fixture is the same on every run). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const dayBefore = (n: number) => new Date(Date.UTC(2026, 11, 7) - n * 86_400_000).toISOString().slice(0, 10);

interface Row {
  customer_id: string;
  frequency: number;
  recency_days: number | null;
  monetary_fen: string | number;
  r_score: number | null;
  f_score: number | null;
  m_score: number | null;
  fm_score: number | null;
  rfm_group: string | null;
  stage: LifecycleStage;
  tx_days: number | null;
  t_days: number | null;
  repeat_spend_fen: string | number | null;
  expected_next_purchase: string | null;
  is_due: boolean;
  p_alive: number | null;
  exp_purchases_90: number | null;
  predicted_value_12m_fen: string | number | null;
}

describe('metric definitions of 2026-12-07 on a seeded chain (as of 2026-12-07, UTC)', () => {
  let t: Awaited<ReturnType<typeof makeTenant>>;
  let rows: Row[];
  let W: number;
  let state: AnalyticsState;
  const orders: OrderSpec[] = [];
  const read = async () =>
    withTenant(h.services.dbs, t.id, async (trx) =>
      (
        await sql<Row>`select customer_id, frequency, recency_days, monetary_fen, r_score, f_score, m_score, fm_score, rfm_group, stage,
          tx_days, t_days, repeat_spend_fen, expected_next_purchase::text, is_due, p_alive, exp_purchases_90, predicted_value_12m_fen
          from customer_metrics where tenant_id = ${t.id} order by customer_id`.execute(trx)
      ).rows,
    );

  beforeAll(async () => {
    t = await makeTenant(h.services, { timezone: 'UTC' });
    const rand = rng(13);
    const n = 320;
    const ids = await addCustomers(
      h.services,
      t.id,
      Array.from({ length: n }, (_, i) => ({ name: `c${i}`, storeId: i % 2 ? t.storeIds.S1 : t.storeIds.S2 })),
    );
    ids.forEach((id, i) => {
      // About half buy once, the rest 2–8 times at a personal rhythm; first purchases spread over two years.
      const first = 20 + Math.floor(rand() * 700);
      const f = rand() < 0.5 ? 1 : 2 + Math.floor(rand() * 7);
      const gap = 10 + Math.floor(rand() * 60);
      for (let k = 0; k < f; k++) {
        const ago = first - k * gap - Math.floor(rand() * 5);
        if (ago < 0) break;
        orders.push({ customer: id, at: dayBefore(ago), yuan: 20 + Math.round(rand() * 400), store: i % 2 ? t.storeIds.S1 : t.storeIds.S2 });
      }
    });
    await addOrders(h.services, t.id, orders);
    await fullRefresh(h.services, t.id, { asOf: D });
    rows = await read();
    state = (await withTenant(h.services.dbs, t.id, (trx) => getState(trx, t.id)))!;
    W = state.window_days;
  }, 120_000);

  it('the SQL scores every buyer exactly as scoreRfm does; one-time buyers score F 1, so FM 1 is populated', () => {
    const buyers = rows.filter((r) => r.frequency >= 1);
    const ref = scoreRfm(buyers.map((r) => ({ recencyDays: r.recency_days!, frequency: r.frequency, monetaryFen: Number(r.monetary_fen) })));
    expect(buyers.map((r) => [r.r_score, r.f_score, r.m_score, r.fm_score, r.rfm_group])).toEqual(ref.map((x) => [x.r, x.f, x.m, x.fm, x.group]));
    const once = buyers.filter((r) => r.frequency === 1);
    expect(once.length).toBeGreaterThan(100);
    expect(once.every((r) => r.f_score === 1 && r.fm_score! <= 3)).toBe(true);
    expect(buyers.filter((r) => r.frequency >= 2).every((r) => r.f_score! >= 2)).toBe(true);
    // The FM = 1 column and its groups are no longer empty; no one-time buyer is loyal or a champion.
    expect(buyers.filter((r) => r.fm_score === 1).length).toBeGreaterThan(0);
    const groups = new Set(buyers.filter((r) => r.fm_score === 1).map((r) => r.rfm_group));
    expect([...groups].some((g) => g === 'new' || g === 'promising' || g === 'lost')).toBe(true);
    expect(once.filter((r) => r.rfm_group === 'loyal' || r.rfm_group === 'champions')).toEqual([]);
  });

  it('stage: every customer is in the stage lifecycleStage gives for their frequency, recency and W', () => {
    expect(new Set(rows.map((r) => r.stage)).size).toBeGreaterThan(2);
    expect(rows.map((r) => r.stage)).toEqual(rows.map((r) => lifecycleStage(r.frequency, r.recency_days, W)));
  });

  it('expected next purchase: the last purchase + the customer’s median interval (two or more), else the tenant’s median', () => {
    const days = new Map<string, string[]>();
    for (const o of orders) days.set(o.customer!, [...(days.get(o.customer!) ?? []), o.at]);
    const expected = rows.map((r) => {
      const d = [...new Set(days.get(r.customer_id) ?? [])].sort();
      const gaps = d.slice(1).map((x, i) => dayNumber(x) - dayNumber(d[i]!));
      return expectedNextPurchase(d.at(-1) ?? null, gaps, state.median_interval_days);
    });
    expect(state.median_interval_days).not.toBeNull();
    expect(rows.filter((r) => r.frequency >= 3).length).toBeGreaterThan(20);
    expect(rows.map((r) => r.expected_next_purchase)).toEqual(expected);
  });

  it('due: exactly the customers isDue names — within W days of the expected day and not lapsed', () => {
    expect(rows.map((r) => r.is_due)).toEqual(rows.map((r) => isDue(r.expected_next_purchase, D, W, r.stage)));
    const due = rows.filter((r) => r.is_due);
    expect(due.length).toBeGreaterThan(0);
    expect(due.every((r) => r.stage !== 'lapsed')).toBe(true);
    // A worklist, not most of the buyers (the old rule made every customer past the expected day due, forever).
    const pastExpected = rows.filter((r) => r.expected_next_purchase !== null && r.expected_next_purchase <= D);
    expect(due.length).toBeLessThan(pastExpected.length / 2);
  });

  it('the due list comes in priority order (compareDuePriority): value, then the most recently due', async () => {
    const actor = systemActor(t.id, t.slug, 'test');
    const list = await withTenant(h.services.dbs, t.id, async (trx) =>
      listCustomerMetrics(trx, actor, { sort: 'priority', dir: 'desc', page: 1, size: 200, filters: { due: true } }, await filterOptions(trx, actor)),
    );
    const expected = rows
      .filter((r) => r.is_due)
      .map((r) => ({ id: r.customer_id, predictedValueFen: r.predicted_value_12m_fen === null ? null : Number(r.predicted_value_12m_fen), monetaryFen: Number(r.monetary_fen), expectedNext: r.expected_next_purchase! }))
      .sort(compareDuePriority);
    expect(list.total).toBe(expected.length);
    expect(list.rows.map((r) => r.id)).toEqual(expected.map((x) => x.id));
    expect(list.rows.every((r) => r.days_overdue !== null && r.days_overdue >= 0 && r.days_overdue <= W)).toBe(true);
  });

  it('P(alive): none for one-purchase customers (1 by construction), a probability for every repeater', async () => {
    const fit = await withTenant(h.services.dbs, t.id, (trx) => trx.selectFrom('analytics_model_fits').select('status').where('tenant_id', '=', t.id).executeTakeFirstOrThrow());
    expect(fit.status).toBe('fitted');
    const buyers = rows.filter((r) => r.frequency >= 1);
    expect(buyers.filter((r) => r.frequency === 1).every((r) => r.p_alive === null && r.exp_purchases_90 !== null && r.exp_purchases_90 > 0)).toBe(true);
    expect(buyers.filter((r) => r.frequency >= 2).every((r) => r.p_alive !== null && r.p_alive > 0 && r.p_alive <= 1)).toBe(true);
    // The Predictions page counts them apart and leaves them out of the P(alive) distribution.
    const p = await dashboardPredictions(h.services, systemActor(t.id, t.slug, 'test'), {});
    expect(p.onePurchase).toBe(buyers.filter((r) => r.frequency === 1).length);
    expect(p.pAlive.reduce((s, b) => s + b.count, 0)).toBe(buyers.filter((r) => r.frequency >= 2).length);
    expect(p.stores.reduce((s, x) => s + x.buyers, 0)).toBe(buyers.length);
    expect(p.totals.likelyInactive).toBe(buyers.filter((r) => r.p_alive !== null && r.p_alive < 0.5).length);
    // Value at stake: what the customers likely to lapse paid in the 365 days up to D, from the fixture's own orders.
    const lapsing = new Set(buyers.filter((r) => r.frequency >= 2 && r.p_alive! < 0.5).map((r) => r.customer_id));
    expect(lapsing.size).toBeGreaterThan(0);
    const stake = orders.filter((o) => lapsing.has(o.customer!) && o.at > dayBefore(365) && o.at <= D).reduce((a, o) => a + Math.round(o.yuan * 100), 0);
    expect(p.totals.valueAtStakeFen).toBe(stake);
    expect(p.stores.reduce((a, x) => a + x.likelyToLapse, 0)).toBe(lapsing.size);
  });

  it('12-month value: expected purchase days in 365 days × expected spend per day, with the stored fit (predictedValue)', async () => {
    const fit = await withTenant(h.services.dbs, t.id, (trx) => latestFit(trx, t.id, D));
    expect(fit?.bgnbd && fit.gg).toBeTruthy();
    const valued = rows.filter((r) => r.predicted_value_12m_fen !== null);
    expect(valued.length).toBe(rows.filter((r) => r.frequency >= 1).length);
    const off = valued.filter((r) => {
      const ref = predictedValue(fit!.bgnbd!, fit!.gg!, 365, r.frequency - 1, r.tx_days!, r.t_days!, Number(r.repeat_spend_fen ?? 0));
      return Math.abs(Number(r.predicted_value_12m_fen) - ref) > 1;
    });
    expect(off).toEqual([]);
  });

  it('sorted by P(alive), the lowest first: every repeater, then one-purchase customers by expected purchases', async () => {
    const actor = systemActor(t.id, t.slug, 'test');
    const list = await withTenant(h.services.dbs, t.id, async (trx) =>
      listCustomerMetrics(trx, actor, { sort: 'p_alive', dir: 'asc', page: 1, size: 200, filters: {} }, await filterOptions(trx, actor)),
    );
    const repeaters = rows.filter((r) => r.frequency >= 2).length;
    const got = list.rows.map((r) => [r.frequency >= 2, r.p_alive, r.exp_purchases_90] as const);
    expect(got.slice(0, Math.min(repeaters, 200)).every(([rep]) => rep)).toBe(true);
    const pa = got.slice(0, Math.min(repeaters, 200)).map(([, p]) => p!);
    expect(pa).toEqual([...pa].sort((a, b) => a - b));
    if (repeaters < 200) {
      const e = got.slice(repeaters).map(([rep, p, x]) => (rep || p !== null ? NaN : x!));
      expect(e).toEqual([...e].sort((a, b) => a - b));
    }
  });

  it('the incremental refresh scores the touched customers against the last full run’s breaks: F = 1 stays 1, a new repeater 2 or more', async () => {
    const once = rows.filter((r) => r.frequency === 1).slice(0, 2);
    const breaks = state.rfm_breaks;
    await addOrders(h.services, t.id, [{ customer: once[0]!.customer_id, at: D, yuan: 50, store: t.storeIds.S1 }]);
    await touch(h.services, t.id, once.map((r) => r.customer_id));
    await refreshTouched(h.services, t.id);
    const after = await read();
    const byId = new Map(after.map((r) => [r.customer_id, r]));
    expect(byId.get(once[0]!.customer_id)).toMatchObject({ frequency: 2 });
    expect(byId.get(once[0]!.customer_id)!.f_score).toBeGreaterThanOrEqual(2);
    expect(byId.get(once[1]!.customer_id)).toMatchObject({ frequency: 1, f_score: 1 });
    for (const id of once.map((r) => r.customer_id)) {
      const r = byId.get(id)!;
      const ref = scoreWithBreaks({ recencyDays: r.recency_days!, frequency: r.frequency, monetaryFen: Number(r.monetary_fen) }, breaks);
      expect([r.r_score, r.f_score, r.m_score, r.fm_score, r.rfm_group]).toEqual([ref.r, ref.f, ref.m, ref.fm, ref.group]);
    }
  });
});
