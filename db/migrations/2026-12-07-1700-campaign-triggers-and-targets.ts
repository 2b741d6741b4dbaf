/**
 * Campaigns, second part (issue #15 points 2, 3, 8):
 *
 * - `campaign_trigger_entries`: the ledger of fired entries of triggered campaigns. One row per (campaign,
 *   customer, entry key) — the entry key names what happened (the segment entry event, the first purchase, the
 *   order, the WeCom add, the birthday's year) — unique, so a crashed or retried evaluation never fires an entry
 *   twice; each row points at the run whose audience it is.
 * - `campaign_trigger_state`: per triggered campaign, the local day from which entries count (its first
 *   evaluation: scheduling a campaign never fires for history) and the last local day it was evaluated.
 * - `campaign_outbox.chat_type`: a run's second target, the clerks' customer group chats (`chat_type=group`):
 *   group tasks are outbox rows too, numbered with negative chunks (-1, -2, …) so the (run, clerk, chunk) key of
 *   every existing reader stays unique; `campaign_group_targets` holds one row per chat of such a task with its
 *   send state, as `campaign_recipients` does for customers.
 * - `wecom_media`: media uploaded for attachments (`media/upload`), cached by content hash for less than WeCom's
 *   three days, so each send re-uses a live media_id or uploads again.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table campaign_trigger_entries (
     tenant_id uuid not null,
     campaign_id uuid not null,
     customer_id uuid not null,
     entry_key text not null,
     entered_on date not null,
     run_id uuid not null,
     fired_at timestamptz not null default now(),
     primary key (tenant_id, campaign_id, customer_id, entry_key),
     foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade,
     foreign key (tenant_id, run_id) references campaign_runs (tenant_id, id) on delete cascade
   )`,
  `create index campaign_trigger_entries_last on campaign_trigger_entries (tenant_id, campaign_id, customer_id, fired_at desc)`,
  `create index campaign_trigger_entries_run on campaign_trigger_entries (tenant_id, run_id)`,
  `create table campaign_trigger_state (
     tenant_id uuid not null,
     campaign_id uuid not null,
     since_on date not null,
     evaluated_on date,
     evaluated_at timestamptz,
     primary key (tenant_id, campaign_id),
     foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id) on delete cascade
   )`,
  `alter table campaign_outbox add column chat_type text not null default 'single' check (chat_type in ('single','group')),
     add constraint campaign_outbox_group_chunks check ((chat_type = 'group') = (chunk < 0))`,
  `create table campaign_group_targets (
     tenant_id uuid not null,
     run_id uuid not null,
     chat_id text not null,
     sender_staff_id uuid not null,
     chunk integer not null check (chunk < 0),
     status text not null default 'planned' check (status in ('planned','task_created','invalid','unsent','sent','not_friend','cap_reached')),
     sent_at timestamptz,
     primary key (tenant_id, run_id, chat_id),
     foreign key (tenant_id, run_id) references campaign_runs (tenant_id, id) on delete cascade
   )`,
  `create index campaign_group_targets_by_chunk on campaign_group_targets (tenant_id, run_id, sender_staff_id, chunk)`,
  `create table wecom_media (
     tenant_id uuid not null,
     sha256 text not null,
     kind text not null check (kind in ('image','voice','video','file')),
     media_id text not null,
     uploaded_at timestamptz not null,
     primary key (tenant_id, sha256, kind)
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['campaign_trigger_entries', 'campaign_trigger_state', 'campaign_group_targets', 'wecom_media']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
