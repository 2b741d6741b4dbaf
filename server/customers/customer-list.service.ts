/**
 * The customers list (the /customers page and `GET /api/v1/customers`), served through the rule compiler: the
 * list's filters become a rule (app/lib/segments/from-filters.ts), compiled like any segment's inside the viewer's
 * scope and under RLS, so what the list shows is what "save as segment" saves. The search box is added beside
 * the rule. Filters that name something unknown or outside the viewer's scope (a store code typed by hand, another
 * region's clerk) match nobody, as a filter should, instead of failing the page.
 */
import { z } from 'zod';
import { isoDateParam, text } from '../../app/lib/params';
import { ruleFromCustomerFilters } from '../../app/lib/segments/from-filters';
import { STAGES } from '../analytics/lifecycle';
import { RFM_GROUPS } from '../analytics/rfm';
import type { FilterOptions } from '../analytics/filters';
import { ValidationError } from '../lib/errors';
import { isClerk, type Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import { countCustomerList, countFromSnapshot, countServedElsewhere, pageCustomerList, searchSql, type CustomerRow, type MetricSort, type MetricsRelation, type SnapshotKey } from './customer-list.repository';
import { cached, cacheKey } from '../analytics/cache';
import { compileRule } from './rule-compiler';

export { METRIC_SORTS, type CustomerRow, type MetricSort } from './customer-list.repository';

const score = z.coerce.number().int().min(1).max(5);
const flag = z.enum(['1', 'true', '0', 'false']).transform((v) => v === '1' || v === 'true');
/** Filters of the list (URL of /customers and the API query string share it). */
export const customerFilterSchema = z.object({
  stage: z.enum(STAGES as unknown as [string, ...string[]]).optional(),
  group: z.enum(RFM_GROUPS as unknown as [string, ...string[]]).optional(),
  r: score.optional(),
  fm: score.optional(),
  store: text().trim().min(1).max(30).optional(),
  region: text().trim().min(1).max(30).optional(),
  due: flag.optional(),
  q: text().trim().min(1).max(100).optional(),
  /** Main serving clerk (staff id), from the Stores & clerks dashboard. */
  clerk: z.string().uuid().optional(),
  first_from: isoDateParam.optional(),
  first_to: isoDateParam.optional(),
  /** A WeCom or internal tag (server/wecom/tags.repository.ts). */
  tag: z.string().uuid().optional(),
  /** Member data (the member import): level, birthday in the next N days, points at least, opted out, register store. */
  level: text().trim().min(1).max(40).optional(),
  birthday: z.coerce.number().int().min(1).max(366).optional(),
  points_min: z.coerce.number().int().min(0).max(100_000_000).optional(),
  opt_out: flag.optional(),
  reg_store: text().trim().min(1).max(30).optional(),
});
export type CustomerFilters = z.infer<typeof customerFilterSchema>;

export function parseCustomerFiltersLenient(params: URLSearchParams): CustomerFilters {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(customerFilterSchema.shape)) {
    const v = params.get(k);
    if (v === null || v === '') continue;
    const r = s.safeParse(v);
    if (r.success) out[k] = r.data;
  }
  return out as CustomerFilters;
}

export interface CustomerListParams {
  sort: MetricSort;
  dir: 'asc' | 'desc';
  page: number;
  size: number;
  filters: CustomerFilters;
}

/** Filters the daily snapshot can count exactly (the others are counted over the rule). */
const SNAPSHOT_KEYS = new Set(['stage', 'group', 'store', 'region', 'due']);

/** Store ids of the store/region filter inside the actor's options (unknown codes match nothing). */
export function storeIdsFor(filters: Pick<CustomerFilters, 'store' | 'region'>, options: FilterOptions): string[] | null {
  let ids: string[] | null = null;
  if (filters.region) ids = options.stores.filter((s) => s.regionCode === filters.region).map((s) => s.id);
  if (filters.store) {
    const s = options.stores.find((x) => x.code === filters.store);
    ids = s ? (ids ? ids.filter((i) => i === s.id) : [s.id]) : [];
  }
  return ids;
}

/**
 * One page of customers with their metrics and the total, through the rule compiler. `asOf` is the day of today's
 * metrics when the caller knows it (the snapshot count needs it); with the tenant's `zone` beside it, it is also the
 * compiler's reference day (metrics exist, so D is their day), which then is not read again.
 */
export async function listCustomerMetrics(
  trx: Tx,
  actor: Actor,
  p: CustomerListParams,
  options: FilterOptions,
  relation: MetricsRelation = 'customer_metrics',
  asOf?: string | null,
  version?: number,
  zone?: string,
): Promise<{ rows: CustomerRow[]; total: number }> {
  const { q, ...filters } = p.filters;
  const storeIds = storeIdsFor(filters, options);
  if (storeIds && storeIds.length === 0) return { rows: [], total: 0 };
  let compiled;
  try {
    compiled = await compileRule({ trx, actor, reference: asOf && zone ? { d: asOf, tz: zone } : undefined }, ruleFromCustomerFilters(filters));
  } catch (e) {
    if (e instanceof ValidationError) return { rows: [], total: 0 };
    throw e;
  }
  const extra = searchSql(q);
  const keys = Object.keys(filters).filter((k) => filters[k as keyof typeof filters] !== undefined);
  const bySnapshot = relation === 'customer_metrics' && !q && !isClerk(actor) && keys.every((k) => SNAPSHOT_KEYS.has(k));
  const fromSnapshot = (day: string) => snapshotTotal(trx, actor, { stage: filters.stage, group: filters.group, due: filters.due, storeIds }, day, version);
  // With the metrics' day known, the page and its total do not wait for each other (issued together; Kysely still
  // sends a transaction's statements one at a time).
  if (bySnapshot && asOf) {
    const [rows, total] = await Promise.all([pageCustomerList(trx, compiled, extra, p, relation), fromSnapshot(asOf)]);
    return { rows, total };
  }
  const rows = await pageCustomerList(trx, compiled, extra, p, relation);
  // Metrics rows imply a refresh, so D is the metrics' day (no rows: counted, which is cheap then).
  const day = bySnapshot && rows.length ? compiled.refDay : null;
  const total = day ? await fromSnapshot(day) : rows.length < p.size && p.page === 1 ? rows.length : await countCustomerList(trx, compiled, extra, relation);
  return { rows, total };
}

/**
 * The list's total from the day's snapshot, plus a manager's customers of other stores served by their clerks. That
 * second count probes every open relation of the manager's clerks (140,000 for a region of 400 clerks on the bench
 * tenant: about a second), so with the tenant's analytics version it is kept per scope and filter in the analytics
 * cache until the next refresh (at most 10 minutes): paging, sorting and re-opening the list do not pay it again.
 */
async function snapshotTotal(trx: Tx, actor: Actor, k: SnapshotKey, day: string, version: number | undefined): Promise<number> {
  const base = await countFromSnapshot(trx, actor, k, day);
  if (!actor.storeScope?.length || k.storeIds !== null) return base;
  const elsewhere = () => countServedElsewhere(trx, actor, k);
  const key = cacheKey(['customers.served-elsewhere', day, actor.role, actor.staffId, [...actor.storeScope].sort(), k.stage ?? null, k.group ?? null, k.due ?? null]);
  return base + (version === undefined ? await elsewhere() : await cached(actor.tenantId, version, key, elsewhere));
}
