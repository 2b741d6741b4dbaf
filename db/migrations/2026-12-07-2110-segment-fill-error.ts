/**
 * Why the fill job could not compute a segment's membership (ADR 0018): the rule refused when the job ran — a tag
 * or segment it names deleted since the save. Shown on the segment until a save or a fill succeeds; null otherwise.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table segments add column fill_error text`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
