/**
 * Special functions for the repurchase models (BG/NBD, Gamma-Gamma).
 *
 * Pure TypeScript, no dependencies. Everything works on IEEE doubles and is written for accuracy first:
 *
 * - {@link logGamma}: ln Γ(x) for x > 0, Lanczos approximation (g = 671/128, 14 terms; the variant published in
 *   Numerical Recipes, 3rd ed., §6.1), absolute error ≈ 1e-15 near the minimum, relative error ≲ 1e-14 elsewhere.
 * - {@link logAbsGamma} / {@link gammaSign}: Γ on the whole real line via the reflection formula
 *   Γ(x)Γ(1−x) = π / sin(πx).
 * - {@link digamma}: ψ(x) for every real x that is not a non-positive integer.
 * - {@link hyp2f1}: the Gauss hypergeometric function ₂F₁(a, b; c; z) for real parameters and real z ≤ 1
 *   (see its doc comment for the exact domain and the transformations used).
 *
 * Formula references "A&S" are to Abramowitz & Stegun, Handbook of Mathematical Functions (1964), chapter 15.
 */

const EPS = 2.220446049250313e-16;

/** Lanczos coefficients for g = 671/128 (Numerical Recipes 3rd ed., `gammln`). */
const LANCZOS_G = 5.2421875;
const LANCZOS_COF: readonly number[] = [
  57.1562356658629235, -59.5979603554754912, 14.1360979747417471, -0.491913816097620199,
  0.339946499848118887e-4, 0.465236289270485756e-4, -0.983744753048795646e-4, 0.158088703224912494e-3,
  -0.210264441724104883e-3, 0.217439618115212643e-3, -0.164318106536763890e-3, 0.844182239838527433e-4,
  -0.261908384015814087e-4, 0.368991826595316234e-5,
];

/**
 * ln Γ(x) for x > 0 (Lanczos). Throws a RangeError for x ≤ 0 or NaN; use {@link logAbsGamma} for negative x.
 * Returns +Infinity for x = +Infinity.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: x must be > 0 (got ${x})`);
  if (x === Infinity) return Infinity;
  // Exact values at 1 and 2 avoid a 1e-16 residue where ln Γ crosses zero.
  if (x === 1 || x === 2) return 0;
  let y = x;
  const tmp0 = x + LANCZOS_G;
  const tmp = (x + 0.5) * Math.log(tmp0) - tmp0;
  let ser = 0.999999999999997092;
  for (let j = 0; j < LANCZOS_COF.length; j++) ser += LANCZOS_COF[j]! / ++y;
  return tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** True when x is an integer ≤ 0 (a pole of Γ and ψ). */
export function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/** sin(πx) computed with exact argument reduction (so sin(π·n) is exactly 0 for integers n). */
function sinPi(x: number): number {
  const r = x - 2 * Math.floor(x / 2); // r in [0, 2)
  if (r === 0 || r === 1) return 0;
  if (r === 0.5) return 1;
  if (r === 1.5) return -1;
  return Math.sin(Math.PI * r);
}

/** ln |Γ(x)| for any real x that is not a non-positive integer (+Infinity at the poles). */
export function logAbsGamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 0) return logGamma(x);
  if (isNonPositiveInteger(x)) return Infinity;
  // Reflection: Γ(x) = π / (sin(πx) Γ(1 − x)).
  return Math.log(Math.PI / Math.abs(sinPi(x))) - logGamma(1 - x);
}

/** Sign of Γ(x): +1 for x > 0, (−1)^⌈−x⌉ for negative non-integers, 0 at the poles. */
export function gammaSign(x: number): -1 | 0 | 1 {
  if (x > 0) return 1;
  if (isNonPositiveInteger(x)) return 0;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/**
 * Digamma ψ(x) = d/dx ln Γ(x), for real x not a non-positive integer (NaN there).
 * Reflection ψ(1 − x) − ψ(x) = π cot(πx) for x < 0.5 would lose accuracy near 0; we use it only for x < 0,
 * the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic (Bernoulli) series.
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || isNonPositiveInteger(x)) return NaN;
  if (x === Infinity) return Infinity;
  let result = 0;
  if (x < 0) {
    // ψ(x) = ψ(1 − x) − π cot(πx)
    const s = sinPi(x);
    const c = Math.cos(Math.PI * (x - 2 * Math.floor(x / 2)));
    result -= (Math.PI * c) / s;
    x = 1 - x;
  }
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  // ψ(x) ~ ln x − 1/(2x) − Σ B_{2k}/(2k x^{2k})
  const series =
    inv2 *
    (1 / 12 -
      inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 / 12))))));
  return result + Math.log(x) - 0.5 * inv - series;
}

// ---------------------------------------------------------------------------------------------------------------
// Gauss hypergeometric function
// ---------------------------------------------------------------------------------------------------------------

/** Hard cap on the number of series terms; beyond it hyp2f1 throws instead of returning a wrong value. */
const MAX_TERMS = 2_000_000;

/**
 * Sum (compensated) of the Gauss series Σ_{n≥n0} t_n where t_{n+1}/t_n = (a+n)(b+n) z / ((c+n)(n+1)), starting from the term
 * `first` = t_{n0}. Stops once the remaining tail is provably below eps·|sum|: once past the last sign change of
 * the ratio and with the ratio ρ_n < 1 decreasing towards z (or below z), the tail after t_n is bounded by
 * |t_n|·ρ/(1−ρ) with ρ = max(ρ_n, z).
 */
function gaussSeries(a: number, b: number, c: number, z: number, n0: number, first: number): number {
  let term = first;
  let sum = first;
  let comp = 0; // Neumaier compensation: long series near z = 1 would otherwise accumulate rounding
  if (term === 0) return sum;
  // Beyond this index all of a+n, b+n, c+n are positive, so every ratio has the sign of z and the magnitude of
  // the ratio is monotone in the tail.
  const settled = Math.max(0, -a, -b, -c) + 1;
  for (let n = n0; n < n0 + MAX_TERMS; n++) {
    const ratio = ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    term *= ratio;
    if (term === 0) return sum + comp; // terminating (polynomial) series
    const t = sum + term;
    comp += Math.abs(sum) >= Math.abs(term) ? sum - t + term : term - t + sum;
    sum = t;
    if (!Number.isFinite(sum)) return sum;
    if (n + 1 >= settled) {
      const rho = Math.max(Math.abs(ratio), Math.abs(z));
      if (rho < 1) {
        const nextRatio = Math.abs(((a + n + 1) * (b + n + 1) * z) / ((c + n + 1) * (n + 2)));
        // The bound requires the ratio to be non-increasing (or already below |z|).
        if (nextRatio <= rho && (Math.abs(term) * rho) / (1 - rho) <= EPS * Math.abs(sum)) return sum + comp;
      }
    }
  }
  throw new RangeError(`hyp2f1: series did not converge in ${MAX_TERMS} terms (a=${a}, b=${b}, c=${c}, z=${z})`);
}

/** Rough count of series terms needed for 0 < z < 1 with a, b, c > 0: terms grow until the peak, then decay ~zⁿ. */
function estimatedTerms(a: number, b: number, c: number, z: number): number {
  // Peak: (a+n)(b+n)z = (c+n)(n+1)  ⇔  (z−1)n² + (z(a+b) − c − 1)n + (zab − c) = 0.
  const A = z - 1;
  const B = z * (a + b) - c - 1;
  const C = z * a * b - c;
  const disc = B * B - 4 * A * C;
  const peak = disc > 0 ? Math.max(0, (-B - Math.sqrt(disc)) / (2 * A)) : 0;
  return peak + 40 / -Math.log(z);
}

/** sign·exp(sum of ln|Γ(num_i)| − sum of ln|Γ(den_j)|), computed in log space (0 if a denominator is a pole). */
function gammaRatio(num: readonly number[], den: readonly number[]): number {
  let logv = 0;
  let sign = 1;
  for (const v of den) {
    const s = gammaSign(v);
    if (s === 0) return 0;
    sign *= s;
    logv -= logAbsGamma(v);
  }
  for (const v of num) {
    const s = gammaSign(v);
    if (s === 0) throw new RangeError(`hyp2f1: Γ pole at ${v}`);
    sign *= s;
    logv += logAbsGamma(v);
  }
  return sign * Math.exp(logv);
}

/** A&S 15.3.6: the 1 − z connection formula, valid when c − a − b is not an integer. */
function hypOneMinusZ(a: number, b: number, c: number, z: number): number {
  const s = c - a - b;
  const w = 1 - z;
  let t1 = 0;
  const g1 = gammaRatio([c, s], [c - a, c - b]);
  if (g1 !== 0) t1 = g1 * hypSeriesOrPoly(a, b, 1 - s, w);
  let t2 = 0;
  const g2 = gammaRatio([c, -s], [a, b]);
  if (g2 !== 0) t2 = g2 * Math.pow(w, s) * hypSeriesOrPoly(c - a, c - b, 1 + s, w);
  return t1 + t2;
}

/** The plain Gauss series for the small argument 1 − z of the connection formulas (terminates for polynomial cases). */
function hypSeriesOrPoly(a: number, b: number, c: number, z: number): number {
  if (isNonPositiveInteger(c) && !(isNonPositiveInteger(a) && a > c) && !(isNonPositiveInteger(b) && b > c)) {
    throw new RangeError(`hyp2f1: c = ${c} is a non-positive integer`);
  }
  return gaussSeries(a, b, c, z, 0, 1);
}

/**
 * A&S 15.3.10–15.3.12: the 1 − z connection formula in the degenerate case c − a − b = m ∈ ℤ (logarithmic case).
 * Requires 0 < z < 1 and a, b not non-positive integers (those are polynomials, handled before).
 */
function hypIntegerCase(a: number, b: number, c: number, z: number, m: number): number {
  const w = 1 - z;
  const lnw = Math.log(w);
  if (m >= 0) {
    // F(a,b;a+b+m;z) = Γ(m)Γ(a+b+m)/(Γ(a+m)Γ(b+m)) Σ_{n<m} (a)_n(b)_n/(n!(1−m)_n) wⁿ
    //   − (z−1)^m Γ(a+b+m)/(Γ(a)Γ(b)) Σ_{n≥0} (a+m)_n(b+m)_n/(n!(n+m)!) wⁿ [ln w − ψ(n+1) − ψ(n+m+1) + ψ(a+n+m) + ψ(b+n+m)]
    let finite = 0;
    if (m > 0) {
      let term = 1;
      for (let n = 0; n < m; n++) {
        finite += term;
        if (n + 1 < m) term *= ((a + n) * (b + n) * w) / ((n + 1) * (1 - m + n));
      }
      finite *= gammaRatio([m, c], [a + m, b + m]);
    }
    const pref = (m % 2 === 0 ? 1 : -1) * Math.pow(w, m) * gammaRatio([c], [a, b]);
    // (a+m)_n (b+m)_n / (n! (n+m)!) wⁿ, starting at 1/m!
    let coef = Math.exp(-logGamma(m + 1));
    let sum = 0;
    for (let n = 0; n < MAX_TERMS; n++) {
      const bracket = lnw - digamma(n + 1) - digamma(n + m + 1) + digamma(a + n + m) + digamma(b + n + m);
      const t = coef * bracket;
      sum += t;
      if (n > Math.max(-a - m, -b - m, 0) + 2 && Math.abs(t) <= EPS * Math.abs(sum) * (1 - w)) break;
      coef *= ((a + m + n) * (b + m + n) * w) / ((n + 1) * (n + m + 1));
      if (coef === 0) break;
    }
    return finite - pref * sum;
  }
  // c − a − b = −k, k ≥ 1:
  // F(a,b;a+b−k;z) = w^{−k} Γ(k)Γ(a+b−k)/(Γ(a)Γ(b)) Σ_{n<k} (a−k)_n(b−k)_n/(n!(1−k)_n) wⁿ
  //   − (−1)^k Γ(a+b−k)/(Γ(a−k)Γ(b−k)) Σ_{n≥0} (a)_n(b)_n/(n!(n+k)!) wⁿ [ln w − ψ(n+1) − ψ(n+k+1) + ψ(a+n) + ψ(b+n)]
  const k = -m;
  let finite = 0;
  {
    let term = 1;
    for (let n = 0; n < k; n++) {
      finite += term;
      if (n + 1 < k) term *= ((a - k + n) * (b - k + n) * w) / ((n + 1) * (1 - k + n));
    }
    finite *= Math.pow(w, -k) * gammaRatio([k, c], [a, b]);
  }
  const pref = (k % 2 === 0 ? 1 : -1) * gammaRatio([c], [a - k, b - k]);
  let coef = Math.exp(-logGamma(k + 1));
  let sum = 0;
  for (let n = 0; n < MAX_TERMS; n++) {
    const bracket = lnw - digamma(n + 1) - digamma(n + k + 1) + digamma(a + n) + digamma(b + n);
    const t = coef * bracket;
    sum += t;
    if (n > Math.max(-a, -b, 0) + 2 && Math.abs(t) <= EPS * Math.abs(sum) * (1 - w)) break;
    coef *= ((a + n) * (b + n) * w) / ((n + 1) * (n + k + 1));
    if (coef === 0) break;
  }
  return finite - pref * sum;
}

/** Half-width of the window around integer c − a − b where the 1 − z formula is replaced by interpolation. */
const NEAR_INTEGER = 2e-3;

/**
 * 0.9 < z < 1 without a cheap positive series: A&S 15.3.6, or — when c − a − b is within {@link NEAR_INTEGER} of an
 * integer m, where 15.3.6 cancels catastrophically — Lagrange interpolation in c through the exact integer case
 * (A&S 15.3.10–12) at c − a − b = m and 15.3.6 at m ± h, m ± 2h, m ± 3h (F is analytic in c).
 */
function hypNearOne(a: number, b: number, c: number, z: number): number {
  const s = c - a - b;
  const m = Math.round(s);
  const d = s - m;
  if (Math.abs(d) >= NEAR_INTEGER) return hypOneMinusZ(a, b, c, z);
  if (d === 0) return hypIntegerCase(a, b, c, z, m);
  const h = NEAR_INTEGER;
  const nodes = [-3 * h, -2 * h, -h, 0, h, 2 * h, 3 * h];
  const values = nodes.map((dn) =>
    dn === 0 ? hypIntegerCase(a, b, a + b + m, z, m) : hypOneMinusZ(a, b, a + b + m + dn, z),
  );
  let result = 0;
  for (let i = 0; i < nodes.length; i++) {
    let li = 1;
    for (let j = 0; j < nodes.length; j++) if (j !== i) li *= (d - nodes[j]!) / (nodes[i]! - nodes[j]!);
    result += li * values[i]!;
  }
  return result;
}

/**
 * Gauss hypergeometric function ₂F₁(a, b; c; z) = Σ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ for real arguments.
 *
 * Domain: finite real a, b, c with c not a non-positive integer (unless the series terminates first because a or
 * b is a non-positive integer with a larger value than c), and real z ≤ 1; z = 1 requires c − a − b > 0 (Gauss's
 * sum Γ(c)Γ(c−a−b)/(Γ(c−a)Γ(c−b))). z > 1 (branch cut) throws a RangeError.
 *
 * Method:
 * - a or b a non-positive integer: the terminating polynomial, summed exactly (any z ≤ 1).
 * - z < 0: Pfaff transformation F(a,b;c;z) = (1−z)^{−a} F(a, c−b; c; z/(z−1)) (A&S 15.3.4), mapping onto
 *   0 < w < 1 (with a and b swapped if that makes the new series terminate).
 * - 0 < z ≤ 0.9: the series, with a rigorous tail bound as the stopping rule.
 * - 0.9 < z < 1: the series when a, b, c > 0 (all terms positive, no cancellation) and it needs ≲ 2·10⁵ terms;
 *   otherwise the 1 − z connection formula A&S 15.3.6, or its logarithmic limits A&S 15.3.10–12 when c − a − b is
 *   (within 2·10⁻³ of) an integer.
 * Accuracy: ~1e-14 relative where no cancellation is inherent; results that overflow return ±Infinity.
 */
export function hyp2f1(a: number, b: number, c: number, z: number): number {
  if (![a, b, c, z].every(Number.isFinite)) throw new RangeError('hyp2f1: arguments must be finite');
  if (z > 1) throw new RangeError(`hyp2f1: z = ${z} > 1 is on the branch cut`);
  const aPoly = isNonPositiveInteger(a);
  const bPoly = isNonPositiveInteger(b);
  if (isNonPositiveInteger(c) && !((aPoly && a > c) || (bPoly && b > c))) {
    throw new RangeError(`hyp2f1: c = ${c} is a non-positive integer`);
  }
  if (z === 0 || a === 0 || b === 0) return 1;
  if (aPoly || bPoly) return polynomial(a, b, c, z);
  if (z === 1) {
    if (!(c - a - b > 0)) throw new RangeError('hyp2f1: diverges at z = 1 unless c − a − b > 0');
    return gammaRatio([c, c - a - b], [c - a, c - b]);
  }
  if (z < 0) {
    const w = z / (z - 1);
    // Prefer the variant whose transformed series terminates.
    if (isNonPositiveInteger(c - a) && !isNonPositiveInteger(c - b)) {
      return Math.pow(1 - z, -b) * hyp2f1(b, c - a, c, w);
    }
    return Math.pow(1 - z, -a) * hyp2f1(a, c - b, c, w);
  }
  if (z <= 0.9) return gaussSeries(a, b, c, z, 0, 1);
  if (a > 0 && b > 0 && c > 0 && estimatedTerms(a, b, c, z) <= 200_000) return gaussSeries(a, b, c, z, 0, 1);
  return hypNearOne(a, b, c, z);
}

function polynomial(a: number, b: number, c: number, z: number): number {
  const nMax = -Math.max(isNonPositiveInteger(a) ? a : -Infinity, isNonPositiveInteger(b) ? b : -Infinity);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < nMax; n++) {
    term *= ((a + n) * (b + n) * z) / ((c + n) * (n + 1));
    sum += term;
  }
  return sum;
}

/**
 * (₂F₁(a, b; c; z) − 1) / b, without the cancellation of the subtraction and without the 0/0 at b = 0:
 * Σ_{n≥1} (a)ₙ (b+1)_{n−1} / ((c)ₙ n!) zⁿ. Used by the BG/NBD expectations where b = a_BG − 1 may be ≈ 0.
 *
 * Domain: 0 ≤ z < 1, c not a non-positive integer. Method: the series for z ≤ 0.9; for z > 0.9 with |b| ≥ 0.05,
 * (hyp2f1 − 1)/b; for z > 0.9 with |b| < 0.05 the series when it converges within its term budget (1 − z ≳ 2·10⁻⁵),
 * else (hyp2f1 − 1)/b when |b| ≥ 10⁻⁴ (relative error ≲ 1e-11), else linear interpolation in b between ±10⁻⁴
 * (the tail is analytic in b; error ≲ 1e-8 relative in this extreme corner).
 */
export function hyp2f1Tail(a: number, b: number, c: number, z: number): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1Tail: z must be in [0, 1) (got ${z})`);
  if (isNonPositiveInteger(c)) throw new RangeError(`hyp2f1Tail: c = ${c} is a non-positive integer`);
  if (z === 0) return 0;
  // First term n = 1: (a)_1 (b+1)_0 / ((c)_1 1!) z = a z / c; ratio t_{n+1}/t_n is the Gauss ratio.
  const series = (): number => gaussSeries(a, b, c, z, 1, (a * z) / c);
  if (z <= 0.9) return series();
  const viaF = (bb: number): number => (hyp2f1(a, bb, c, z) - 1) / bb;
  if (Math.abs(b) >= 0.05) return viaF(b);
  if (40 / -Math.log(z) < MAX_TERMS / 2) return series();
  if (Math.abs(b) >= 1e-4) return viaF(b);
  const h = 1e-4;
  const up = viaF(h);
  const down = viaF(-h);
  return (up + down) / 2 + (b * (up - down)) / (2 * h);
}
