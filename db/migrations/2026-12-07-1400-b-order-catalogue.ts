/**
 * The SKUs and categories a tenant has sold, for the segment builder's type-ahead on "bought SKU" / "bought
 * category" (#14.3): searching `order_items` itself would scan ten million lines per keystroke. `order_catalogue`
 * holds one row per distinct SKU or category (a display name, how many order lines carry it), brought up to date
 * incrementally from the order lines above the watermark in `order_catalogue_state` (order ids only grow) by the
 * segments refresh job and on the first search. A value once sold stays searchable.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table order_catalogue (
     tenant_id uuid not null references tenants(id) on delete cascade,
     kind text not null check (kind in ('sku', 'category')),
     value text not null,
     label text,
     lines bigint not null default 0,
     primary key (tenant_id, kind, value)
   )`.execute(db);
  await sql`create table order_catalogue_state (
     tenant_id uuid not null references tenants(id) on delete cascade,
     last_order_id bigint not null default 0,
     updated_at timestamptz not null default now(),
     primary key (tenant_id)
   )`.execute(db);
  await secureTenantTable(db, 'order_catalogue');
  await secureTenantTable(db, 'order_catalogue_state');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
