/**
 * A per-tenant change counter, and what an import records of it (issue 17, docs/decisions/0012-identical-reimport.md).
 *
 * - `tenant_changes (tenant_id, n)`: bumped once per committing transaction that wrote any table an order import's
 *   outcome depends on (orders, order_items, customers, customer_identities, stores, staff, tenants). No writer has
 *   to remember it: a statement-level trigger on each of those tables notes the change in
 *   `tenant_change_pending` (one small insert per statement, no lock on the counter), and a deferred constraint
 *   trigger on that table turns the transaction's notes into one bump at commit, so the counter row is locked only
 *   for the instant of the commit (no deadlock with the writer's own row locks).
 * - Whose change: a statement of the app role (`huike_app`, forced RLS) can only write rows of `app.tenant_id`, so
 *   that tenant; a statement of any other role (the owner: withSystem, migrations, COPY, tenant deletion, truncate)
 *   is noted under the nil uuid and bumps every tenant's counter.
 * - `imports.fingerprint`: sha256 of the file's bytes, kind, mapping and file shape (and the engine's version);
 *   `imports.changes_seen`: the counter value the import ended at, when nothing but the import itself changed the
 *   tenant while it merged and its outcome does not depend on the clock; `imports.identical_to`: the earlier
 *   import a re-import was completed from without reading its file again.
 */
import { sql, type Kysely } from 'kysely';
import { APP_ROLE, secureTenantTable } from './_tenant-table';

const WATCHED = ['orders', 'order_items', 'customers', 'customer_identities', 'stores', 'staff', 'tenants'] as const;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table tenant_changes (
     tenant_id uuid not null,
     n bigint not null default 0,
     primary key (tenant_id)
   )`.execute(db);
  await secureTenantTable(db, 'tenant_changes');
  await sql`create table tenant_change_pending (
     tenant_id uuid not null,
     id bigint generated always as identity,
     primary key (tenant_id, id)
   )`.execute(db);
  await secureTenantTable(db, 'tenant_change_pending');

  await sql`create function note_tenant_change() returns trigger language plpgsql as $$
    declare t uuid := '00000000-0000-0000-0000-000000000000'::uuid;
    begin
      if current_user = '${sql.raw(APP_ROLE)}' then
        -- forced RLS: without a tenant the app role cannot have written a row
        t := nullif(current_setting('app.tenant_id', true), '')::uuid;
        if t is null then return null; end if;
      end if;
      insert into tenant_change_pending (tenant_id) values (t);
      return null;
    end $$`.execute(db);
  await sql`create function bump_tenant_changes() returns trigger language plpgsql as $$
    declare own int;
    begin
      with d as (delete from tenant_change_pending where tenant_id = new.tenant_id returning 1) select count(*) into own from d;
      if own = 0 then return null; end if;
      if new.tenant_id = '00000000-0000-0000-0000-000000000000'::uuid then
        update tenant_changes set n = n + 1;
      else
        insert into tenant_changes as c (tenant_id, n) values (new.tenant_id, 1)
        on conflict (tenant_id) do update set n = c.n + 1;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create constraint trigger tenant_change_bump after insert on tenant_change_pending
     deferrable initially deferred for each row execute function bump_tenant_changes()`.execute(db);
  for (const t of WATCHED) {
    await sql`create trigger ${sql.raw(`${t}_note_change`)} after insert or update or delete on ${sql.table(t)}
       for each statement execute function note_tenant_change()`.execute(db);
    await sql`create trigger ${sql.raw(`${t}_note_truncate`)} after truncate on ${sql.table(t)}
       for each statement execute function note_tenant_change()`.execute(db);
  }

  await sql`alter table imports add column fingerprint text, add column changes_seen bigint, add column identical_to uuid`.execute(db);
  await sql`create index imports_fingerprint_idx on imports (tenant_id, fingerprint, finished_at) where status = 'done' and changes_seen is not null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
