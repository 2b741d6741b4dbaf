/**
 * A relation's WeCom corp tags live on the relation: `customer_follows.tag_ids` (sorted uuid[]), instead of one
 * `customer_follow_tags` row per (customer, clerk, tag).
 *
 * Why: a WeCom full sync of 100,000 customers wrote ~306,000 tag rows — heap, WAL, two indexes and a diff
 * statement per batch — the largest statement left after the foreign keys went (3.5 s of PostgreSQL time, and
 * ~1 s of Huike building and sending 900,000 uuids). As a column, the tags ride along in the relation upsert that
 * runs anyway, and an unchanged relation still writes nothing (docs/benchmarks.md "WeCom sync").
 *
 * `tags_changed_at` is when Huike last wrote the relation's tags (a write-back after mark_tag). A sync page read
 * before that moment does not overwrite them: the write-back is newer than what the page saw (the same rule the
 * per-row `created_at` gave before, now for removals too).
 *
 * `customer_follow_tags` stays as a read-only view with the same columns (`created_at` = the relation's last
 * change), so readers — tag counts, the customer page, segment filters — keep their SQL. It is `security_invoker`:
 * it reads `customer_follows` with the caller's row-level security, never the owner's.
 */
import { sql, type Kysely } from 'kysely';

const statements = [
  `alter table customer_follows add column tag_ids uuid[] not null default '{}', add column tags_changed_at timestamptz`,
  `update customer_follows f set tag_ids = x.ids
     from (select tenant_id, customer_id, staff_id, array_agg(tag_id order by tag_id) as ids from customer_follow_tags group by 1, 2, 3) x
     where f.tenant_id = x.tenant_id and f.customer_id = x.customer_id and f.staff_id = x.staff_id`,
  `drop table customer_follow_tags`,
  `create view customer_follow_tags with (security_invoker = true) as
     select f.tenant_id, f.customer_id, f.staff_id, t.tag_id, f.updated_at as created_at
     from customer_follows f cross join lateral unnest(f.tag_ids) as t(tag_id)`,
  `grant select on customer_follow_tags to huike_app`,
  // The delete side of migration 0303, without the table that is now a view.
  `create or replace function customers_delete_dependents() returns trigger language plpgsql as $$
   begin
     delete from customer_identities x using gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     delete from customer_follows x using gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     update wecom_group_members x set customer_id = null from gone g where x.tenant_id = g.tenant_id and x.customer_id = g.id;
     return null;
   end $$`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
