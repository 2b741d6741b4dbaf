/**
 * A durable request for a full analytics recompute of one tenant. Writers that touch most of a tenant (the first
 * WeCom sync of a chain creates ~100,000 customers) record one row here instead of one `customer_refresh_queue` row
 * per customer; the refresh job then recomputes the tenant in full (which also clears the per-customer queue up
 * to its start), and the hourly job picks up a request that no worker was nudged for. ADR 0007 (amended).
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table analytics_refresh_requests (
     tenant_id uuid not null references tenants(id) on delete cascade,
     requested_at timestamptz not null default now(),
     reason text not null,
     primary key (tenant_id)
   )`.execute(db);
  await secureTenantTable(db, 'analytics_refresh_requests');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
