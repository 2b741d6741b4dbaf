import { sql, type Kysely } from 'kysely';
import { APP_ROLE, grantToApp, secureTenantTable } from './_tenant-table';

const statements = [
  `create extension if not exists pgcrypto`,
  `create extension if not exists citext`,
  `grant usage on schema public to ${APP_ROLE}`,
  `alter default privileges in schema public grant usage, select on sequences to ${APP_ROLE}`,

  // Tenants: the row is the tenant itself; RLS keys on id.
  `create table tenants (
     id uuid primary key default gen_random_uuid(),
     slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{1,40}$'),
     name text not null,
     timezone text not null default 'Asia/Shanghai',
     currency char(3) not null default 'CNY',
     locale text not null default 'zh-CN',
     settings jsonb not null default '{}'::jsonb,
     active boolean not null default true,
     is_demo boolean not null default false,
     created_at timestamptz not null default now()
   )`,

  `create table regions (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     code text not null,
     name text not null,
     created_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, code)
   )`,

  `create table stores (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     region_id uuid,
     code text not null,
     name text not null,
     city text,
     address text,
     opened_on date,
     imported boolean not null default false,
     active boolean not null default true,
     created_at timestamptz not null default now(),
     primary key (tenant_id, id),
     unique (tenant_id, code),
     foreign key (tenant_id, region_id) references regions(tenant_id, id)
   )`,

  `create table staff (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null,
     email citext,
     mobile text,
     role text not null check (role in ('admin','ops','manager','clerk')),
     password_hash text,
     store_id uuid,
     wecom_userid text,
     imported boolean not null default false,
     active boolean not null default true,
     locale text,
     created_at timestamptz not null default now(),
     last_login_at timestamptz,
     primary key (tenant_id, id),
     unique (tenant_id, email),
     unique (tenant_id, mobile),
     unique (tenant_id, wecom_userid),
     foreign key (tenant_id, store_id) references stores(tenant_id, id)
   )`,
  `create index staff_store_idx on staff (tenant_id, store_id)`,

  // A manager's scope: regions and/or stores.
  `create table staff_scopes (
     tenant_id uuid not null,
     staff_id uuid not null,
     region_id uuid,
     store_id uuid,
     id uuid not null default gen_random_uuid(),
     primary key (tenant_id, staff_id, id),
     check ((region_id is null) <> (store_id is null)),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade,
     foreign key (tenant_id, region_id) references regions(tenant_id, id) on delete cascade,
     foreign key (tenant_id, store_id) references stores(tenant_id, id) on delete cascade
   )`,

  `create table sessions (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id_hash text not null,
     staff_id uuid not null,
     csrf_token text not null,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     ip text,
     user_agent text,
     primary key (tenant_id, id_hash),
     foreign key (tenant_id, staff_id) references staff(tenant_id, id) on delete cascade
   )`,

  `create table audit_log (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id bigint generated always as identity,
     at timestamptz not null default now(),
     actor_staff_id uuid,
     actor_label text not null,
     action text not null,
     entity_type text not null,
     entity_id text,
     before jsonb,
     after jsonb,
     request_id text,
     primary key (tenant_id, id)
   )`,
  `create index audit_log_at_idx on audit_log (tenant_id, at desc)`,

  `create table api_keys (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     name text not null,
     prefix text not null,
     key_hash text not null unique,
     created_by text not null,
     created_at timestamptz not null default now(),
     last_used_at timestamptz,
     revoked_at timestamptz,
     primary key (tenant_id, id)
   )`,

  // System tables (not tenant-owned).
  `create table platform_admins (
     id uuid primary key default gen_random_uuid(),
     email citext not null unique,
     name text not null,
     password_hash text not null,
     created_at timestamptz not null default now()
   )`,
  `create table platform_sessions (
     id_hash text primary key,
     admin_id uuid not null references platform_admins(id) on delete cascade,
     csrf_token text not null,
     expires_at timestamptz not null,
     created_at timestamptz not null default now()
   )`,
  `create table login_attempts (
     id bigint generated always as identity primary key,
     identifier text not null,
     ip text,
     success boolean not null,
     at timestamptz not null default now()
   )`,
  `create index login_attempts_identifier_idx on login_attempts (identifier, at desc)`,
  `create index login_attempts_ip_idx on login_attempts (ip, at desc)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);

  await sql`alter table tenants enable row level security`.execute(db);
  await sql`alter table tenants force row level security`.execute(db);
  await sql.raw(`create policy tenant_isolation on tenants to ${APP_ROLE}
      using (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
      with check (id = nullif(current_setting('app.tenant_id', true), '')::uuid)`).execute(db);
  await sql`create policy system_access on tenants to current_user using (true) with check (true)`.execute(db);
  await sql.raw(`grant select, update on tenants to ${APP_ROLE}`).execute(db);

  for (const t of ['regions', 'stores', 'staff', 'staff_scopes', 'sessions', 'audit_log', 'api_keys']) {
    await secureTenantTable(db, t);
  }
  // Pre-login work (throttling) is done by the app role without a tenant; it never reads tenant data.
  await grantToApp(db, 'login_attempts', 'select, insert');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
