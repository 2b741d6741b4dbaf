/**
 * `campaign_recipients` pages keep 40% free (fillfactor 60). Every recipient row is written once by planning and
 * then updated twice — task created (or refused) when its chunk's task is recorded, sent / not a friend / cap
 * reached when the results are polled — and neither update touches an indexed column. With room on the page both
 * are HOT updates: the new version stays on its page and none of the three indexes gets a new entry. Full pages
 * (the default) made each update a move to another page plus three index inserts, most of the time of recording
 * a 200,000-recipient run (bench/campaigns). Applies to pages written from now on.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table campaign_recipients set (fillfactor = 60)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
