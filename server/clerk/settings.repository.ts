/** The clerk-workspace settings' storage: the `clerk` key of `tenants.settings` (jsonb). */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

/** The stored value, unparsed (undefined when the tenant has none). */
export async function storedClerkSettings(trx: Tx, tenantId: TenantId): Promise<unknown> {
  const row = await trx.selectFrom('tenants').select('settings').where('id', '=', tenantId).executeTakeFirst();
  return (row?.settings as Record<string, unknown> | undefined)?.clerk;
}

/** Replaces the `clerk` key, leaving the tenant's other settings as they are. */
export async function storeClerkSettings(trx: Tx, tenantId: TenantId, value: object): Promise<void> {
  await sql`update tenants set settings = jsonb_set(coalesce(settings, '{}'::jsonb), '{clerk}', ${JSON.stringify(value)}::text::jsonb) where id = ${tenantId}::uuid`.execute(trx);
}
