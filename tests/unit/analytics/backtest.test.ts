import { beforeAll, describe, expect, it } from 'vitest';
import { backtest, type BacktestResult } from '../../../server/analytics/models/backtest';
import { expectedPurchases, fitBgNbd, type BgNbdFit } from '../../../server/analytics/models/bgnbd';
import { HOLDOUT_WEEKS, holdoutCounts, readSample, readSummary, type CdnowSummary } from './cdnow';

let cdnow: CdnowSummary;
let fit: BgNbdFit;
let holdout: { transactions: Float64Array; days: Float64Array };
let result: BacktestResult;
beforeAll(() => {
  cdnow = readSummary();
  fit = fitBgNbd(cdnow);
  holdout = holdoutCounts(readSample());
  result = backtest(fit, { ...cdnow, holdout: holdout.days }, HOLDOUT_WEEKS);
});

describe('CDNOW 39-week holdout back-test (FHL 2005, figure 4)', () => {
  it('counts the holdout: 1,959 transactions on 1,882 distinct customer-days', () => {
    expect(holdout.transactions.reduce((s, v) => s + v, 0)).toBe(1959);
    expect(holdout.days.reduce((s, v) => s + v, 0)).toBe(1882);
  });

  it('totals: Σ E[Y(39) | x, t_x, T] = 1,653 vs 1,882 actual purchase days (−12 %) and 1,959 transactions', () => {
    expect(result.customers).toBe(2357);
    expect(result.totalActual).toBe(1882);
    expect(result.totalPredicted).toBeCloseTo(1653.4, 0);
    let direct = 0;
    for (let i = 0; i < 2357; i++) direct += expectedPurchases(fit, 39, cdnow.x[i]!, cdnow.tx[i]!, cdnow.T[i]!);
    expect(result.totalPredicted).toBeCloseTo(direct, 9);
    // The BG/NBD under-forecasts the CDNOW holdout in aggregate: −12.1 % against purchase days (the unit of x),
    // −15.6 % against raw transactions.
    expect(result.relativeError).toBeCloseTo(-0.1215, 3);
    expect(Math.abs(result.relativeError)).toBeLessThan(0.15);
    const vsTransactions = (result.totalPredicted - 1959) / 1959;
    expect(vsTransactions).toBeCloseTo(-0.156, 3);
  });

  it('groups by calibration frequency 0 … 6, 7+', () => {
    expect(result.groups.map((g) => g.label)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(result.groups.map((g) => g.customers)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    const g0 = result.groups[0]!;
    expect(g0.meanPredicted).toBeCloseTo(0.225, 3);
    expect(g0.meanActual).toBeCloseTo(334 / 1411, 10);
    const g7 = result.groups[7]!;
    expect(g7.meanPredicted).toBeCloseTo(6.157, 1);
    expect(g7.meanActual).toBeCloseTo(407 / 64, 10);
    // Conditional expectations rise with past frequency, like the actuals, and stay within half a purchase.
    for (let k = 1; k < 8; k++) {
      expect(result.groups[k]!.meanPredicted).toBeGreaterThan(result.groups[k - 1]!.meanPredicted);
      expect(Math.abs(result.groups[k]!.meanPredicted - result.groups[k]!.meanActual)).toBeLessThan(0.5);
    }
    const sumGroups = result.groups.reduce((s, g) => s + g.predicted, 0);
    expect(sumGroups).toBeCloseTo(result.totalPredicted, 9);
  });

  it('honours maxGroup and validates lengths', () => {
    const r = backtest(fit, { ...cdnow, holdout: holdout.days }, HOLDOUT_WEEKS, { maxGroup: 2 });
    expect(r.groups.map((g) => g.label)).toEqual(['0', '1', '2+']);
    expect(r.groups[2]!.customers).toBe(2357 - 1411 - 439);
    expect(() => backtest(fit, { ...cdnow, holdout: [1, 2] }, 39)).toThrow(RangeError);
  });
});
