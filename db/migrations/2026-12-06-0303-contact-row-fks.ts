/**
 * Replaces the row-level foreign keys of the high-volume contact tables by statement-level triggers that keep
 * their delete side (ADR 0002 item 6).
 *
 * Why: every row written to a table with a foreign key runs a checking trigger that queries the parent and takes
 * a key-share lock on it (a heap write and a WAL record the first time per transaction). A WeCom full sync of
 * 100,000 customers made about a million such checks, ~24 µs each here (auto_explain "Trigger for constraint"):
 * more PostgreSQL time than the rows themselves (docs/benchmarks.md "WeCom sync"). The orders tables already work
 * this way (migration 0200).
 *
 * Who guarantees the references now: the writers. They take every customer, staff and channel id from rows they
 * have just read or created under the tenant's context (forced RLS), customers are never deleted by the app
 * (a merge keeps the loser with `merged_into`), and staff are deactivated, not deleted. Reads join on
 * (tenant_id, id), so a row can never reach another tenant's parent. `tests/integration/wecom/integrity.test.ts`
 * checks after a sync, a re-sync, an import and a merge that no row points at a missing parent
 * (`server/customers/integrity.ts`, also `npm run huike -- db check`).
 *
 * The delete side, as the foreign keys had it:
 * - a deleted tenant's customers and refresh-queue rows are deleted (was ON DELETE CASCADE);
 * - a deleted customer's identities, follow relations and relation tags are deleted (CASCADE); group members
 *   that were that customer keep their row without it (SET NULL);
 * - deleting a clerk who still has follow relations, or a store that is still a customer's primary store, is
 *   refused with 23503 (NO ACTION) — unless the tenant itself is being deleted; group members lose the clerk;
 * - a deleted channel code leaves its relations without a channel (SET NULL); a deleted group chat takes its
 *   members with it (CASCADE).
 * The orders triggers' "refuse" check learns the same "unless the tenant is being deleted" (deleting a tenant
 * cascades to its stores and staff while their orders still exist).
 */
import { sql, type Kysely } from 'kysely';

const DROP: [table: string, constraint: string][] = [
  ['customers', 'customers_tenant_id_fkey'],
  ['customers', 'customers_tenant_id_primary_store_id_fkey'],
  ['customer_identities', 'customer_identities_tenant_id_customer_id_fkey'],
  ['customer_follows', 'customer_follows_tenant_id_customer_id_fkey'],
  ['customer_follows', 'customer_follows_tenant_id_staff_id_fkey'],
  ['customer_follows', 'customer_follows_channel_fk'],
  ['customer_follow_tags', 'customer_follow_tags_tenant_id_customer_id_fkey'],
  ['customer_refresh_queue', 'customer_refresh_queue_tenant_id_fkey'],
  ['wecom_group_members', 'wecom_group_members_tenant_id_chat_id_fkey'],
  ['wecom_group_members', 'wecom_group_members_tenant_id_customer_id_fkey'],
  ['wecom_group_members', 'wecom_group_members_tenant_id_staff_id_fkey'],
];

const statements = [
  `create function tenants_delete_customers() returns trigger language plpgsql as $$
   begin
     delete from customer_refresh_queue q using gone g where q.tenant_id = g.id;
     delete from customers c using gone g where c.tenant_id = g.id;
     return null;
   end $$`,
  `create trigger tenants_delete_customers after delete on tenants referencing old table as gone
     for each statement execute function tenants_delete_customers()`,

  `create function customers_delete_dependents() returns trigger language plpgsql as $$
   begin
     delete from customer_identities x using gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     delete from customer_follow_tags x using gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     delete from customer_follows x using gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     update wecom_group_members x set customer_id = null from gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     return null;
   end $$`,
  `create trigger customers_delete_dependents after delete on customers referencing old table as gone
     for each statement execute function customers_delete_dependents()`,

  `create function staff_delete_dependents() returns trigger language plpgsql as $$
   begin
     if exists (select 1 from gone g join tenants t on t.id = g.tenant_id
                join customer_follows f on f.tenant_id = g.tenant_id and f.staff_id = g.id) then
       raise exception 'staff still serve customers (customer_follows)' using errcode = '23503';
     end if;
     update wecom_group_members x set staff_id = null from gone g where x.tenant_id = g.tenant_id and x.staff_id = g.id;
     return null;
   end $$`,
  `create trigger staff_delete_dependents after delete on staff referencing old table as gone
     for each statement execute function staff_delete_dependents()`,

  `create function stores_delete_check_customers() returns trigger language plpgsql as $$
   begin
     if exists (select 1 from gone g join tenants t on t.id = g.tenant_id
                join customers c on c.tenant_id = g.tenant_id and c.primary_store_id = g.id) then
       raise exception 'stores are still customers'' primary store' using errcode = '23503';
     end if;
     return null;
   end $$`,
  `create trigger stores_delete_check_customers after delete on stores referencing old table as gone
     for each statement execute function stores_delete_check_customers()`,

  `create function wecom_channels_delete_dependents() returns trigger language plpgsql as $$
   begin
     update customer_follows x set channel_id = null from gone g where x.tenant_id = g.tenant_id and x.channel_id = g.id;
     return null;
   end $$`,
  `create trigger wecom_channels_delete_dependents after delete on wecom_channels referencing old table as gone
     for each statement execute function wecom_channels_delete_dependents()`,

  `create function wecom_group_chats_delete_members() returns trigger language plpgsql as $$
   begin
     delete from wecom_group_members x using gone g where x.tenant_id = g.tenant_id and x.chat_id = g.chat_id;
     return null;
   end $$`,
  `create trigger wecom_group_chats_delete_members after delete on wecom_group_chats referencing old table as gone
     for each statement execute function wecom_group_chats_delete_members()`,

  // Deleting a tenant cascades (row-level keys) to its stores and staff while their orders still exist.
  `create or replace function refuse_delete_referenced_by_orders() returns trigger language plpgsql as $$
   begin
     if exists (select 1 from gone g join tenants t on t.id = g.tenant_id join orders o on o.tenant_id = g.tenant_id
                and (case when tg_table_name = 'stores' then o.store_id else o.clerk_id end) = g.id) then
       raise exception 'rows of % are still referenced by orders', tg_table_name using errcode = '23503';
     end if;
     return null;
   end $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [t, c] of DROP) await sql`alter table ${sql.table(t)} drop constraint if exists ${sql.id(c)}`.execute(db);
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
