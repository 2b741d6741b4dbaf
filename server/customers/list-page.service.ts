/**
 * The customers list page, everything it shows read in one tenant transaction (in which the session is read too,
 * see withPageActor) — the list through the rule compiler (or the plain list before the first analytics run), the WeCom
 * columns and tag options of the page's rows, and the user's own "all matching" bulk actions with their progress.
 */
import { listContext } from '../analytics/queries/read';
import { recentListActions } from '../segments/actions.repository';
import type { Services } from '../services';
import { isClerk, type Actor } from '../tenancy/actor';
import { withPageActor, type ActorSource } from '../tenancy/auth.service';
import type { Tx } from '../tenancy/context';
import { can } from '../tenancy/permissions';
import { compactTags, type ListTagName, type ListTags } from '../../app/lib/contracts/wecom';
import { wecomColumnsFor, type CustomerListWecom } from '../wecom/customer-wecom.repository';
import { listTagOptions, type CustomerTagView } from '../wecom/tags.repository';
import { listCustomerMetrics, type CustomerFilters, type CustomerRow, type MetricSort } from './customer-list.service';
import { listCustomers } from './customers.repository';

const LEGACY_SORTS = { name: 'name', first_purchase: 'created_at' } as const;

/**
 * The page in the actor's tenant transaction, with serial plans (small indexed reads that many users run at once);
 * the actor comes from the route's guard, which lets the session be read in that transaction too.
 */
export async function customersPage(services: Services, src: ActorSource, p: PageParams, filters: CustomerFilters) {
  return withPageActor(services, src, async (actor, trx) => ({ ...(await pageIn(trx, actor, p, filters)), ...flagsOf(actor) }), { serialPlans: true });
}

const flagsOf = (actor: Actor) => ({ canTag: can(actor.role, 'customers.tag'), isClerk: isClerk(actor), canSegment: can(actor.role, 'segments.manage') });

type PageParams = { sort: MetricSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string };
type PageList = { computed: boolean; asOf: string | null; total: number; rows: CustomerRow[]; legacy: Awaited<ReturnType<typeof listCustomers>>['rows'] };

/**
 * The page's reads that do not depend on each other — the list (and its total), the tag catalogue and the user's
 * list actions — are issued together. On the wire they still go one after another: Kysely runs a transaction's
 * statements one at a time (seen with strace; docs/benchmarks.md, "Sixth pass"); what cuts the round trips is that
 * each is a prepared statement (ADR 0017).
 */
async function pageIn(trx: Tx, actor: Actor, p: PageParams, filters: CustomerFilters) {
  const { state, options, zone } = await listContext(trx, actor);
  const [list, tagOptions, actions] = await Promise.all([
    listOf(trx, actor, p, filters, state, options, zone),
    listTagOptions(trx, actor.tenantId),
    can(actor.role, 'customers.tag') ? recentListActions(trx, actor.tenantId, actor.staffId) : Promise.resolve([]),
  ]);
  const ids = list.computed ? list.rows.map((r) => r.id) : list.legacy.map((r) => r.id);
  const wecom = { ...listWecomColumns(await wecomColumnsFor(trx, actor, ids, tagOptions)), tagOptions };
  return {
    ...list,
    options,
    wecom,
    listActions: actions.map((a) => ({ id: a.id, kind: a.kind, status: a.status, total: a.total, done: a.done, pending: a.pending, failed: a.failed, skipped: a.skipped, error: a.error, tagName: (a.params as { tagName?: string }).tagName ?? '' })),
  };
}

/** The list through the compiler once metrics exist, else the plain list (before the first analytics run). */
async function listOf(trx: Tx, actor: Actor, p: PageParams, filters: CustomerFilters, state: Awaited<ReturnType<typeof listContext>>['state'], options: Awaited<ReturnType<typeof listContext>>['options'], zone: string): Promise<PageList> {
  if (!state) {
    const sort = p.sort === 'name' || p.sort === 'first_purchase' ? LEGACY_SORTS[p.sort] : 'created_at';
    const legacy = await listCustomers(trx, actor, { sort, dir: p.dir, page: p.page, size: p.size, q: p.q, tagId: filters.tag });
    return { computed: false, asOf: null, total: legacy.total, rows: [], legacy: legacy.rows };
  }
  const l = await listCustomerMetrics(trx, actor, { sort: p.sort, dir: p.dir, page: p.page, size: p.size, filters }, options, 'customer_metrics', state.as_of, state.version, zone);
  return { computed: true, asOf: state.as_of, total: l.total, rows: l.rows, legacy: [] };
}

/** The WeCom columns as the page sends them: each tag's name once (tagNames), the customers' tags by id. */
function listWecomColumns(columns: Record<string, CustomerListWecom>) {
  const tagNames: Record<string, ListTagName> = {};
  const out: Record<string, Omit<CustomerListWecom, 'tags'> & { tags: ListTags<NonNullable<CustomerTagView['change']>> }> = {};
  for (const [id, c] of Object.entries(columns)) out[id] = { ...c, tags: compactTags(c.tags, tagNames) };
  return { columns: out, tagNames };
}
