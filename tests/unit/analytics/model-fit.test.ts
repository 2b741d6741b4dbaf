import { describe, expect, it } from 'vitest';
import { capDropout, DROPOUT_CAP, fitTenantModel, insufficientReason, predictTriples } from '../../../server/analytics/models/model';
import { expectedPurchases } from '../../../server/analytics/models/bgnbd';
import { calibrationFromTransactions, readSample } from './cdnow';

function triplesOf(x: Float64Array, tx: Float64Array, T: Float64Array) {
  const m = new Map<string, number>();
  for (let i = 0; i < x.length; i++) {
    const k = `${x[i]}|${x[i] === 0 ? 0 : tx[i]}|${T[i]}`;
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  const out = { x: [] as number[], tx: [] as number[], T: [] as number[], n: [] as number[] };
  for (const [k, n] of m) {
    const [a, b, c] = k.split('|').map(Number) as [number, number, number];
    out.x.push(a);
    out.tx.push(b);
    out.T.push(c);
    out.n.push(n);
  }
  return out;
}

describe('per-tenant model fit on compressed triples (days)', () => {
  it('CDNOW in days: alpha = 7 × the published weekly alpha; r, a, b and Gamma-Gamma unchanged', () => {
    const cal = calibrationFromTransactions(readSample());
    const t = triplesOf(cal.x, cal.tx, cal.T);
    const spend = new Map<string, number>();
    for (let i = 0; i < cal.x.length; i++) if (cal.x[i]! > 0) spend.set(`${cal.x[i]}|${cal.zbar[i]}`, (spend.get(`${cal.x[i]}|${cal.zbar[i]}`) ?? 0) + 1);
    const s = { x: [] as number[], meanSpend: [] as number[], n: [] as number[] };
    for (const [k, n] of spend) {
      const [x, m] = k.split('|').map(Number) as [number, number];
      s.x.push(x);
      s.meanSpend.push(m);
      s.n.push(n);
    }
    const f = fitTenantModel(t, s);
    expect(f.status).toBe('fitted');
    if (f.status !== 'fitted') return;
    expect(f.customers).toBe(2357);
    expect(f.repeaters).toBe(946);
    expect(f.capped).toBe(false);
    expect(f.bgnbd.r).toBeCloseTo(0.243, 2);
    expect(f.bgnbd.alpha / 7).toBeCloseTo(4.414, 2);
    expect(f.bgnbd.a).toBeCloseTo(0.793, 2);
    expect(f.bgnbd.b).toBeCloseTo(2.426, 2);
    expect(f.gg!.p).toBeCloseTo(6.25, 1);
    expect(f.gg!.q).toBeCloseTo(3.74, 1);
    expect(f.gg!.v).toBeCloseTo(15.44, 0);
    // Predictions per distinct triple equal the per-customer formula.
    const p = predictTriples(f.bgnbd, t);
    const i = t.x.findIndex((x) => x === 2);
    expect(p.e90[i]).toBeCloseTo(expectedPurchases(f.bgnbd, 90, t.x[i]!, t.tx[i]!, t.T[i]!), 12);
  });

  it('explains instead of fitting with fewer than 200 customers or 50 repeaters', () => {
    expect(insufficientReason(199, 60)).toMatch(/fewer than 200/);
    expect(insufficientReason(500, 49)).toMatch(/fewer than 50/);
    expect(insufficientReason(200, 50)).toBeNull();
    const f = fitTenantModel({ x: [0, 1], tx: [0, 5], T: [10, 20], n: [150, 40] }, { x: [], meanSpend: [], n: [] });
    expect(f).toMatchObject({ status: 'insufficient_data', customers: 190, repeaters: 40 });
  });

  it('caps a degenerate dropout distribution along its flat ridge, keeping the mean', () => {
    const c = capDropout({ r: 0.2, alpha: 3, a: 6.5e5, b: 1.2e7 });
    expect(c.capped).toBe(true);
    expect(c.params.a + c.params.b).toBeCloseTo(DROPOUT_CAP, 9);
    expect(c.params.a / (c.params.a + c.params.b)).toBeCloseTo(6.5e5 / (6.5e5 + 1.2e7), 12);
    expect(Number.isFinite(expectedPurchases(c.params, 365, 3, 50, 100))).toBe(true);
    expect(capDropout({ r: 1, alpha: 1, a: 2, b: 3 }).capped).toBe(false);
  });
});
