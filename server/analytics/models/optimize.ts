/**
 * Derivative-free minimisation for the model fits: Nelder–Mead with restarts.
 *
 * - {@link nelderMead} minimises f over ℝⁿ (Nelder & Mead 1965, with the dimension-adaptive coefficients of
 *   Gao & Han 2012 for n ≥ 3: expansion 1 + 2/n, contraction 0.75 − 1/(2n), shrink 1 − 1/n).
 * - {@link minimizePositive} minimises over the positive orthant by optimising u = ln θ, so every parameter stays
 *   strictly positive without constraints or penalties.
 *
 * A non-finite objective value (NaN, ±Infinity) is treated as +Infinity, so the simplex steps back into the
 * region where the objective is defined.
 *
 * Restarts: a single Nelder–Mead run can stall on a degenerate (collapsed) simplex away from the minimum. After a
 * run converges we rebuild a fresh simplex around the best point and run again; the result is declared converged
 * only when a restart no longer improves the value by more than the tolerance.
 */

export interface MinimizeOptions {
  /** Maximum Nelder–Mead iterations over all runs together. Default 20 000. */
  maxIterations?: number;
  /** Maximum objective evaluations over all runs together. Default 40 000. */
  maxEvaluations?: number;
  /** Simplex-size tolerance: max |x_i − x_best| (∞-norm, in the optimised coordinates). Default 1e-8. */
  xTolerance?: number;
  /** Value tolerance: f_worst − f_best ≤ fTolerance · (|f_best| + 1). Default 1e-12. */
  fTolerance?: number;
  /** Initial simplex edge length per coordinate (a scalar or one per parameter). Default 0.25. */
  initialStep?: number | readonly number[];
  /** Number of restarts after the first run. Default 4. */
  maxRestarts?: number;
}

export interface MinimizeResult {
  /** The minimiser (for {@link minimizePositive}: the positive parameters, not their logs). */
  params: number[];
  /** f(params). */
  value: number;
  /** Nelder–Mead iterations performed over all runs. */
  iterations: number;
  /** Objective evaluations over all runs. */
  evaluations: number;
  /** Runs performed (1 + restarts used). */
  runs: number;
  /**
   * True when the last run met both tolerances (normally confirmed by a restart that could not improve on it;
   * when all restarts kept improving, the last one's convergence is reported).
   */
  converged: boolean;
}

type Objective = (x: Float64Array) => number;

interface RunResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

function safe(f: Objective, x: Float64Array): number {
  const v = f(x);
  return Number.isFinite(v) ? v : Infinity;
}

/** The Nelder–Mead coefficients: reflection α, expansion γ, contraction ρ, shrink σ. */
interface Coefficients {
  alpha: number;
  gamma: number;
  rho: number;
  sigma: number;
}

/** A simplex of n + 1 points with their values, and scratch space for the trial points of one step. */
interface Simplex {
  n: number;
  pts: Float64Array[];
  fv: Float64Array;
  order: number[];
  centroid: Float64Array;
  xr: Float64Array;
  xe: Float64Array;
  xc: Float64Array;
}

/** The coefficients for dimension n (the classic ones, Gao & Han's adaptive ones for n ≥ 3). */
function coefficients(n: number): Coefficients {
  return { alpha: 1, gamma: n >= 3 ? 1 + 2 / n : 2, rho: n >= 3 ? 0.75 - 1 / (2 * n) : 0.5, sigma: n >= 3 ? 1 - 1 / n : 0.5 };
}

/** The initial simplex: x0 and x0 + step along each axis, evaluated (n + 1 evaluations). */
function initialSimplex(f: Objective, x0: Float64Array, steps: Float64Array): Simplex {
  const n = x0.length;
  const pts: Float64Array[] = [];
  const fv = new Float64Array(n + 1);
  pts.push(Float64Array.from(x0));
  for (let i = 0; i < n; i++) {
    const p = Float64Array.from(x0);
    p[i] = p[i]! + steps[i]!;
    pts.push(p);
  }
  for (let i = 0; i <= n; i++) fv[i] = safe(f, pts[i]!);
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  return { n, pts, fv, order, centroid: new Float64Array(n), xr: new Float64Array(n), xe: new Float64Array(n), xc: new Float64Array(n) };
}

/** Max |x_i − x_best| over the simplex (∞-norm), with `order` sorted best first. */
function simplexSize(s: Simplex): number {
  const { n, pts, order } = s;
  let size = 0;
  const pb = pts[order[0]!]!;
  for (let k = 1; k <= n; k++) {
    const p = pts[order[k]!]!;
    for (let d = 0; d < n; d++) size = Math.max(size, Math.abs(p[d]! - pb[d]!));
  }
  return size;
}

/**
 * One Nelder–Mead step on a simplex sorted best first: reflection, expansion, contraction or shrink. Replaces
 * points in place; returns the number of objective evaluations.
 */
function nelderMeadStep(f: Objective, s: Simplex, c: Coefficients): number {
  const { n, pts, fv, order, centroid, xr, xe, xc } = s;
  const { alpha, gamma, rho, sigma } = c;
  const best = order[0]!;
  const worst = order[n]!;
  const second = order[n - 1]!;
  const fBest = fv[best]!;
  const fWorst = fv[worst]!;
  const pb = pts[best]!;
  let evaluations = 0;

  centroid.fill(0);
  for (let k = 0; k < n; k++) {
    const p = pts[order[k]!]!;
    for (let d = 0; d < n; d++) centroid[d] = centroid[d]! + p[d]! / n;
  }
  const pw = pts[worst]!;
  for (let d = 0; d < n; d++) xr[d] = centroid[d]! + alpha * (centroid[d]! - pw[d]!);
  const fr = safe(f, xr);
  evaluations++;

  if (fr < fBest) {
    for (let d = 0; d < n; d++) xe[d] = centroid[d]! + gamma * (xr[d]! - centroid[d]!);
    const fe = safe(f, xe);
    evaluations++;
    if (fe < fr) {
      pw.set(xe);
      fv[worst] = fe;
    } else {
      pw.set(xr);
      fv[worst] = fr;
    }
    return evaluations;
  }
  if (fr < fv[second]!) {
    pw.set(xr);
    fv[worst] = fr;
    return evaluations;
  }
  // Contraction: outside if the reflected point beats the worst, inside otherwise.
  const outside = fr < fWorst;
  for (let d = 0; d < n; d++) {
    xc[d] = outside ? centroid[d]! + rho * (xr[d]! - centroid[d]!) : centroid[d]! + rho * (pw[d]! - centroid[d]!);
  }
  const fc = safe(f, xc);
  evaluations++;
  if (outside ? fc <= fr : fc < fWorst) {
    pw.set(xc);
    fv[worst] = fc;
    return evaluations;
  }
  // Shrink towards the best point.
  for (let k = 1; k <= n; k++) {
    const idx = order[k]!;
    const p = pts[idx]!;
    for (let d = 0; d < n; d++) p[d] = pb[d]! + sigma * (p[d]! - pb[d]!);
    fv[idx] = safe(f, p);
    evaluations++;
  }
  return evaluations;
}

/** One Nelder–Mead run from x0 until both tolerances are met or the budget runs out. */
function runNelderMead(
  f: Objective,
  x0: Float64Array,
  steps: Float64Array,
  maxIter: number,
  maxEval: number,
  xTol: number,
  fTol: number,
): RunResult {
  const n = x0.length;
  const coef = coefficients(n);
  const s = initialSimplex(f, x0, steps);
  const { pts, fv, order } = s;
  let evaluations = n + 1;

  let iterations = 0;
  let converged = false;
  while (iterations < maxIter && evaluations < maxEval) {
    order.sort((i, j) => fv[i]! - fv[j]!);
    const fBest = fv[order[0]!]!;
    const fWorst = fv[order[n]!]!;
    // Convergence: value spread and simplex size.
    const size = simplexSize(s);
    if (Number.isFinite(fBest) && fWorst - fBest <= fTol * (Math.abs(fBest) + 1) && size <= xTol) {
      converged = true;
      break;
    }
    iterations++;
    evaluations += nelderMeadStep(f, s, coef);
  }
  let bestIdx = 0;
  for (let i = 1; i <= n; i++) if (fv[i]! < fv[bestIdx]!) bestIdx = i;
  return { x: Float64Array.from(pts[bestIdx]!), f: fv[bestIdx]!, iterations, evaluations, converged };
}

/**
 * Minimise f: ℝⁿ → ℝ from x0 by Nelder–Mead with restarts (see the module comment).
 * Returns the best point found; `converged` is false when the iteration/evaluation budget ran out first.
 */
export function nelderMead(
  f: (x: Float64Array) => number,
  x0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  const n = x0.length;
  if (n === 0) throw new RangeError('nelderMead: need at least one parameter');
  if (!x0.every(Number.isFinite)) throw new RangeError('nelderMead: x0 must be finite');
  const maxIter = options.maxIterations ?? 20_000;
  const maxEval = options.maxEvaluations ?? 40_000;
  const xTol = options.xTolerance ?? 1e-8;
  const fTol = options.fTolerance ?? 1e-12;
  const maxRestarts = options.maxRestarts ?? 4;
  const stepOpt = options.initialStep ?? 0.25;
  const steps = Float64Array.from({ length: n }, (_, i) => (typeof stepOpt === 'number' ? stepOpt : stepOpt[i] ?? 0.25));

  let iterations = 0;
  let evaluations = 0;
  let runs = 0;
  let x: Float64Array = Float64Array.from(x0);
  let fx = Infinity;
  let converged = false;
  while (runs <= maxRestarts && iterations < maxIter && evaluations < maxEval) {
    const res = runNelderMead(f, x, steps, maxIter - iterations, maxEval - evaluations, xTol, fTol);
    runs++;
    iterations += res.iterations;
    evaluations += res.evaluations;
    const improved = fx - res.f;
    const first = runs === 1;
    if (res.f <= fx) {
      x = res.x;
      fx = res.f;
    }
    // A run that stopped on its budget is not converged; a converged run is, and a restart that cannot
    // improve on the previous minimum confirms it (then we stop early).
    converged = res.converged;
    if (!res.converged) break;
    if (!first && improved <= fTol * (Math.abs(fx) + 1)) break;
    // Later restarts use a smaller simplex: the minimum is near.
    for (let i = 0; i < n; i++) steps[i] = steps[i]! * 0.5;
  }
  return { params: Array.from(x), value: fx, iterations, evaluations, runs, converged };
}

/**
 * Minimise f over strictly positive parameters θ by running {@link nelderMead} on u = ln θ.
 * `p0` must be positive; `initialStep` is in log units (0.25 ≈ ±28 %).
 */
export function minimizePositive(
  f: (theta: Float64Array) => number,
  p0: readonly number[],
  options: MinimizeOptions = {},
): MinimizeResult {
  if (!p0.every((v) => v > 0 && Number.isFinite(v))) throw new RangeError('minimizePositive: p0 must be positive');
  const theta = new Float64Array(p0.length);
  const g = (u: Float64Array): number => {
    for (let i = 0; i < u.length; i++) theta[i] = Math.exp(u[i]!);
    return f(theta);
  };
  const res = nelderMead(
    g,
    p0.map((v) => Math.log(v)),
    options,
  );
  return { ...res, params: res.params.map((u) => Math.exp(u)) };
}
