/**
 * Filters shared by the dashboards (URL search params) and the API (query string): as_of, from, to, store and
 * region (by code), channel. One zod schema; the dashboards parse leniently (a bad value is dropped), the API
 * strictly (400 naming the field). Codes resolve to store ids inside the actor's scope only, so a manager cannot
 * even learn that another region's store code exists.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import { isoDateParam, text } from '../../app/lib/params';
import type { OrderChannel } from '../../db/schema/ingest';
import { storeScopeSql } from '../customers/scope';
import { ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Actor } from '../tenancy/actor';
import type { Tx } from '../tenancy/context';
import { addDays } from './lifecycle';

export const CHANNELS = ['pos', 'mini_program', 'ecommerce', 'group_buy', 'other'] as const satisfies readonly OrderChannel[];

const isoDate = isoDateParam;

export const filterSchema = z.object({
  as_of: isoDate.optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  store: text().trim().min(1).max(30).optional(),
  region: text().trim().min(1).max(30).optional(),
  channel: z.enum(CHANNELS).optional(),
});
export type FilterInput = z.infer<typeof filterSchema>;
const KEYS = ['as_of', 'from', 'to', 'store', 'region', 'channel'] as const;

function pick(params: URLSearchParams | Record<string, unknown>): Record<string, unknown> {
  const get = (k: string): unknown => (params instanceof URLSearchParams ? (params.get(k) ?? undefined) : params[k]);
  return Object.fromEntries(KEYS.map((k) => [k, get(k) === '' ? undefined : get(k)]).filter(([, v]) => v !== undefined));
}

/** Strict: a bad value is a 400 naming the field. */
export function parseFiltersStrict(params: URLSearchParams | Record<string, unknown>): FilterInput {
  return parseOrThrow(filterSchema, pick(params), { field: '', details: 'fields' });
}

/** Lenient: each bad value is dropped (URLs typed by hand keep working). */
export function parseFiltersLenient(params: URLSearchParams | Record<string, unknown>): FilterInput {
  const raw = pick(params);
  const out: Record<string, unknown> = {};
  for (const k of KEYS) {
    if (raw[k] === undefined) continue;
    const r = filterSchema.shape[k].safeParse(raw[k]);
    if (r.success) out[k] = r.data;
  }
  return out as FilterInput;
}

export interface FilterOption {
  id: string;
  code: string;
  name: string;
  regionCode: string | null;
}

export interface FilterOptions {
  regions: { code: string; name: string }[];
  stores: FilterOption[];
}

/** Regions and stores the actor may filter by (their scope). */
export async function filterOptions(trx: Tx, actor: Actor): Promise<FilterOptions> {
  const stores = await sql<{ id: string; code: string; name: string; region_code: string | null; region_name: string | null }>`
    select s.id, s.code, s.name, r.code as region_code, r.name as region_name
    from stores s left join regions r on r.tenant_id = s.tenant_id and r.id = s.region_id
    where s.tenant_id = ${actor.tenantId} and ${storeScopeSql(actor, 's.id')}
    order by r.code nulls last, s.code`.execute(trx);
  const regions = new Map<string, string>();
  for (const s of stores.rows) if (s.region_code && s.region_name) regions.set(s.region_code, s.region_name);
  return {
    regions: [...regions].map(([code, name]) => ({ code, name })),
    stores: stores.rows.map((s) => ({ id: s.id, code: s.code, name: s.name, regionCode: s.region_code })),
  };
}

export interface ResolvedFilters {
  /** Reference date D: every order after it is ignored. */
  asOf: string;
  /** Period [from, to] for period-based figures; from = null means "all history up to to". */
  from: string | null;
  to: string;
  /** Store ids chosen by the store/region filter (null = no such filter; the actor's scope applies anyway). */
  storeIds: string[] | null;
  store: FilterOption | null;
  region: { code: string; name: string } | null;
  channel: OrderChannel | null;
  /** Whether as_of differs from the stored metrics date (then per-customer reads compute at D). */
  input: FilterInput;
}

/**
 * Resolves codes and defaults. `currentAsOf` is the date of the stored metrics (or today); `defaultDays` gives the
 * dashboards a default period ending at `to` (the API's default period is all history: pass null).
 */
export function resolveFilters(input: FilterInput, options: FilterOptions, currentAsOf: string, defaultDays: number | null): ResolvedFilters {
  const asOf = input.as_of ?? currentAsOf;
  let to = input.to ?? asOf;
  if (to > asOf) to = asOf;
  let from = input.from ?? (defaultDays ? addDays(to, -(defaultDays - 1)) : null);
  if (from && from > to) throw new ValidationError('from: must not be after to');
  let storeIds: string[] | null = null;
  let store: FilterOption | null = null;
  let region: { code: string; name: string } | null = null;
  if (input.region) {
    region = options.regions.find((r) => r.code === input.region) ?? null;
    if (!region) throw new ValidationError(`region: unknown region code "${input.region}"`, [{ field: 'region', message: 'unknown code' }]);
    storeIds = options.stores.filter((s) => s.regionCode === region!.code).map((s) => s.id);
  }
  if (input.store) {
    store = options.stores.find((s) => s.code === input.store) ?? null;
    if (!store) throw new ValidationError(`store: unknown store code "${input.store}"`, [{ field: 'store', message: 'unknown code' }]);
    storeIds = storeIds ? storeIds.filter((id) => id === store!.id) : [store.id];
  }
  if (from === undefined) from = null;
  return { asOf, from, to, storeIds, store, region, channel: input.channel ?? null, input };
}

/** `ref in (ids)` for a store filter, `true` without one (an empty list matches nothing). */
export function storeFilterSql(f: Pick<ResolvedFilters, 'storeIds'>, ref: string) {
  if (f.storeIds === null) return sql<boolean>`true`;
  if (f.storeIds.length === 0) return sql<boolean>`false`;
  return sql<boolean>`${sql.ref(ref)} in (${sql.join(f.storeIds.map((s) => sql`${s}::uuid`))})`;
}

/** A stable key of the actor's visibility for caches. */
export function scopeKey(actor: Actor): string {
  if (actor.role === 'clerk') return `clerk:${actor.staffId}`;
  return actor.storeScope === null ? 'all' : `stores:${[...actor.storeScope].sort().join(',')}`;
}
