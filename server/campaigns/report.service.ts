/**
 * The campaign report (issue #15 point 7): counts from report.repository.ts, the uplift and its 95% interval from
 * uplift.ts, for the campaign, each store and each clerk, and the cumulative conversion of reached recipients and
 * holdout over the days of the attribution window. A manager sees the stores of their scope only.
 */
import type { CampaignReportJson, ClerkReportJson, ReportDayJson, ReportGroupJson, ReportSort, StoreReportJson } from '../../app/lib/contracts/campaign-report';
import { storeScopeSql } from '../customers/scope';
import { NotFoundError } from '../lib/errors';
import { assertCan, type Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import * as repo from './report.repository';
import { computeUplift } from './uplift';

export interface ReportOptions {
  runId?: string | null;
  sort?: ReportSort;
  dir?: 'asc' | 'desc';
  now?: Date;
}

const rate = (n: number, d: number) => (d > 0 ? n / d : null);

/** One group's numbers with its uplift (what the API calls a report, a store row or a clerk row). */
export function groupReport(c: repo.GroupCounts, tasks: { created: number; confirmed: number }): ReportGroupJson {
  const u = computeUplift({ customers: c.reached, converted: c.converted, revenueFen: c.revenue_fen }, { customers: c.holdout, converted: c.holdout_converted, revenueFen: c.holdout_revenue_fen });
  const ordersPer = rate(c.orders, c.reached);
  const holdoutOrdersPer = rate(c.holdout_orders, c.holdout);
  const round = (x: number | null) => (x === null ? null : Math.round(x));
  return {
    audience: c.audience,
    holdout: c.holdout,
    recipients: c.recipients,
    tasks,
    reached: c.reached,
    converted: c.converted,
    conversion_rate: u.conversionRate,
    holdout_converted: c.holdout_converted,
    holdout_conversion_rate: u.holdoutConversionRate,
    uplift: { absolute: u.absolute, low: u.low, high: u.high, significant: u.significant, relative: u.relative },
    revenue_per_recipient_fen: round(u.revenuePerRecipientFen),
    holdout_revenue_per_recipient_fen: round(u.holdoutRevenuePerRecipientFen),
    orders: c.orders,
    revenue_fen: c.revenue_fen,
    holdout_orders: c.holdout_orders,
    holdout_revenue_fen: c.holdout_revenue_fen,
    incremental: {
      conversions: u.incrementalConversions === null ? null : Math.round(u.incrementalConversions * 10) / 10,
      orders: ordersPer === null || holdoutOrdersPer === null ? null : Math.round((ordersPer - holdoutOrdersPer) * c.reached * 10) / 10,
      revenue_fen: u.incrementalRevenueFen,
    },
    execution_rate: rate(tasks.confirmed, tasks.created),
  };
}

/** Cumulative conversion by the end of each day 1…days, from first conversions per day. */
export function cumulativeDays(days: number, counts: repo.DayCount[], reached: number, holdout: number): ReportDayJson[] {
  const out: ReportDayJson[] = [];
  let a = 0;
  let b = 0;
  for (let day = 1; day <= days; day++) {
    const c = counts.find((x) => x.day === day);
    a += c?.reached ?? 0;
    b += c?.holdout ?? 0;
    out.push({ day, conversions: a, holdout_conversions: b, conversion_rate: rate(a, reached), holdout_conversion_rate: rate(b, holdout) });
  }
  return out;
}

const SORT_VALUE: Record<ReportSort, (r: ClerkReportJson | StoreReportJson) => number | string | null> = {
  name: (r) => ('clerk_name' in r ? r.clerk_name : r.store_name) ?? '',
  recipients: (r) => r.recipients,
  reached: (r) => r.reached,
  converted: (r) => r.converted,
  conversion_rate: (r) => r.conversion_rate,
  uplift: (r) => r.uplift.absolute,
  revenue_per_recipient_fen: (r) => r.revenue_per_recipient_fen,
  execution_rate: (r) => r.execution_rate,
};

/** Rows sorted by an allow-listed column; empty values last whatever the direction. */
export function sortRows<T extends StoreReportJson>(rows: T[], sort: ReportSort, dir: 'asc' | 'desc'): T[] {
  const v = SORT_VALUE[sort];
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((x, y) => {
    const a = v(x);
    const b = v(y);
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
    return (typeof a === 'string' ? a.localeCompare(String(b), 'zh-CN') : a - (b as number)) * sign;
  });
}

export async function campaignReport(trx: Tx, actor: Actor, campaignId: string, opts: ReportOptions = {}): Promise<CampaignReportJson> {
  assertCan(actor, 'campaigns.view');
  const tenantId = actor.tenantId;
  const head = await repo.campaignHead(trx, tenantId, campaignId);
  if (!head) throw new NotFoundError('Campaign not found');
  const scope: repo.ReportScope = { campaignId, runId: opts.runId ?? null, storeFilter: storeScopeSql(actor, 'st.store_id') };
  const [groups, tasks, days, win] = [await repo.reportGroups(trx, tenantId, scope), await repo.reportTasks(trx, tenantId, scope), await repo.reportDays(trx, tenantId, scope), await repo.reportWindow(trx, tenantId, scope)];
  const taskOf = (level: string, storeId: string | null, staffId: string | null) => {
    const t = tasks.find((x) => x.level === level && (level === 'total' || x.store_id === storeId) && (level !== 'clerk' || x.staff_id === staffId));
    return { created: t?.created ?? 0, confirmed: t?.confirmed ?? 0 };
  };
  const empty: repo.GroupCounts = { level: 'total', store_id: null, store_name: null, staff_id: null, clerk_name: null, audience: 0, holdout: 0, recipients: 0, reached: 0, converted: 0, orders: 0, revenue_fen: 0, holdout_converted: 0, holdout_orders: 0, holdout_revenue_fen: 0 };
  const total = groups.find((g) => g.level === 'total') ?? empty;
  const { execution_rate: _, ...totals } = groupReport(total, taskOf('total', null, null));
  const sort = opts.sort ?? 'reached';
  const dir = opts.dir ?? 'desc';
  const byStore = groups.filter((g) => g.level === 'store').map((g) => ({ store_id: g.store_id, store_name: g.store_name, ...groupReport(g, taskOf('store', g.store_id, null)) }));
  const byClerk = groups.filter((g) => g.level === 'clerk').map((g) => ({ store_id: g.store_id, store_name: g.store_name, staff_id: g.staff_id, clerk_name: g.clerk_name, ...groupReport(g, taskOf('clerk', g.store_id, g.staff_id)) }));
  const now = opts.now ?? new Date();
  return {
    ...totals,
    by_store: sortRows(byStore, sort, dir),
    by_clerk: sortRows(byClerk, sort, dir),
    campaign_id: campaignId,
    run_id: opts.runId ?? null,
    attribution_days: head.attribution_days,
    window: { starts_at: win.starts_at?.toISOString() ?? null, ends_at: win.ends_at?.toISOString() ?? null, complete: win.ends_at !== null && win.ends_at.getTime() <= now.getTime() },
    daily: cumulativeDays(head.attribution_days, days, total.reached, total.holdout),
  };
}
