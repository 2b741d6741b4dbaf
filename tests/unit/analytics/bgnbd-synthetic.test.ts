import { beforeAll, describe, expect, it } from 'vitest';
import {
  compressSummaries,
  fitBgNbd,
  predictMany,
  type BgNbdFit,
  type BgNbdParams,
  type CompressedSummaries,
} from '../../../server/analytics/models/bgnbd';

/**
 * One million synthetic customers simulated from the BG/NBD process in days, with a seeded PRNG:
 * first purchase on a day uniform in the first 90 days of a 546-day window (a quarterly cohort observed for 78
 * weeks, like CDNOW); λ ~ Gamma(r, α), p ~ Beta(a, b); purchases follow a Poisson(λ) process and after each
 * repeat purchase the customer drops out with probability p. t_x and T are whole days (t_x floored), as the
 * metrics.md summaries are. Each customer is then followed for another HOLDOUT days.
 */
const TRUE: BgNbdParams = { r: 0.25, alpha: 30, a: 0.8, b: 2.5 };
const N = 1_000_000;
const COHORT_DAYS = 90;
const END = 546;
const HOLDOUT = 365;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function samplers(rand: () => number) {
  let spare = Number.NaN;
  const normal = (): number => {
    if (!Number.isNaN(spare)) {
      const v = spare;
      spare = Number.NaN;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * rand() - 1;
      v = 2 * rand() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    spare = v * m;
    return u * m;
  };
  /** Gamma(shape, 1) by Marsaglia & Tsang (2000), with the U^{1/shape} boost for shape < 1. */
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * Math.pow(1 - rand(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = rand();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  const exponential = (rate: number): number => -Math.log(1 - rand()) / rate;
  return { gamma, exponential };
}

interface Simulated {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  holdout: Float64Array;
}

function simulate(params: BgNbdParams, seed: number): Simulated {
  const rand = prng(seed);
  const { gamma, exponential } = samplers(rand);
  const x = new Float64Array(N);
  const tx = new Float64Array(N);
  const T = new Float64Array(N);
  const holdout = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const Ti = END - Math.floor(rand() * COHORT_DAYS);
    const lambda = gamma(params.r) / params.alpha;
    const g1 = gamma(params.a);
    const p = g1 / (g1 + gamma(params.b));
    let t = 0;
    let n = 0;
    let last = 0;
    let alive = true;
    for (;;) {
      t += exponential(lambda);
      if (t > Ti) break;
      n++;
      last = t;
      if (rand() < p) {
        alive = false;
        break;
      }
    }
    x[i] = n;
    tx[i] = Math.floor(last);
    T[i] = Ti;
    // Holdout (Ti, Ti + HOLDOUT]: memoryless, so restart the clock at Ti.
    let h = 0;
    let u = 0;
    while (alive) {
      u += exponential(lambda);
      if (u > HOLDOUT) break;
      h++;
      if (rand() < p) alive = false;
    }
    holdout[i] = h;
  }
  return { x, tx, T, holdout };
}

let sim: Simulated;
let compressed: CompressedSummaries;
let fit: BgNbdFit;
beforeAll(() => {
  sim = simulate(TRUE, 20240501);
  compressed = compressSummaries(sim);
  fit = fitBgNbd(compressed);
}, 120_000);

describe('BG/NBD on 1,000,000 simulated customers (days)', () => {
  it('compresses identical (x, t_x, T) triples into far fewer weighted rows', () => {
    expect(compressed.totalWeight).toBe(N);
    expect(compressed.x.length).toBeLessThan(N / 3);
    expect(fit.rows).toBe(compressed.x.length);
    expect(fit.customers).toBe(N);
  });

  it('recovers the generating parameters', () => {
    expect(fit.converged).toBe(true);
    // Sampling error at this size is ≲ 1 %; flooring t_x to whole days adds a small bias on α.
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit[k] - TRUE[k]) / TRUE[k], k).toBeLessThan(0.03);
    }
  });

  it('conditional expectations add up to the simulated holdout purchases', () => {
    const actual = sim.holdout.reduce((s, v) => s + v, 0);
    const withTrue = predictMany(TRUE, HOLDOUT, sim).expected.reduce((s, v) => s + v, 0);
    const withFit = predictMany(fit, HOLDOUT, sim).expected.reduce((s, v) => s + v, 0);
    expect(Math.abs(withTrue - actual) / actual).toBeLessThan(0.005);
    expect(Math.abs(withFit - actual) / actual).toBeLessThan(0.005);
  });
});
