/**
 * Enterprise moments (客户朋友圈, issue 18): a post ops create for chosen clerks and, optionally, customers with given
 * corp tags. `wecom_moments` follows the WeCom job (jobid → moment_id, invalid senders and tags);
 * `wecom_moment_clerks` each clerk's posted / not-posted state with likes and comments; `wecom_moment_reach` the
 * customers in range per clerk and whether the post was shown to them — the reached group and its like-for-like
 * unreached group (same clerks, same tags) for the orders-within-7-days comparison.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table wecom_moments (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     text text not null default '' check (char_length(text) <= 2000),
     attachments jsonb not null default '[]'::jsonb check (jsonb_typeof(attachments) = 'array'),
     sender_userids text[] not null default '{}',
     tag_ids uuid[] not null default '{}',
     wecom_tag_ids text[] not null default '{}',
     jobid text,
     moment_id text,
     status text not null default 'creating' check (status in ('creating','active','cancelled','failed')),
     invalid_senders text[] not null default '{}',
     invalid_tags text[] not null default '{}',
     error text,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     synced_at timestamptz,
     primary key (tenant_id, id),
     unique (tenant_id, moment_id)
   )`,
  `create index wecom_moments_created_idx on wecom_moments (tenant_id, created_at desc)`,

  `create table wecom_moment_clerks (
     tenant_id uuid not null,
     moment_id uuid not null,
     userid text not null,
     staff_id uuid,
     posted boolean not null default false,
     posted_seen_at timestamptz,
     likes integer not null default 0,
     comments integer not null default 0,
     primary key (tenant_id, moment_id, userid),
     foreign key (tenant_id, moment_id) references wecom_moments(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete set null (staff_id)
   )`,
  `create index wecom_moment_clerks_staff_idx on wecom_moment_clerks (tenant_id, staff_id, posted)`,

  `create table wecom_moment_reach (
     tenant_id uuid not null,
     moment_id uuid not null,
     userid text not null,
     external_userid text not null,
     customer_id uuid,
     shown boolean not null default false,
     primary key (tenant_id, moment_id, userid, external_userid),
     foreign key (tenant_id, moment_id) references wecom_moments(tenant_id, id) on delete cascade,
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete set null (customer_id)
   )`,
  `create index wecom_moment_reach_customer_idx on wecom_moment_reach (tenant_id, customer_id)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['wecom_moments', 'wecom_moment_clerks', 'wecom_moment_reach']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
