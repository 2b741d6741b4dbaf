import { describe, expect, it } from 'vitest';
import { minimizePositive, nelderMead } from '../../../server/analytics/models/optimize';

/** Rosenbrock's banana valley: minimum 0 at (1, …, 1). */
function rosenbrock(x: ArrayLike<number>): number {
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    f += 100 * (x[i + 1]! - x[i]! * x[i]!) ** 2 + (1 - x[i]!) ** 2;
  }
  return f;
}

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum from the classic start (−1.2, 1)', () => {
    const res = nelderMead(rosenbrock, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.params[0]).toBeCloseTo(1, 6);
    expect(res.params[1]).toBeCloseTo(1, 6);
    expect(res.value).toBeLessThan(1e-12);
    expect(res.runs).toBeGreaterThanOrEqual(2); // a restart confirmed the minimum
  });

  it('solves the 4-dimensional Rosenbrock function', () => {
    const res = nelderMead(rosenbrock, [-1.2, 1, -1.2, 1]);
    expect(res.converged).toBe(true);
    for (const p of res.params) expect(p).toBeCloseTo(1, 5);
  });

  it('minimises a shifted quadratic exactly', () => {
    const res = nelderMead((x) => (x[0]! - 3) ** 2 + 10 * (x[1]! + 2) ** 2 + (x[0]! - 3) * (x[1]! + 2), [0, 0]);
    expect(res.params[0]).toBeCloseTo(3, 7);
    expect(res.params[1]).toBeCloseTo(-2, 7);
  });

  it('treats NaN / Infinity as +Infinity and steps back into the domain', () => {
    // f is undefined for x < 0.5; minimum at x = 2.
    const res = nelderMead((x) => (x[0]! < 0.5 ? Number.NaN : (Math.log(x[0]!) - Math.log(2)) ** 2), [1]);
    expect(res.params[0]).toBeCloseTo(2, 6);
  });

  it('reports converged = false when the budget runs out', () => {
    const res = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 10 });
    expect(res.converged).toBe(false);
    expect(res.iterations).toBeLessThanOrEqual(10);
  });
});

describe('minimizePositive', () => {
  it('optimises on log-parameters: Rosenbrock restricted to the positive quadrant', () => {
    const res = minimizePositive(rosenbrock, [0.1, 3]);
    expect(res.converged).toBe(true);
    expect(res.params[0]).toBeCloseTo(1, 6);
    expect(res.params[1]).toBeCloseTo(1, 6);
  });

  it('never evaluates a non-positive parameter, even when the optimum is at the boundary', () => {
    let minSeen = Infinity;
    const res = minimizePositive(
      (th) => {
        minSeen = Math.min(minSeen, th[0]!, th[1]!);
        return th[0]! + (th[1]! - 5) ** 2; // infimum at θ0 → 0
      },
      [1, 1],
      { maxEvaluations: 3000 },
    );
    expect(minSeen).toBeGreaterThan(0);
    expect(res.params[0]).toBeLessThan(1e-6);
    expect(res.params[1]).toBeCloseTo(5, 6);
  });

  it('rejects non-positive starting values', () => {
    expect(() => minimizePositive(rosenbrock, [0, 1])).toThrow(RangeError);
  });
});
