/**
 * The customers list page, everything it shows read in one tenant transaction — the list through the rule compiler
 * (or the plain list before the first analytics run), the WeCom columns and tag options of the page's rows, and the
 * user's own "all matching" bulk actions with their progress.
 */
import { listContext } from '../analytics/queries/read';
import { recentListActions } from '../segments/actions.repository';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { wecomColumnsFor } from '../wecom/customer-wecom.repository';
import { listTagOptions } from '../wecom/tags.repository';
import { listCustomerMetrics, type CustomerFilters, type CustomerRow, type MetricSort } from './customer-list.service';
import { listCustomers } from './customers.repository';

const LEGACY_SORTS = { name: 'name', first_purchase: 'created_at' } as const;

export async function customersPage(services: Services, actor: Actor, p: { sort: MetricSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }, filters: CustomerFilters, opts: { withActions: boolean }) {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const { state, options } = await listContext(trx, actor);
    let list: { computed: boolean; asOf: string | null; total: number; rows: CustomerRow[]; legacy: Awaited<ReturnType<typeof listCustomers>>['rows'] };
    if (!state) {
      const sort = p.sort === 'name' || p.sort === 'first_purchase' ? LEGACY_SORTS[p.sort] : 'created_at';
      const legacy = await listCustomers(trx, actor, { sort, dir: p.dir, page: p.page, size: p.size, q: p.q, tagId: filters.tag });
      list = { computed: false, asOf: null, total: legacy.total, rows: [], legacy: legacy.rows };
    } else {
      const l = await listCustomerMetrics(trx, actor, { sort: p.sort, dir: p.dir, page: p.page, size: p.size, filters }, options, 'customer_metrics', state.as_of);
      list = { computed: true, asOf: state.as_of, total: l.total, rows: l.rows, legacy: [] };
    }
    const ids = list.computed ? list.rows.map((r) => r.id) : list.legacy.map((r) => r.id);
    const wecom = { columns: await wecomColumnsFor(trx, actor, ids), tagOptions: await listTagOptions(trx, actor.tenantId) };
    const actions = opts.withActions ? await recentListActions(trx, actor.tenantId, actor.staffId) : [];
    return {
      ...list,
      options,
      wecom,
      listActions: actions.map((a) => ({ id: a.id, kind: a.kind, status: a.status, total: a.total, done: a.done, pending: a.pending, failed: a.failed, skipped: a.skipped, error: a.error, tagName: (a.params as { tagName?: string }).tagName ?? '' })),
    };
  });
}
