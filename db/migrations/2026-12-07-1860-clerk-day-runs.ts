/**
 * 今日 reads, the day's generation writes (issue 16, bench/clerk).
 *
 * - `clerk_task_staff_runs`: one row per clerk and local day whose tasks the 今日 page generated because the
 *   tenant's daily run (`clerk_task_runs`) had not happened yet for that day. 今日 generates only when neither row
 *   exists, then records its own; every other request of the day only reads (server/clerk/tasks.repository.ts).
 * - `clerk_tasks_closed_idx`: the tab's "done / skipped today" counts read the clerk's tasks closed since the start
 *   of the local day, instead of every task the clerk ever closed.
 * - `campaign_outbox_waiting_idx`: the clerk's 群发 tasks still waiting for their confirmation in WeCom (今日 and the
 *   tab), instead of the tenant's whole outbox.
 * - `customer_follows_staff_idx` carries the customer and the remark: a clerk's customer list (and the scope test
 *   of server/customers/scope.ts) reads the clerk's open relations from the index alone.
 * - `wecom_handovers_from_idx` / `_to_idx`: 今日's handovers to or from the clerk, instead of the tenant's all.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table clerk_task_staff_runs (
     tenant_id uuid not null,
     staff_id uuid not null,
     day date not null,
     tasks_created integer not null default 0,
     finished_at timestamptz not null default now(),
     primary key (tenant_id, staff_id, day),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade
   )`.execute(db);
  await secureTenantTable(db, 'clerk_task_staff_runs');
  await sql`create index clerk_tasks_closed_idx on clerk_tasks (tenant_id, staff_id, closed_at) where status in ('done', 'skipped')`.execute(db);
  await sql`drop index customer_follows_staff_idx`.execute(db);
  await sql`create index customer_follows_staff_idx on customer_follows (tenant_id, staff_id, customer_id) include (remark) where ended_at is null`.execute(db);
  await sql`create index wecom_handovers_from_idx on wecom_handovers (tenant_id, from_staff_id)`.execute(db);
  await sql`create index wecom_handovers_to_idx on wecom_handovers (tenant_id, to_staff_id)`.execute(db);
  await sql`create index campaign_outbox_waiting_idx on campaign_outbox (tenant_id, sender_staff_id)
     where state = 'done' and msgid is not null and confirmed_at is null and cancelled_at is null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
