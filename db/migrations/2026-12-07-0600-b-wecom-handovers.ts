/**
 * Handovers (客户继承, issue 18): a resigned clerk's unassigned customers (离职继承) or customers ops choose from a
 * clerk who stays (在职继承) are transferred to a takeover clerk. One `wecom_handovers` row per handover and one
 * `wecom_handover_customers` row per customer, which carries the customer through pending → waiting → kept |
 * refused | limit_reached (or skipped before calling: protection period, transfer limit, a transfer in flight).
 * The customer row itself never changes: only the serving relation moves (customer_follows).
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

const statements = [
  `create table wecom_handovers (
     tenant_id uuid not null references tenants(id) on delete cascade,
     id uuid not null default gen_random_uuid(),
     kind text not null check (kind in ('resigned','on_job')),
     from_staff_id uuid not null,
     to_staff_id uuid not null,
     from_userid text not null,
     to_userid text not null,
     message text check (char_length(message) <= 200),
     status text not null default 'collecting' check (status in ('collecting','transferring','waiting','done','failed')),
     error text,
     created_by_staff_id uuid,
     created_by_label text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     finished_at timestamptz,
     primary key (tenant_id, id),
     check (from_staff_id <> to_staff_id),
     foreign key (tenant_id, from_staff_id) references staff(tenant_id, id),
     foreign key (tenant_id, to_staff_id) references staff(tenant_id, id)
   )`,
  `create index wecom_handovers_created_idx on wecom_handovers (tenant_id, created_at desc)`,
  `create index wecom_handovers_open_idx on wecom_handovers (tenant_id, status) where status <> 'done' and status <> 'failed'`,

  `create table wecom_handover_customers (
     tenant_id uuid not null,
     handover_id uuid not null,
     external_userid text not null,
     customer_id uuid,
     status text not null default 'pending' check (status in ('pending','waiting','kept','refused','limit_reached','failed','skipped')),
     errcode integer,
     reason text,
     takeover_at timestamptz,
     updated_at timestamptz not null default now(),
     primary key (tenant_id, handover_id, external_userid),
     foreign key (tenant_id, handover_id) references wecom_handovers(tenant_id, id) on delete cascade,
     foreign key (tenant_id, customer_id) references customers(tenant_id, id) on delete set null (customer_id)
   )`,
  `create index wecom_handover_customers_status_idx on wecom_handover_customers (tenant_id, handover_id, status)`,
  `create index wecom_handover_customers_external_idx on wecom_handover_customers (tenant_id, external_userid, status)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
  for (const t of ['wecom_handovers', 'wecom_handover_customers']) await secureTenantTable(db, t);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
