/**
 * Sign-in throttling counters (issue 12 point 9): one row per account identifier (`id:<identifier>`) and per client
 * IP (`ip:<address>`). An attempt is counted BEFORE its password is checked, by one upsert that increments the
 * row under its row lock and returns the count, so parallel attempts cannot all pass a check made before any of
 * them was recorded. A system table (not tenant-owned: sign-in happens before a tenant is known), like
 * `login_attempts`, which stays the history of attempts.
 */
import { sql, type Kysely } from 'kysely';
import { grantToApp } from './_tenant-table';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table login_throttle (
     key text primary key,
     attempts integer not null,
     last_at timestamptz not null,
     locked_until timestamptz,
     last_attempt uuid not null
   )`.execute(db);
  await grantToApp(db, 'login_throttle');
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
