/**
 * The metrics engine's entry points:
 * - {@link fullRefresh}: every customer of a tenant at a date D (default: the tenant's today), set-based, with the
 *   model fit, the RFM quantiles, the snapshot of D and the daily order facts. The daily job runs it once the
 *   tenant's local date moves on, so recency, quantiles, stages, "due" and predictions follow the calendar.
 * - {@link refreshTouched}: only the customers queued in `customer_refresh_queue` (by imports, the API, WeCom
 *   sync, merges), scored against the last full run's quantiles and model, with the snapshot adjusted by delta;
 *   a full recompute instead when a writer that touched most of the tenant asked for one
 *   (`analytics_refresh_requests`, e.g. a chain's first WeCom sync).
 * - {@link computeBacktest}: the BG/NBD holdout comparison for the Predictions page.
 * - {@link metricsAt}: per-customer metrics at any past D in a temp table (API `as_of`, backtests, backfill).
 *
 * This module orchestrates; its SQL lives in metrics.repository.ts (the computation), state.repository.ts (state,
 * window setting, queue) and model-fits.repository.ts (stored fits, backtest input).
 */
import { makeKysely, makeSql } from '../../db/connection';
import type { IntervalBucket, StoredBacktest } from '../../db/schema/analytics';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withSystem, withTenant, type TenantId, type Tx } from '../tenancy/context';
import { ValidationError } from '../lib/errors';
import { backtest as runBacktest } from './models/backtest';
import type { GammaGammaParams } from './models/gamma-gamma';
import { addDays, intervalCount, repurchaseWindow, tenantMedianInterval, type RepurchaseWindow } from './lifecycle';
import {
  applySnapshotDelta,
  buildCustomerStats,
  captureSnapshotContribution,
  computeRfmBreaks,
  createMetricsTemp,
  customerCounts,
  deleteMergedTouched,
  createNextPartition,
  swapInPartition,
  fetchSpendRows,
  fetchTriples,
  intervalHistogram,
  lockTenantAnalytics,
  rebuildDailyFacts,
  refreshDirtyFacts,
  storePredictions,
  takeTouched,
  tenantToday,
  tuneForBulk,
  writeMetrics,
  writeSnapshot,
  type CustomerSet,
} from './metrics.repository';
import { backtestRows, insertModelFit, latestFit, storeBacktest, type StoredFit } from './model-fits.repository';
import { fitTenantModel, insufficientReason, predictTriples, type ModelFitOutcome } from './models/model';
import {
  bumpStateFacts,
  clearRefreshQueueBefore,
  countsFromSnapshot,
  getState,
  getWindowSetting,
  hasFullRefreshRequest,
  updateIncrementalState,
  upsertFullState,
  upsertWindowSetting,
} from './state.repository';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function assertIsoDate(d: string, what = 'as_of'): void {
  if (!ISO_DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) {
    throw new ValidationError(`${what}: expected a date YYYY-MM-DD (got "${d}")`);
  }
}

/** Sets (or clears, with null) the tenant's repurchase window; takes effect at the next refresh. */
export async function setWindowSetting(trx: Tx, actor: Actor, days: number | null): Promise<void> {
  if (days !== null && !(Number.isInteger(days) && days >= 1 && days <= 3650)) throw new ValidationError('repurchase_window_days: a whole number of days, 1–3650');
  const before = await getWindowSetting(trx, actor.tenantId);
  await upsertWindowSetting(trx, actor.tenantId, days, actor.label);
  await audit(trx, actor, { action: 'analytics.window.update', entityType: 'tenant', entityId: actor.tenantId, before: { repurchase_window_days: before }, after: { repurchase_window_days: days } });
}

// ------------------------------------------------------------------------------------------- computation

interface Computed {
  asOf: string;
  window: RepurchaseWindow;
  median: number | null;
  histogram: IntervalBucket[];
  fit: ModelFitOutcome;
  written: number;
  ms: Record<string, number>;
}

function timer() {
  const ms: Record<string, number> = {};
  let last = Date.now();
  return {
    ms,
    lap(name: string) {
      const now = Date.now();
      ms[name] = now - last;
      last = now;
    },
  };
}

/**
 * Stats → window → model → write, for every customer of the tenant: into a tenant's next partition (full
 * recompute, `target` = its name) or the temp table `_an_cm` (as-of reads, backfill).
 */
async function computeAll(trx: Tx, tenantId: TenantId, asOf: string, target: string, opts: { fit?: boolean } = {}): Promise<Computed> {
  const t = timer();
  await tuneForBulk(trx, target !== '_an_cm');
  await buildCustomerStats(trx, tenantId, asOf, 'all');
  t.lap('customer_stats');
  const histogram = await intervalHistogram(trx);
  const window = repurchaseWindow(histogram, await getWindowSetting(trx, tenantId));
  const median = tenantMedianInterval(histogram);
  t.lap('window');
  const triples = await fetchTriples(trx, asOf);
  let fit: ModelFitOutcome;
  let gg: GammaGammaParams | null = null;
  if (opts.fit === false) {
    const c = triples.n.reduce((s, n) => s + n, 0);
    const rep = triples.n.reduce((s, n, i) => s + (triples.x[i]! > 0 ? n : 0), 0);
    fit = { status: 'insufficient_data', customers: c, repeaters: rep, rows: triples.n.length, reason: insufficientReason(c, rep) ?? 'not fitted', ms: 0 };
    await storePredictions(trx, triples, null);
  } else {
    const spend = await fetchSpendRows(
      trx,
      triples.n.reduce((a, n, i) => a + (triples.x[i]! > 0 ? n : 0), 0),
    );
    t.lap('fit_input');
    fit = fitTenantModel(triples, spend);
    t.lap('fit');
    if (fit.status === 'fitted') {
      gg = fit.gg;
      await storePredictions(trx, triples, predictTriples(fit.bgnbd, triples));
    } else await storePredictions(trx, triples, null);
    t.lap('predictions');
  }
  if (target === '_an_cm') await createMetricsTemp(trx);
  const written = await writeMetrics(trx, { tenantId, asOf, set: 'all', windowDays: window.days, tenantMedian: median, gg, target });
  t.lap('write');
  if (process.env.HUIKE_ANALYTICS_PROFILE) process.stderr.write(`computeAll → ${target}: ${JSON.stringify(t.ms)}\n`);
  return { asOf, window, median, histogram, fit, written, ms: t.ms };
}

export interface RefreshReport {
  tenantId: TenantId;
  asOf: string;
  mode: 'full' | 'incremental' | 'none';
  customers: number;
  buyers: number;
  repeaters: number;
  windowDays: number;
  windowSource: string;
  fit: { status: string; reason: string | null; r?: number; alpha?: number; a?: number; b?: number; ms: number };
  processed?: number;
  ms: Record<string, number>;
}

/**
 * Full recompute inside an open transaction on the owner role: the tenant's metrics are written into a fresh,
 * unindexed partition, indexed in bulk and swapped in (docs/decisions/0007). Every statement filters by tenant.
 */
export async function fullRefreshIn(
  trx: Tx,
  tenantId: TenantId,
  opts: { asOf?: string; rebuildFacts?: boolean; /** Rebuilds the daily facts on another connection (see fullRefresh). */ factsAside?: () => Promise<Date | null> } = {},
): Promise<RefreshReport> {
  const started = Date.now();
  await lockTenantAnalytics(trx, tenantId);
  const asOf = opts.asOf ?? (await tenantToday(trx, tenantId));
  assertIsoDate(asOf);
  const queuedBefore = new Date();
  const previous = await getState(trx, tenantId);
  // A full rebuild of the daily facts (first run, or on request) reads every order of the tenant once more. It does
  // not depend on the customer metrics, so given a second connection it runs beside them; this transaction holds
  // the tenant's analytics lock until it has awaited the result, so no incremental refresh writes facts meanwhile.
  const rebuild = !previous?.facts_watermark || opts.rebuildFacts === true;
  const factsAside = rebuild && opts.factsAside ? opts.factsAside() : null;
  factsAside?.catch(() => undefined);
  const { c, t, breaks } = await holdingLockFor(factsAside, async () => {
    const next = await createNextPartition(trx, tenantId);
    const c = await computeAll(trx, tenantId, asOf, next);
    const t = timer();
    await swapInPartition(trx, tenantId, next);
    t.lap('index_swap');
    await insertModelFit(trx, tenantId, asOf, c.fit);
    const breaks = await computeRfmBreaks(trx, tenantId);
    t.lap('rfm_breaks');
    await writeSnapshot(trx, tenantId, asOf, 'customer_metrics');
    t.lap('snapshot');
    return { c, t, breaks };
  });
  // Daily facts are kept current by changed days; rebuilt in full the first time (or on request).
  const watermark = factsAside
    ? await factsAside
    : rebuild
      ? await rebuildDailyFacts(trx, tenantId)
      : (await refreshDirtyFacts(trx, tenantId, previous!.facts_watermark)).watermark;
  t.lap('daily_facts');
  // Everything queued (or requested in full) before this run started is covered by it.
  await clearRefreshQueueBefore(trx, tenantId, queuedBefore);
  const counts = await countsFromSnapshot(trx, tenantId, asOf);
  const version = (previous?.version ?? 0) + 1;
  const ms = Date.now() - started;
  await upsertFullState(trx, tenantId, {
    as_of: asOf,
    version,
    window_days: c.window.days,
    window_source: c.window.source,
    median_interval_days: c.median,
    interval_count: intervalCount(c.histogram),
    interval_histogram: c.histogram,
    rfm_breaks: breaks,
    ...counts,
    facts_watermark: watermark,
    last_full_at: new Date(),
    last_full_ms: ms,
  });
  const f = c.fit;
  return {
    tenantId,
    asOf,
    mode: 'full',
    ...counts,
    windowDays: c.window.days,
    windowSource: c.window.source,
    fit: f.status === 'fitted' ? { status: f.status, reason: f.ggReason, r: f.bgnbd.r, alpha: f.bgnbd.alpha, a: f.bgnbd.a, b: f.bgnbd.b, ms: f.ms } : { status: f.status, reason: f.reason, ms: f.ms },
    ms: { ...c.ms, ...t.ms, total: ms },
  };
}

/** Full recompute of one tenant (system work on the owner role: it rebuilds the tenant's partition). */
export async function fullRefresh(services: Services, tenantId: TenantId, opts: { asOf?: string; rebuildFacts?: boolean } = {}): Promise<RefreshReport> {
  const factsAside = () => rebuildFactsAside(services, tenantId);
  const report = await withSystem(services.dbs, (db) => db.transaction().execute((trx) => fullRefreshIn(trx, tenantId, { ...opts, factsAside })));
  invalidateTenantCache(tenantId);
  return report;
}

/**
 * Runs `fn`; if it fails while a facts rebuild runs beside it, waits for that rebuild to end before failing, so the
 * caller's transaction keeps the tenant's analytics lock and no other refresh overlaps the rebuild.
 */
async function holdingLockFor<T>(aside: Promise<unknown> | null, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await aside?.catch(() => undefined);
    throw e;
  }
}

/**
 * The daily facts rebuilt in their own transaction on a dedicated owner connection (not one of the pool's: the
 * caller already holds one and waits for this, so taking a second from a busy pool could deadlock). Committed
 * before the caller's transaction; if that one fails, the facts are still right and are rebuilt next time.
 */
async function rebuildFactsAside(services: Services, tenantId: TenantId): Promise<Date | null> {
  const conn = makeSql(services.ownerUrl, 1);
  try {
    return await makeKysely(conn).transaction().execute(async (trx) => {
      await tuneForBulk(trx);
      return rebuildDailyFacts(trx, tenantId);
    });
  } finally {
    await conn.end();
  }
}

/** One batch of touched customers; falls back to a full recompute without state or when the local day moved on. */
export async function refreshTouchedBatch(services: Services, tenantId: TenantId, opts: { limit?: number } = {}): Promise<RefreshReport> {
  const needsFull = await withTenant(services.dbs, tenantId, async (trx) => {
    const state = await getState(trx, tenantId);
    if (!state || (await tenantToday(trx, tenantId)) > state.as_of) return true;
    // A writer that touched most of the tenant asked for a full recompute instead of queueing every customer.
    return hasFullRefreshRequest(trx, tenantId);
  });
  if (needsFull) return fullRefresh(services, tenantId);
  const report = await withTenant(services.dbs, tenantId, async (trx): Promise<RefreshReport> => {
    const started = Date.now();
    await lockTenantAnalytics(trx, tenantId);
    const state = await getState(trx, tenantId);
    if (!state) throw new Error('analytics state disappeared');
    const t = timer();
    await tuneForBulk(trx);
    const processed = await takeTouched(trx, tenantId, opts.limit ?? 50_000);
    t.lap('take');
    const fitRow = await latestFit(trx, tenantId, state.as_of);
    const base = {
      tenantId,
      asOf: state.as_of,
      customers: state.customers,
      buyers: state.buyers,
      repeaters: state.repeaters,
      windowDays: state.window_days,
      windowSource: state.window_source,
      fit: { status: fitRow?.status ?? 'none', reason: fitRow?.reason ?? null, ms: 0 },
    };
    if (processed === 0) {
      // Nothing queued, but anonymous orders may have arrived: keep the daily facts current.
      const facts = await refreshDirtyFacts(trx, tenantId, state.facts_watermark);
      if (facts.days !== 0) {
        await bumpStateFacts(trx, tenantId, state.version + 1, facts.watermark);
      }
      return { ...base, mode: 'none', processed: 0, ms: { total: Date.now() - started } };
    }
    await captureSnapshotContribution(trx, tenantId, '_an_old');
    await buildCustomerStats(trx, tenantId, state.as_of, 'touched' satisfies CustomerSet);
    t.lap('stats');
    const triples = await fetchTriples(trx, state.as_of);
    await storePredictions(trx, triples, fitRow?.bgnbd ? predictTriples(fitRow.bgnbd, triples) : null);
    t.lap('predictions');
    await writeMetrics(trx, {
      tenantId,
      asOf: state.as_of,
      set: 'touched',
      windowDays: state.window_days,
      tenantMedian: state.median_interval_days,
      gg: fitRow?.gg ?? null,
      breaks: state.rfm_breaks,
      target: 'customer_metrics',
    });
    await deleteMergedTouched(trx, tenantId);
    t.lap('write');
    await captureSnapshotContribution(trx, tenantId, '_an_new');
    await applySnapshotDelta(trx, tenantId, state.as_of);
    t.lap('snapshot');
    const facts = await refreshDirtyFacts(trx, tenantId, state.facts_watermark);
    t.lap('daily_facts');
    const counts = await countsFromSnapshot(trx, tenantId, state.as_of);
    const ms = Date.now() - started;
    await updateIncrementalState(trx, tenantId, { version: state.version + 1, ...counts, facts_watermark: facts.watermark, last_incremental_ms: ms });
    return { ...base, ...counts, mode: 'incremental', processed, ms: { ...t.ms, total: ms } };
  });
  invalidateTenantCache(tenantId);
  return report;
}

/** Processes the tenant's whole refresh queue in batches. */
export async function refreshTouched(services: Services, tenantId: TenantId, opts: { limit?: number; maxBatches?: number } = {}): Promise<RefreshReport[]> {
  const reports: RefreshReport[] = [];
  const limit = opts.limit ?? 50_000;
  for (let i = 0; i < (opts.maxBatches ?? 100); i++) {
    const r = await refreshTouchedBatch(services, tenantId, { limit });
    reports.push(r);
    // A short batch drained the queue (a full recompute covers everything).
    if (r.mode !== 'incremental' || (r.processed ?? 0) < limit) break;
  }
  return reports;
}

// -------------------------------------------------------------------------------------------- as-of reads

/**
 * The relation holding per-customer metrics at D: `customer_metrics` when D is the stored date (or omitted),
 * else a temp table computed for D in this transaction (every order after D ignored).
 */
export async function metricsAt(trx: Tx, tenantId: TenantId, asOf: string | undefined): Promise<{ relation: 'customer_metrics' | '_an_cm'; asOf: string | null; windowDays: number | null }> {
  const state = await getState(trx, tenantId);
  if (!asOf || (state && asOf === state.as_of)) return { relation: 'customer_metrics', asOf: state?.as_of ?? null, windowDays: state?.window_days ?? null };
  assertIsoDate(asOf);
  const c = await computeAll(trx, tenantId, asOf, '_an_cm');
  return { relation: '_an_cm', asOf, windowDays: c.window.days };
}

/** The model at D: the stored fit of that date, else a fit computed now (not stored). */
export async function modelAt(trx: Tx, tenantId: TenantId, asOf: string | undefined): Promise<StoredFit | null> {
  const state = await getState(trx, tenantId);
  const d = asOf ?? state?.as_of;
  if (!d) return null;
  assertIsoDate(d);
  const stored = await latestFit(trx, tenantId, d);
  if (stored) return stored;
  await tuneForBulk(trx);
  await buildCustomerStats(trx, tenantId, d, 'all');
  const fit = fitTenantModel(await fetchTriples(trx, d), await fetchSpendRows(trx));
  return {
    as_of: d,
    status: fit.status,
    reason: fit.status === 'fitted' ? fit.ggReason : fit.reason,
    customers: fit.customers,
    repeaters: fit.repeaters,
    bgnbd: fit.status === 'fitted' ? { r: fit.bgnbd.r, alpha: fit.bgnbd.alpha, a: fit.bgnbd.a, b: fit.bgnbd.b, logLikelihood: fit.bgnbd.logLikelihood, converged: fit.bgnbd.converged } : null,
    gg: fit.status === 'fitted' && fit.gg ? { p: fit.gg.p, q: fit.gg.q, v: fit.gg.v, logLikelihood: fit.gg.logLikelihood, converged: fit.gg.converged } : null,
    fitMs: fit.ms,
    distinctRows: fit.rows,
    backtest: null,
    createdAt: new Date(),
  };
}

/** Snapshots of past days (trend history for a new tenant or the demo), each computed at its own D. */
export async function backfillSnapshots(services: Services, tenantId: TenantId, days: string[]): Promise<void> {
  for (const day of days) {
    assertIsoDate(day);
    await withTenant(services.dbs, tenantId, async (trx) => {
      await lockTenantAnalytics(trx, tenantId);
      await computeAll(trx, tenantId, day, '_an_cm', { fit: false });
      await writeSnapshot(trx, tenantId, day, '_an_cm');
    });
  }
  invalidateTenantCache(tenantId);
}

// ---------------------------------------------------------------------------------------------- backtest

/**
 * Calibrate on purchase days up to C = D − h, fit BG/NBD there, and compare its expected repeat purchase days in
 * (C, D] with the actual ones, per calibration frequency. Stored with the newest fit at D.
 */
export async function computeBacktest(services: Services, tenantId: TenantId, opts: { asOf?: string; holdoutDays?: number } = {}): Promise<StoredBacktest> {
  const result = await withTenant(services.dbs, tenantId, async (trx) => {
    const state = await getState(trx, tenantId);
    const asOf = opts.asOf ?? state?.as_of ?? (await tenantToday(trx, tenantId));
    assertIsoDate(asOf);
    const h = opts.holdoutDays ?? 90;
    const cal = addDays(asOf, -h);
    await tuneForBulk(trx);
    const rows = await backtestRows(trx, tenantId, asOf, cal);
    const triples = { x: [] as number[], tx: [] as number[], T: [] as number[], n: [] as number[] };
    const expanded = { x: [] as number[], tx: [] as number[], T: [] as number[], holdout: [] as number[] };
    for (const row of rows) {
      triples.x.push(Number(row.x));
      triples.tx.push(Number(row.tx));
      triples.T.push(Number(row.t));
      triples.n.push(Number(row.n));
      for (let k = 0; k < Number(row.n); k++) {
        expanded.x.push(Number(row.x));
        expanded.tx.push(Number(row.tx));
        expanded.T.push(Number(row.t));
        expanded.holdout.push(Number(row.hold));
      }
    }
    const fit = fitTenantModel(triples, { x: [], meanSpend: [], n: [] });
    let stored: StoredBacktest;
    if (fit.status !== 'fitted') {
      stored = { calibrationEnd: cal, holdoutEnd: asOf, holdoutDays: h, customers: fit.customers, totalPredicted: 0, totalActual: 0, relativeError: null, params: null, groups: [], reason: fit.reason };
    } else {
      const bt = runBacktest(fit.bgnbd, expanded, h);
      stored = {
        calibrationEnd: cal,
        holdoutEnd: asOf,
        holdoutDays: h,
        customers: bt.customers,
        totalPredicted: bt.totalPredicted,
        totalActual: bt.totalActual,
        relativeError: Number.isFinite(bt.relativeError) ? bt.relativeError : null,
        params: { r: fit.bgnbd.r, alpha: fit.bgnbd.alpha, a: fit.bgnbd.a, b: fit.bgnbd.b },
        groups: bt.groups.map((g) => ({ label: g.label, customers: g.customers, predicted: g.predicted, actual: g.actual })),
      };
    }
    await storeBacktest(trx, tenantId, asOf, stored);
    return stored;
  });
  invalidateTenantCache(tenantId);
  return result;
}

// ----------------------------------------------------------------------------------------------- caching

type Invalidator = (tenantId: TenantId) => void;
const invalidators: Invalidator[] = [];
/** Read-model caches register here so a refresh in this process drops their entries at once. */
export function onRefresh(fn: Invalidator): void {
  invalidators.push(fn);
}
function invalidateTenantCache(tenantId: TenantId): void {
  for (const f of invalidators) f(tenantId);
}

export { customerCounts, getState, latestFit };
export type { AnalyticsState } from './state.repository';
export type { StoredFit } from './model-fits.repository';
