/**
 * campaign_recipients loses its row-level foreign key to campaign_runs. A run's recipients are written by one
 * statement only — its planning (server/campaigns/planning.repository.ts), in the transaction that holds the run
 * locked and moves it from 'planning' to 'sending' — which takes the run id from the row it has just locked: the
 * per-row RI check ("key share" lock of the run, once per recipient) was about 1 s of a 200,000-recipient plan
 * (bench/campaigns, measured: 2.9 s → 1.9 s for the insert alone). The delete side of the old key (ON DELETE
 * CASCADE) is kept by statement-level triggers, the orders' pattern (2026-11-22-0200-orders.ts): a deleted run
 * takes its recipients with it, and so does a deleted tenant.
 *
 * And a recipient's state as users and the guardrails read it: `campaign_recipient_states`. A mass task is recorded
 * on its chunk's outbox row only (delivery.repository.ts completeOutbox): writing 'task_created' on each of a chunk's
 * up to 10,000 recipients was most of the time of creating a large run's tasks. So a target still 'planned' whose
 * chunk's outbox row is done with a msgid reads 'task_created' here, until its send result is written. The view runs
 * with the caller's row-level security; the outbox's primary key makes the join at most one row per recipient.
 */
import { sql, type Kysely } from 'kysely';
import { grantToApp } from './_tenant-table';

const STATEMENTS = [
  `alter table campaign_recipients drop constraint campaign_recipients_tenant_id_run_id_fkey`,
  `create function campaign_runs_delete_recipients() returns trigger language plpgsql as $$
   begin
     delete from campaign_recipients r using gone g where r.tenant_id = g.tenant_id and r.run_id = g.id;
     return null;
   end $$`,
  `create trigger campaign_runs_delete_recipients after delete on campaign_runs referencing old table as gone
     for each statement execute function campaign_runs_delete_recipients()`,
  `create function tenants_delete_campaign_recipients() returns trigger language plpgsql as $$
   begin
     delete from campaign_recipients r using gone g where r.tenant_id = g.id;
     return null;
   end $$`,
  `create trigger tenants_delete_campaign_recipients after delete on tenants referencing old table as gone
     for each statement execute function tenants_delete_campaign_recipients()`,
  `create view campaign_recipient_states with (security_invoker = true) as
     select r.tenant_id, r.run_id, r.customer_id, r.arm, r.excluded, r.sender_staff_id, r.external_userid, r.chunk, r.sent_at,
       case when r.status = 'planned' and o.state = 'done' and o.msgid is not null then 'task_created' else r.status end as status
     from campaign_recipients r
     left join campaign_outbox o on o.tenant_id = r.tenant_id and o.run_id = r.run_id and o.sender_staff_id = r.sender_staff_id and o.chunk = r.chunk`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of STATEMENTS) await sql.raw(s).execute(db);
  await grantToApp(db, 'campaign_recipient_states', 'select');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
