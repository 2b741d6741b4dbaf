/**
 * Pure aggregation for the dashboards and the API: SQL returns small grouped rows, these functions shape them
 * (cohort matrices, repurchase curves, histograms, period comparisons, stage flows). Unit-tested.
 */

/** 'YYYY-MM' of a 'YYYY-MM-DD' date. */
export function monthOf(isoDate: string): string {
  return isoDate.slice(0, 7);
}

/** Whole months from a to b ('YYYY-MM'). */
export function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split('-').map(Number) as [number, number];
  const [yb, mb] = b.split('-').map(Number) as [number, number];
  return (yb - ya) * 12 + (mb - ma);
}

export function addMonths(month: string, k: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const idx = y * 12 + (m - 1) + k;
  return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
}

export interface CohortCell {
  /** First-purchase month of the customers. */
  cohort: string;
  /** Calendar month of activity. */
  month: string;
  /** Distinct customers of the cohort with a purchase day in that month. */
  customers: number;
}

export interface Cohort {
  cohort: string;
  size: number;
  /** retention[k] = share of the cohort with a purchase day in month cohort + k; retention[0] = 1. */
  retention: number[];
  /** partial[k]: month cohort + k is not over at D (metrics.md): not comparable with full months. */
  partial: boolean[];
}

/** True when the calendar month of a 'YYYY-MM-DD' date is not over on that day (it is not the month's last day). */
export function monthUnfinished(isoDate: string): boolean {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).getUTCMonth() === m - 1;
}

/**
 * Monthly cohort retention (metrics.md). `cells` must include month = cohort (the cohort size). Months after
 * `lastMonth` are left out, so a cohort has (lastMonth − cohort + 1) entries. `asOf` (D, the last day orders were
 * counted) marks the cells of D's month partial unless D is the month's last day.
 */
export function buildCohorts(cells: readonly CohortCell[], lastMonth: string, asOf: string): Cohort[] {
  const partialMonth = monthUnfinished(asOf) ? monthOf(asOf) : null;
  const by = new Map<string, Map<number, number>>();
  for (const c of cells) {
    const k = monthsBetween(c.cohort, c.month);
    if (k < 0) throw new RangeError(`activity month ${c.month} before cohort ${c.cohort}`);
    let m = by.get(c.cohort);
    if (!m) by.set(c.cohort, (m = new Map()));
    m.set(k, (m.get(k) ?? 0) + c.customers);
  }
  return [...by.keys()]
    .sort()
    .filter((cohort) => cohort <= lastMonth)
    .map((cohort) => {
      const m = by.get(cohort)!;
      const size = m.get(0) ?? 0;
      const span = monthsBetween(cohort, lastMonth);
      const retention = Array.from({ length: span + 1 }, (_, k) => (size > 0 ? (m.get(k) ?? 0) / size : 0));
      const partial = retention.map((_, k) => addMonths(cohort, k) === partialMonth);
      return { cohort, size, retention, partial };
    });
}

/** Customers grouped by the gap from first to second purchase day (null = no second yet) and age = D − first. */
export interface GapAgeRow {
  gap: number | null;
  age: number;
  customers: number;
}

export interface CurvePoint {
  day: number;
  /** Customers whose first purchase is at least `day` days before D. */
  eligible: number;
  /** Of those, customers whose second purchase day came within `day` days of the first. */
  repeated: number;
  rate: number | null;
}

/**
 * The N-day repurchase rate for every N in 1..maxDay (metrics.md "N-day repurchase rate"): over customers with
 * age ≥ N, the share with gap ≤ N.
 */
export function repurchaseCurve(rows: readonly GapAgeRow[], maxDay: number): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (let n = 1; n <= maxDay; n++) {
    let eligible = 0;
    let repeated = 0;
    for (const r of rows) {
      if (r.age < n) continue;
      eligible += r.customers;
      if (r.gap !== null && r.gap <= n) repeated += r.customers;
    }
    out.push({ day: n, eligible, repeated, rate: eligible > 0 ? repeated / eligible : null });
  }
  return out;
}

export function nDayRate(rows: readonly GapAgeRow[], n: number): number | null {
  return repurchaseCurve(rows, n)[n - 1]?.rate ?? null;
}

export interface Bucket {
  label: string;
  from: number;
  /** Exclusive upper bound (Infinity for the last). */
  to: number;
  count: number;
}

/** Counts of (value, count) pairs in buckets [edges[i], edges[i+1]); values ≥ the last edge fall in the last. */
export function bucketize(values: readonly { value: number; count: number }[], edges: readonly number[], label: (from: number, to: number) => string): Bucket[] {
  const buckets: Bucket[] = edges.map((e, i) => {
    const to = i + 1 < edges.length ? edges[i + 1]! : Infinity;
    return { label: label(e, to), from: e, to, count: 0 };
  });
  for (const v of values) {
    for (let i = buckets.length - 1; i >= 0; i--) {
      if (v.value >= buckets[i]!.from) {
        buckets[i]!.count += v.count;
        break;
      }
    }
  }
  return buckets;
}

export interface Change {
  value: number | null;
  previous: number | null;
  /** Absolute change (value − previous). */
  delta: number | null;
  /** Relative change (value − previous) / |previous|; null when previous is 0 or unknown. */
  ratio: number | null;
}

export function change(value: number | null, previous: number | null): Change {
  if (value === null || previous === null) return { value, previous, delta: null, ratio: null };
  return { value, previous, delta: value - previous, ratio: previous !== 0 ? (value - previous) / Math.abs(previous) : null };
}

export function ratio(a: number, b: number): number | null {
  return b > 0 ? a / b : null;
}

/** The previous period of the same length right before [from, to] (inclusive days). */
export function previousPeriod(from: string, to: string): { from: string; to: string; days: number } {
  const f = Date.parse(`${from}T00:00:00Z`);
  const t = Date.parse(`${to}T00:00:00Z`);
  const days = Math.round((t - f) / 86_400_000) + 1;
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from: iso(f - days * 86_400_000), to: iso(f - 86_400_000), days };
}

/** At most `max` evenly spaced items, always keeping the last. */
export function sample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = (items.length - 1) / (max - 1);
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * step)]!);
  return out;
}

/** Monday-based week start ('YYYY-MM-DD') of a date. */
export function weekStart(isoDate: string): string {
  const d = new Date(`${isoDate}T00:00:00Z`);
  const dow = (d.getUTCDay() + 6) % 7;
  return new Date(d.getTime() - dow * 86_400_000).toISOString().slice(0, 10);
}

export interface FlowRow {
  from: string;
  to: string;
  customers: number;
}

export interface Sankey {
  nodes: { name: string; stage: string; side: 'from' | 'to' }[];
  links: { source: number; target: number; value: number }[];
}

/** Stage-to-stage flows as a two-column Sankey (stages at the start on the left, at the end on the right). */
export function flowsToSankey(rows: readonly FlowRow[], order: readonly string[], label: (stage: string) => string): Sankey {
  const present = (side: 'from' | 'to') => order.filter((s) => rows.some((r) => r[side] === s && r.customers > 0));
  const left = present('from');
  const right = present('to');
  const nodes = [...left.map((s) => ({ name: label(s), stage: s, side: 'from' as const })), ...right.map((s) => ({ name: label(s), stage: s, side: 'to' as const }))];
  const links = rows
    .filter((r) => r.customers > 0 && left.includes(r.from) && right.includes(r.to))
    .map((r) => ({ source: left.indexOf(r.from), target: left.length + right.indexOf(r.to), value: r.customers }));
  return { nodes, links };
}
