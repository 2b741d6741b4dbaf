/**
 * The SQL of the stored model fits (`analytics_model_fits`) and of the backtest's input: the BG/NBD and Gamma-Gamma
 * parameters of each full recompute, read back for incremental refreshes and the Predictions page.
 */
import { sql } from 'kysely';
import type { StoredBacktest } from '../../db/schema/analytics';
import type { TenantId, Tx } from '../tenancy/context';
import type { BgNbdParams } from './models/bgnbd';
import type { GammaGammaParams } from './models/gamma-gamma';
import type { ModelFitOutcome } from './models/model';
import { jsonText } from './state.repository';


const NO_PARAMS = {
  bgnbd_r: null,
  bgnbd_alpha: null,
  bgnbd_a: null,
  bgnbd_b: null,
  bgnbd_log_likelihood: null,
  bgnbd_converged: null,
  gg_p: null,
  gg_q: null,
  gg_v: null,
  gg_log_likelihood: null,
  gg_converged: null,
  gg_customers: null,
} as const;

function fitParams(fit: ModelFitOutcome) {
  if (fit.status !== 'fitted') return { status: fit.status, reason: fit.reason, ...NO_PARAMS };
  return {
    status: 'fitted' as const,
    reason: fit.ggReason,
    bgnbd_r: fit.bgnbd.r,
    bgnbd_alpha: fit.bgnbd.alpha,
    bgnbd_a: fit.bgnbd.a,
    bgnbd_b: fit.bgnbd.b,
    bgnbd_log_likelihood: fit.bgnbd.logLikelihood,
    bgnbd_converged: fit.bgnbd.converged,
    gg_p: fit.gg?.p ?? null,
    gg_q: fit.gg?.q ?? null,
    gg_v: fit.gg?.v ?? null,
    gg_log_likelihood: fit.gg?.logLikelihood ?? null,
    gg_converged: fit.gg?.converged ?? null,
    gg_customers: fit.gg ? Math.round(fit.gg.customers) : null,
  };
}

/** Stores the fit of a full recompute at D and keeps the history bounded to the newest fits of the tenant. */
export async function insertModelFit(trx: Tx, tenantId: TenantId, asOf: string, fit: ModelFitOutcome): Promise<void> {
  await trx
    .insertInto('analytics_model_fits')
    .values({
      tenant_id: tenantId,
      as_of: asOf,
      customers: fit.customers,
      repeaters: fit.repeaters,
      distinct_rows: fit.rows,
      fit_ms: fit.ms,
      ...fitParams(fit),
      backtest: null,
    })
    .execute();
  // Keep the history bounded: the newest 60 fits per tenant.
  await sql`delete from analytics_model_fits where tenant_id = ${tenantId} and id not in (
    select id from analytics_model_fits where tenant_id = ${tenantId} order by created_at desc limit 60)`.execute(trx);
}

export interface StoredFit {
  as_of: string;
  status: 'fitted' | 'insufficient_data' | 'failed';
  reason: string | null;
  customers: number;
  repeaters: number;
  bgnbd: (BgNbdParams & { logLikelihood: number | null; converged: boolean | null }) | null;
  gg: (GammaGammaParams & { logLikelihood: number | null; converged: boolean | null }) | null;
  fitMs: number | null;
  distinctRows: number | null;
  backtest: StoredBacktest | null;
  createdAt: Date;
}

/** The newest stored fit at D (or the newest overall when D is omitted). */
export async function latestFit(trx: Tx, tenantId: TenantId, asOf?: string): Promise<StoredFit | null> {
  let q = trx.selectFrom('analytics_model_fits').selectAll().where('tenant_id', '=', tenantId);
  if (asOf) q = q.where('as_of', '=', asOf);
  const r = await q.orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  if (!r) return null;
  const bg = r.bgnbd_r !== null && r.bgnbd_alpha !== null && r.bgnbd_a !== null && r.bgnbd_b !== null;
  const gg = r.gg_p !== null && r.gg_q !== null && r.gg_v !== null;
  return {
    as_of: r.as_of,
    status: r.status,
    reason: r.reason,
    customers: r.customers,
    repeaters: r.repeaters,
    bgnbd: bg ? { r: r.bgnbd_r!, alpha: r.bgnbd_alpha!, a: r.bgnbd_a!, b: r.bgnbd_b!, logLikelihood: r.bgnbd_log_likelihood, converged: r.bgnbd_converged } : null,
    gg: gg ? { p: r.gg_p!, q: r.gg_q!, v: r.gg_v!, logLikelihood: r.gg_log_likelihood, converged: r.gg_converged } : null,
    fitMs: r.fit_ms,
    distinctRows: r.distinct_rows,
    backtest: r.backtest,
    createdAt: r.created_at,
  };
}

/** Attaches a backtest to the newest stored fit at D (none if there is no fit at D). */
export async function storeBacktest(trx: Tx, tenantId: TenantId, asOf: string, backtest: StoredBacktest): Promise<void> {
  await sql`update analytics_model_fits set backtest = ${jsonText(backtest)}
    where tenant_id = ${tenantId} and id = (select id from analytics_model_fits where tenant_id = ${tenantId} and as_of = ${asOf}::date order by created_at desc limit 1)`.execute(trx);
}

/** A backtest group: customers with the same calibration (x, t_x, T) and the same number of holdout purchase days. */
export interface BacktestRow {
  x: number;
  tx: number;
  t: number;
  hold: number;
  n: number;
}

/**
 * Per customer, purchase days up to the calibration end C (x = repeat days, t_x, T at C) and in (C, D], grouped
 * into distinct rows with their customer count.
 */
export async function backtestRows(trx: Tx, tenantId: TenantId, asOf: string, cal: string): Promise<BacktestRow[]> {
  const r = await sql<BacktestRow>`
    with pd as (
      select customer_id, paid_day as day from orders
      where tenant_id = ${tenantId} and customer_id is not null and amount_fen > 0 and not is_refund and paid_day <= ${asOf}::date
      group by 1, 2),
    c as (
      select customer_id, count(*) filter (where day <= ${cal}::date) as f,
        min(day) filter (where day <= ${cal}::date) as first_day, max(day) filter (where day <= ${cal}::date) as last_day,
        count(*) filter (where day > ${cal}::date) as hold
      from pd group by 1)
    select f - 1 as x, last_day - first_day as tx, ${cal}::date - first_day as t, hold, count(*)::int as n
    from c where f >= 1 group by 1, 2, 3, 4`.execute(trx);
  return r.rows;
}
