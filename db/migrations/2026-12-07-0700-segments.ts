/**
 * Segments (issue #14): saved rules, their members, the entries and exits of dynamic segments with their day,
 * the size per day (for the chart), bulk actions with their progress, and follow-up tasks handed to clerks.
 *
 * - `segments`: a dynamic segment holds a rule (app/lib/segments/rule.ts wire format) and is re-evaluated after
 *   each analytics refresh and on a schedule; a static one is a frozen list (from its rule at freeze time, or an
 *   uploaded file) whose rule is kept for reference only.
 * - `segment_members`: the current members. No foreign key to customers: like customer_metrics it is derived
 *   (rebuilt by the refresh), and readers join customers (a merged loser drops out at the next refresh).
 * - `segment_events`: one row per entry or exit of a customer, with the local day (campaigns trigger on "entered").
 * - `segment_sizes`: size, entries and exits per segment and local day.
 * - `segment_actions`: a bulk action on all members (tag add/remove, follow-up tasks) and its progress.
 * A segment handed to clerks becomes rows of the clerk workspace's `clerk_tasks` (kind 'segment', migration 0800).
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table segments (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null check (length(name) between 1 and 60),
     description text,
     kind text not null check (kind in ('dynamic','static')),
     rule jsonb not null default '{"all":[],"none":[]}'::jsonb,
     template text,
     source text not null default 'rule' check (source in ('rule','upload')),
     size integer not null default 0,
     refreshed_at timestamptz,
     refreshed_as_of date,
     created_by_staff_id uuid,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, name)
   )`,
  `create table segment_members (
     tenant_id uuid not null,
     segment_id uuid not null,
     customer_id uuid not null,
     entered_on date not null,
     primary key (tenant_id, segment_id, customer_id),
     foreign key (tenant_id, segment_id) references segments(tenant_id, id) on delete cascade
   )`,
  `create index segment_members_customer_idx on segment_members (tenant_id, customer_id)`,
  `create table segment_events (
     tenant_id uuid not null,
     segment_id uuid not null,
     id bigint generated always as identity,
     customer_id uuid not null,
     kind text not null check (kind in ('enter','exit')),
     day date not null,
     at timestamptz not null default now(),
     primary key (tenant_id, segment_id, id),
     foreign key (tenant_id, segment_id) references segments(tenant_id, id) on delete cascade
   )`,
  `create index segment_events_day_idx on segment_events (tenant_id, segment_id, day, kind)`,
  `create table segment_sizes (
     tenant_id uuid not null,
     segment_id uuid not null,
     day date not null,
     size integer not null,
     entered integer not null default 0,
     exited integer not null default 0,
     primary key (tenant_id, segment_id, day),
     foreign key (tenant_id, segment_id) references segments(tenant_id, id) on delete cascade
   )`,
  `create table segment_actions (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     segment_id uuid not null,
     kind text not null check (kind in ('tag_add','tag_remove','follow_up')),
     params jsonb not null default '{}'::jsonb,
     status text not null default 'queued' check (status in ('queued','running','done','failed')),
     total integer not null default 0,
     done integer not null default 0,
     pending integer not null default 0,
     failed integer not null default 0,
     skipped integer not null default 0,
     error text,
     created_by_staff_id uuid,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     finished_at timestamptz,
     primary key (tenant_id, id),
     foreign key (tenant_id, segment_id) references segments(tenant_id, id) on delete cascade
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['segments', 'segment_members', 'segment_events', 'segment_sizes', 'segment_actions']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
