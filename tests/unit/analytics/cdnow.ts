/**
 * Reader for the CDNOW benchmark files carried in tests/fixtures/datasets/cdnow (source and licence in SOURCE.md there).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const CDNOW_DIR = path.resolve(import.meta.dirname, '../../fixtures/datasets/cdnow');

/** Calibration ends 1997-09-30; the 39-week holdout is 1997-10-01 .. 1998-06-30. */
export const CALIBRATION_END = '19970930';
export const HOLDOUT_START = '19971001';
export const HOLDOUT_END = '19980630';
export const HOLDOUT_WEEKS = 39;

function readCsv(file: string): string[][] {
  const text = readFileSync(path.join(CDNOW_DIR, file), 'utf8');
  return text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(1)
    .map((l) => l.split(','));
}

export interface CdnowSummary {
  id: Int32Array;
  /** Repeat purchase days in the calibration period. */
  x: Float64Array;
  /** Weeks from first purchase to last calibration purchase, and to the end of calibration. */
  tx: Float64Array;
  T: Float64Array;
}

/** cdnow_customers_summary.csv: `ID,frequency,recency,T` (weeks). */
export function readSummary(): CdnowSummary {
  const rows = readCsv('cdnow_customers_summary.csv');
  return {
    id: Int32Array.from(rows, (r) => Number(r[0])),
    x: Float64Array.from(rows, (r) => Number(r[1])),
    tx: Float64Array.from(rows, (r) => Number(r[2])),
    T: Float64Array.from(rows, (r) => Number(r[3])),
  };
}

/** cdnow_customers_summary_with_transactions.csv: `ID,x,t_x,T,zbar` (zbar = mean spend per repeat day, $). */
export function readSummaryWithSpend(): CdnowSummary & { zbar: Float64Array } {
  const rows = readCsv('cdnow_customers_summary_with_transactions.csv');
  return {
    id: Int32Array.from(rows, (r) => Number(r[0])),
    x: Float64Array.from(rows, (r) => Number(r[1])),
    tx: Float64Array.from(rows, (r) => Number(r[2])),
    T: Float64Array.from(rows, (r) => Number(r[3])),
    zbar: Float64Array.from(rows, (r) => Number(r[4])),
  };
}

export interface CdnowTransaction {
  /** Sample customer id 1..2357 (matches the summary files' ID). */
  id: number;
  /** YYYYMMDD. */
  date: string;
  cds: number;
  dollars: number;
}

/** CDNOW_sample.txt: `master_id sample_id date(YYYYMMDD) number_of_cds dollar_value`, whitespace-separated. */
export function readSample(): CdnowTransaction[] {
  const text = readFileSync(path.join(CDNOW_DIR, 'CDNOW_sample.txt'), 'utf8');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const [, id, date, cds, dollars] = l.split(/\s+/);
      return { id: Number(id), date: date!, cds: Number(cds), dollars: Number(dollars) };
    });
}

/** Days since 1970-01-01 of a YYYYMMDD date. */
export function dayNumber(yyyymmdd: string): number {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/**
 * Per sample customer (index id − 1): holdout transactions and distinct holdout purchase days (same-day
 * transactions merged, as x is counted in the calibration summaries).
 */
export function holdoutCounts(
  txs: readonly CdnowTransaction[],
  customers = 2357,
): { transactions: Float64Array; days: Float64Array } {
  const transactions = new Float64Array(customers);
  const days = new Float64Array(customers);
  const seen = new Set<string>();
  for (const t of txs) {
    if (t.date < HOLDOUT_START || t.date > HOLDOUT_END) continue;
    transactions[t.id - 1] += 1;
    const key = `${t.id}:${t.date}`;
    if (!seen.has(key)) {
      seen.add(key);
      days[t.id - 1] += 1;
    }
  }
  return { transactions, days };
}

/**
 * Calibration summaries in DAYS computed from the transactions: x = distinct purchase days after the first up to
 * 1997-09-30, t_x = last − first purchase day, T = 1997-09-30 − first purchase day; zbar = mean over repeat days of
 * the day's total spend.
 */
export function calibrationFromTransactions(
  txs: readonly CdnowTransaction[],
  customers = 2357,
): { x: Float64Array; tx: Float64Array; T: Float64Array; zbar: Float64Array } {
  const dayTotals = new Map<number, Map<number, number>>();
  for (const t of txs) {
    if (t.date > CALIBRATION_END) continue;
    let m = dayTotals.get(t.id);
    if (!m) dayTotals.set(t.id, (m = new Map()));
    const d = dayNumber(t.date);
    m.set(d, (m.get(d) ?? 0) + t.dollars);
  }
  const end = dayNumber(CALIBRATION_END);
  const x = new Float64Array(customers);
  const tx = new Float64Array(customers);
  const T = new Float64Array(customers);
  const zbar = new Float64Array(customers);
  for (const [id, m] of dayTotals) {
    const days = [...m.keys()].sort((a, b) => a - b);
    const first = days[0]!;
    const i = id - 1;
    x[i] = days.length - 1;
    tx[i] = days[days.length - 1]! - first;
    T[i] = end - first;
    if (days.length > 1) zbar[i] = days.slice(1).reduce((s, d) => s + m.get(d)!, 0) / (days.length - 1);
  }
  return { x, tx, T, zbar };
}
