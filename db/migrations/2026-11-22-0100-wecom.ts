/**
 * WeCom (issue 3): the connection per tenant, the shared access-token cache, full-sync runs with their
 * checkpoints, tags (WeCom corp tags and Huike-internal tags) with their write-back changes, customer groups,
 * channel codes (contact ways) and the callback inbox.
 *
 * - Secrets (app secret, EncodingAESKey, cached access tokens) are sealed with SecretBox under APP_ENCRYPTION_KEY.
 * - `wecom_access_tokens` is the TokenStore shared by every process; refreshes serialise on
 *   pg_advisory_xact_lock (server/wecom/pg-token-store.ts).
 * - A follow relation that a complete sync no longer sees is ended (customer_follows.ended_at), never deleted;
 *   `wecom_sync_seen` records what a run has seen, page by page, so a killed run resumes and still knows.
 * - Tags in WeCom belong to a (clerk, customer) relation: `customer_follow_tags` mirrors them; internal tags
 *   live on the customer (`customer_internal_tags`) and are never pushed.
 * See docs/decisions/0005-wecom-sync-and-callbacks.md.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table wecom_connections (
     tenant_id uuid not null references tenants(id) on delete cascade,
     corp_id text not null check (corp_id ~ '^[A-Za-z0-9_-]{1,64}$'),
     agent_id integer,
     secret_sealed text not null,
     callback_token text not null check (callback_token ~ '^[A-Za-z0-9]{1,32}$'),
     aes_key_sealed text not null,
     mode text not null default 'live' check (mode in ('live','simulator')),
     base_url text,
     sim_config jsonb,
     last_test_at timestamptz,
     last_test_ok boolean,
     last_test_message text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     updated_by_label text not null,
     primary key (tenant_id)
   )`,

  // The TokenStore: one row per (corp, app). Tokens are sealed; the row is rewritten on refresh.
  `create table wecom_access_tokens (
     tenant_id uuid not null references tenants(id) on delete cascade,
     corp_id text not null,
     app_key text not null,
     token_sealed text not null,
     expires_at timestamptz not null,
     updated_at timestamptz not null default now(),
     primary key (tenant_id, corp_id, app_key)
   )`,

  `create table wecom_sync_runs (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     kind text not null default 'full' check (kind in ('full')),
     status text not null default 'queued' check (status in ('queued','running','done','failed','cancelled')),
     phase text not null default 'staff' check (phase in ('staff','tags','contacts','groups','finalize','done')),
     source text not null check (source in ('ui','cli','demo','schedule')),
     created_by_label text not null,
     checkpoint jsonb not null default '{}'::jsonb,
     pages integer not null default 0,
     api_calls integer not null default 0,
     staff_seen integer not null default 0,
     staff_created integer not null default 0,
     tags_seen integer not null default 0,
     tags_changed integer not null default 0,
     relations_seen integer not null default 0,
     customers_seen integer not null default 0,
     customers_created integer not null default 0,
     customers_updated integer not null default 0,
     relations_created integer not null default 0,
     relations_updated integer not null default 0,
     relations_ended integer not null default 0,
     follow_tags_changed integer not null default 0,
     groups_seen integer not null default 0,
     groups_changed integer not null default 0,
     groups_dismissed integer not null default 0,
     orders_linked integer not null default 0,
     estimate_relations integer,
     errors jsonb not null default '[]'::jsonb,
     error_message text,
     attempts integer not null default 0,
     job_id text,
     created_at timestamptz not null default now(),
     started_at timestamptz,
     heartbeat_at timestamptz,
     finished_at timestamptz,
     primary key (tenant_id, id)
   )`,
  `create index wecom_sync_runs_created_idx on wecom_sync_runs (tenant_id, created_at desc)`,
  // At most one unfinished run per tenant.
  `create unique index wecom_sync_runs_active_idx on wecom_sync_runs (tenant_id) where status in ('queued','running')`,

  // Follow relations a run has seen: one row per written batch (parallel arrays), written in the batch's
  // transaction, so a resumed run still knows everything it saw before it was stopped.
  `create table wecom_sync_seen (
     tenant_id uuid not null,
     run_id uuid not null,
     id bigint generated always as identity,
     customer_ids uuid[] not null,
     staff_ids uuid[] not null,
     primary key (tenant_id, run_id, id),
     foreign key (tenant_id, run_id) references wecom_sync_runs(tenant_id, id) on delete cascade
   )`,
  // Group chats a run has listed, and which of them it has read.
  `create table wecom_sync_chats (
     tenant_id uuid not null,
     run_id uuid not null,
     chat_id text not null,
     status smallint not null default 0,
     done boolean not null default false,
     primary key (tenant_id, run_id, chat_id),
     foreign key (tenant_id, run_id) references wecom_sync_runs(tenant_id, id) on delete cascade
   )`,

  `create table tag_groups (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null check (length(name) between 1 and 30),
     kind text not null check (kind in ('wecom','internal')),
     wecom_group_id text,
     sort_order bigint not null default 0,
     deleted_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, wecom_group_id)
   )`,
  `create table tags (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     group_id uuid not null,
     name text not null check (length(name) between 1 and 30),
     wecom_tag_id text,
     sort_order bigint not null default 0,
     push_state text not null default 'synced' check (push_state in ('synced','pending','failed')),
     push_error text,
     created_by_label text,
     deleted_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, wecom_tag_id),
     foreign key (tenant_id, group_id) references tag_groups(tenant_id, id) on delete cascade
   )`,
  `create index tags_group_idx on tags (tenant_id, group_id)`,

  // WeCom's tags of one (customer, clerk) relation, as last read from WeCom or written back to it. Only the
  // customer is a foreign key (cascade): the sync writes ~2.5 rows per relation, and the staff and tag ids come
  // from the same transaction's lookups (docs/decisions/0005-wecom-sync-and-callbacks.md).
  `create table customer_follow_tags (
     tenant_id uuid not null,
     customer_id uuid not null,
     staff_id uuid not null,
     tag_id uuid not null,
     created_at timestamptz not null default now(),
     primary key (tenant_id, customer_id, staff_id, tag_id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade
   )`,
  `create index customer_follow_tags_tag_idx on customer_follow_tags (tenant_id, tag_id, customer_id)`,

  // Internal tags: Huike only, never pushed to WeCom.
  `create table customer_internal_tags (
     tenant_id uuid not null,
     customer_id uuid not null,
     tag_id uuid not null,
     added_by_label text not null,
     added_at timestamptz not null default now(),
     primary key (tenant_id, customer_id, tag_id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, tag_id) references tags(tenant_id, id) on delete cascade
   )`,
  `create index customer_internal_tags_tag_idx on customer_internal_tags (tenant_id, tag_id, customer_id)`,

  // Every tag change made in Huike and its write-back state.
  `create table tag_changes (
     tenant_id uuid not null,
     id bigint generated always as identity,
     batch_id uuid not null,
     customer_id uuid not null,
     tag_id uuid not null,
     op text not null check (op in ('add','remove')),
     state text not null default 'pending' check (state in ('pending','synced','failed','internal')),
     reason text,
     attempts integer not null default 0,
     actor_staff_id uuid,
     actor_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     synced_at timestamptz,
     primary key (tenant_id, id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, tag_id) references tags(tenant_id, id) on delete cascade
   )`,
  `create index tag_changes_customer_idx on tag_changes (tenant_id, customer_id, id desc)`,
  `create index tag_changes_batch_idx on tag_changes (tenant_id, batch_id)`,
  `create index tag_changes_pending_idx on tag_changes (tenant_id, state, id) where state = 'pending'`,

  `create table wecom_group_chats (
     tenant_id uuid not null references tenants(id) on delete cascade,
     chat_id text not null,
     name text not null default '',
     owner_userid text not null default '',
     owner_staff_id uuid,
     notice text,
     member_version text,
     status smallint not null default 0,
     member_count integer not null default 0,
     customer_count integer not null default 0,
     wecom_created_at timestamptz,
     dismissed_at timestamptz,
     synced_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, chat_id),
     foreign key (tenant_id, owner_staff_id) references staff(tenant_id, id) on delete set null (owner_staff_id)
   )`,
  `create index wecom_group_chats_owner_idx on wecom_group_chats (tenant_id, owner_staff_id)`,
  `create table wecom_group_members (
     tenant_id uuid not null,
     chat_id text not null,
     member_id text not null,
     member_type smallint not null,
     customer_id uuid,
     staff_id uuid,
     unionid text,
     name text,
     group_nickname text,
     join_time timestamptz,
     join_scene smallint,
     invitor_userid text,
     state text,
     left_at timestamptz,
     updated_at timestamptz not null default now(),
     primary key (tenant_id, chat_id, member_id),
     foreign key (tenant_id, chat_id) references wecom_group_chats(tenant_id, chat_id) on delete cascade,
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete set null (customer_id),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete set null (staff_id)
   )`,
  `create index wecom_group_members_customer_idx on wecom_group_members (tenant_id, customer_id) where customer_id is not null`,
  `create index wecom_group_members_external_idx on wecom_group_members (tenant_id, member_id) where member_type = 2`,

  // Channel codes (联系我 contact ways): one unique state per channel.
  `create table wecom_channels (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null check (length(name) between 1 and 60),
     state text not null check (length(state) between 1 and 30),
     store_id uuid,
     staff_id uuid,
     campaign text,
     userids text[] not null default '{}',
     skip_verify boolean not null default true,
     config_id text,
     qr_code text,
     status text not null default 'pending' check (status in ('pending','active','failed')),
     error text,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, state),
     foreign key (tenant_id, store_id) references stores(tenant_id, id),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id)
   )`,

  // Callback inbox: every event stored once (dedupe key), acknowledged at once, processed by a job.
  `create table wecom_inbox (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id bigint generated always as identity,
     dedupe_key text not null,
     event text not null,
     change_type text,
     subject text,
     payload jsonb not null,
     status text not null default 'pending' check (status in ('pending','done','failed','ignored')),
     attempts integer not null default 0,
     result text,
     error text,
     received_at timestamptz not null default now(),
     processed_at timestamptz,
     primary key (tenant_id, id),
     unique (tenant_id, dedupe_key)
   )`,
  `create index wecom_inbox_received_idx on wecom_inbox (tenant_id, received_at desc)`,
  `create index wecom_inbox_pending_idx on wecom_inbox (tenant_id, status, id) where status = 'pending'`,

  // The follow relation learns two WeCom facts: the customer deleted the clerk (one-way), and the channel.
  `alter table customer_follows add column customer_deleted_at timestamptz`,
  `alter table customer_follows add constraint customer_follows_channel_fk foreign key (tenant_id, channel_id)
     references wecom_channels(tenant_id, id) on delete set null (channel_id)`,
  `create index customer_follows_channel_idx on customer_follows (tenant_id, channel_id) where channel_id is not null`,
  `create index customer_follows_state_idx on customer_follows (tenant_id, state) where state is not null`,
];

const TABLES = [
  'wecom_connections',
  'wecom_access_tokens',
  'wecom_sync_runs',
  'wecom_sync_seen',
  'wecom_sync_chats',
  'tag_groups',
  'tags',
  'customer_follow_tags',
  'customer_internal_tags',
  'tag_changes',
  'wecom_group_chats',
  'wecom_group_members',
  'wecom_channels',
  'wecom_inbox',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of TABLES) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
