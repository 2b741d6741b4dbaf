import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  // One row per person the chain knows: a WeCom contact, a member, a phone number seen on an order.
  `create table customers (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     display_name text,
     gender smallint not null default 0,
     avatar text,
     source text not null check (source in ('wecom','import','api','manual','demo')),
     primary_store_id uuid,
     mobile_masked text,
     merged_into uuid,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     primary key (tenant_id, id),
     foreign key (tenant_id, primary_store_id) references stores(tenant_id, id)
   )`,
  `create index customers_store_idx on customers (tenant_id, primary_store_id)`,
  `create index customers_created_idx on customers (tenant_id, created_at)`,

  // Identities: each (kind, value) points at exactly one customer per tenant. Mobile values are keyed hashes.
  `create table customer_identities (
     tenant_id uuid not null references tenants(id) on delete cascade,
     kind text not null check (kind in ('external_userid','unionid','member_no','mobile','openid')),
     value text not null,
     customer_id uuid not null,
     source text not null,
     created_at timestamptz not null default now(),
     primary key (tenant_id, kind, value),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade
   )`,
  `create index customer_identities_customer_idx on customer_identities (tenant_id, customer_id)`,

  // Who serves a customer: the WeCom follow relation (clerk added the customer). Ended, never deleted.
  `create table customer_follows (
     tenant_id uuid not null references tenants(id) on delete cascade,
     customer_id uuid not null,
     staff_id uuid not null,
     remark text,
     description text,
     remark_mobiles text[] not null default '{}',
     added_at timestamptz,
     add_way integer,
     state text,
     channel_id uuid,
     oper_userid text,
     ended_at timestamptz,
     end_reason text,
     updated_at timestamptz not null default now(),
     primary key (tenant_id, customer_id, staff_id),
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, staff_id) references staff(tenant_id, id)
   )`,
  `create index customer_follows_staff_idx on customer_follows (tenant_id, staff_id) where ended_at is null`,

  // Outbox for the analytics refresh: customers touched by an import, API batch, sync or merge.
  `create table customer_refresh_queue (
     tenant_id uuid not null references tenants(id) on delete cascade,
     customer_id uuid not null,
     queued_at timestamptz not null default now(),
     reason text not null,
     primary key (tenant_id, customer_id)
   )`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['customers', 'customer_identities', 'customer_follows', 'customer_refresh_queue']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
