/**
 * BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "“Counting Your Customers” the Easy Way: An
 * Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275–284; "FHL" below).
 *
 * Per customer we observe x (repeat purchase days after the first one), t_x (time of the last purchase day, measured
 * from the first) and T (time from the first purchase day to the reference date D). metrics.md measures t_x and T in
 * days; the CDNOW benchmark uses weeks. The model:
 * - while active, purchases follow a Poisson process with rate λ, λ ~ Gamma(r, α) (α is a time scale);
 * - after each repeat purchase the customer drops out with probability p, p ~ Beta(a, b).
 * Equations: likelihood of one customer's (x, t_x, T) FHL eq. 6 ({@link BgNbdLikelihood}); E[Y(t) | x, t_x, T]
 * FHL eq. 10 ({@link expectedPurchases}; with x = t_x = T = 0 it is E[X(t)], FHL eq. 7); P(alive) ({@link pAlive}).
 *
 * Scale: changing the time unit by a factor k (t' = k·t) gives α' = k·α with r, a, b unchanged;
 * e.g. a fit in days has α = 7 × the fit in weeks.
 *
 * Performance: {@link compressSummaries} groups identical (x, t_x, T) triples into weighted rows, and the
 * log-likelihood is evaluated over Float64Arrays with every transcendental term that depends on a single column
 * (ln Γ(·+x), ln(α+T), ln(α+t_x)) computed once per distinct value, leaving one exp and one log1p per row.
 */

import { hyp2f1Tail, logGamma } from './special';
import { minimizePositive, type MinimizeOptions } from './optimize';

/** BG/NBD parameters. α is in the time unit of the data it was fitted on. */
export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** Result of {@link fitBgNbd}. */
export interface BgNbdFit extends BgNbdParams {
  /** Maximised log-likelihood Σ w·ln L (FHL eq. 6), including all constants. */
  logLikelihood: number;
  converged: boolean;
  /** Nelder–Mead iterations / objective evaluations over all restarts. */
  iterations: number;
  evaluations: number;
  /** Total weight (number of customers) and number of distinct (x, t_x, T) rows the fit ran on. */
  customers: number;
  rows: number;
}

/** Per-customer summaries; `weight` (default 1) is the number of customers sharing the row. */
export interface CustomerSummaries {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  weight?: ArrayLike<number>;
}

/** Distinct (x, t_x, T) rows with their total weights; `rowOf[i]` maps input customer i to its row. */
export interface CompressedSummaries {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
  /** Row index of each input customer (−1 for customers with zero weight). */
  rowOf: Int32Array;
  /** Σ weight. */
  totalWeight: number;
}

function validateRow(x: number, tx: number, T: number, i: number): void {
  if (!(x >= 0) || !Number.isFinite(x)) throw new RangeError(`BG/NBD: x must be ≥ 0 (customer ${i}: ${x})`);
  if (!(tx >= 0) || !(T >= tx) || !Number.isFinite(T)) {
    throw new RangeError(`BG/NBD: need 0 ≤ t_x ≤ T (customer ${i}: t_x=${tx}, T=${T})`);
  }
}

/**
 * Group identical (x, t_x, T) triples into weighted rows (open-addressing hash on the three doubles, O(n)).
 * For x = 0 the model ignores t_x, so it is normalised to 0 before grouping. Rows keep first-appearance order.
 * Throws a RangeError on negative x, t_x > T, non-finite values or negative weights.
 */
export function compressSummaries(data: CustomerSummaries): CompressedSummaries {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n || (data.weight && data.weight.length !== n)) {
    throw new RangeError('compressSummaries: x, tx, T (and weight) must have the same length');
  }
  let cap = 16;
  while (cap < 2 * n) cap *= 2;
  const mask = cap - 1;
  const table = new Int32Array(cap).fill(-1);
  const ux = new Float64Array(n);
  const utx = new Float64Array(n);
  const uT = new Float64Array(n);
  const uw = new Float64Array(n);
  const rowOf = new Int32Array(n);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const mix = (h: number, v: number): number => {
    f64[0] = v === 0 ? 0 : v; // fold −0 into +0
    h = Math.imul(h ^ u32[0]!, 0x9e3779b1);
    h = Math.imul(h ^ u32[1]!, 0x85ebca77);
    return h ^ (h >>> 15);
  };
  let rows = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = data.weight ? data.weight[i]! : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`compressSummaries: weight must be ≥ 0 (customer ${i})`);
    if (w === 0) {
      rowOf[i] = -1;
      continue;
    }
    const x = data.x[i]!;
    const T = data.T[i]!;
    const tx = x === 0 ? 0 : data.tx[i]!;
    validateRow(x, tx, T, i);
    let h = mix(mix(mix(0x811c9dc5, x), tx), T) & mask;
    for (;;) {
      const r = table[h]!;
      if (r === -1) {
        table[h] = rows;
        ux[rows] = x;
        utx[rows] = tx;
        uT[rows] = T;
        uw[rows] = w;
        rowOf[i] = rows;
        rows++;
        break;
      }
      if (ux[r] === x && utx[r] === tx && uT[r] === T) {
        uw[r] = uw[r]! + w;
        rowOf[i] = r;
        break;
      }
      h = (h + 1) & mask;
    }
    total += w;
  }
  return {
    x: ux.slice(0, rows),
    tx: utx.slice(0, rows),
    T: uT.slice(0, rows),
    weight: uw.slice(0, rows),
    rowOf,
    totalWeight: total,
  };
}

/** Weighted (x, t_x, T) rows, e.g. {@link CompressedSummaries} or a weighted subsample of one. */
export type WeightedRows = Pick<CompressedSummaries, 'x' | 'tx' | 'T' | 'weight' | 'totalWeight'>;

/**
 * Deterministic probability-proportional-to-size subsample of about `target` rows: row i is kept with probability
 * π_i = min(1, c·w_i) and then carries weight w_i/π_i (Horvitz–Thompson), so the subsample's log-likelihood is an
 * unbiased estimate of the full one. Used for the first stage of {@link fitBgNbd}.
 */
export function subsampleRows(data: WeightedRows, target: number, seed = 1): WeightedRows {
  const n = data.x.length;
  if (n <= target) return data;
  // c such that Σ min(1, c·w_i) ≈ target (a few fixed-point steps: heavy rows are kept with π = 1).
  let c = target / data.totalWeight;
  for (let it = 0; it < 5; it++) {
    let sure = 0;
    let rest = 0;
    for (let i = 0; i < n; i++) {
      const w = data.weight[i]!;
      if (c * w >= 1) sure++;
      else rest += w;
    }
    if (rest <= 0 || target <= sure) break;
    c = (target - sure) / rest;
  }
  let state = seed >>> 0 || 1;
  const rand = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const keep: number[] = [];
  const newW: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = data.weight[i]!;
    const pi = Math.min(1, c * w);
    if (pi >= 1 || rand() < pi) {
      keep.push(i);
      newW.push(w / pi);
    }
  }
  const pick = (col: Float64Array): Float64Array => Float64Array.from(keep, (i) => col[i]!);
  return {
    x: pick(data.x),
    tx: pick(data.tx),
    T: pick(data.T),
    weight: Float64Array.from(newW),
    totalWeight: newW.reduce((acc, w) => acc + w, 0),
  };
}

/** Distinct values of a column and the index of each entry into them. */
function indexValues(values: Float64Array): { unique: Float64Array; index: Int32Array } {
  const map = new Map<number, number>();
  const index = new Int32Array(values.length);
  const unique: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let k = map.get(v);
    if (k === undefined) {
      k = unique.length;
      unique.push(v);
      map.set(v, k);
    }
    index[i] = k;
  }
  return { unique: Float64Array.from(unique), index };
}

/**
 * The BG/NBD log-likelihood (FHL eq. 6) over compressed rows, prepared once and evaluated many times.
 *
 * Per customer, in the numerically stable form of Fader & Hardie (2013, "Overcoming the BG/NBD model's #NUM!
 * error problem"):
 *   ln L = A1 + A2 + ln( e^{A3} + δ_{x>0} e^{A4} )
 *   A1 = ln Γ(r+x) − ln Γ(r) + r ln α
 *   A2 = ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
 *   A3 = −(r+x) ln(α+T)
 *   A4 = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
 * with the last term as a log-sum-exp. For x = 0 this is r ln α − r ln(α+T), so those customers are aggregated
 * by T.
 */
export class BgNbdLikelihood {
  readonly rows: number;
  readonly totalWeight: number;
  // Repeaters (x > 0), one entry per compressed row.
  private readonly rx: Float64Array;
  private readonly rw: Float64Array;
  private readonly rXi: Int32Array;
  private readonly rTi: Int32Array;
  private readonly rTxi: Int32Array;
  // Distinct columns.
  private readonly xs: Float64Array;
  private readonly Ts: Float64Array;
  private readonly txs: Float64Array;
  // Non-repeaters: total weight per distinct T.
  private readonly zeroW: Float64Array;
  // Scratch per evaluation.
  private readonly c1: Float64Array;
  private readonly c4: Float64Array;
  private readonly lT: Float64Array;
  private readonly lTx: Float64Array;

  constructor(data: WeightedRows) {
    this.rows = data.x.length;
    this.totalWeight = data.totalWeight;
    const Tcol = indexValues(data.T);
    this.Ts = Tcol.unique;
    this.zeroW = new Float64Array(this.Ts.length);
    let nRep = 0;
    for (let i = 0; i < this.rows; i++) {
      if (data.x[i]! > 0) nRep++;
      else this.zeroW[Tcol.index[i]!] = this.zeroW[Tcol.index[i]!]! + data.weight[i]!;
    }
    const repX = new Float64Array(nRep);
    const repTx = new Float64Array(nRep);
    this.rw = new Float64Array(nRep);
    this.rTi = new Int32Array(nRep);
    let k = 0;
    for (let i = 0; i < this.rows; i++) {
      if (!(data.x[i]! > 0)) continue;
      repX[k] = data.x[i]!;
      repTx[k] = data.tx[i]!;
      this.rw[k] = data.weight[i]!;
      this.rTi[k] = Tcol.index[i]!;
      k++;
    }
    this.rx = repX;
    const xcol = indexValues(repX);
    this.xs = xcol.unique;
    this.rXi = xcol.index;
    const txcol = indexValues(repTx);
    this.txs = txcol.unique;
    this.rTxi = txcol.index;
    this.c1 = new Float64Array(this.xs.length);
    this.c4 = new Float64Array(this.xs.length);
    this.lT = new Float64Array(this.Ts.length);
    this.lTx = new Float64Array(this.txs.length);
  }

  /** Σ w · ln L(r, α, a, b | x, t_x, T) (FHL eq. 6), for positive parameters. */
  logLikelihood(p: BgNbdParams): number {
    const { r, alpha, a, b } = p;
    const lnAlpha = Math.log(alpha);
    const { xs, Ts, txs, c1, c4, lT, lTx } = this;
    for (let j = 0; j < Ts.length; j++) lT[j] = Math.log(alpha + Ts[j]!);
    for (let j = 0; j < txs.length; j++) lTx[j] = Math.log(alpha + txs[j]!);
    const lgR = logGamma(r);
    const lgB = logGamma(b);
    const lgAB = logGamma(a + b);
    const lnA = Math.log(a);
    for (let j = 0; j < xs.length; j++) {
      const x = xs[j]!;
      // A1 + A2
      c1[j] = logGamma(r + x) - lgR + r * lnAlpha + lgAB + logGamma(b + x) - lgB - logGamma(a + b + x);
      // A4 without its −(r+x) ln(α+t_x) part
      c4[j] = lnA - Math.log(b + x - 1);
    }
    // Non-repeaters: r ln α − r ln(α + T).
    let ll = 0;
    const zw = this.zeroW;
    for (let j = 0; j < Ts.length; j++) {
      const w = zw[j]!;
      if (w !== 0) ll += w * r * (lnAlpha - lT[j]!);
    }
    // Repeaters: A1 + A2 + logsumexp(A3, A4).
    const { rx, rw, rXi, rTi, rTxi } = this;
    const n = rx.length;
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const xi = rXi[i]!;
      const s = r + rx[i]!;
      const a3 = -s * lT[rTi[i]!]!;
      const a4 = c4[xi]! - s * lTx[rTxi[i]!]!;
      const m = a3 > a4 ? a3 : a4;
      const d = a3 > a4 ? a4 - a3 : a3 - a4;
      acc += rw[i]! * (c1[xi]! + m + Math.log1p(Math.exp(d)));
    }
    return ll + acc;
  }
}

export interface FitBgNbdOptions extends MinimizeOptions {
  /** Starting point; default r = 1, α = Σw·T / Σw·x (a mean inter-purchase time), a = 1, b = 1. */
  initial?: BgNbdParams;
  /**
   * Above this many distinct rows the fit runs in two stages: Nelder–Mead with restarts on a weighted subsample
   * of about this many rows (see {@link subsampleRows}), then a local Nelder–Mead polish on all rows starting
   * there. The result is the maximum-likelihood estimate on all rows either way. Default 20 000; Infinity
   * disables the first stage.
   */
  stageOneRows?: number;
  /** Seed of the stage-one subsample (the fit is deterministic for a given seed). Default 1. */
  seed?: number;
}

/** Accepts raw summaries (compressed here) or the output of {@link compressSummaries}. */
function toCompressed(data: CustomerSummaries | CompressedSummaries): CompressedSummaries {
  return 'rowOf' in data ? data : compressSummaries(data);
}

/**
 * Maximum-likelihood fit of the BG/NBD model (FHL eq. 6) by Nelder–Mead on (ln r, ln α, ln a, ln b).
 * α comes out in the time unit of t_x and T. Throws a RangeError when there are no customers or no repeaters
 * (the likelihood then has no finite maximiser).
 *
 * Cost: one likelihood evaluation is ~one exp and one log1p per distinct row with x > 0; large inputs are first
 * fitted on a subsample (option `stageOneRows`) so that the full data only sees the final local polish.
 */
export function fitBgNbd(data: CustomerSummaries | CompressedSummaries, opts: FitBgNbdOptions = {}): BgNbdFit {
  const comp = toCompressed(data);
  if (comp.totalWeight <= 0) throw new RangeError('fitBgNbd: no customers');
  let sx = 0;
  let sT = 0;
  for (let i = 0; i < comp.x.length; i++) {
    sx += comp.weight[i]! * comp.x[i]!;
    sT += comp.weight[i]! * comp.T[i]!;
  }
  if (sx <= 0) throw new RangeError('fitBgNbd: no repeat purchases; the model cannot be fitted');
  const { initial, stageOneRows = 20_000, seed = 1, ...minOpts } = opts;
  const baseOpts: MinimizeOptions = { xTolerance: 1e-5, fTolerance: 1e-11, ...minOpts };
  const start = initial ?? { r: 1, alpha: Math.max(sT / sx, 1e-6), a: 1, b: 1 };
  const runOn = (rows: WeightedRows, from: BgNbdParams, o: MinimizeOptions) => {
    const lik = new BgNbdLikelihood(rows);
    const W = rows.totalWeight;
    // Minimise the mean negative log-likelihood (scale-free tolerances).
    return minimizePositive(
      (th) => -lik.logLikelihood({ r: th[0]!, alpha: th[1]!, a: th[2]!, b: th[3]! }) / W,
      [from.r, from.alpha, from.a, from.b],
      o,
    );
  };
  let iterations = 0;
  let evaluations = 0;
  let from = start;
  let finalOpts = baseOpts;
  if (comp.x.length > stageOneRows) {
    const s1 = runOn(subsampleRows(comp, stageOneRows, seed), start, baseOpts);
    iterations += s1.iterations;
    evaluations += s1.evaluations;
    from = { r: s1.params[0]!, alpha: s1.params[1]!, a: s1.params[2]!, b: s1.params[3]! };
    // Local polish: a small simplex around the stage-one optimum; restarts were spent on stage one.
    finalOpts = { initialStep: 0.05, maxRestarts: 0, ...baseOpts };
  }
  const res = runOn(comp, from, finalOpts);
  const [r, alpha, a, b] = res.params as [number, number, number, number];
  return {
    r,
    alpha,
    a,
    b,
    logLikelihood: -res.value * comp.totalWeight,
    converged: res.converged,
    iterations: iterations + res.iterations,
    evaluations: evaluations + res.evaluations,
    customers: comp.totalWeight,
    rows: comp.x.length,
  };
}

/** Log-odds ln[ a/(b+x−1) · ((α+T)/(α+t_x))^{r+x} ] that a customer with x > 0 is inactive vs active. */
function logOddsDead(p: BgNbdParams, x: number, tx: number, T: number): number {
  return Math.log(p.a) - Math.log(p.b + x - 1) + (p.r + x) * Math.log1p((T - tx) / (p.alpha + tx));
}

/**
 * P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})
 * (Fader, Hardie & Lee 2008, "Computing P(alive) using the BG/NBD model": the share of the likelihood, FHL eq. 6,
 * carried by its "still alive" branch, i.e. e^{A3} / (e^{A3} + e^{A4}) in the terms of {@link BgNbdLikelihood}).
 * For x = 0 it is exactly 1: in the BG/NBD, dropout can only happen right after a repeat purchase.
 */
export function pAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  validateRow(x, tx, T, 0);
  if (x === 0) return 1;
  return 1 / (1 + Math.exp(logOddsDead(params, x, tx, T)));
}

/**
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; a+b+x−1; z)], z = t/(α+T+t)  — the bracket of
 * FHL eq. 10 (for x = 0, T = 0 it is FHL eq. 7).
 *
 * Evaluated without the removable singularity at a = 1 and without overflow for large x: Euler's transformation
 * gives ((α+T)/(α+T+t))^{r+x} ₂F₁(r+x, b+x; c; z) = (1−z)^{a−1} ₂F₁(a+b−1−r, a−1; c; z) with c = a+b+x−1, and
 * writing ₂F₁(A, ε; c; z) = 1 + ε·S (S = {@link hyp2f1Tail}) the bracket over (a−1) = ε is
 *   −expm1(ε ln(1−z))/ε − (1−z)^ε · S.
 */
function expectedIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  if (!(t >= 0)) throw new RangeError(`BG/NBD: horizon t must be ≥ 0 (got ${t})`);
  if (t === 0) return 0;
  const { r, alpha, a, b } = p;
  const u = t / (alpha + T);
  const z = u / (1 + u); // = t/(α+T+t), computed without cancellation
  const L = -Math.log1p(u); // ln(1 − z)
  const eps = a - 1;
  const c = a + b + x - 1;
  const first = eps === 0 ? -L : -Math.expm1(eps * L) / eps;
  const S = hyp2f1Tail(a + b - 1 - r, eps, c, z);
  return c * (first - Math.exp(eps * L) * S);
}

/**
 * Conditional expectation E[Y(t) | x, t_x, T] (FHL eq. 10): expected number of repeat purchases in (T, T+t] for a
 * customer with history (x, t_x, T). t in the same unit as α, t_x and T.
 */
export function expectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  validateRow(x, tx, T, 0);
  const base = expectedIfAlive(params, t, x, T);
  return x === 0 ? base : base / (1 + Math.exp(logOddsDead(params, x, tx, T)));
}

/**
 * {@link expectedPurchases} and {@link pAlive} for many customers at once: each distinct (x, t_x, T) is evaluated
 * once. Returns one value per input customer (in input order).
 */
export function predictMany(
  params: BgNbdParams,
  t: number,
  data: CustomerSummaries,
): { pAlive: Float64Array; expected: Float64Array } {
  const comp = compressSummaries({ x: data.x, tx: data.tx, T: data.T });
  const m = comp.x.length;
  const rowAlive = new Float64Array(m);
  const rowExp = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    const x = comp.x[j]!;
    rowAlive[j] = pAlive(params, x, comp.tx[j]!, comp.T[j]!);
    rowExp[j] = expectedPurchases(params, t, x, comp.tx[j]!, comp.T[j]!);
  }
  const n = data.x.length;
  const alive = new Float64Array(n);
  const expected = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const j = comp.rowOf[i]!;
    alive[i] = rowAlive[j]!;
    expected[i] = rowExp[j]!;
  }
  return { pAlive: alive, expected };
}
