/**
 * Campaign lifecycle (issue #15 points 1, 5): the tenant's campaign settings (quiet hours, frequency cap, WeCom's
 * receive-cap rule, approval on/off, the global control group), one run per campaign and planned time (the
 * scheduler tick may run twice without creating a run twice), and on each run the time it may send (after the
 * quiet hours it fell in) and the time its unsent tasks expire.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table campaign_settings (
     tenant_id uuid not null references tenants(id) on delete cascade,
     quiet_start text check (quiet_start ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
     quiet_end text check (quiet_end ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
     frequency_max integer not null default 2 check (frequency_max between 1 and 100),
     frequency_days integer not null default 7 check (frequency_days between 1 and 90),
     receive_cap_rule text not null default 'month_days' check (receive_cap_rule in ('month_days','week_7','day_1')),
     approval_required boolean not null default false,
     control_pct numeric(5,2) not null default 0 check (control_pct >= 0 and control_pct <= 20),
     updated_by uuid,
     updated_at timestamptz not null default now(),
     primary key (tenant_id),
     check ((quiet_start is null) = (quiet_end is null))
   )`.execute(db);
  await secureTenantTable(db, 'campaign_settings');

  await sql`alter table campaign_runs
     add column send_after timestamptz,
     add column expires_at timestamptz`.execute(db);
  await sql`create unique index campaign_runs_once_per_time on campaign_runs (tenant_id, campaign_id, planned_for)`.execute(db);
  // The tick's scan for runs to start or to finish.
  await sql`create index campaign_runs_open on campaign_runs (tenant_id, status, send_after) where status in ('planning','sending','sent')`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
