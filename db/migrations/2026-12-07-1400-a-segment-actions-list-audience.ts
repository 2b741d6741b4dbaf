/**
 * Bulk tagging "all N matching customers" from the customers list (#13.12) runs through the segment action
 * machinery (`segment_actions` + the `segments.action` job, progress per chunk) without a saved segment: such an
 * action carries its audience in `params` (the list's filters as a rule, the search text and the acting user's
 * scope), so `segment_id` becomes optional. A row has a segment or a rule, never neither.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table segment_actions alter column segment_id drop not null`.execute(db);
  await sql`alter table segment_actions add constraint segment_actions_audience check (segment_id is not null or params ? 'rule')`.execute(db);
  await sql`create index segment_actions_list_idx on segment_actions (tenant_id, created_at desc) where segment_id is null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
