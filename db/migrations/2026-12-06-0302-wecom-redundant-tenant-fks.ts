/**
 * Drops the tenant foreign key of `customer_identities` and `customer_follows`: both already reference
 * `customers (tenant_id, id)` on delete cascade, and a customer's tenant is checked by the customers table's own
 * tenant key, so the direct one proves nothing more and deleting a tenant still removes their rows (through the
 * customers). What it cost: one more checking trigger and key-share row lock per row written, which a WeCom full
 * sync of 100,000 customers pays about 300,000 times (docs/benchmarks.md "WeCom sync").
 *
 * The tenant stays the leading column of every key and index, and forced row-level security is unchanged.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table customer_identities drop constraint if exists customer_identities_tenant_id_fkey`.execute(db);
  await sql`alter table customer_follows drop constraint if exists customer_follows_tenant_id_fkey`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
