/**
 * Per-tenant BG/NBD + Gamma-Gamma fit on the compressed (x, t_x, T) triples that SQL aggregates, and the
 * per-triple predictions that SQL joins back (metrics.md "Predictions"). Time unit: days. Money: fen.
 * Pure: no database access here.
 */
import { BgNbdLikelihood, compressSummaries, expectedPurchases, fitBgNbd, pAlive, subsampleRows, type BgNbdFit, type BgNbdParams } from './bgnbd';
import { fitGammaGamma, type GammaGammaFit } from './gamma-gamma';

export const MIN_CUSTOMERS = 200;
export const MIN_REPEATERS = 50;

/** Distinct (x, t_x, T) rows with the number of customers sharing each. */
export interface Triples {
  x: number[];
  tx: number[];
  T: number[];
  n: number[];
}

/** Distinct (x, mean spend of the repeat purchase days in fen) rows of customers with x ≥ 1. */
export interface SpendRows {
  x: number[];
  meanSpend: number[];
  n: number[];
}

/**
 * Above this a + b the Beta dropout distribution has (almost) no spread: the likelihood keeps creeping towards
 * a, b → ∞ at a fixed mean p = a/(a+b) (every customer drops out with the same probability; seen on the UCI data
 * and on synthetic chains). The hypergeometric terms of the expectations overflow there, so the parameters are
 * moved back along that flat ridge to a + b = 1000 (the expectations change by < 0.1 % between 1000 and the
 * limit); the fit records it.
 */
export const DROPOUT_CAP = 1000;
/** Distinct rows above which the fit runs on a weighted subsample first, then polishes on all rows. */
export const STAGE_ONE_ROWS = 20_000;

export type ModelFitOutcome =
  | { status: 'fitted'; customers: number; repeaters: number; rows: number; bgnbd: BgNbdFit; gg: GammaGammaFit | null; ggReason: string | null; ms: number; capped: boolean }
  | { status: 'insufficient_data' | 'failed'; customers: number; repeaters: number; rows: number; reason: string; ms: number };

export function countCustomers(t: Triples): { customers: number; repeaters: number } {
  let customers = 0;
  let repeaters = 0;
  for (let i = 0; i < t.n.length; i++) {
    customers += t.n[i]!;
    if (t.x[i]! > 0) repeaters += t.n[i]!;
  }
  return { customers, repeaters };
}

/** Why a tenant gets no predictions (bilingual), or null when there is enough data. */
export function insufficientReason(customers: number, repeaters: number): string | null {
  const parts: string[] = [];
  if (customers < MIN_CUSTOMERS) parts.push(`购买客户 ${customers} 位，少于 ${MIN_CUSTOMERS} 位 / ${customers} customers with a purchase, fewer than ${MIN_CUSTOMERS}`);
  if (repeaters < MIN_REPEATERS) parts.push(`复购客户 ${repeaters} 位，少于 ${MIN_REPEATERS} 位 / ${repeaters} repeat customers, fewer than ${MIN_REPEATERS}`);
  return parts.length ? `数据不足，暂不预测：${parts.map((p) => p.split(' / ')[0]).join('；')} / Not enough data for predictions: ${parts.map((p) => p.split(' / ')[1]).join('; ')}` : null;
}

export function fitTenantModel(triples: Triples, spend: SpendRows): ModelFitOutcome {
  const started = Date.now();
  const { customers, repeaters } = countCustomers(triples);
  const rows = triples.n.length;
  const reason = insufficientReason(customers, repeaters);
  if (reason) return { status: 'insufficient_data', customers, repeaters, rows, reason, ms: Date.now() - started };
  let bgnbd: BgNbdFit;
  let capped = false;
  try {
    const r = fitBounded(triples);
    bgnbd = r.fit;
    capped = r.capped;
  } catch (e) {
    return { status: 'failed', customers, repeaters, rows, reason: `BG/NBD 拟合失败 / BG/NBD fit failed: ${(e as Error).message}`, ms: Date.now() - started };
  }
  let gg: GammaGammaFit | null = null;
  let ggReason: string | null = capped
    ? `BG/NBD 流失概率几乎无个体差异（a + b → ∞），已按 a + b = ${DROPOUT_CAP} 计算 / Dropout is nearly homogeneous (a + b → ∞): a + b capped at ${DROPOUT_CAP}`
    : null;
  try {
    gg = fitGammaGamma(spend.x, spend.meanSpend, spend.n);
    if (!(gg.q > 1)) {
      ggReason = `${ggReason ? ggReason + '; ' : ''}Gamma-Gamma q = ${gg.q.toFixed(3)} ≤ 1: 平均客单无穷大，不预测价值 / the mean spend is unbounded, no value prediction`;
      gg = null;
    }
  } catch (e) {
    ggReason = `${ggReason ? ggReason + '; ' : ''}Gamma-Gamma 拟合失败 / Gamma-Gamma fit failed: ${(e as Error).message}`;
  }
  return { status: 'fitted', customers, repeaters, rows, bgnbd, gg, ggReason, ms: Date.now() - started, capped };
}

/** Moves (a, b) along the flat ridge to a + b = DROPOUT_CAP, keeping the mean dropout probability. */
export function capDropout<P extends BgNbdParams>(p: P): { params: P; capped: boolean } {
  const s = p.a + p.b;
  if (!(s > DROPOUT_CAP)) return { params: p, capped: false };
  const mean = p.a / s;
  return { params: { ...p, a: mean * DROPOUT_CAP, b: (1 - mean) * DROPOUT_CAP }, capped: true };
}

/**
 * The maximum-likelihood fit with a bounded cost whatever the data: large inputs are fitted on a weighted
 * subsample (restarts, at most 2,500 evaluations) and then polished on all rows from there (at most 300
 * evaluations); a degenerate dropout distribution is capped (see DROPOUT_CAP) and its log-likelihood recomputed.
 */
function fitBounded(t: Triples): { fit: BgNbdFit; capped: boolean } {
  const comp = compressSummaries({ x: t.x, tx: t.tx, T: t.T, weight: t.n });
  let fit: BgNbdFit;
  if (comp.x.length > STAGE_ONE_ROWS) {
    const sub = subsampleRows(comp, STAGE_ONE_ROWS, 1);
    const s1 = fitBgNbd({ x: sub.x, tx: sub.tx, T: sub.T, weight: sub.weight }, { maxEvaluations: 2500, stageOneRows: Infinity });
    const from = capDropout(s1);
    if (from.capped) {
      // Degenerate dropout: polishing would only creep along the flat ridge.
      fit = { ...s1, ...from.params, customers: comp.totalWeight, rows: comp.x.length };
    } else {
      const s2 = fitBgNbd(comp, { initial: from.params, stageOneRows: Infinity, initialStep: 0.05, maxRestarts: 0, maxEvaluations: 300 });
      fit = { ...s2, iterations: s1.iterations + s2.iterations, evaluations: s1.evaluations + s2.evaluations };
    }
  } else {
    fit = fitBgNbd(comp, { maxEvaluations: 3000, stageOneRows: Infinity });
  }
  const c = capDropout(fit);
  if (!c.capped) return { fit, capped: false };
  const ll = new BgNbdLikelihood(comp).logLikelihood(c.params);
  return { fit: { ...c.params, logLikelihood: ll, converged: false }, capped: true };
}

export interface TriplePredictions {
  pAlive: number[];
  e30: number[];
  e90: number[];
  e365: number[];
}

/** P(alive) and the expected purchase days in the next 30/90/365 days for each distinct triple (days). */
export function predictTriples(params: BgNbdParams, t: Pick<Triples, 'x' | 'tx' | 'T'>): TriplePredictions {
  const m = t.x.length;
  const out: TriplePredictions = { pAlive: new Array(m), e30: new Array(m), e90: new Array(m), e365: new Array(m) };
  for (let i = 0; i < m; i++) {
    const x = t.x[i]!;
    const tx = x === 0 ? 0 : t.tx[i]!;
    const T = t.T[i]!;
    out.pAlive[i] = pAlive(params, x, tx, T);
    out.e30[i] = expectedPurchases(params, 30, x, tx, T);
    out.e90[i] = expectedPurchases(params, 90, x, tx, T);
    out.e365[i] = expectedPurchases(params, 365, x, tx, T);
  }
  return out;
}
