/**
 * What an import created (#13.7): the store codes and clerk names it added when the user chose "create unknown
 * stores / clerks", so the result page names them instead of only counting them. Appended per merge bucket in the
 * bucket's own transaction (with its checkpoint), so a resumed import never lists a name twice.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imports
    add column stores_created_codes jsonb not null default '[]'::jsonb,
    add column clerks_created_names jsonb not null default '[]'::jsonb`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
