/**
 * The clerk's workspace (issue 16): tasks, follow-up records, scripts and touches.
 *
 * - `clerk_tasks`: one row per thing a clerk should do for a customer. General on purpose, so that segments and
 *   campaigns insert into it too: `kind` (due, new_untagged, relation_ended, follow_up, birthday, segment,
 *   campaign …), `source` (who created it: system, segment:<id>, campaign:<id> …), `dedupe_key` (one task per
 *   kind, customer, clerk and cycle: inserts are `on conflict do nothing`), `due_on`, `status` open / done /
 *   skipped / expired with `reason`, `payload` (what the source wants shown, e.g. a personalised script).
 * - `customer_follow_ups` (跟进记录): note, how (chat, call, visit), next follow-up date.
 * - `clerk_scripts` (话术): text, image or link by category and lifecycle stage, with {{variables}}.
 * - `customer_touches`: a message a clerk put into a WeCom chat from the sidebar (script or campaign).
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const ddl = [
  `create table clerk_tasks (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     kind text not null,
     customer_id uuid,
     staff_id uuid not null,
     due_on date not null,
     status text not null default 'open' check (status in ('open','done','skipped','expired')),
     reason text,
     source text not null default 'system',
     dedupe_key text not null,
     title text,
     payload jsonb not null default '{}'::jsonb,
     created_at timestamptz not null default now(),
     closed_at timestamptz,
     closed_by uuid,
     primary key (tenant_id, id),
     unique (tenant_id, staff_id, kind, dedupe_key),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade
   )`,
  `create index clerk_tasks_open_idx on clerk_tasks (tenant_id, staff_id, status, due_on)`,
  `create index clerk_tasks_customer_idx on clerk_tasks (tenant_id, customer_id)`,
  `create index clerk_tasks_created_idx on clerk_tasks (tenant_id, created_at)`,

  `create table customer_follow_ups (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     customer_id uuid not null,
     staff_id uuid not null,
     channel text not null check (channel in ('chat','call','visit')),
     note text not null default '',
     next_follow_up_on date,
     created_at timestamptz not null default now(),
     primary key (tenant_id, id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade
   )`,
  `create index customer_follow_ups_customer_idx on customer_follow_ups (tenant_id, customer_id, created_at desc)`,
  `create index customer_follow_ups_staff_idx on customer_follow_ups (tenant_id, staff_id, created_at desc)`,
  `create index customer_follow_ups_next_idx on customer_follow_ups (tenant_id, staff_id, next_follow_up_on) where next_follow_up_on is not null`,

  `create table clerk_scripts (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     category text not null,
     stage text,
     kind text not null default 'text' check (kind in ('text','image','link')),
     title text not null,
     body text not null default '',
     url text,
     image_url text,
     active boolean not null default true,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id)
   )`,
  `create index clerk_scripts_category_idx on clerk_scripts (tenant_id, category, stage)`,

  `create table customer_touches (
     tenant_id uuid not null,
     id uuid not null default gen_random_uuid(),
     customer_id uuid,
     chat_id text,
     staff_id uuid not null,
     kind text not null,
     script_id uuid,
     content text not null,
     via text not null default 'sidebar',
     created_at timestamptz not null default now(),
     primary key (tenant_id, id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade,
     foreign key (tenant_id, script_id) references clerk_scripts(tenant_id, id) on delete set null (script_id)
   )`,
  `create index customer_touches_customer_idx on customer_touches (tenant_id, customer_id, created_at desc)`,
  `create index customer_touches_staff_idx on customer_touches (tenant_id, staff_id, created_at desc)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of ddl) await sql.raw(s).execute(db);
  for (const t of ['clerk_tasks', 'customer_follow_ups', 'clerk_scripts', 'customer_touches']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
