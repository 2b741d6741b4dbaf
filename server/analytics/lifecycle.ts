/**
 * The repurchase window, lifecycle stages and "due" (metrics.md "Lifecycle stage"; choices where it is silent
 * are in docs/metrics.md). Pure; the SQL in metrics.repository.ts implements the same rules set-based and the
 * integration tests check one against the other on hand-computed fixtures.
 */
import type { IntervalBucket, LifecycleStage } from '../../db/schema/analytics';

export type { IntervalBucket, LifecycleStage };

export const STAGES: readonly LifecycleStage[] = ['prospect', 'new', 'active', 'at_risk', 'lapsed'];

/** W is clamped to this range (days). */
export const WINDOW_MIN = 14;
export const WINDOW_MAX = 365;
/** W when the tenant has too few intervals to estimate it. */
export const WINDOW_DEFAULT = 30;
/** "Too few intervals": fewer than this many inter-purchase intervals over all customers. */
export const MIN_INTERVALS_FOR_WINDOW = 30;

/**
 * The p-quantile of a histogram with PostgreSQL's percentile_cont semantics (linear interpolation between the
 * sorted values at positions floor/ceil of p·(N−1)). Null for an empty histogram.
 */
export function percentileFromHistogram(hist: readonly IntervalBucket[], p: number): number | null {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1] (got ${p})`);
  const buckets = hist.filter((b) => b.count > 0).sort((a, b) => a.days - b.days);
  const n = buckets.reduce((s, b) => s + b.count, 0);
  if (n === 0) return null;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const valueAt = (i: number): number => {
    let seen = 0;
    for (const b of buckets) {
      seen += b.count;
      if (i < seen) return b.days;
    }
    return buckets[buckets.length - 1]!.days;
  };
  const a = valueAt(lo);
  const b = hi === lo ? a : valueAt(hi);
  return a + (b - a) * (pos - lo);
}

export function intervalCount(hist: readonly IntervalBucket[]): number {
  return hist.reduce((s, b) => s + b.count, 0);
}

export interface RepurchaseWindow {
  days: number;
  source: 'setting' | 'auto' | 'default';
  /** The unclamped 80th percentile (null when there were too few intervals). */
  p80: number | null;
}

/**
 * W: the configured value when set; otherwise the 80th percentile of all inter-purchase intervals, rounded to
 * whole days (half up) and clamped to [14, 365]; 30 when there are fewer than 30 intervals.
 */
export function repurchaseWindow(hist: readonly IntervalBucket[], setting: number | null | undefined): RepurchaseWindow {
  const n = intervalCount(hist);
  const p80 = n >= MIN_INTERVALS_FOR_WINDOW ? percentileFromHistogram(hist, 0.8) : null;
  if (setting !== null && setting !== undefined) return { days: setting, source: 'setting', p80 };
  if (p80 === null) return { days: WINDOW_DEFAULT, source: 'default', p80 };
  return { days: Math.min(WINDOW_MAX, Math.max(WINDOW_MIN, Math.round(p80))), source: 'auto', p80 };
}

/** The tenant's median interval (days, may end in .5), or null without any interval. */
export function tenantMedianInterval(hist: readonly IntervalBucket[]): number | null {
  return percentileFromHistogram(hist, 0.5);
}

export function lifecycleStage(frequency: number, recencyDays: number | null, windowDays: number): LifecycleStage {
  if (frequency <= 0 || recencyDays === null) return 'prospect';
  if (recencyDays <= windowDays) return frequency === 1 ? 'new' : 'active';
  if (recencyDays <= 2 * windowDays) return 'at_risk';
  return 'lapsed';
}

/** Median of a customer's own intervals (days, percentile_cont(0.5)). */
export function medianOf(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date, and back. */
export function dayNumber(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d) / 86_400_000;
}
export function isoDay(dayNum: number): string {
  return new Date(dayNum * 86_400_000).toISOString().slice(0, 10);
}
export function addDays(isoDate: string, days: number): string {
  return isoDay(dayNumber(isoDate) + days);
}

/**
 * Expected next purchase = last purchase + the customer's median interval when they have at least 2 intervals,
 * else the tenant's median interval; rounded to whole days (half up). Null without a purchase or any median. The
 * reference the SQL of metrics.repository.ts is tested against.
 */
export function expectedNextPurchase(lastPurchase: string | null, customerIntervals: readonly number[], tenantMedian: number | null): string | null {
  if (!lastPurchase) return null;
  const median = customerIntervals.length >= 2 ? medianOf(customerIntervals) : tenantMedian;
  if (median === null) return null;
  return addDays(lastPurchase, Math.round(median));
}

/** D − expected next purchase in days (negative before the expected day), or null without an expectation. */
export function daysOverdue(expectedNext: string | null, asOf: string): number | null {
  return expectedNext === null ? null : dayNumber(asOf) - dayNumber(expectedNext);
}

/**
 * Due (metrics.md "Lifecycle stage"): from the expected next purchase until W days after it (0 ≤ days_overdue ≤ W),
 * while not lapsed; after that the customer is a win-back case, not a follow-up. The reference the SQL of
 * metrics.repository.ts is tested against.
 */
export function isDue(expectedNext: string | null, asOf: string, windowDays: number, stage: LifecycleStage): boolean {
  const overdue = daysOverdue(expectedNext, asOf);
  return overdue !== null && overdue >= 0 && overdue <= windowDays && stage !== 'lapsed';
}

export interface DueCandidate {
  id: string;
  /** Predicted 12-month value in fen, null without a fit (or with Gamma-Gamma q ≤ 1). */
  predictedValueFen: number | null;
  monetaryFen: number;
  expectedNext: string;
}

/**
 * The priority order of a due list (metrics.md): predicted 12-month value descending (net spend M where there is
 * none), then days overdue ascending (the most recently due first), then the id. The reference of the SQL order.
 */
export function compareDuePriority(a: DueCandidate, b: DueCandidate): number {
  const va = a.predictedValueFen ?? a.monetaryFen;
  const vb = b.predictedValueFen ?? b.monetaryFen;
  if (va !== vb) return vb - va;
  // Fewer days overdue = a later expected day.
  if (a.expectedNext !== b.expectedNext) return a.expectedNext < b.expectedNext ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
