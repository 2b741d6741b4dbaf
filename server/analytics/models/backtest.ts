/**
 * Holdout back-test of the BG/NBD conditional expectations (the comparison of FHL 2005, figure 4: expected vs
 * actual repeat purchases in the holdout period, grouped by the number of repeat purchases in calibration).
 *
 * Pure: the caller supplies fitted parameters, each customer's calibration summary (x, t_x, T) and the actual
 * number of repeat purchase days in a holdout period of length h that starts at the end of calibration (h, t_x
 * and T in the unit of α).
 */

import { predictMany, type BgNbdParams } from './bgnbd';

export interface BacktestInput {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  /** Actual repeat purchase days of each customer in the holdout period. */
  holdout: ArrayLike<number>;
}

export interface BacktestGroup {
  /** Calibration frequency x of the group; the last group holds x ≥ this value. */
  frequency: number;
  /** '0', '1', …, and e.g. '7+' for the open-ended last group. */
  label: string;
  customers: number;
  /** Σ E[Y(h) | x, t_x, T] and Σ actual holdout purchases over the group. */
  predicted: number;
  actual: number;
  /** Per-customer means (0 for an empty group). */
  meanPredicted: number;
  meanActual: number;
}

export interface BacktestResult {
  customers: number;
  totalPredicted: number;
  totalActual: number;
  /** (totalPredicted − totalActual) / totalActual (NaN when there were no actual purchases). */
  relativeError: number;
  /** One group per calibration frequency 0 … maxGroup−1, then maxGroup+ (default 0…6, 7+). */
  groups: BacktestGroup[];
}

/**
 * Total and per-frequency comparison of predicted (FHL eq. 10, horizon h) vs actual holdout repeat purchases.
 * `maxGroup` (default 7) is the frequency of the open-ended last group.
 */
export function backtest(
  params: BgNbdParams,
  data: BacktestInput,
  h: number,
  opts: { maxGroup?: number } = {},
): BacktestResult {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n || data.holdout.length !== n) {
    throw new RangeError('backtest: x, tx, T and holdout must have the same length');
  }
  const maxGroup = opts.maxGroup ?? 7;
  if (!(Number.isInteger(maxGroup) && maxGroup >= 1)) throw new RangeError('backtest: maxGroup must be an integer ≥ 1');
  const { expected } = predictMany(params, h, data);
  const groups: BacktestGroup[] = Array.from({ length: maxGroup + 1 }, (_, k) => ({
    frequency: k,
    label: k === maxGroup ? `${k}+` : String(k),
    customers: 0,
    predicted: 0,
    actual: 0,
    meanPredicted: 0,
    meanActual: 0,
  }));
  let totalPredicted = 0;
  let totalActual = 0;
  for (let i = 0; i < n; i++) {
    const g = groups[Math.min(Math.floor(data.x[i]!), maxGroup)]!;
    const actual = data.holdout[i]!;
    g.customers++;
    g.predicted += expected[i]!;
    g.actual += actual;
    totalPredicted += expected[i]!;
    totalActual += actual;
  }
  for (const g of groups) {
    g.meanPredicted = g.customers > 0 ? g.predicted / g.customers : 0;
    g.meanActual = g.customers > 0 ? g.actual / g.customers : 0;
  }
  return {
    customers: n,
    totalPredicted,
    totalActual,
    relativeError: totalActual > 0 ? (totalPredicted - totalActual) / totalActual : NaN,
    groups,
  };
}
