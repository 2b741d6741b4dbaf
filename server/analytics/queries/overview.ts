/** The Overview dashboard: KPI cards against the previous period and the trends; pre-aggregated sources only. */
import { sql } from 'kysely';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { storeScopeSql } from '../../customers/scope';
import { change, previousPeriod, ratio, weekStart, type Change } from '../aggregate';
import { storeFilterSql, type FilterInput } from '../filters';
import { addDays, STAGES, type LifecycleStage } from '../lifecycle';
import { runRead, type Ctx } from './read';
import { snapshotTotals, snapshotTrend, type TrendPoint } from './snapshots';
import { channelFilter, keyScope, period } from './sql';

export interface OrderTotals {
  paidOrders: number;
  refundOrders: number;
  paidFen: number;
  refundFen: number;
  identifiedFen: number;
  identifiedOrders: number;
}

async function factTotals(c: Ctx, from: string | null, to: string): Promise<OrderTotals> {
  const r = await sql<{ paid_orders: number; refund_orders: number; paid_fen: number; refund_fen: number; identified_fen: number; identified_orders: number }>`
    select coalesce(sum(paid_orders), 0)::int as paid_orders, coalesce(sum(refund_orders), 0)::int as refund_orders,
      coalesce(sum(paid_fen), 0)::bigint as paid_fen, coalesce(sum(refund_fen), 0)::bigint as refund_fen,
      coalesce(sum(identified_fen), 0)::bigint as identified_fen, coalesce(sum(identified_orders), 0)::int as identified_orders
    from analytics_daily_facts
    where tenant_id = ${c.actor.tenantId} and ${period('day', from, to)} and ${keyScope(c)} ${channelFilter(c)}`.execute(c.trx);
  const x = r.rows[0]!;
  return { paidOrders: x.paid_orders, refundOrders: x.refund_orders, paidFen: x.paid_fen, refundFen: x.refund_fen, identifiedFen: x.identified_fen, identifiedOrders: x.identified_orders };
}

export interface RevenuePoint {
  bucket: string;
  identifiedFen: number;
  anonymousFen: number;
  refundFen: number;
  privateShare: number | null;
}

async function revenueTrend(c: Ctx, from: string, to: string): Promise<RevenuePoint[]> {
  const days = Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;
  const unit = days > 120 ? 'month' : days > 31 ? 'week' : 'day';
  const r = await sql<{ day: string; identified: number; paid: number; refund: number }>`
    select day::text as day, coalesce(sum(identified_fen), 0)::bigint as identified, coalesce(sum(paid_fen), 0)::bigint as paid, coalesce(sum(refund_fen), 0)::bigint as refund
    from analytics_daily_facts
    where tenant_id = ${c.actor.tenantId} and day between ${from}::date and ${to}::date and ${keyScope(c)} ${channelFilter(c)}
    group by 1 order by 1`.execute(c.trx);
  const buckets = new Map<string, RevenuePoint>();
  const keyOf = (d: string) => (unit === 'month' ? d.slice(0, 7) : unit === 'week' ? weekStart(d) : d);
  for (let i = 0; i < days; i++) {
    const k = keyOf(addDays(from, i));
    if (!buckets.has(k)) buckets.set(k, { bucket: k, identifiedFen: 0, anonymousFen: 0, refundFen: 0, privateShare: null });
  }
  for (const x of r.rows) {
    const b = buckets.get(keyOf(x.day))!;
    b.identifiedFen += x.identified;
    b.anonymousFen += x.paid - x.identified;
    b.refundFen += x.refund;
  }
  return [...buckets.values()].map((b) => ({ ...b, privateShare: ratio(b.identifiedFen, b.identifiedFen + b.anonymousFen) }));
}

async function newCustomers(c: Ctx, from: string, to: string): Promise<number> {
  const r = await sql<{ n: number }>`
    select count(*)::int as n from customer_metrics cm
    where cm.tenant_id = ${c.actor.tenantId} and cm.first_purchase between ${from}::date and ${to}::date and ${storeScopeSql(c.actor, 'cm.store_id')} and ${storeFilterSql(c.f, 'cm.store_id')}`.execute(c.trx);
  return r.rows[0]?.n ?? 0;
}

async function chainCounts(c: Ctx): Promise<{ stores: number; clerks: number }> {
  const r = await sql<{ stores: number; clerks: number }>`
    select (select count(*)::int from stores s where s.tenant_id = ${c.actor.tenantId} and s.active and ${storeScopeSql(c.actor, 's.id')} and ${storeFilterSql(c.f, 's.id')}) as stores,
      (select count(*)::int from staff st where st.tenant_id = ${c.actor.tenantId} and st.active and st.role = 'clerk' and ${storeScopeSql(c.actor, 'st.store_id')} and ${storeFilterSql(c.f, 'st.store_id')}) as clerks`.execute(c.trx);
  return r.rows[0]!;
}

export interface Overview {
  period: { from: string; to: string; prevFrom: string; prevTo: string; days: number };
  kpis: {
    revenueFen: Change;
    paidOrders: Change;
    privateShare: Change;
    newCustomers: Change;
    buyers: Change;
    repurchaseRate: Change;
    active: Change;
    atRisk: Change;
    due: number;
  };
  chain: { stores: number; clerks: number };
  stages: { stage: LifecycleStage; customers: number }[];
  customerTrend: TrendPoint[];
  revenueTrend: RevenuePoint[];
  snapshotDay: string | null;
}

/** The Overview: KPI cards against the previous period and the three trends; pre-aggregated sources only. */
export async function dashboardOverview(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'overview', input, 90, async (c): Promise<Overview> => {
    const from = c.f.from!;
    const to = c.f.to;
    const prev = previousPeriod(from, to);
    const [cur, before, now, then, nNow, nThen, chain] = [
      await factTotals(c, from, to),
      await factTotals(c, prev.from, prev.to),
      await snapshotTotals(c, to),
      await snapshotTotals(c, prev.to),
      await newCustomers(c, from, to),
      await newCustomers(c, prev.from, prev.to),
      await chainCounts(c),
    ];
    return {
      period: { from, to, prevFrom: prev.from, prevTo: prev.to, days: prev.days },
      kpis: {
        revenueFen: change(cur.paidFen, before.paidFen),
        paidOrders: change(cur.paidOrders, before.paidOrders),
        privateShare: change(ratio(cur.identifiedFen, cur.paidFen), ratio(before.identifiedFen, before.paidFen)),
        newCustomers: change(nNow, nThen),
        buyers: change(now.buyers, then.day ? then.buyers : null),
        repurchaseRate: change(ratio(now.repeaters, now.buyers), then.day ? ratio(then.repeaters, then.buyers) : null),
        active: change(now.byStage.new + now.byStage.active, then.day ? then.byStage.new + then.byStage.active : null),
        atRisk: change(now.byStage.at_risk, then.day ? then.byStage.at_risk : null),
        due: now.due,
      },
      chain,
      stages: STAGES.map((s) => ({ stage: s, customers: now.byStage[s] })),
      customerTrend: await snapshotTrend(c, from, to, 60),
      revenueTrend: await revenueTrend(c, from, to),
      snapshotDay: now.day,
    };
  });
}
