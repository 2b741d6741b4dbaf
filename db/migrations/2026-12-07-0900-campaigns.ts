/**
 * Retention campaigns (issue #15): the campaign, each run with its own audience snapshot, one row per recipient
 * of a run, and the crash-safe outbox of WeCom mass-message tasks — one row per (run, clerk, chunk), written
 * before the add_msg_template call and completed with the msgid and fail_list after it. A row left 'calling' by
 * a killed worker is reconciled with get_groupmsg_list_v2 before any retry (server/campaigns/delivery.service.ts),
 * so no clerk gets the same task twice.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table campaigns (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null check (length(name) between 1 and 200),
     goal text,
     status text not null default 'draft' check (status in ('draft','pending_approval','scheduled','running','done','cancelled','failed')),
     delivery text not null check (delivery in ('mass','one_to_one')),
     audience jsonb not null,
     content jsonb not null,
     schedule jsonb not null,
     guardrails jsonb not null default '{}'::jsonb,
     holdout_pct numeric(5,2) not null default 10 check (holdout_pct >= 0 and holdout_pct <= 50),
     attribution_days integer not null default 7 check (attribution_days between 1 and 90),
     priority integer not null default 0,
     next_run_at timestamptz,
     approved_by uuid,
     approved_at timestamptz,
     created_by uuid,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id)
   )`.execute(db);
  await sql`create index campaigns_due on campaigns (tenant_id, next_run_at) where status in ('scheduled','running')`.execute(db);

  await sql`create table campaign_runs (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     campaign_id uuid not null,
     status text not null default 'planning' check (status in ('planning','sending','sent','done','cancelled','failed')),
     planned_for timestamptz not null,
     started_at timestamptz,
     sent_at timestamptz,
     finished_at timestamptz,
     error text,
     primary key (tenant_id, id),
     foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
   )`.execute(db);
  await sql`create index campaign_runs_by_campaign on campaign_runs (tenant_id, campaign_id, planned_for)`.execute(db);

  await sql`create table campaign_recipients (
     tenant_id uuid not null,
     run_id uuid not null,
     customer_id uuid not null,
     arm text not null check (arm in ('target','holdout','control')),
     excluded text,
     sender_staff_id uuid,
     external_userid text,
     chunk integer,
     status text not null default 'planned' check (status in ('planned','excluded','held_out','task_created','invalid','unsent','sent','not_friend','cap_reached')),
     sent_at timestamptz,
     primary key (tenant_id, run_id, customer_id),
     foreign key (tenant_id, run_id) references campaign_runs (tenant_id, id) on delete cascade
   )`.execute(db);
  await sql`create index campaign_recipients_by_chunk on campaign_recipients (tenant_id, run_id, sender_staff_id, chunk)`.execute(db);
  await sql`create index campaign_recipients_by_customer on campaign_recipients (tenant_id, customer_id)`.execute(db);

  await sql`create table campaign_outbox (
     tenant_id uuid not null,
     run_id uuid not null,
     sender_staff_id uuid not null,
     chunk integer not null,
     state text not null default 'pending' check (state in ('pending','calling','done','failed')),
     recipients integer not null,
     text_sha256 text not null,
     attempts integer not null default 0,
     called_at timestamptz,
     msgid text,
     fail_count integer,
     reconciled boolean not null default false,
     error text,
     completed_at timestamptz,
     primary key (tenant_id, run_id, sender_staff_id, chunk),
     foreign key (tenant_id, run_id) references campaign_runs (tenant_id, id) on delete cascade
   )`.execute(db);
  await sql`create unique index campaign_outbox_msgid on campaign_outbox (tenant_id, msgid) where msgid is not null`.execute(db);

  for (const t of ['campaigns', 'campaign_runs', 'campaign_recipients', 'campaign_outbox']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
