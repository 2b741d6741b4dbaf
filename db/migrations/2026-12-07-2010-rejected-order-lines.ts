/**
 * The lines of an order the merge rejected, when they are one run of consecutive lines (issue 17,
 * docs/decisions/0014-import-fresh-merge.md): `first_line` and `last_line`, set only when the order's lines are
 * exactly first_line..last_line. The error report then names those lines without scanning the import's staged
 * lines again (a full scan of the staging partition for a handful of rejected orders: UCI ≈ 0.35 s). Null: the
 * lines are found in staging as before.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table import_rejected_orders add column first_line bigint, add column last_line bigint`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
