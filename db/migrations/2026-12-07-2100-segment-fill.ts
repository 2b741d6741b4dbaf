/**
 * A segment's membership owed to a job (issue 14, ADR 0018): `fill_owed_since` is set when a segment is created —
 * or a dynamic one's rule changed — with more members than a request should write (server/segments/fill.ts), and
 * cleared by the transaction that computes them. Null: the members follow the rule (as of `refreshed_at`).
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table segments add column fill_owed_since timestamptz`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
