/**
 * /api/v1/analytics/* and /api/v1/customers over HTTP with tenant API keys: the fields the issue lists, every
 * filter (as_of, from, to, store, region), 400s naming the field, tenant isolation, and the model endpoint's
 * scale on the CDNOW sample (alpha in days = 7 × the published weekly alpha).
 */
import { describe, expect, it } from 'vitest';
import { fullRefresh } from '../../../server/analytics/refresh.service';
import type { TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { readSample } from '../../unit/analytics/cdnow';
import { addCustomers, addOrders } from './support';

const h = useTestServices();
const api = useApiServer(h);
const apiKey = (tenantId: TenantId) => createApiKey(h.services, tenantId);
async function get<T>(key: string, path: string, status = 200): Promise<T> {
  const r = await fetch(api.base() + path, { headers: { Authorization: `Bearer ${key}` } });
  const body = (await r.json()) as T;
  expect(r.status, JSON.stringify(body)).toBe(status);
  return body;
}

/**
 * Tenant (Asia/Shanghai), as of 2025-03-31. Store S1 (region R1) and S2 (region R2).
 *   A (S1): 2025-01-05 100, 2025-01-20 50, 2025-02-10 80 (refund −20 on 02-12)
 *   B (S1): 2025-01-15 60, 2025-03-01 40
 *   C (S2): 2025-02-01 200, 2025-02-01 30 (same day), 2025-04-02 99 (after D)
 *   D (S2): 2024-12-20 70
 *   anonymous: S1 2025-02-05 300, S2 2025-03-10 100
 */
async function fixture() {
  const t = await makeTenant(h.services);
  const [A, B, C, D] = (await addCustomers(h.services, t.id, [
    { name: '甲', storeId: t.storeIds.S1 },
    { name: '乙', storeId: t.storeIds.S1 },
    { name: '丙', storeId: t.storeIds.S2 },
    { name: '丁', storeId: t.storeIds.S2 },
  ])) as [string, string, string, string];
  const S1 = t.storeIds.S1;
  const S2 = t.storeIds.S2;
  await addOrders(h.services, t.id, [
    { customer: A, at: '2025-01-05', yuan: 100, store: S1 },
    { customer: A, at: '2025-01-20', yuan: 50, store: S1 },
    { customer: A, at: '2025-02-10', yuan: 80, store: S1 },
    { customer: A, at: '2025-02-12', yuan: -20, refund: true, store: S1 },
    { customer: B, at: '2025-01-15', yuan: 60, store: S1 },
    { customer: B, at: '2025-03-01', yuan: 40, store: S1 },
    { customer: C, at: '2025-02-01', yuan: 200, store: S2 },
    { customer: C, at: '2025-02-01T21:00:00+08:00', yuan: 30, store: S2 },
    { customer: C, at: '2025-04-02', yuan: 99, store: S2 },
    { customer: D, at: '2024-12-20', yuan: 70, store: S2 },
    { customer: null, at: '2025-02-05', yuan: 300, store: S1 },
    { customer: null, at: '2025-03-10', yuan: 100, store: S2 },
  ]);
  await fullRefresh(h.services, t.id, { asOf: '2025-03-31' });
  return { t, A, B, C, D, key: await apiKey(t.id) };
}

describe('GET /api/v1/analytics/summary', () => {
  it('returns every listed field, hand-computed, and honours from/to/store/region/as_of', async () => {
    const { key } = await fixture();
    type S = Record<string, number | string | null>;
    const all = await get<S>(key, '/analytics/summary');
    expect(all).toMatchObject({
      as_of: '2025-03-31',
      from: null,
      to: '2025-03-31',
      customers: 4,
      repeat_customers: 2,
      repurchase_rate: 0.5,
      paid_orders: 10,
      refund_orders: 1,
      paid_revenue_fen: 103000,
      refund_fen: 2000,
      identified_revenue_fen: 63000,
      repurchase_window_days: 30,
    });
    expect(all.private_domain_share).toBeCloseTo(63000 / 103000, 12);
    // N-day rates. First → second purchase day and age D − first: A 15 d / 85 d, B 45 / 75, C none / 58, D none / 101.
    expect(all.repurchase_rate_30d).toBeCloseTo(1 / 4, 12); // all four are ≥ 30 days old; A came back within 30
    expect(all.repurchase_rate_60d).toBeCloseTo(2 / 3, 12); // C is too young; A and B within 60
    expect(all.repurchase_rate_90d).toBe(0); // only D is ≥ 90 days old
    // Window: February only → A (02-10), C (02-01): one purchase day each; orders: A, C×2, anonymous 300.
    const feb = await get<S>(key, '/analytics/summary?from=2025-02-01&to=2025-02-28');
    expect(feb).toMatchObject({ customers: 2, repeat_customers: 0, repurchase_rate: 0, paid_orders: 4, refund_orders: 1, paid_revenue_fen: 61000, identified_revenue_fen: 31000 });
    // Store S1: A and B repeat there; region R2 = store S2: C and D, no repeats; anonymous 100.
    expect(await get<S>(key, '/analytics/summary?store=S1')).toMatchObject({ customers: 2, repeat_customers: 2, repurchase_rate: 1, paid_revenue_fen: 63000, identified_revenue_fen: 33000 });
    expect(await get<S>(key, '/analytics/summary?region=R2')).toMatchObject({ customers: 2, repeat_customers: 0, paid_revenue_fen: 40000, identified_revenue_fen: 30000 });
    // as_of in January: every later order ignored.
    expect(await get<S>(key, '/analytics/summary?as_of=2025-01-31')).toMatchObject({ as_of: '2025-01-31', customers: 3, repeat_customers: 1, paid_orders: 4, paid_revenue_fen: 28000 });
  });

  it('rejects bad parameters naming the field, and unknown store codes', async () => {
    const { key } = await fixture();
    const bad = await get<{ error: { code: string; message: string } }>(key, '/analytics/summary?as_of=2025-02-30', 400);
    expect(bad.error.message).toMatch(/as_of/);
    expect((await get<{ error: { message: string } }>(key, '/analytics/summary?store=NOPE', 400)).error.message).toMatch(/store/);
    expect((await get<{ error: { message: string } }>(key, '/analytics/summary?from=2025-03-01&to=2025-02-01', 400)).error.message).toMatch(/from/);
    expect((await get<{ error: { message: string } }>(key, '/customers?stage=vip', 400)).error.message).toMatch(/stage/);
  });
});

describe('GET /api/v1/analytics/cohorts and /rfm', () => {
  it('cohorts: [{cohort, size, retention: [1, m1, …]}] up to the as-of month', async () => {
    const { key } = await fixture();
    const c = await get<{ cohort: string; size: number; retention: number[] }[]>(key, '/analytics/cohorts');
    // D: 2024-12; A, B: 2025-01 (A buys again in Feb, B in Mar); C: 2025-02. As of 31 March every month is over.
    expect(c.map(({ cohort, size, retention }) => ({ cohort, size, retention }))).toEqual([
      { cohort: '2024-12', size: 1, retention: [1, 0, 0, 0] },
      { cohort: '2025-01', size: 2, retention: [1, 0.5, 0.5] },
      { cohort: '2025-02', size: 1, retention: [1, 0] },
    ]);
    expect(c[1]).toMatchObject({ cells: [{ month: '2025-01', k: 0, retention: 1, partial: false }, { month: '2025-02', k: 1, retention: 0.5, partial: false }, { month: '2025-03', k: 2, retention: 0.5, partial: false }] });
    expect(await get(key, '/analytics/cohorts?from=2025-01-01&to=2025-01-31&store=S1')).toMatchObject([{ cohort: '2025-01', size: 2, retention: [1, 0.5, 0.5] }]);
    // As of 15 March, March is not over: its cells are partial (metrics.md, changed 2026-12-07).
    type C = { cohort: string; cells: { month: string; partial: boolean }[] };
    const mid = await get<C[]>(key, '/analytics/cohorts?as_of=2025-03-15');
    expect(mid.map((x) => [x.cohort, x.cells.filter((cell) => cell.partial).map((cell) => cell.month)])).toEqual([
      ['2024-12', ['2025-03']],
      ['2025-01', ['2025-03']],
      ['2025-02', ['2025-03']],
    ]);
  });

  it('rfm: the 25-cell grid and the groups with customers and revenue', async () => {
    const { key } = await fixture();
    const r = await get<{ customers: number; grid: { r: number; fm: number; group: string; customers: number; revenue_fen: number }[]; groups: { group: string; customers: number; revenue_fen: number; share: number | null }[] }>(key, '/analytics/rfm');
    expect(r.customers).toBe(4);
    expect(r.grid).toHaveLength(25);
    // R_days A 49, B 30, C 58, D 101 → R (desc): A 4, B 5, C 3, D 2. M 21000/10000/23000/7000 → 4/3/5/2.
    // F (metrics.md, changed 2026-12-07): C and D bought once → 1; repeaters A (3) and B (2) → 1 + ⌈4·2/2⌉ = 5 and
    // 1 + ⌈4·1/2⌉ = 3. FM = ⌈(F+M)/2⌉: A 5, B 3, C 3, D 2. (Before: F 5/4/3/3, and C — one purchase — was "loyal".)
    const cell = (id: { r: number; fm: number }) => r.grid.find((g) => g.r === id.r && g.fm === id.fm)!;
    expect(r.grid.reduce((s, g) => s + g.customers, 0)).toBe(4);
    expect(r.grid.reduce((s, g) => s + g.revenue_fen, 0)).toBe(21000 + 10000 + 23000 + 7000);
    expect(cell({ r: 5, fm: 3 })).toMatchObject({ group: 'potential_loyalist', customers: 1, revenue_fen: 10000 }); // B
    expect(cell({ r: 4, fm: 5 })).toMatchObject({ group: 'champions', customers: 1, revenue_fen: 21000 }); // A
    expect(cell({ r: 3, fm: 3 })).toMatchObject({ group: 'need_attention', customers: 1, revenue_fen: 23000 }); // C
    expect(cell({ r: 2, fm: 2 })).toMatchObject({ group: 'about_to_sleep', customers: 1, revenue_fen: 7000 }); // D
    expect(r.groups.find((g) => g.group === 'champions')).toMatchObject({ customers: 1, revenue_fen: 21000, share: 0.25 });
    // Another as_of is computed on the fly: in January only A, B (and D) had bought.
    const jan = await get<{ customers: number }>(key, '/analytics/rfm?as_of=2025-01-31');
    expect(jan.customers).toBe(3);
    // from/to select customers by first purchase day.
    expect((await get<{ customers: number }>(key, '/analytics/rfm?from=2025-01-01&to=2025-01-31')).customers).toBe(2);
  });
});

describe('GET /api/v1/customers', () => {
  it('pages, sorts and filters over the metrics; the detail carries them', async () => {
    const { key, A, C } = await fixture();
    type L = { total: number; data: { id: string; display_name: string; frequency: number; monetary_fen: number; stage: string; due: boolean }[] };
    const all = await get<L>(key, '/customers?sort=monetary&dir=desc&size=2');
    expect(all.total).toBe(4);
    expect(all.data.map((d) => d.display_name)).toEqual(['丙', '甲']);
    const p2 = await get<L>(key, '/customers?sort=monetary&dir=desc&size=2&page=2');
    expect(p2.data.map((d) => d.display_name)).toEqual(['乙', '丁']);
    expect((await get<L>(key, '/customers?store=S2')).data.map((d) => d.display_name).sort()).toEqual(['丁', '丙']);
    expect((await get<L>(key, '/customers?stage=lapsed')).data.map((d) => d.display_name)).toEqual(['丁']);
    expect((await get<L>(key, '/customers?group=champions&sort=frequency&dir=asc')).data.map((d) => d.display_name)).toEqual(['甲']);
    expect((await get<L>(key, '/customers?r=4&fm=5')).data.map((d) => d.id)).toEqual([A]);
    // Due (metrics.md, changed 2026-12-07): 0 ≤ D − expected ≤ W (30: too few intervals) and not lapsed. Tenant median
    // interval 21 (A 15, 21; B 45). B: 03-01 + 21 = 03-22 → 9 days → due. A: own median 18 → 02-28 → 31 days, past W.
    // C: 02-01 + 21 = 02-22 → 37 days, past W. D: lapsed (was due before, 80 days overdue).
    const due = await get<{ data: { display_name: string; due: boolean; days_overdue: number | null }[] }>(key, '/customers?due=true');
    expect(due.data.map((d) => [d.display_name, d.due, d.days_overdue])).toEqual([['乙', true, 9]]);
    // As of 2 March (W 30, tenant median 21 of A's 15, 21 and B's 45; no fit, so the value is M): A is due since
    // 02-10 + 18 (own median) = 02-28 (2 days, M 21000), C since 02-01 + 21 = 02-22 (8 days, M 23000); B not yet
    // (03-01 + 21), D lapsed. Priority (the default with due=true): C first by value, though longer overdue.
    const mar = await get<{ data: { display_name: string; days_overdue: number }[] }>(key, '/customers?due=true&as_of=2025-03-02');
    expect(mar.data.map((d) => [d.display_name, d.days_overdue])).toEqual([
      ['丙', 8],
      ['甲', 2],
    ]);
    const detail = await get<{ id: string; metrics: Record<string, unknown> }>(key, `/customers/${C}`);
    expect(detail.metrics).toMatchObject({ frequency: 1, monetary_fen: 23000, first_purchase: '2025-02-01', last_purchase: '2025-02-01', recency_days: 58, stage: 'at_risk', rfm_group: 'need_attention', expected_next_purchase: '2025-02-22', due: false });
    // As of January C had not bought yet; the 2025-04-02 order never counts before it happened.
    const janC = await get<{ metrics: Record<string, unknown> }>(key, `/customers/${C}?as_of=2025-01-31`);
    expect(janC.metrics).toMatchObject({ as_of: '2025-01-31', frequency: 0, stage: 'prospect' });
    const aprC = await get<{ metrics: Record<string, unknown> }>(key, `/customers/${C}?as_of=2025-04-02`);
    expect(aprC.metrics).toMatchObject({ frequency: 2, monetary_fen: 32900 });
  });

  it("a key never sees another tenant's customers or numbers", async () => {
    const one = await fixture();
    const other = await makeTenant(h.services);
    const otherKey = await apiKey(other.id);
    await get(otherKey, `/customers/${one.A}`, 404);
    expect((await get<{ total: number }>(otherKey, '/customers')).total).toBe(0);
    expect(await get<Record<string, unknown>>(otherKey, '/analytics/summary')).toMatchObject({ customers: 0, paid_orders: 0 });
    // Store codes resolve inside the key's tenant only (both tenants have S1).
    expect(await get<Record<string, unknown>>(otherKey, '/analytics/summary?store=S1')).toMatchObject({ customers: 0 });
  });
});

describe('GET /api/v1/analytics/model', () => {
  it('explains why there is no fit for a small tenant', async () => {
    const { key } = await fixture();
    const m = await get<{ status: string; reason: string; bgnbd: null; customers: number; repeaters: number }>(key, '/analytics/model');
    expect(m).toMatchObject({ status: 'insufficient_data', bgnbd: null, customers: 4, repeaters: 2 });
    expect(m.reason).toMatch(/fewer than 200/);
  });

  it('CDNOW sample as orders: the fit in days has alpha = 7 × the published weekly alpha; r, a, b and Gamma-Gamma as published', { timeout: 120_000 }, async () => {
    const t = await makeTenant(h.services, { timezone: 'UTC' });
    const txs = readSample();
    const ids = [...new Set(txs.map((x) => x.id))].sort((a, b) => a - b);
    const cust = await addCustomers(
      h.services,
      t.id,
      ids.map((i) => ({ name: `cdnow-${i}` })),
    );
    const idOf = new Map(ids.map((i, k) => [i, cust[k]!]));
    await addOrders(
      h.services,
      t.id,
      // metrics.md: an order of amount 0 counts nowhere; CDNOW has a few $0 transactions that the published fit
      // counts as purchase days, so they are entered as 1 cent (moving no mean spend by more than 0.01).
      txs.map((x) => ({ customer: idOf.get(x.id)!, at: `${x.date.slice(0, 4)}-${x.date.slice(4, 6)}-${x.date.slice(6, 8)}`, yuan: x.dollars > 0 ? x.dollars : 0.01 })),
    );
    const key = await apiKey(t.id);
    await fullRefresh(h.services, t.id, { asOf: '1997-09-30' });
    type M = { status: string; bgnbd: { r: number; alpha: number; a: number; b: number; unit: string; log_likelihood: number; converged: boolean }; gamma_gamma: { p: number; q: number; v: number; unit: string }; customers: number; repeaters: number };
    const m = await get<M>(key, '/analytics/model');
    expect(m.status).toBe('fitted');
    expect(m.customers).toBe(2357);
    expect(m.repeaters).toBe(946);
    expect(m.bgnbd.unit).toBe('day');
    expect(m.bgnbd.r).toBeCloseTo(0.243, 2);
    expect(m.bgnbd.alpha).toBeCloseTo(7 * 4.414, 1);
    expect(m.bgnbd.alpha / 7).toBeCloseTo(4.414, 2);
    expect(m.bgnbd.a).toBeCloseTo(0.793, 2);
    expect(m.bgnbd.b).toBeCloseTo(2.426, 2);
    expect(m.bgnbd.converged).toBe(true);
    expect(Number.isFinite(m.bgnbd.log_likelihood)).toBe(true);
    // Gamma-Gamma on the mean spend of repeat purchase days, in fen (v = 100 × the published dollars).
    expect(m.gamma_gamma.unit).toBe('fen');
    expect(m.gamma_gamma.p).toBeCloseTo(6.25, 1);
    expect(m.gamma_gamma.q).toBeCloseTo(3.74, 1);
    expect(m.gamma_gamma.v / 100).toBeCloseTo(15.44, 0);
    // The same model at a past as_of that was never stored is fitted on the fly (not the stored one).
    const earlier = await get<M>(key, '/analytics/model?as_of=1997-06-30');
    expect(earlier.status).toBe('fitted');
    expect(earlier.bgnbd.alpha).not.toBeCloseTo(m.bgnbd.alpha, 3);
    // Customer-level predictions are stored for every buyer.
    const list = await get<{ data: { p_alive: number | null; expected_purchases_90d: number | null; predicted_value_12m_fen: number | null; frequency: number }[] }>(key, '/customers?sort=value&dir=desc&size=5');
    expect(list.data.every((c) => c.p_alive !== null && c.p_alive > 0 && c.p_alive <= 1 && c.expected_purchases_90d! > 0 && c.predicted_value_12m_fen! > 0)).toBe(true);
    // A one-purchase customer: P(alive) would be 1 by construction; the API says "none" and why (docs/metrics.md).
    type One = { id: string; frequency: number; p_alive: number | null; p_alive_reason: string | null; expected_purchases_90d: number | null };
    const once = await get<{ data: One[] }>(key, '/customers?sort=frequency&dir=asc&size=1');
    expect(once.data[0]).toMatchObject({ frequency: 1, p_alive: null, p_alive_reason: 'one_purchase' });
    expect(once.data[0]!.expected_purchases_90d).toBeGreaterThan(0);
    const oneDetail = await get<{ metrics: Record<string, unknown> }>(key, `/customers/${once.data[0]!.id}`);
    expect(oneDetail.metrics).toMatchObject({ frequency: 1, p_alive: null, p_alive_reason: 'one_purchase' });
    const repeater = await get<{ data: One[] }>(key, '/customers?sort=frequency&dir=desc&size=1');
    expect(repeater.data[0]).toMatchObject({ p_alive_reason: null });
    expect(repeater.data[0]!.p_alive).toBeGreaterThan(0);
  });
});
