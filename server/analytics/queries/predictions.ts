/** The Predictions dashboard and GET /api/v1/analytics/model: the fit, P(alive), expected purchases, value tiers, per store. */
import { sql } from 'kysely';
import { OTHER_STORES } from '../../../app/lib/contracts/dashboard';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { bucketize, type Bucket } from '../aggregate';
import type { FilterInput } from '../filters';
import { latestFit, modelAt, type StoredFit } from '../refresh.service';
import { runRead, type Ctx } from './read';
import { custScope, PAID } from './sql';

export type ModelResponse =
  | {
      status: 'fitted';
      as_of: string;
      bgnbd: { r: number; alpha: number; a: number; b: number; unit: 'day'; log_likelihood: number | null; converged: boolean | null };
      gamma_gamma: { p: number; q: number; v: number; unit: 'fen'; log_likelihood: number | null; converged: boolean | null } | null;
      customers: number;
      repeaters: number;
      reason: string | null;
    }
  | { status: 'insufficient_data' | 'failed' | 'not_computed'; as_of: string | null; bgnbd: null; gamma_gamma: null; customers: number; repeaters: number; reason: string };

function modelResponse(fit: StoredFit | null): ModelResponse {
  if (!fit) return { status: 'not_computed', as_of: null, bgnbd: null, gamma_gamma: null, customers: 0, repeaters: 0, reason: '尚未计算，请先刷新分析数据 / Not computed yet: run the analytics refresh first' };
  if (fit.status !== 'fitted' || !fit.bgnbd) return { status: fit.status === 'fitted' ? 'failed' : fit.status, as_of: fit.as_of, bgnbd: null, gamma_gamma: null, customers: fit.customers, repeaters: fit.repeaters, reason: fit.reason ?? 'no fit' };
  return {
    status: 'fitted',
    as_of: fit.as_of,
    bgnbd: { r: fit.bgnbd.r, alpha: fit.bgnbd.alpha, a: fit.bgnbd.a, b: fit.bgnbd.b, unit: 'day', log_likelihood: fit.bgnbd.logLikelihood, converged: fit.bgnbd.converged },
    gamma_gamma: fit.gg ? { p: fit.gg.p, q: fit.gg.q, v: fit.gg.v, unit: 'fen', log_likelihood: fit.gg.logLikelihood, converged: fit.gg.converged } : null,
    customers: fit.customers,
    repeaters: fit.repeaters,
    reason: fit.reason,
  };
}

/** GET /api/v1/analytics/model (the fit is per tenant: store/region/from/to are accepted and do not apply). */
export async function analyticsModel(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'model', input, null, async (c) => ({ model: modelResponse(await modelAt(c.trx, actor.tenantId, c.f.input.as_of)) }));
}

/** What a manager acts on, per home store (null id: customers without a store; OTHER_STORES: outside the scope). */
export interface PredictionStoreRow {
  storeId: string | null;
  store: string | null;
  buyers: number;
  /** Expected purchase days in the next 90 days (BG/NBD), summed. */
  expected90: number;
  /** Repeat customers with P(alive) < 50%. */
  likelyToLapse: number;
  /** Their net spend in the 365 days up to D: what the chain loses per year if they have gone. */
  valueAtStakeFen: number;
  valueFen: number;
}

export interface Predictions {
  model: ModelResponse;
  fitMs: number | null;
  distinctRows: number | null;
  pAlive: Bucket[];
  /** One-purchase customers with predictions: P(alive) is 1 by construction and not shown (docs/metrics.md). */
  onePurchase: number;
  expected90: Bucket[];
  /** tier: 1 = top 10%, 2 = 10–30%, 3 = 30–60%, 4 = bottom 40% (labels in app/lib/analytics-labels.ts). */
  tiers: { tier: number; customers: number; valueFen: number; avgPAlive: number | null; avgExpected90: number | null; minValueFen: number | null }[];
  totals: { customers: number; expected30: number; expected90: number; valueFen: number; likelyInactive: number; valueAtStakeFen: number };
  stores: PredictionStoreRow[];
  backtest: StoredFit['backtest'];
}

/** Per home store: buyers, expected purchases in 90 days, customers likely to lapse and the value at stake. */
async function predictionsByStore(c: Ctx): Promise<PredictionStoreRow[]> {
  const t = c.actor.tenantId;
  const asOf = c.state?.as_of ?? c.f.asOf;
  const r = await sql<{ store_id: string | null; store: string | null; buyers: number; e90: number | null; lapsing: number; stake: number | null; v: number | null }>`
    with cust as (
      select cm.customer_id, cm.store_id, cm.exp_purchases_90, cm.predicted_value_12m_fen, cm.frequency >= 2 and cm.p_alive < 0.5 as lapsing
      from customer_metrics cm where cm.tenant_id = ${t} and cm.frequency >= 1 and ${custScope(c)}),
    stake as (
      select k.store_id, sum(o.amount_fen)::bigint as fen
      from cust k join orders o on o.tenant_id = ${t} and o.customer_id = k.customer_id
      where k.lapsing and o.paid_day > ${asOf}::date - 365 and o.paid_day <= ${asOf}::date and ${PAID}
      group by 1),
    per as (
      select store_id, count(*)::int as buyers, sum(exp_purchases_90)::float8 as e90, count(*) filter (where lapsing)::int as lapsing,
        sum(predicted_value_12m_fen)::bigint as v
      from cust group by 1)
    select per.store_id, s.name as store, per.buyers, per.e90, per.lapsing, stake.fen as stake, per.v
    from per left join stake on stake.store_id is not distinct from per.store_id
      left join stores s on s.tenant_id = ${t} and s.id = per.store_id
    order by per.e90 desc nulls last, s.name`.execute(c.trx);
  const rows: PredictionStoreRow[] = r.rows.map((x) => ({
    storeId: x.store_id,
    store: x.store,
    buyers: Number(x.buyers),
    expected90: x.e90 ?? 0,
    likelyToLapse: Number(x.lapsing),
    valueAtStakeFen: Number(x.stake ?? 0),
    valueFen: Number(x.v ?? 0),
  }));
  // A manager's per-customer scope includes customers of other stores served by their clerks: one row for those.
  const scope = c.actor.storeScope;
  if (!scope) return rows;
  const mine = rows.filter((x) => x.storeId !== null && scope.includes(x.storeId));
  const others = rows.filter((x) => !(x.storeId !== null && scope.includes(x.storeId)));
  if (others.length === 0) return mine;
  const sum = (k: 'buyers' | 'expected90' | 'likelyToLapse' | 'valueAtStakeFen' | 'valueFen') => others.reduce((a, x) => a + x[k], 0);
  return [...mine, { storeId: OTHER_STORES, store: null, buyers: sum('buyers'), expected90: sum('expected90'), likelyToLapse: sum('likelyToLapse'), valueAtStakeFen: sum('valueAtStakeFen'), valueFen: sum('valueFen') }];
}


export async function dashboardPredictions(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'predictions', input, 90, async (c): Promise<Predictions> => {
    const t = c.actor.tenantId;
    const fit = c.state ? await latestFit(c.trx, t, c.state.as_of) : null;
    const alive = await sql<{ b: number; n: number }>`
      select least(floor(cm.p_alive * 10), 9)::int as b, count(*)::int as n from customer_metrics cm
      where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.p_alive is not null and ${custScope(c)} group by 1`.execute(c.trx);
    const exp = await sql<{ b: number; n: number }>`
      select least(floor(cm.exp_purchases_90 * 2) / 2, 5)::float8 as b, count(*)::int as n from customer_metrics cm
      where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.exp_purchases_90 is not null and ${custScope(c)} group by 1`.execute(c.trx);
    const tiers = await sql<{ tier: number; n: number; value: number; p: number | null; e: number | null; min: number | null }>`
      select tier, count(*)::int as n, coalesce(sum(v), 0)::bigint as value, avg(p_alive)::float8 as p, avg(e90)::float8 as e, min(v)::bigint as min
      from (
        select cm.predicted_value_12m_fen as v, cm.p_alive, cm.exp_purchases_90 as e90,
          case when percent_rank() over w < 0.1 then 1 when percent_rank() over w < 0.3 then 2 when percent_rank() over w < 0.6 then 3 else 4 end as tier
        from customer_metrics cm
        where cm.tenant_id = ${t} and cm.frequency >= 1 and cm.predicted_value_12m_fen is not null and ${custScope(c)}
        window w as (order by cm.predicted_value_12m_fen desc)) x
      group by 1 order by 1`.execute(c.trx);
    const totals = await sql<{ n: number; e30: number | null; e90: number | null; v: number | null; inactive: number; one: number }>`
      select count(*)::int as n, sum(cm.exp_purchases_30)::float8 as e30, sum(cm.exp_purchases_90)::float8 as e90,
        sum(cm.predicted_value_12m_fen)::bigint as v, count(*) filter (where cm.p_alive < 0.5)::int as inactive,
        count(*) filter (where cm.frequency = 1 and cm.exp_purchases_90 is not null)::int as one
      from customer_metrics cm where cm.tenant_id = ${t} and cm.frequency >= 1 and ${custScope(c)}`.execute(c.trx);
    const tt = totals.rows[0]!;
    const stores = await predictionsByStore(c);
    return {
      model: modelResponse(fit),
      fitMs: fit?.fitMs ?? null,
      distinctRows: fit?.distinctRows ?? null,
      pAlive: bucketize(
        alive.rows.map((x) => ({ value: x.b / 10, count: x.n })),
        [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        (a) => `${Math.round(a * 100)}–${Math.round(a * 100) + 10}%`,
      ),
      onePurchase: tt.one,
      expected90: bucketize(
        exp.rows.map((x) => ({ value: Number(x.b), count: x.n })),
        [0, 0.5, 1, 1.5, 2, 3, 5],
        (a, b) => (b === Infinity ? `≥${a}` : `${a}–${b}`),
      ),
      tiers: tiers.rows.map((x) => ({ tier: Number(x.tier), customers: x.n, valueFen: Number(x.value), avgPAlive: x.p, avgExpected90: x.e, minValueFen: x.min === null ? null : Number(x.min) })),
      totals: {
        customers: tt.n,
        expected30: tt.e30 ?? 0,
        expected90: tt.e90 ?? 0,
        valueFen: Number(tt.v ?? 0),
        likelyInactive: tt.inactive,
        valueAtStakeFen: stores.reduce((a, x) => a + x.valueAtStakeFen, 0),
      },
      stores,
      backtest: fit?.backtest ?? null,
    };
  });
}
