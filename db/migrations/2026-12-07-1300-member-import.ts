/**
 * Member import (#13.11): imports of kind `members` next to `orders`.
 *
 * - `import_member_staging` is the members' twin of `import_staging`: a system table partitioned by import (one
 *   UNLOGGED partition per import, dropped when it finishes), written only by the engine on the owner connection
 *   with an explicit tenant id, read by the app role through the security-barrier view
 *   `import_member_staging_rows` under forced RLS (docs/decisions/0006-import-staging-copy.md).
 * - `import_rejected_members` records members the SQL checks rejected (unknown register store, one member number
 *   on lines that disagree), so the error report can name their lines.
 * - The import's member counters: members linked to an existing customer, changed, unchanged and rejected.
 */
import { sql, type Kysely } from 'kysely';
import { APP_ROLE, secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imports drop constraint imports_kind_check`.execute(db);
  await sql`alter table imports add constraint imports_kind_check check (kind in ('orders', 'members'))`.execute(db);
  await sql`alter table imports
    add column members_linked integer not null default 0,
    add column members_updated integer not null default 0,
    add column members_unchanged integer not null default 0,
    add column members_rejected integer not null default 0`.execute(db);
  await sql`create table import_member_staging (
     tenant_id uuid not null,
     import_id uuid not null,
     line_no bigint not null,
     member_no text not null,
     mobile_hash text,
     mobile_masked text,
     mobile_sealed text,
     name text,
     gender smallint,
     birth_year smallint,
     birth_month smallint,
     birth_day smallint,
     level text,
     points integer,
     store_code text,
     registered_on date,
     opt_out boolean
   ) partition by list (import_id)`.execute(db);
  await sql`create view import_member_staging_rows with (security_barrier) as
     select * from import_member_staging where tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid`.execute(db);
  await sql`grant select on import_member_staging_rows to ${sql.raw(APP_ROLE)}`.execute(db);
  // Documented intent, not the guard: RLS is enabled but not forced, so the owner (the only writer) may COPY.
  await sql`alter table import_member_staging enable row level security`.execute(db);
  await sql`create policy tenant_isolation on import_member_staging to ${sql.raw(APP_ROLE)}
     using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`.execute(db);
  await sql`create table import_rejected_members (
     tenant_id uuid not null,
     import_id uuid not null,
     member_no text not null,
     reason text not null,
     column_name text,
     primary key (tenant_id, import_id, member_no),
     foreign key (tenant_id, import_id) references imports(tenant_id, id) on delete cascade
   )`.execute(db);
  await secureTenantTable(db, 'import_rejected_members');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
