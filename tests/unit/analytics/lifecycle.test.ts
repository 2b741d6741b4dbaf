import { describe, expect, it } from 'vitest';
import { addDays, compareDuePriority, daysOverdue, expectedNextPurchase, isDue, type DueCandidate, lifecycleStage, medianOf, percentileFromHistogram, repurchaseWindow, tenantMedianInterval } from '../../../server/analytics/lifecycle';

const hist = (values: number[]) => {
  const m = new Map<number, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return [...m].map(([days, count]) => ({ days, count }));
};

/** percentile_cont over a plain sorted list (the reference). */
function percentileCont(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

describe('repurchase window W (metrics.md; docs/metrics.md for the choices)', () => {
  it('percentiles from a histogram equal percentile_cont over the values', () => {
    const values = [3, 7, 7, 10, 14, 14, 14, 21, 30, 45, 60, 90, 90, 120];
    for (const p of [0, 0.1, 0.5, 0.8, 0.95, 1]) expect(percentileFromHistogram(hist(values), p)).toBeCloseTo(percentileCont(values, p), 10);
    expect(percentileFromHistogram([], 0.5)).toBeNull();
    expect(tenantMedianInterval(hist([10, 15]))).toBe(12.5);
  });

  it('is the 80th percentile rounded half up and clamped to [14, 365]', () => {
    const many = (v: number, n = 40) => Array.from({ length: n }, () => v);
    // 40 intervals of 20 days and 10 of 50: p80 over 50 values sits at position 39.2 → 20 + 0.2 × 30 = 26.
    const w = repurchaseWindow(hist([...many(20), ...many(50, 10)]), null);
    expect(w).toMatchObject({ days: 26, source: 'auto' });
    expect(w.p80).toBeCloseTo(26, 9);
    expect(repurchaseWindow(hist(many(5)), null)).toMatchObject({ days: 14, source: 'auto', p80: 5 });
    expect(repurchaseWindow(hist(many(500)), null)).toMatchObject({ days: 365, source: 'auto' });
    // 29.5 rounds up to 30.
    expect(repurchaseWindow(hist([...many(29, 20), ...many(30, 20)]), null).days).toBe(30);
  });

  it('falls back to 30 days with fewer than 30 intervals, and a setting wins', () => {
    expect(repurchaseWindow(hist([10, 30, 30]), null)).toEqual({ days: 30, source: 'default', p80: null });
    expect(repurchaseWindow([], null).days).toBe(30);
    expect(repurchaseWindow(hist(Array.from({ length: 50 }, () => 100)), 45)).toMatchObject({ days: 45, source: 'setting', p80: 100 });
  });
});

describe('lifecycle stage', () => {
  it('follows the definitions at the boundaries (W = 30)', () => {
    expect(lifecycleStage(0, null, 30)).toBe('prospect');
    expect(lifecycleStage(1, 0, 30)).toBe('new');
    expect(lifecycleStage(1, 30, 30)).toBe('new');
    expect(lifecycleStage(2, 30, 30)).toBe('active');
    expect(lifecycleStage(1, 31, 30)).toBe('at_risk');
    expect(lifecycleStage(5, 60, 30)).toBe('at_risk');
    expect(lifecycleStage(5, 61, 30)).toBe('lapsed');
  });
});

describe('expected next purchase and due', () => {
  it('uses the customer median with ≥ 2 intervals, else the tenant median, rounded half up', () => {
    expect(medianOf([10, 30])).toBe(20);
    expect(medianOf([5, 1, 9])).toBe(5);
    expect(expectedNextPurchase('2025-02-10', [10, 30], 30)).toBe('2025-03-02');
    expect(expectedNextPurchase('2025-02-10', [10, 15], null)).toBe('2025-02-23'); // 12.5 → 13
    expect(expectedNextPurchase('2025-03-30', [], 30)).toBe('2025-04-29');
    expect(expectedNextPurchase('2025-03-30', [7], 30)).toBe('2025-04-29');
    expect(expectedNextPurchase('2025-03-30', [], null)).toBeNull();
    expect(expectedNextPurchase(null, [], 30)).toBeNull();
  });

  it('due: from the expected day until W days after it, never when lapsed (metrics.md "Lifecycle stage")', () => {
    // W = 30. Expected 2025-03-02: due on the day itself (0 days overdue) …
    expect(daysOverdue('2025-03-02', '2025-03-02')).toBe(0);
    expect(isDue('2025-03-02', '2025-03-01', 30, 'active')).toBe(false);
    expect(isDue('2025-03-02', '2025-03-02', 30, 'active')).toBe(true);
    // … up to W = 30 days after it (2025-04-01), not a day later: a win-back case, not a follow-up.
    expect(isDue('2025-03-02', '2025-04-01', 30, 'at_risk')).toBe(true);
    expect(isDue('2025-03-02', '2025-04-02', 30, 'at_risk')).toBe(false);
    // A lapsed customer is never due, even inside the window (a long personal median interval).
    expect(isDue('2025-03-02', '2025-03-10', 30, 'lapsed')).toBe(false);
    // The clerk's old first row: last purchase 656 days ago, expected 30 days after it → 626 days overdue.
    expect(isDue(addDays('2025-03-31', -626), '2025-03-31', 30, 'lapsed')).toBe(false);
    expect(isDue(null, '2025-03-03', 30, 'new')).toBe(false);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-01-01', -1)).toBe('2024-12-31');
  });

  it('due priority: predicted value (M without one) descending, then the most recently due first', () => {
    const list: DueCandidate[] = [
      { id: 'a', predictedValueFen: null, monetaryFen: 50_000, expectedNext: '2025-03-01' }, // M ¥500, 30 d overdue
      { id: 'b', predictedValueFen: 80_000, monetaryFen: 1_000, expectedNext: '2025-03-20' }, // value ¥800
      { id: 'c', predictedValueFen: 50_000, monetaryFen: 99_000, expectedNext: '2025-03-25' }, // value ¥500, 6 d overdue
      { id: 'd', predictedValueFen: 50_000, monetaryFen: 10, expectedNext: '2025-03-25' }, // ties c: by id
      { id: 'e', predictedValueFen: 2_000, monetaryFen: 70_000, expectedNext: '2025-03-30' },
    ];
    // b (¥800); then the ¥500s: c and d (6 days overdue, by id) before a (30 days overdue); e (¥20) last.
    expect([...list].sort(compareDuePriority).map((x) => x.id)).toEqual(['b', 'c', 'd', 'a', 'e']);
  });
});
