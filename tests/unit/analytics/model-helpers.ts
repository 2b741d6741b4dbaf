/**
 * What the model tests need and production does not (Huike fits and predicts in days): the published CDNOW
 * estimates are in weeks, and the textbook formulas are written with ln B(a, b).
 */
import { expectedPurchases, type BgNbdParams } from '../../../server/analytics/models/bgnbd';
import { logGamma } from '../../../server/analytics/models/special';

/** Change the time unit: with t' = factor · t (7 for weeks → days), α' = factor · α; r, a, b are unchanged. */
export function rescale<P extends BgNbdParams>(params: P, factor: number): P {
  return { ...params, alpha: params.alpha * factor };
}

/** Unconditional E[X(t)] (FHL eq. 7): a new customer's expected repeat purchases in t, i.e. E[Y(t) | x = 0, t_x = 0, T = 0]. */
export function expectedPurchasesNew(params: BgNbdParams, t: number): number {
  return expectedPurchases(params, t, 0, 0, 0);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}
