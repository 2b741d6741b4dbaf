/**
 * Gamma-Gamma model of spend per purchase day (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for
 * Customer Base Analysis", Journal of Marketing Research 42(4), 415–430; Fader & Hardie 2013, "The Gamma-Gamma Model
 * of Monetary Value", note 025).
 *
 * The spend z of one transaction ~ Gamma(p, ν), with ν ~ Gamma(q, v) across customers. For a customer with x repeat
 * purchase days and mean spend m̄ on them (metrics.md: mean spend of the repeat purchase days), the density of m̄ is
 *   f(m̄ | p, q, v, x) = Γ(px+q) / (Γ(px) Γ(q)) · v^q · m̄^{px−1} · x^{px} / (v + x m̄)^{px+q}
 * and the posterior mean spend is
 *   E[M | p, q, v, m̄, x] = p (v + x m̄) / (px + q − 1)
 *                        = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m̄   (a credibility-weighted mean).
 * Money is in whatever unit m̄ is given in (v carries that unit); p and q are unit-free.
 */

import { logGamma } from './special';
import { minimizePositive, type MinimizeOptions } from './optimize';
import { expectedPurchases, type BgNbdParams } from './bgnbd';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  /** Σ w · ln f(m̄ | p, q, v, x) over the customers used, including all constants. */
  logLikelihood: number;
  converged: boolean;
  iterations: number;
  /** Total weight of the customers used (x ≥ 1 and m̄ > 0). */
  customers: number;
}

export interface FitGammaGammaOptions extends MinimizeOptions {
  /** Starting point; default p = 1, q = 2, v = weighted mean of m̄ (so that pv/(q−1) = the mean). */
  initial?: GammaGammaParams;
}

/**
 * Maximum-likelihood fit of the Gamma-Gamma model. Only customers with x ≥ 1 and m̄ > 0 (and positive weight)
 * enter; the others are skipped, so the caller can pass all customers. Nelder–Mead on (ln p, ln q, ln v).
 * Throws a RangeError when no customer qualifies.
 */
export function fitGammaGamma(
  freq: ArrayLike<number>,
  meanSpend: ArrayLike<number>,
  weights?: ArrayLike<number>,
  opts: FitGammaGammaOptions = {},
): GammaGammaFit {
  const n = freq.length;
  if (meanSpend.length !== n || (weights && weights.length !== n)) {
    throw new RangeError('fitGammaGamma: freq, meanSpend (and weights) must have the same length');
  }
  const xs: number[] = [];
  const ms: number[] = [];
  const ws: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = freq[i]!;
    const m = meanSpend[i]!;
    const w = weights ? weights[i]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`fitGammaGamma: weight must be ≥ 0 (customer ${i})`);
    if (x >= 1 && m > 0 && w > 0 && Number.isFinite(m) && Number.isFinite(x)) {
      xs.push(x);
      ms.push(m);
      ws.push(w);
    }
  }
  if (xs.length === 0) throw new RangeError('fitGammaGamma: no customers with x ≥ 1 and positive mean spend');
  const x = Float64Array.from(xs);
  const m = Float64Array.from(ms);
  const w = Float64Array.from(ws);
  const k = x.length;

  // Parameter-free sums: Σw, Σw ln m̄, Σw x ln m̄, Σw x ln x, Σw x, and per distinct x the total weight.
  let W = 0;
  let sLnM = 0;
  let sXLnM = 0;
  let sXLnX = 0;
  let sM = 0;
  const byX = new Map<number, number>();
  for (let i = 0; i < k; i++) {
    const wi = w[i]!;
    const lm = Math.log(m[i]!);
    W += wi;
    sLnM += wi * lm;
    sXLnM += wi * x[i]! * lm;
    sXLnX += wi * x[i]! * Math.log(x[i]!);
    sM += wi * m[i]!;
    byX.set(x[i]!, (byX.get(x[i]!) ?? 0) + wi);
  }
  const ux = Float64Array.from(byX.keys());
  const uw = Float64Array.from(byX.values());
  const xm = new Float64Array(k);
  for (let i = 0; i < k; i++) xm[i] = x[i]! * m[i]!;

  const logLik = (p: number, q: number, v: number): number => {
    const lnV = Math.log(v);
    let ll = W * (q * lnV - logGamma(q)) + p * sXLnM - sLnM + p * sXLnX;
    for (let j = 0; j < ux.length; j++) ll += uw[j]! * (logGamma(p * ux[j]! + q) - logGamma(p * ux[j]!));
    let acc = 0;
    for (let i = 0; i < k; i++) acc += w[i]! * (p * x[i]! + q) * Math.log(v + xm[i]!);
    return ll - acc;
  };

  const { initial, ...minOpts } = opts;
  const start = initial ?? { p: 1, q: 2, v: sM / W };
  const res = minimizePositive((th) => -logLik(th[0]!, th[1]!, th[2]!) / W, [start.p, start.q, start.v], {
    xTolerance: 1e-7,
    fTolerance: 1e-13,
    ...minOpts,
  });
  const [p, q, v] = res.params as [number, number, number];
  return { p, q, v, logLikelihood: logLik(p, q, v), converged: res.converged, iterations: res.iterations, customers: W };
}

/**
 * Expected spend per purchase day E[M | p, q, v, m̄, x] = p (v + x m̄) / (px + q − 1).
 * For x = 0 (no repeat purchase days, m̄ ignored) this is the population mean pv/(q−1), which requires q > 1;
 * a RangeError is thrown when px + q ≤ 1.
 */
export function expectedSpend(params: GammaGammaParams, x: number, meanSpend: number): number {
  const { p, q, v } = params;
  if (!(x >= 0)) throw new RangeError(`expectedSpend: x must be ≥ 0 (got ${x})`);
  const m = x === 0 ? 0 : meanSpend;
  const den = p * x + q - 1;
  if (!(den > 0)) throw new RangeError('expectedSpend: the mean spend is infinite (p·x + q ≤ 1)');
  return (p * (v + x * m)) / den;
}

/**
 * Predicted value over the next `horizonDays` (metrics.md: 12-month value = 365 days) =
 * E[Y(horizonDays) | x, t_x, T] (BG/NBD, FHL eq. 10) × E[M | x, m̄] (Gamma-Gamma). No discounting.
 * horizonDays, t_x and T must be in the time unit the BG/NBD parameters were fitted in — days per metrics.md
 * (use `rescale` from ./bgnbd on parameters fitted in weeks). The reference the SQL of metrics.repository.ts
 * (predicted_value_12m_fen) is tested against.
 */
export function predictedValue(
  bg: BgNbdParams,
  gg: GammaGammaParams,
  horizonDays: number,
  x: number,
  tx: number,
  T: number,
  meanSpend: number,
): number {
  return expectedPurchases(bg, horizonDays, x, tx, T) * expectedSpend(gg, x, meanSpend);
}
