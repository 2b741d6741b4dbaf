/**
 * The frame every analytics read runs in: a tenant transaction, the analytics state, the actor's filter options
 * and resolved filters, and the cache (per tenant × analytics version × scope × filters, ../cache.ts). The read
 * models themselves are one module per dashboard beside this one; SQL returns small grouped rows and the shaping
 * is in ../aggregate.ts (pure, unit-tested). Three sources:
 * - per-customer state: `customer_metrics` (or `_an_cm` computed for another as_of), scoped with
 *   customerScopeSql on the customer's home store;
 * - pre-aggregated facts: `analytics_daily_snapshots` (customers per home store, stage and RFM group per day) and
 *   `analytics_daily_facts` (orders per day, store and channel), scoped with storeScopeSql — these keep the
 *   overview fast at a million customers;
 * - live order aggregates for period figures that cannot be pre-added (distinct customers in a window, cohorts,
 *   intervals, categories), scoped by the orders' store.
 */
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { serialPlans, withTenant, type Tx } from '../../tenancy/context';
import { cached, cacheKey } from '../cache';
import { filterOptions, resolveFilters, scopeKey, type FilterInput, type FilterOptions, type ResolvedFilters } from '../filters';
import { tenantToday } from '../metrics.repository';
import type { AnalyticsState } from '../state.repository';

/** The columns of analytics_state a read needs (the histogram and breakpoints stay in the database). */
export type StateLite = Pick<AnalyticsState, 'as_of' | 'version' | 'window_days' | 'window_source' | 'last_full_at' | 'last_incremental_at'>;

export interface Ctx {
  trx: Tx;
  actor: Actor;
  f: ResolvedFilters;
  state: StateLite | null;
  options: FilterOptions;
}

/** The analytics_state columns of StateLite. */
const STATE_LITE_COLUMNS = ['as_of', 'version', 'window_days', 'window_source', 'last_full_at', 'last_incremental_at'] as const;

async function stateLite(trx: Tx, tenantId: Actor['tenantId']): Promise<StateLite | null> {
  const r = await trx
    .selectFrom('analytics_state')
    .select(STATE_LITE_COLUMNS)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return r ? { ...r, version: Number(r.version) } : null;
}

export interface Meta {
  asOf: string;
  from: string | null;
  to: string;
  store: { code: string; name: string } | null;
  region: { code: string; name: string } | null;
  channel: string | null;
  /** When the stored metrics were computed (null: never). */
  computedAsOf: string | null;
  windowDays: number | null;
  lastRefreshAt: string | null;
}

function meta(c: Ctx): Meta {
  return {
    asOf: c.f.asOf,
    from: c.f.from,
    to: c.f.to,
    store: c.f.store ? { code: c.f.store.code, name: c.f.store.name } : null,
    region: c.f.region,
    channel: c.f.channel,
    computedAsOf: c.state?.as_of ?? null,
    windowDays: c.state?.window_days ?? null,
    lastRefreshAt: (c.state?.last_incremental_at && c.state.last_incremental_at > c.state.last_full_at ? c.state.last_incremental_at : c.state?.last_full_at)?.toISOString() ?? null,
  };
}

/**
 * Opens a tenant transaction, resolves filters inside the actor's scope and runs `fn` through the cache.
 * `defaultDays`: default period length ending at `to` (dashboards), null = all history (API).
 */
export async function runRead<T>(services: Services, actor: Actor, name: string, input: FilterInput, defaultDays: number | null, fn: (c: Ctx) => Promise<T>): Promise<T & { meta: Meta }> {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    // The Overview is the page everyone opens at once: small indexed reads, no parallel workers fighting for cores.
    if (name === 'overview') await serialPlans(trx);
    const state = await stateLite(trx, actor.tenantId);
    const options = await cached(actor.tenantId, state?.version ?? 0, cacheKey(['filter-options', scopeKey(actor)]), () => filterOptions(trx, actor));
    const current = state?.as_of ?? (await tenantToday(trx, actor.tenantId));
    const f = resolveFilters(input, options, current, defaultDays);
    const c: Ctx = { trx, actor, f, state, options };
    const key = cacheKey([name, scopeKey(actor), f.asOf, f.from, f.to, f.storeIds, f.channel]);
    const value = await cached(actor.tenantId, state?.version ?? 0, key, () => fn(c));
    return { ...value, meta: meta(c) };
  });
}

/** listContext in its own tenant transaction (the dashboard frame). */
export async function pageContext(services: Services, actor: Actor): Promise<{ state: StateLite | null; options: FilterOptions }> {
  return withTenant(services.dbs, actor.tenantId, (trx) => listContext(trx, actor));
}

/**
 * The analytics date and the actor's filter options, for pages outside the dashboards (the customer list), with the
 * tenant's time zone read in the same statement (the rule compiler's reference day is the state's date in it).
 */
export async function listContext(trx: Tx, actor: Actor): Promise<{ state: StateLite | null; options: FilterOptions; zone: string }> {
  const { state, zone } = await stateAndZone(trx, actor.tenantId);
  const options = await cached(actor.tenantId, state?.version ?? 0, cacheKey(['filter-options', scopeKey(actor)]), () => filterOptions(trx, actor));
  return { state, options, zone };
}

async function stateAndZone(trx: Tx, tenantId: Actor['tenantId']): Promise<{ state: StateLite | null; zone: string }> {
  const r = await trx
    .selectFrom('tenants as t')
    .leftJoin('analytics_state as s', 's.tenant_id', 't.id')
    .select(['t.timezone', 's.tenant_id as state_of', ...STATE_LITE_COLUMNS.map((c) => `s.${c}` as const)])
    .where('t.id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const { timezone, state_of, ...st } = r;
  return { zone: timezone, state: state_of === null ? null : ({ ...st, version: Number(st.version) } as StateLite) };
}
