/**
 * The daily generation of clerk tasks (issue 16): one row per tenant and local day once the day's tasks were
 * generated for every clerk (server/clerk/tasks.job.ts). The job writes it in the same transaction as the tasks, so
 * a crash leaves no row and the retry generates again (the inserts are `on conflict do nothing`); a second run of
 * the same day finds the row and does nothing.
 */
import { sql, type Kysely } from 'kysely';
import { secureTenantTable } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table clerk_task_runs (
     tenant_id uuid not null references tenants(id) on delete cascade,
     day date not null,
     tasks_created integer not null default 0,
     finished_at timestamptz not null default now(),
     primary key (tenant_id, day)
   )`.execute(db);
  await secureTenantTable(db, 'clerk_task_runs');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
