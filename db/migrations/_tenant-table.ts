/**
 * Helpers for migrations. Every tenant-owned table: `tenant_id` first in its primary key, forced row-level
 * security with a policy for the app role on `app.tenant_id`, and a policy for the owner (withSystem).
 */
import { sql, type Kysely } from 'kysely';

export const APP_ROLE = 'huike_app';

export async function secureTenantTable(db: Kysely<unknown>, table: string, column = 'tenant_id'): Promise<void> {
  const t = sql.table(table);
  const c = sql.ref(column);
  await sql`alter table ${t} enable row level security`.execute(db);
  await sql`alter table ${t} force row level security`.execute(db);
  await sql`create policy tenant_isolation on ${t} to ${sql.raw(APP_ROLE)}
    using (${c} = nullif(current_setting('app.tenant_id', true), '')::uuid)
    with check (${c} = nullif(current_setting('app.tenant_id', true), '')::uuid)`.execute(db);
  await sql`create policy system_access on ${t} to current_user using (true) with check (true)`.execute(db);
  await sql`grant select, insert, update, delete on ${t} to ${sql.raw(APP_ROLE)}`.execute(db);
}

/** A table that is not tenant-owned and that the app role may use (e.g. pre-login lookups). */
export async function grantToApp(db: Kysely<unknown>, table: string, privileges = 'select, insert, update, delete'): Promise<void> {
  await sql`grant ${sql.raw(privileges)} on ${sql.table(table)} to ${sql.raw(APP_ROLE)}`.execute(db);
}
