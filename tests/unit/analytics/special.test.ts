import { describe, expect, it } from 'vitest';
import {
  digamma,
  gammaSign,
  hyp2f1,
  hyp2f1Tail,
  logAbsGamma,
  logGamma,
} from '../../../server/analytics/models/special';

/** |a − b| ≤ tol · max(1, |b|). */
function close(a: number, b: number, tol: number): void {
  const err = Math.abs(a - b) / Math.max(1, Math.abs(b));
  expect(err, `${a} vs ${b}`).toBeLessThanOrEqual(tol);
}
/** Relative error |a − b| / |b| ≤ tol. */
function rel(a: number, b: number, tol: number): void {
  expect(Math.abs(a - b) / Math.abs(b), `${a} vs ${b}`).toBeLessThanOrEqual(tol);
}

const EULER_GAMMA = 0.5772156649015329;

describe('logGamma', () => {
  it('matches closed forms', () => {
    close(logGamma(0.5), 0.5 * Math.log(Math.PI), 1e-15);
    close(logGamma(1.5), Math.log(Math.sqrt(Math.PI) / 2), 1e-15);
    expect(logGamma(1)).toBe(0);
    expect(logGamma(2)).toBe(0);
    let fact = 0;
    for (let n = 2; n <= 170; n++) {
      fact += Math.log(n - 1); // ln (n−1)!
      close(logGamma(n), fact, 2e-15);
    }
  });

  it('matches high-precision reference values (mpmath, 40 digits)', () => {
    rel(logGamma(1e-8), 18.420680738180208905, 1e-15);
    rel(logGamma(0.1), 2.2527126517342059, 1e-15);
    rel(logGamma(1 / 3), 0.98542064692776712714, 1e-15);
    close(logGamma(0.999), 0.00057803853289137972, 1e-15); // near the zero at 1: absolute accuracy
    rel(logGamma(3.7), 1.4280723266653879219, 1e-14);
    rel(logGamma(33.3), 82.603723581654952928, 1e-14);
    rel(logGamma(100), 359.13420536957539878, 1e-15);
    rel(logGamma(1e4), 82099.717496442377273, 1e-15);
    rel(logGamma(1e8), 1742068066.1038347093, 1e-15);
  });

  it('satisfies the recurrence ln Γ(x+1) = ln Γ(x) + ln x on a grid', () => {
    for (let x = 0.01; x < 60; x *= 1.07) close(logGamma(x + 1), logGamma(x) + Math.log(x), 1e-14);
  });

  it('rejects x ≤ 0', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1.5)).toThrow(RangeError);
    expect(() => logGamma(Number.NaN)).toThrow(RangeError);
  });
});

describe('Γ on the real line, B(a, b), digamma', () => {
  it('reflects to negative arguments', () => {
    // Γ(−1/2) = −2√π, Γ(−3/2) = 4√π/3
    close(logAbsGamma(-0.5), Math.log(2 * Math.sqrt(Math.PI)), 1e-15);
    expect(gammaSign(-0.5)).toBe(-1);
    close(logAbsGamma(-1.5), Math.log((4 * Math.sqrt(Math.PI)) / 3), 1e-15);
    expect(gammaSign(-1.5)).toBe(1);
    expect(gammaSign(-2.5)).toBe(-1);
    expect(gammaSign(-3)).toBe(0);
    expect(gammaSign(0)).toBe(0);
    expect(logAbsGamma(-2)).toBe(Infinity);
  });

  it('ln Γ gives B(a, b) = Γ(a)Γ(b)/Γ(a+b)', () => {
    const logBeta = (a: number, b: number) => logGamma(a) + logGamma(b) - logGamma(a + b);
    close(logBeta(1, 1), 0, 1e-15);
    close(logBeta(0.5, 0.5), Math.log(Math.PI), 1e-15);
    close(logBeta(2, 3), Math.log(1 / 12), 1e-15);
  });

  it('digamma matches closed forms and ψ(x+1) = ψ(x) + 1/x', () => {
    close(digamma(1), -EULER_GAMMA, 1e-15);
    close(digamma(0.5), -EULER_GAMMA - 2 * Math.LN2, 1e-15);
    close(digamma(-0.5), -EULER_GAMMA - 2 * Math.LN2 + 2, 1e-14);
    rel(digamma(1e-8), -100000000.57721564845, 1e-15);
    for (let x = 0.05; x < 40; x *= 1.3) close(digamma(x + 1), digamma(x) + 1 / x, 1e-14);
    expect(digamma(-2)).toBeNaN();
  });
});

describe('hyp2f1', () => {
  it('2F1(1, 1; 2; z) = −ln(1 − z)/z, for negative z, z near 1 and very negative z', () => {
    for (const z of [-1e6, -50, -3, -0.9, -0.5, -1e-3, 1e-6, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999999]) {
      rel(hyp2f1(1, 1, 2, z), -Math.log1p(-z) / z, 1e-11);
    }
  });

  it('2F1(a, b; b; z) = (1 − z)^(−a)', () => {
    for (const [a, b] of [
      [0.3, 2.5],
      [2.7, 0.4],
      [-1.5, 3.1],
      [5.2, 7.9],
    ] as const) {
      for (const z of [-20, -0.7, 0.2, 0.6, 0.93, 0.999]) rel(hyp2f1(a, b, b, z), Math.pow(1 - z, -a), 1e-12);
    }
  });

  it('arcsin, arctan and polynomial identities', () => {
    for (const x of [0.1, 0.5, 0.9, 0.99]) {
      rel(hyp2f1(0.5, 0.5, 1.5, x * x), Math.asin(x) / x, 1e-13); // 2F1(½,½;3/2;x²) = arcsin(x)/x
      rel(hyp2f1(0.5, 1, 1.5, -x * x), Math.atan(x) / x, 1e-13); // 2F1(½,1;3/2;−x²) = arctan(x)/x
    }
    // 2F1(−2, b; c; z) = 1 − 2bz/c + b(b+1)z²/(c(c+1))
    const b = 1.7;
    const c = 2.9;
    for (const z of [-4, 0.3, 1]) rel(hyp2f1(-2, b, c, z), 1 - (2 * b * z) / c + (b * (b + 1) * z * z) / (c * (c + 1)), 1e-15);
  });

  it("Gauss's sum at z = 1, and its limit", () => {
    const [a, b, c] = [1.5, 2.5, 6.5];
    const gauss = Math.exp(logGamma(c) + logGamma(c - a - b) - logGamma(c - a) - logGamma(c - b));
    rel(hyp2f1(a, b, c, 1), gauss, 1e-14);
    // c − a − b = 2.5 > 1, so F(z) = F(1) + O(1 − z)
    rel(hyp2f1(a, b, c, 1 - 1e-7), gauss, 1e-5);
    expect(() => hyp2f1(1.5, 2.5, 3.5, 1)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, 2, 1.5)).toThrow(RangeError);
    expect(() => hyp2f1(1, 1, -2, 0.5)).toThrow(RangeError);
  });

  it('matches mpmath (50 digits) on every branch: series, 1 − z formula, logarithmic and near-integer cases', () => {
    const cases: [number, number, number, number, number][] = [
      [0.5, 0.3, 1.7, 0.95, 1.1575871663857538], // series
      [2.243, 4.426, 5.219, 0.999, 55869.74702050929], // long positive series
      [50.243, 52.426, 52.219, 0.95, 4.301776335036543e65], // large parameters
      [10.5, 20.25, 3.1, 0.99, 4.928668431984755e59],
      [1.5, 2.5, 1.2, 0.999, 328131871.19503635],
      [-1.3, 2.5, 0.3, 0.995, 86.11908340565351], // 1 − z formula (A&S 15.3.6)
      [1.2, 2.3, -0.7, 0.93, -1928031.0897143153],
      [1.5, 2.5, 3, 0.995, 333.8647123856217], // c − a − b = −1 (A&S 15.3.12)
      [1, 1, 2, 0.999999, 13.815524373488648], // c − a − b = 0 (A&S 15.3.10)
      [-1.3, 2.5, 1.2, 0.995, 0.10599387334265039], // c − a − b = 0 with a < 0
      [2.5, 3.5, 1.0, 0.9999, 5.431979434751691e20], // c − a − b = −5
      [2.5, 3.5, 2.0, 0.99999, 1.3581187857432655e20],
      [0.7, -0.4, 1.3, 0.97, 0.6896907098164377], // c − a − b = 1 (A&S 15.3.11)
      [1.5, 2.5, 4.001, 0.99999, 48.74899592414848], // near-integer c − a − b: interpolation
      [1.5, 2.5, 3.9995, 0.99999, 49.111717138239705],
      [-1.3, 2.5, 1.2005, 0.995, 0.1049778727702181],
      [0.7, -0.4, 1.3001, 0.97, 0.6897234354062542],
      [1.2, 2.3, 3.5, -1e6, 1.465496032899993e-7], // Pfaff
      [20.3, 0.4, 30.7, -50, 0.24493272856011227],
      [5, 7, 1.5, -0.5, 8.62601652590432e-4],
    ];
    for (const [a, b, c, z, want] of cases) {
      // z given as a decimal is not exactly representable; near z = 1 that alone moves the value by ~1e-11.
      rel(hyp2f1(a, b, c, z), want, 1e-10);
    }
  });

  it('agrees with the Euler integral Γ(c)/(Γ(b)Γ(c−b)) ∫ t^(b−1)(1−t)^(c−b−1)(1−zt)^(−a) dt', () => {
    const [a, b, c] = [2.3, 1.5, 3.5];
    for (const z of [-30, -2, 0.4, 0.97]) {
      // Gauss–Legendre-free check: composite Simpson in t = s², which smooths the √t endpoint behaviour.
      const n = 20_000;
      let s = 0;
      for (let k = 0; k <= n; k++) {
        const u = k / n;
        const t = u * u;
        const f = 2 * u * Math.pow(t, b - 1) * Math.pow(1 - t, c - b - 1) * Math.pow(1 - z * t, -a);
        s += (k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2) * f;
      }
      const integral = (s / (3 * n)) * Math.exp(logGamma(c) - logGamma(b) - logGamma(c - b));
      rel(hyp2f1(a, b, c, z), integral, 1e-9);
    }
  });
});

describe('hyp2f1Tail', () => {
  it('equals (2F1 − 1)/b and stays finite at b = 0', () => {
    for (const [a, b, c] of [
      [1.2, 0.7, 3.4],
      [2.2, -0.21, 3.2],
      [0.4, 1e-3, 2.1],
    ] as const) {
      for (const z of [0.001, 0.5, 0.9, 0.95]) rel(hyp2f1Tail(a, b, c, z), (hyp2f1(a, b, c, z) - 1) / b, 1e-8);
    }
    // b → 0: Σ_{n≥1} (a)_n (n−1)! / ((c)_n n!) zⁿ; with a = c this is Σ zⁿ/n = −ln(1 − z).
    for (const z of [0.1, 0.9, 0.99, 0.9999]) rel(hyp2f1Tail(2.5, 0, 2.5, z), -Math.log1p(-z), 1e-13);
    expect(hyp2f1Tail(1, 0.5, 2, 0)).toBe(0);
    // z extremely close to 1 (all branches of the z > 0.9 logic), against mpmath at 60 digits
    rel(hyp2f1Tail(0.4, 1e-7, 2.1, 1 - 1e-8), 0.27678810124166244, 1e-8);
    rel(hyp2f1Tail(0.4, 3e-3, 2.1, 1 - 1e-8), 0.27718320838285429, 1e-10);
    rel(hyp2f1Tail(2.2, -0.02, 0.7, 0.999), 28463.317724721563, 1e-11);
    rel(hyp2f1Tail(-0.5, -1e-6, 3.3, 1 - 1e-7), -0.1628673259782034, 1e-8);
    rel(hyp2f1Tail(1.3, 0, 4.2, 1 - 1e-9), 0.42883893996444276, 1e-8);
    // continuous through b = 0, where (2F1 − 1)/b itself is 0/0
    rel(hyp2f1Tail(0.4, 1e-12, 2.1, 0.7), hyp2f1Tail(0.4, 0, 2.1, 0.7), 1e-11);
  });
});
