import { describe, expect, it } from 'vitest';
import { addMonths, bucketize, buildCohorts, monthUnfinished, change, flowsToSankey, monthsBetween, nDayRate, previousPeriod, repurchaseCurve, sample, weekStart } from '../../../server/analytics/aggregate';
import { toCsv } from '../../../app/lib/csv';

describe('cohort retention', () => {
  it('shares of each cohort with a purchase day in month cohort + k, up to the as-of month', () => {
    const cohorts = buildCohorts(
      [
        { cohort: '2025-01', month: '2025-01', customers: 10 },
        { cohort: '2025-01', month: '2025-02', customers: 4 },
        { cohort: '2025-01', month: '2025-04', customers: 2 },
        { cohort: '2025-03', month: '2025-03', customers: 5 },
        { cohort: '2025-03', month: '2025-04', customers: 1 },
      ],
      '2025-04',
      '2025-04-30',
    );
    expect(cohorts).toEqual([
      { cohort: '2025-01', size: 10, retention: [1, 0.4, 0, 0.2], partial: [false, false, false, false] },
      { cohort: '2025-03', size: 5, retention: [1, 0.2], partial: [false, false] },
    ]);
    expect(() => buildCohorts([{ cohort: '2025-03', month: '2025-02', customers: 1 }], '2025-04', '2025-04-30')).toThrow(RangeError);
  });

  it("partial cells: the month of D is not over unless D is its last day (metrics.md, changed 2026-12-07)", () => {
    const cells = [
      { cohort: '2026-10', month: '2026-10', customers: 20 },
      { cohort: '2026-10', month: '2026-11', customers: 6 },
      { cohort: '2026-10', month: '2026-12', customers: 1 },
      { cohort: '2026-11', month: '2026-11', customers: 20 },
      { cohort: '2026-11', month: '2026-12', customers: 1 },
    ];
    // 7 December: December is partial — 2026-11's M1 = 5% is one week of a month, not a collapse.
    expect(buildCohorts(cells, '2026-12', '2026-12-07')).toEqual([
      { cohort: '2026-10', size: 20, retention: [1, 0.3, 0.05], partial: [false, false, true] },
      { cohort: '2026-11', size: 20, retention: [1, 0.05], partial: [false, true] },
    ]);
    // On 31 December the month is over: nothing partial.
    expect(buildCohorts(cells, '2026-12', '2026-12-31').flatMap((c) => c.partial)).not.toContain(true);
    // A heatmap ending in an earlier month (to = November) counted orders up to D in December: complete.
    expect(buildCohorts(cells.filter((c) => c.month <= '2026-11'), '2026-11', '2026-12-07').flatMap((c) => c.partial)).not.toContain(true);
    expect(monthUnfinished('2024-02-28')).toBe(true);
    expect(monthUnfinished('2024-02-29')).toBe(false);
  });

  it('month arithmetic across years', () => {
    expect(monthsBetween('2024-11', '2025-02')).toBe(3);
    expect(addMonths('2025-01', -11)).toBe('2024-02');
    expect(addMonths('2024-12', 1)).toBe('2025-01');
  });
});

describe('N-day repurchase rates', () => {
  // gap = second − first purchase day (null: none yet); age = D − first.
  const rows = [
    { gap: 10, age: 100, customers: 3 },
    { gap: 45, age: 100, customers: 2 },
    { gap: null, age: 100, customers: 5 },
    { gap: 5, age: 20, customers: 4 }, // too young for N ≥ 21
    { gap: null, age: 50, customers: 1 },
  ];
  it('counts only customers whose first purchase is at least N days before D', () => {
    expect(nDayRate(rows, 30)).toBeCloseTo(3 / 11, 12);
    expect(nDayRate(rows, 60)).toBeCloseTo(5 / 10, 12);
    expect(nDayRate(rows, 10)).toBeCloseTo(7 / 15, 12);
    const curve = repurchaseCurve(rows, 120);
    expect(curve[119]).toEqual({ day: 120, eligible: 0, repeated: 0, rate: null });
    expect(curve[0]).toMatchObject({ day: 1, eligible: 15, repeated: 0 });
  });
});

describe('helpers', () => {
  it('buckets, changes, periods, sampling, weeks', () => {
    const b = bucketize(
      [
        { value: 1, count: 2 },
        { value: 7, count: 1 },
        { value: 8, count: 5 },
        { value: 400, count: 1 },
      ],
      [1, 8, 31],
      (a, z) => `${a}-${z}`,
    );
    expect(b.map((x) => x.count)).toEqual([3, 5, 1]);
    expect(change(120, 100)).toEqual({ value: 120, previous: 100, delta: 20, ratio: 0.2 });
    expect(change(5, 0).ratio).toBeNull();
    expect(change(null, 3).delta).toBeNull();
    expect(previousPeriod('2025-03-01', '2025-03-31')).toEqual({ from: '2025-01-29', to: '2025-02-28', days: 31 });
    expect(sample([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 4)).toEqual([1, 4, 7, 10]);
    expect(weekStart('2025-03-30')).toBe('2025-03-24');
    expect(weekStart('2025-03-24')).toBe('2025-03-24');
  });

  it('stage flows become a two-column Sankey in stage order', () => {
    const s = flowsToSankey(
      [
        { from: 'active', to: 'at_risk', customers: 4 },
        { from: 'prospect', to: 'new', customers: 7 },
        { from: 'active', to: 'active', customers: 9 },
        { from: 'new', to: 'lapsed', customers: 0 },
      ],
      ['prospect', 'new', 'active', 'at_risk', 'lapsed'],
      (x) => x,
    );
    expect(s.nodes.map((n) => `${n.side}:${n.stage}`)).toEqual(['from:prospect', 'from:active', 'to:new', 'to:active', 'to:at_risk']);
    expect(s.links).toEqual([
      { source: 1, target: 4, value: 4 },
      { source: 0, target: 2, value: 7 },
      { source: 1, target: 3, value: 9 },
    ]);
  });

  it('CSV export quotes, escapes and guards against formulas', () => {
    const csv = toCsv(
      [
        { key: 'a', label: '门店' },
        { key: 'b', label: 'value' },
      ],
      [
        { a: '上海, 一号店', b: 1.5 },
        { a: '=HYPERLINK("x")', b: null },
        { a: 'say "hi"', b: -3 },
      ],
    );
    expect(csv).toBe('门店,value\r\n"上海, 一号店",1.5\r\n"\'=HYPERLINK(""x"")",\r\n"say ""hi""",-3\r\n');
  });
});
