/**
 * RFM scores and groups (metrics.md "RFM scores and groups"). Pure; the set-based SQL in metrics.repository.ts
 * uses {@link rfmGroupCaseSql}, generated from the same table, so the two cannot drift apart.
 *
 * Over customers with F ≥ 1 at D:
 * - R score = ceil(5 × cume_dist) ordering by R_days descending (the most recent get 5);
 * - M score = ceil(5 × cume_dist) ordering ascending; ties share a score;
 * - F score: F = 1 scores 1; F ≥ 2 scores 1 + ceil(4 × cume_dist) over the customers with F ≥ 2 only (2..5), so
 *   the one-time buyers (often half the buyers) do not all share a middle score and FM 1 is not always empty;
 * - FM = ceil((F score + M score) / 2); the group comes from (R score, FM).
 */
import type { RfmBreaks, RfmGroup } from '../../db/schema/analytics';

export type { RfmGroup };

/** Display order: best first. */
export const RFM_GROUPS: readonly RfmGroup[] = [
  'champions',
  'loyal',
  'potential_loyalist',
  'new',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose',
  'hibernating',
  'lost',
];

/** metrics.md's table: row = R score (5..1), column = FM 1..5. */
export const RFM_MATRIX: Readonly<Record<1 | 2 | 3 | 4 | 5, readonly [RfmGroup, RfmGroup, RfmGroup, RfmGroup, RfmGroup]>> = {
  5: ['new', 'potential_loyalist', 'potential_loyalist', 'champions', 'champions'],
  4: ['promising', 'potential_loyalist', 'potential_loyalist', 'loyal', 'champions'],
  3: ['need_attention', 'need_attention', 'need_attention', 'loyal', 'loyal'],
  2: ['about_to_sleep', 'about_to_sleep', 'at_risk', 'at_risk', 'cant_lose'],
  1: ['lost', 'hibernating', 'hibernating', 'at_risk', 'cant_lose'],
};

function checkScore(s: number, what: string): asserts s is 1 | 2 | 3 | 4 | 5 {
  if (!Number.isInteger(s) || s < 1 || s > 5) throw new RangeError(`${what} must be an integer 1..5 (got ${s})`);
}

export function fmScore(f: number, m: number): number {
  checkScore(f, 'F score');
  checkScore(m, 'M score');
  return Math.ceil((f + m) / 2);
}

export function rfmGroup(r: number, fm: number): RfmGroup {
  checkScore(r, 'R score');
  checkScore(fm, 'FM score');
  return RFM_MATRIX[r][fm - 1];
}

/**
 * ceil(5 × cume_dist) with cume_dist = k/n (k = rows at or before the value, peers included), in exact integer
 * arithmetic: a floating-point 5 × k/n can land a hair above an integer and ceil one score too high. The SQL
 * computes the same (5k + n − 1) div n.
 */
export function scoreFromCount(k: number, n: number): number {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 1 && k <= n)) throw new RangeError(`need 1 ≤ k ≤ n (got ${k}/${n})`);
  return Math.floor((5 * k + n - 1) / n);
}

/**
 * Reference implementation of the scores over one tenant's buyers (used by tests to check the SQL):
 * cume_dist(v) ascending = #(values ≤ v) / n; descending = #(values ≥ v) / n.
 */
export function cumeDistScores(values: readonly number[], direction: 'asc' | 'desc'): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  return values.map((v) => scoreFromCount(direction === 'asc' ? countBelow(sorted, v, true) : n - countBelow(sorted, v, false), n));
}

/** How many values of an ascending array are < v (or ≤ v with `orEqual`), by binary search. */
function countBelow(sorted: readonly number[], v: number, orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = sorted[mid]!;
    if (x < v || (orEqual && x === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * F scores (metrics.md): 1 for F = 1; for F ≥ 2, 1 + ceil(4·k/n₂) with n₂ = customers with F ≥ 2 and k = those with
 * F at or below the value. Exact integer arithmetic like {@link scoreFromCount}; the SQL computes the same.
 */
export function frequencyScores(frequencies: readonly number[]): number[] {
  const repeat = frequencies.filter((f) => f >= 2).sort((a, b) => a - b);
  const n = repeat.length;
  return frequencies.map((f) => {
    if (!(Number.isInteger(f) && f >= 1)) throw new RangeError(`frequency must be an integer ≥ 1 (got ${f})`);
    if (f === 1) return 1;
    return 1 + Math.floor((4 * countBelow(repeat, f, true) + n - 1) / n);
  });
}

export interface RfmInput {
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
}
export interface RfmScores {
  r: number;
  f: number;
  m: number;
  fm: number;
  group: RfmGroup;
}

/**
 * Scores and groups for a tenant's buyers (F ≥ 1), in input order: the reference the set-based SQL of
 * metrics.repository.ts is tested against (tests/integration/analytics/definitions.test.ts).
 */
export function scoreRfm(rows: readonly RfmInput[]): RfmScores[] {
  const r = cumeDistScores(
    rows.map((x) => x.recencyDays),
    'desc',
  );
  const f = frequencyScores(rows.map((x) => x.frequency));
  const m = cumeDistScores(
    rows.map((x) => x.monetaryFen),
    'asc',
  );
  return rows.map((_, i) => {
    const fm = fmScore(f[i]!, m[i]!);
    return { r: r[i]!, f: f[i]!, m: m[i]!, fm, group: rfmGroup(r[i]!, fm) };
  });
}

/**
 * Score of a value against the breakpoints of the last full scoring (the incremental refresh scores touched
 * customers this way; the daily recompute makes the quantiles exact again).
 * - asc (F, M): the score of the largest scored value ≤ v, i.e. the highest score whose minimum is ≤ v (else 1);
 * - desc (R on R_days): the score of the smallest scored value ≥ v, i.e. the highest score whose maximum is ≥ v (else 1).
 */
export function scoreFromBreaks(value: number, breaks: readonly { score: number; min: number; max: number }[] | undefined, direction: 'asc' | 'desc'): number {
  if (!breaks || breaks.length === 0) return 1;
  let best = 1;
  for (const b of breaks) {
    const hit = direction === 'asc' ? b.min <= value : b.max >= value;
    if (hit && b.score > best) best = b.score;
  }
  return best;
}

/** A touched customer's scores in the incremental refresh: the reference its SQL (breaksCase) is tested against. */
export function scoreWithBreaks(x: RfmInput, breaks: RfmBreaks): RfmScores {
  const r = scoreFromBreaks(x.recencyDays, breaks.r, 'desc');
  // F = 1 scores 1 and F ≥ 2 at least 2, whatever the last full run saw.
  const f = x.frequency <= 1 ? 1 : Math.max(2, scoreFromBreaks(x.frequency, breaks.f, 'asc'));
  const m = scoreFromBreaks(x.monetaryFen, breaks.m, 'asc');
  const fm = fmScore(f, m);
  return { r, f, m, fm, group: rfmGroup(r, fm) };
}

/** SQL CASE mapping (R score, FM) to the group name, generated from {@link RFM_MATRIX}. Column refs are trusted. */
export function rfmGroupCaseSql(rRef: string, fmRef: string): string {
  const parts: string[] = [];
  for (const r of [5, 4, 3, 2, 1] as const) {
    RFM_MATRIX[r].forEach((g, i) => parts.push(`when ${rRef} = ${r} and ${fmRef} = ${i + 1} then '${g}'`));
  }
  return `(case ${parts.join(' ')} end)`;
}
