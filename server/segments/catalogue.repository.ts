/**
 * The order catalogue (migration 2026-12-07-1400-b): the SKUs and categories a tenant has sold, for the segment
 * builder's type-ahead. Brought up to date from the order lines above the watermark (order ids only grow), set-based,
 * under a per-tenant lock so two catch-ups never count a line twice.
 */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

export type CatalogueKind = 'sku' | 'category';

export interface CatalogueEntry {
  value: string;
  label: string | null;
  lines: number;
}

/** Whether the catalogue was ever built for the tenant. */
export async function catalogueBuilt(trx: Tx, tenantId: TenantId): Promise<boolean> {
  const r = await sql<{ one: number }>`select 1 as one from order_catalogue_state where tenant_id = ${tenantId}::uuid`.execute(trx);
  return r.rows.length > 0;
}

/** Adds the SKUs and categories of the order lines above the watermark; returns how many lines were read. */
export async function catchUpCatalogue(trx: Tx, tenantId: TenantId): Promise<number> {
  await sql`select pg_advisory_xact_lock(hashtext('order_catalogue'), hashtext(${tenantId}::text))`.execute(trx);
  const r = await sql<{ lines: number }>`
    with st as (select coalesce((select last_order_id from order_catalogue_state where tenant_id = ${tenantId}::uuid), 0) as w),
    mx as (select coalesce((select max(id) from orders where tenant_id = ${tenantId}::uuid), 0) as m),
    items as materialized (
      select i.sku, i.name, i.category from order_items i, st, mx
      where i.tenant_id = ${tenantId}::uuid and i.order_id > st.w and i.order_id <= mx.m),
    skus as (
      insert into order_catalogue (tenant_id, kind, value, label, lines)
      select ${tenantId}::uuid, 'sku', sku, max(name), count(*) from items where nullif(sku, '') is not null group by sku
      on conflict (tenant_id, kind, value) do update set lines = order_catalogue.lines + excluded.lines, label = coalesce(order_catalogue.label, excluded.label)),
    cats as (
      insert into order_catalogue (tenant_id, kind, value, label, lines)
      select ${tenantId}::uuid, 'category', category, null, count(*) from items where nullif(category, '') is not null group by category
      on conflict (tenant_id, kind, value) do update set lines = order_catalogue.lines + excluded.lines),
    state as (
      insert into order_catalogue_state (tenant_id, last_order_id) select ${tenantId}::uuid, m from mx
      on conflict (tenant_id) do update set last_order_id = greatest(order_catalogue_state.last_order_id, excluded.last_order_id), updated_at = now())
    select count(*)::int as lines from items`.execute(trx);
  return r.rows[0]?.lines ?? 0;
}

/** Values whose code or name contains the text, most sold first. */
export async function searchCatalogue(trx: Tx, tenantId: TenantId, kind: CatalogueKind, q: string, limit: number): Promise<CatalogueEntry[]> {
  const like = `%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
  const r = await sql<CatalogueEntry>`
    select value, label, lines from order_catalogue
    where tenant_id = ${tenantId}::uuid and kind = ${kind} ${q ? sql`and (value ilike ${like} or label ilike ${like})` : sql``}
    order by lines desc, value limit ${limit}`.execute(trx);
  return r.rows;
}
