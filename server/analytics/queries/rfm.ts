/** The RFM grid and groups (the RFM dashboard and GET /api/v1/analytics/rfm). */
import { sql } from 'kysely';
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { ratio } from '../aggregate';
import type { FilterInput } from '../filters';
import { metricsAt } from '../refresh.service';
import { RFM_GROUPS, RFM_MATRIX, type RfmGroup } from '../rfm';
import { runRead, type Ctx } from './read';
import { custScope, period } from './sql';

export interface RfmCell {
  r: number;
  fm: number;
  group: RfmGroup;
  customers: number;
  revenueFen: number;
}
export interface RfmGroupRow {
  group: RfmGroup;
  customers: number;
  share: number | null;
  revenueFen: number;
  avgFrequency: number | null;
  avgRecencyDays: number | null;
  avgMonetaryFen: number | null;
}

async function rfmOf(c: Ctx, relation: 'customer_metrics' | '_an_cm', acquisition: { from: string | null; to: string } | null) {
  const r = await sql<{ r: number; fm: number; customers: number; revenue: number; f_sum: number; r_sum: number }>`
    select cm.r_score as r, cm.fm_score as fm, count(*)::int as customers, coalesce(sum(cm.monetary_fen), 0)::bigint as revenue,
      coalesce(sum(cm.frequency), 0)::bigint as f_sum, coalesce(sum(cm.recency_days), 0)::bigint as r_sum
    from ${sql.table(relation)} cm
    where cm.tenant_id = ${c.actor.tenantId} and cm.frequency >= 1 and ${custScope(c)}
      ${acquisition ? sql`and ${period('cm.first_purchase', acquisition.from, acquisition.to)}` : sql``}
    group by 1, 2`.execute(c.trx);
  const byCell = new Map(r.rows.map((x) => [`${x.r}:${x.fm}`, x]));
  const grid: RfmCell[] = [];
  for (const rs of [5, 4, 3, 2, 1] as const) {
    for (let fm = 1; fm <= 5; fm++) {
      const x = byCell.get(`${rs}:${fm}`);
      grid.push({ r: rs, fm, group: RFM_MATRIX[rs][fm - 1]!, customers: x?.customers ?? 0, revenueFen: x?.revenue ?? 0 });
    }
  }
  const total = r.rows.reduce((s, x) => s + x.customers, 0);
  const groups: RfmGroupRow[] = RFM_GROUPS.map((g) => {
    const cells = r.rows.filter((x) => RFM_MATRIX[x.r as 1 | 2 | 3 | 4 | 5]?.[x.fm - 1] === g);
    const customers = cells.reduce((s, x) => s + x.customers, 0);
    const revenue = cells.reduce((s, x) => s + x.revenue, 0);
    return {
      group: g,
      customers,
      share: ratio(customers, total),
      revenueFen: revenue,
      avgFrequency: customers ? cells.reduce((s, x) => s + x.f_sum, 0) / customers : null,
      avgRecencyDays: customers ? cells.reduce((s, x) => s + x.r_sum, 0) / customers : null,
      avgMonetaryFen: customers ? revenue / customers : null,
    };
  });
  return { customers: total, grid, groups };
}

/** GET /api/v1/analytics/rfm: the grid and groups at as_of; from/to select customers by first purchase day. */
export async function analyticsRfm(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'rfm', input, null, async (c) => {
    const at = await metricsAt(c.trx, actor.tenantId, c.f.input.as_of);
    const acquisition = c.f.input.from || c.f.input.to ? { from: c.f.from, to: c.f.to } : null;
    return rfmOf(c, at.relation, acquisition);
  });
}

export async function dashboardRfm(services: Services, actor: Actor, input: FilterInput) {
  return runRead(services, actor, 'rfm-dash', input, 90, async (c) => {
    const at = await metricsAt(c.trx, actor.tenantId, c.f.input.as_of);
    return rfmOf(c, at.relation, null);
  });
}
