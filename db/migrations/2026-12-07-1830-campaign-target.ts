/**
 * Campaigns, the group-chat target (issue #15 point 3): `campaigns.target` says whom a mass campaign's tasks go to —
 * the customers in single chats (`customers`, the default) or also the serving clerks' customer group chats
 * (`customers_and_groups`: one chat_type=group task per clerk and chunk of chats, delivery.service.ts planGroupRunIn).
 * A 1:1 campaign has no group target.
 */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table campaigns add column target text not null default 'customers'
    check (target in ('customers', 'customers_and_groups')),
    add constraint campaigns_group_target_is_mass check (target = 'customers' or delivery = 'mass')`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
