import { beforeAll, describe, expect, it } from 'vitest';
import { expectedPurchases, type BgNbdParams } from '../../../server/analytics/models/bgnbd';
import { rescale } from './model-helpers';
import {
  expectedSpend,
  fitGammaGamma,
  predictedValue,
  type GammaGammaFit,
} from '../../../server/analytics/models/gamma-gamma';
import { logGamma } from '../../../server/analytics/models/special';
import { calibrationFromTransactions, readSample, readSummaryWithSpend } from './cdnow';

function rel(a: number, b: number, tol: number): void {
  expect(Math.abs(a - b) / Math.abs(b), `${a} vs ${b}`).toBeLessThanOrEqual(tol);
}

let data: ReturnType<typeof readSummaryWithSpend>;
let fit: GammaGammaFit;
beforeAll(() => {
  data = readSummaryWithSpend();
  fit = fitGammaGamma(data.x, data.zbar);
});

describe('Gamma-Gamma on CDNOW (Fader & Hardie 2013 note)', () => {
  it('uses the 946 repeaters and reproduces p 6.25, q 3.74, v 15.44', () => {
    expect(fit.customers).toBe(946);
    expect(fit.converged).toBe(true);
    expect(fit.p).toBeCloseTo(6.25, 2);
    expect(fit.q).toBeCloseTo(3.74, 2);
    // The note prints ν = 15.44; the exact MLE is 15.4477 (scipy, SOURCE.md), i.e. 15.44–15.45.
    expect(Math.abs(fit.v - 15.44)).toBeLessThan(0.01);
    rel(fit.p, 6.2488, 2e-5);
    rel(fit.q, 3.7446, 2e-5);
    rel(fit.v, 15.4477, 1e-5);
  });

  it('its log-likelihood is the sum of the per-customer densities, and maximal', () => {
    const ll = (p: number, q: number, v: number): number => {
      let s = 0;
      for (let i = 0; i < data.x.length; i++) {
        const x = data.x[i]!;
        const m = data.zbar[i]!;
        if (x < 1) continue;
        s +=
          logGamma(p * x + q) -
          logGamma(p * x) -
          logGamma(q) +
          q * Math.log(v) +
          (p * x - 1) * Math.log(m) +
          p * x * Math.log(x) -
          (p * x + q) * Math.log(v + x * m);
      }
      return s;
    };
    expect(fit.logLikelihood).toBeCloseTo(ll(fit.p, fit.q, fit.v), 8);
    for (const [dp, dq, dv] of [
      [1.01, 1, 1],
      [1, 0.99, 1],
      [1, 1, 1.01],
    ] as const) {
      expect(ll(fit.p * dp, fit.q * dq, fit.v * dv)).toBeLessThan(fit.logLikelihood);
    }
  });

  it('mean spend recomputed from CDNOW_sample.txt gives the same fit', () => {
    const cal = calibrationFromTransactions(readSample());
    for (let i = 0; i < cal.zbar.length; i++) expect(Math.abs(cal.zbar[i]! - data.zbar[i]!)).toBeLessThan(0.006);
    const again = fitGammaGamma(cal.x, cal.zbar);
    expect(again.p).toBeCloseTo(6.25, 1);
    expect(again.q).toBeCloseTo(3.74, 1);
    expect(again.v).toBeCloseTo(15.44, 0);
  });

  it('weights are counts', () => {
    const w = fitGammaGamma(data.x, data.zbar, new Float64Array(data.x.length).fill(3));
    rel(w.p, fit.p, 1e-5);
    rel(w.q, fit.q, 1e-5);
    rel(w.v, fit.v, 1e-5);
    expect(w.logLikelihood).toBeCloseTo(3 * fit.logLikelihood, 6);
    expect(() => fitGammaGamma([0, 0], [0, 0])).toThrow(RangeError);
  });
});

describe('expected spend and predicted value', () => {
  it('E[M] = p(v + x m̄)/(px + q − 1): a credibility-weighted mean of the population mean and m̄', () => {
    const { p, q, v } = fit;
    const popMean = (p * v) / (q - 1);
    expect(expectedSpend(fit, 0, 123)).toBeCloseTo(popMean, 12); // m̄ ignored without repeat purchases
    for (const [x, m] of [
      [1, 10],
      [2, 22.35],
      [7, 60],
    ] as const) {
      const wPop = (q - 1) / (p * x + q - 1);
      rel(expectedSpend(fit, x, m), wPop * popMean + (1 - wPop) * m, 1e-13);
    }
    // many purchases: the customer's own mean dominates
    rel(expectedSpend(fit, 10_000, 40), 40, 1e-3);
    expect(() => expectedSpend({ p: 1, q: 0.5, v: 1 }, 0, 0)).toThrow(RangeError);
  });

  it('predicted value = expected purchases in the horizon × expected spend (days, no discounting)', () => {
    const bgWeeks: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const bgDays = rescale(bgWeeks, 7);
    // CDNOW customer 1: x = 2, t_x = 30.43 weeks, T = 38.86 weeks, zbar = 22.35
    const v = predictedValue(bgDays, fit, 365, 2, 30.43 * 7, 38.86 * 7, 22.35);
    const expected = expectedPurchases(bgWeeks, 365 / 7, 2, 30.43, 38.86) * expectedSpend(fit, 2, 22.35);
    rel(v, expected, 1e-12);
    expect(v).toBeGreaterThan(0);
    expect(predictedValue(bgDays, fit, 0, 2, 213, 272, 22.35)).toBe(0);
  });
});
