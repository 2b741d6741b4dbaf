/**
 * Welcome messages (欢迎语, issue 18): ops define messages by channel code, store or clerk, with one default; every
 * add_external_contact that carries a WelcomeCode gets one `wecom_welcome_sends` row, keyed by the code (a
 * redelivered callback finds the row and sends nothing), recording what was sent or why not (41051, expired).
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table wecom_welcome_messages (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     scope text not null check (scope in ('default','channel','store','clerk')),
     channel_id uuid,
     store_id uuid,
     staff_id uuid,
     text text not null check (octet_length(text) between 1 and 4000),
     attachments jsonb not null default '[]'::jsonb check (jsonb_typeof(attachments) = 'array' and jsonb_array_length(attachments) <= 9),
     active boolean not null default true,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     check ((scope = 'channel') = (channel_id is not null) and (scope = 'store') = (store_id is not null) and (scope = 'clerk') = (staff_id is not null)),
     foreign key (tenant_id, channel_id) references wecom_channels(tenant_id, id) on delete cascade,
     foreign key (tenant_id, store_id) references stores(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade
   )`,
  // One active message per target (and one default).
  `create unique index wecom_welcome_messages_target_idx on wecom_welcome_messages
     (tenant_id, scope, coalesce(channel_id, store_id, staff_id, '00000000-0000-0000-0000-000000000000'::uuid)) where active`,

  `create table wecom_welcome_sends (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id bigint generated always as identity,
     welcome_code text not null,
     userid text not null,
     external_userid text not null,
     state text,
     channel_id uuid,
     staff_id uuid,
     message_id uuid,
     status text not null default 'sending' check (status in ('sending','sent','rejected','expired','failed','no_message')),
     errcode integer,
     error text,
     text text,
     event_at timestamptz not null,
     received_at timestamptz not null default now(),
     sent_at timestamptz,
     primary key (tenant_id, id),
     unique (tenant_id, welcome_code),
     foreign key (tenant_id, channel_id) references wecom_channels(tenant_id, id) on delete set null (channel_id),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete set null (staff_id),
     foreign key (tenant_id, message_id) references wecom_welcome_messages(tenant_id, id) on delete set null (message_id)
   )`,
  `create index wecom_welcome_sends_channel_idx on wecom_welcome_sends (tenant_id, channel_id, status)`,
  `create index wecom_welcome_sends_external_idx on wecom_welcome_sends (tenant_id, external_userid)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['wecom_welcome_messages', 'wecom_welcome_sends']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
