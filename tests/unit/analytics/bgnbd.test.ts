import { beforeAll, describe, expect, it } from 'vitest';
import {
  BgNbdLikelihood,
  compressSummaries,
  expectedPurchases,
  fitBgNbd,
  pAlive,
  predictMany,
  type BgNbdFit,
  type BgNbdParams,
} from '../../../server/analytics/models/bgnbd';
import { hyp2f1 } from '../../../server/analytics/models/special';
import { expectedPurchasesNew, logBeta, rescale } from './model-helpers';
import { calibrationFromTransactions, readSample, readSummary, type CdnowSummary } from './cdnow';

/** FHL 2005, table/§5: the published CDNOW estimates (weeks). */
const PAPER: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

function rel(a: number, b: number, tol: number): void {
  expect(Math.abs(a - b) / Math.abs(b), `${a} vs ${b}`).toBeLessThanOrEqual(tol);
}

/**
 * Independent check of FHL eq. 10: given alive at T, λ ~ Gamma(r+x, α+T) and p ~ Beta(a, b+x) a posteriori, and
 * E[Y(t) | λ, p, alive] = (1 − e^{−λpt})/p, so
 *   E[Y(t) | x, t_x, T] = P(alive) · ∫₀¹ (1 − (1 + p t/(α+T))^{−(r+x)})/p · Beta(p; a, b+x) dp,
 * integrated with tanh-sinh quadrature (robust to the p^{a−1} endpoint singularity), and P(alive) from the ratio of
 * the two likelihood branches written with Beta functions: dead/alive = B(a+1, b+x−1)/B(a, b+x) ·
 * ((α+T)/(α+t_x))^{r+x}.
 */
function expectedByQuadrature(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const s = p.r + x;
  const tau = t / (p.alpha + T);
  const lnB = logBeta(p.a, p.b + x);
  const h = 1 / 64;
  let sum = 0;
  for (let k = -400; k <= 400; k++) {
    const u = k * h;
    const v = Math.PI * Math.sinh(u); // q = 1/(1 + e^{−v})
    const lnq = -Math.log1p(Math.exp(-v));
    const ln1mq = -Math.log1p(Math.exp(v));
    const q = Math.exp(lnq);
    const f = q === 0 ? s * tau : -Math.expm1(-s * Math.log1p(q * tau)) / q;
    const lw = Math.log(Math.PI * Math.cosh(u)) + p.a * lnq + (p.b + x) * ln1mq - lnB;
    if (lw > -745) sum += f * Math.exp(lw);
  }
  const ifAlive = sum * h;
  if (x === 0) return ifAlive;
  const lnOdds =
    logBeta(p.a + 1, p.b + x - 1) - logBeta(p.a, p.b + x) + s * (Math.log(p.alpha + T) - Math.log(p.alpha + tx));
  return ifAlive / (1 + Math.exp(lnOdds));
}

/** FHL eq. 10 written literally with ₂F₁(r+x, b+x; a+b+x−1; z) (no Euler transformation). */
function expectedLiteral(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const bracket =
    ((a + b + x - 1) / (a - 1)) *
    (1 - Math.pow((alpha + T) / (alpha + T + t), r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z));
  const alive = x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * Math.pow((alpha + T) / (alpha + tx), r + x));
  return bracket * alive;
}

let cdnow: CdnowSummary;
let weeks: BgNbdFit;
let days: BgNbdFit;
let totalX = 0;
beforeAll(() => {
  cdnow = readSummary();
  totalX = cdnow.x.reduce((s, v) => s + v, 0);
  weeks = fitBgNbd(cdnow);
  days = fitBgNbd({ x: cdnow.x, tx: cdnow.tx.map((v) => v * 7), T: cdnow.T.map((v) => v * 7) });
});

describe('BG/NBD fit on CDNOW (FHL 2005)', () => {
  it('reads the 2,357-customer summary with 2,457 repeat purchase days', () => {
    expect(cdnow.x.length).toBe(2357);
    expect(totalX).toBe(2457);
    expect(cdnow.x.filter((v) => v > 0).length).toBe(946);
  });

  it('reproduces the published estimates in weeks: r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.4', () => {
    expect(weeks.converged).toBe(true);
    expect(weeks.r).toBeCloseTo(0.243, 2);
    expect(weeks.alpha).toBeCloseTo(4.414, 2);
    expect(weeks.a).toBeCloseTo(0.793, 2);
    expect(weeks.b).toBeCloseTo(2.426, 2);
    expect(weeks.logLikelihood).toBeCloseTo(-9582.4, 1);
    // tighter: the MLE as computed independently with scipy (SOURCE.md)
    rel(weeks.r, 0.2426, 3e-4);
    rel(weeks.alpha, 4.4135, 3e-5);
    rel(weeks.a, 0.7929, 2e-4);
    rel(weeks.b, 2.4258, 1e-4);
    expect(weeks.logLikelihood).toBeCloseTo(-9582.43, 1);
    expect(weeks.customers).toBe(2357);
    expect(weeks.rows).toBeLessThan(2357); // identical triples were merged
  });

  it('the likelihood at the published (rounded) parameters is −9582.4 and below the maximum', () => {
    const ll = new BgNbdLikelihood(compressSummaries(cdnow)).logLikelihood(PAPER);
    expect(ll).toBeCloseTo(-9582.4, 1);
    expect(ll).toBeLessThanOrEqual(weeks.logLikelihood + 1e-9);
  });

  it('in days α is 7× the weekly value (≈ 30.9) and r, a, b do not change', () => {
    expect(days.converged).toBe(true);
    expect(days.alpha).toBeCloseTo(30.9, 1);
    rel(days.alpha, 7 * weeks.alpha, 1e-5);
    rel(days.r, weeks.r, 1e-5);
    rel(days.a, weeks.a, 1e-5);
    rel(days.b, weeks.b, 1e-5);
    // t_x is a density variable: ln L changes by −x·ln 7 per customer.
    expect(days.logLikelihood).toBeCloseTo(weeks.logLikelihood - totalX * Math.log(7), 4);
  });

  it('integer-day summaries rebuilt from CDNOW_sample.txt match the CSV and fit to the same model', () => {
    const cal = calibrationFromTransactions(readSample());
    for (let i = 0; i < 2357; i++) {
      expect(cal.x[i]).toBe(cdnow.x[i]);
      expect(Math.abs(cal.tx[i]! / 7 - cdnow.tx[i]!)).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(cal.T[i]! / 7 - cdnow.T[i]!)).toBeLessThanOrEqual(0.005 + 1e-9);
    }
    const fit = fitBgNbd(cal);
    expect(fit.alpha).toBeCloseTo(30.9, 1);
    expect(fit.r).toBeCloseTo(0.243, 2);
    expect(fit.a).toBeCloseTo(0.793, 2);
    expect(fit.b).toBeCloseTo(2.426, 2);
  });

  it('rescale(weeks, 7) equals the days fit', () => {
    const p = rescale(weeks, 7);
    rel(p.alpha, days.alpha, 1e-5);
    expect(p.r).toBe(weeks.r);
    expect(p.a).toBe(weeks.a);
    expect(p.b).toBe(weeks.b);
    expect(rescale(p, 1 / 7).alpha).toBeCloseTo(weeks.alpha, 12);
  });

  it('weights are counts: compressed, raw and explicitly weighted inputs give the same fit', () => {
    const doubled = fitBgNbd({
      x: [...cdnow.x, ...cdnow.x],
      tx: [...cdnow.tx, ...cdnow.tx],
      T: [...cdnow.T, ...cdnow.T],
    });
    const weighted = fitBgNbd({ ...cdnow, weight: new Float64Array(2357).fill(2) });
    rel(doubled.r, weighted.r, 1e-5);
    rel(doubled.alpha, weighted.alpha, 1e-5);
    rel(weighted.r, weeks.r, 1e-5);
    expect(weighted.logLikelihood).toBeCloseTo(2 * weeks.logLikelihood, 4);
    const fromCompressed = fitBgNbd(compressSummaries(cdnow));
    expect(fromCompressed.r).toBe(weeks.r);
    expect(fromCompressed.logLikelihood).toBe(weeks.logLikelihood);
  });

  it('the two-stage fit (subsample, then polish on all rows) reaches the same maximum', () => {
    const twoStage = fitBgNbd(cdnow, { stageOneRows: 300 });
    expect(twoStage.converged).toBe(true);
    rel(twoStage.r, weeks.r, 1e-4);
    rel(twoStage.alpha, weeks.alpha, 1e-4);
    rel(twoStage.a, weeks.a, 1e-4);
    rel(twoStage.b, weeks.b, 1e-4);
    expect(twoStage.logLikelihood).toBeCloseTo(weeks.logLikelihood, 5);
  });

  it('refuses data without repeat purchases', () => {
    expect(() => fitBgNbd({ x: [0, 0], tx: [0, 0], T: [10, 20] })).toThrow(RangeError);
    expect(() => fitBgNbd({ x: [1], tx: [5], T: [3] })).toThrow(RangeError);
  });
});

describe('BG/NBD customer-level predictions', () => {
  it('FHL 2005: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks', () => {
    const e = expectedPurchases(PAPER, 39, 2, 30.43, 38.86);
    expect(e).toBeCloseTo(1.226, 3);
    rel(e, expectedByQuadrature(PAPER, 39, 2, 30.43, 38.86), 1e-9);
    rel(e, expectedLiteral(PAPER, 39, 2, 30.43, 38.86), 1e-12);
    expect(pAlive(PAPER, 2, 30.43, 38.86)).toBeCloseTo(0.7266, 4);
  });

  it('agrees with direct quadrature across frequencies, recencies, horizons and parameter regimes', () => {
    const regimes: BgNbdParams[] = [
      PAPER,
      { r: 0.243, alpha: 30.898, a: 0.793, b: 2.426 }, // days
      { r: 1.7, alpha: 12, a: 1, b: 3 }, // a = 1: removable singularity of eq. 10
      { r: 1.7, alpha: 12, a: 1 + 1e-9, b: 3 },
      { r: 0.6, alpha: 3, a: 2.5, b: 0.9 }, // a > 1
      { r: 0.6, alpha: 3, a: 0.3, b: 0.5 }, // a + b < 1: c = a+b−1 < 0 for x = 0
    ];
    for (const p of regimes) {
      for (const [x, tx, T] of [
        [0, 0, 0],
        [0, 0, 20],
        [1, 3, 5],
        [2, 30.43, 38.86],
        [7, 10, 60],
        [25, 50, 52],
        [150, 300, 365],
      ] as const) {
        for (const t of [0.5, 39, 365]) {
          rel(expectedPurchases(p, t, x, tx, T), expectedByQuadrature(p, t, x, tx, T), 1e-8);
        }
      }
    }
  });

  it('stays accurate when the horizon dwarfs α + T (z → 1) and a = 1 exactly', () => {
    const p: BgNbdParams = { r: 0.5, alpha: 1e-3, a: 1, b: 2 };
    for (const [x, tx, T] of [
      [0, 0, 0],
      [3, 0.5, 0.6],
    ] as const) {
      rel(expectedPurchases(p, 365, x, tx, T), expectedByQuadrature(p, 365, x, tx, T), 1e-7);
    }
  });

  it('P(alive) is 1 for x = 0 and in [0, 1] for every CDNOW customer; it rises with recency', () => {
    expect(pAlive(PAPER, 0, 0, 38.86)).toBe(1);
    const { pAlive: alive, expected } = predictMany(PAPER, 39, cdnow);
    for (let i = 0; i < alive.length; i++) {
      expect(alive[i]).toBeGreaterThanOrEqual(0);
      expect(alive[i]).toBeLessThanOrEqual(1);
      if (cdnow.x[i] === 0) expect(alive[i]).toBe(1);
      expect(expected[i]).toBe(expectedPurchases(PAPER, 39, cdnow.x[i]!, cdnow.tx[i]!, cdnow.T[i]!));
    }
    let prev = 0;
    for (const tx of [0, 5, 10, 20, 30, 38.86]) {
      const p = pAlive(PAPER, 3, tx, 38.86);
      expect(p).toBeGreaterThan(prev);
      prev = p;
    }
    expect(pAlive(PAPER, 3, 38.86, 38.86)).toBeCloseTo(1 / (1 + 0.793 / (2.426 + 2)), 12);
    // a heavy buyer gone quiet for a long time is almost surely dead, without underflow trouble
    expect(pAlive(PAPER, 300, 1, 1000)).toBeLessThan(1e-100);
  });

  it('expectations are 0 at t = 0, increase with t, and are invariant to the time unit', () => {
    expect(expectedPurchases(PAPER, 0, 2, 30.43, 38.86)).toBe(0);
    let prev = 0;
    for (const t of [1, 5, 39, 100, 1000]) {
      const e = expectedPurchases(PAPER, t, 2, 30.43, 38.86);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    const d = rescale(PAPER, 7);
    rel(expectedPurchases(d, 7 * 39, 2, 7 * 30.43, 7 * 38.86), expectedPurchases(PAPER, 39, 2, 30.43, 38.86), 1e-12);
    rel(pAlive(d, 2, 7 * 30.43, 7 * 38.86), pAlive(PAPER, 2, 30.43, 38.86), 1e-14);
    rel(expectedPurchasesNew(d, 7 * 52), expectedPurchasesNew(PAPER, 52), 1e-12);
  });

  it('E[X(t)] (FHL eq. 7) matches quadrature and eq. 7 written with ₂F₁, and tracks calibration purchases', () => {
    for (const t of [1, 39, 78, 500]) {
      const e = expectedPurchasesNew(PAPER, t);
      rel(e, expectedByQuadrature(PAPER, t, 0, 0, 0), 1e-9);
      const { r, alpha, a, b } = PAPER;
      const eq7 = ((a + b - 1) / (a - 1)) * (1 - Math.pow(alpha / (alpha + t), r) * hyp2f1(r, b, a + b - 1, t / (alpha + t)));
      rel(e, eq7, 1e-12);
    }
    // Σ_i E[X(T_i)] over the cohort ≈ the 2,457 repeat purchase days actually made in calibration
    let s = 0;
    for (let i = 0; i < cdnow.T.length; i++) s += expectedPurchasesNew(weeks, cdnow.T[i]!);
    expect(s).toBeCloseTo(2494.0, 0);
    expect(Math.abs(s - totalX) / totalX).toBeLessThan(0.02);
  });

  it('rejects inconsistent inputs', () => {
    expect(() => pAlive(PAPER, 1, 10, 5)).toThrow(RangeError);
    expect(() => expectedPurchases(PAPER, -1, 1, 1, 5)).toThrow(RangeError);
    expect(() => expectedPurchases(PAPER, 1, -1, 0, 5)).toThrow(RangeError);
  });
});

describe('compressSummaries', () => {
  it('merges identical triples, sums weights, maps every customer to its row', () => {
    const c = compressSummaries({
      x: [0, 1, 0, 1, 2, 0],
      tx: [0, 5, 3, 5, 7, 0], // x = 0 with t_x = 3 is normalised to t_x = 0
      T: [10, 10, 10, 10, 10, 12],
      weight: [1, 2, 1, 1, 1, 0],
    });
    expect(Array.from(c.x)).toEqual([0, 1, 2]);
    expect(Array.from(c.tx)).toEqual([0, 5, 7]);
    expect(Array.from(c.T)).toEqual([10, 10, 10]);
    expect(Array.from(c.weight)).toEqual([2, 3, 1]);
    expect(Array.from(c.rowOf)).toEqual([0, 1, 0, 1, 2, -1]);
    expect(c.totalWeight).toBe(6);
  });

  it('validates', () => {
    expect(() => compressSummaries({ x: [1], tx: [6], T: [5] })).toThrow(RangeError);
    expect(() => compressSummaries({ x: [-1], tx: [0], T: [5] })).toThrow(RangeError);
    expect(() => compressSummaries({ x: [1], tx: [1], T: [5], weight: [-1] })).toThrow(RangeError);
    expect(() => compressSummaries({ x: [1, 2], tx: [1], T: [5] })).toThrow(RangeError);
  });
});
