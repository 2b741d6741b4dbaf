/** The tenant's WeCom connection row (all Kysely code for `wecom_connections`). Secrets stay sealed here. */
import { sql, type Selectable } from 'kysely';
import type { WecomConnectionsTable, WecomMode } from '../../db/schema/wecom';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';

/** A `wecom_connections` row as read (db/schema/wecom.ts WecomConnectionsTable). */
export type ConnectionRow = Selectable<WecomConnectionsTable>;

export async function findConnection(trx: Tx, tenantId: TenantId): Promise<ConnectionRow | null> {
  const row = await trx.selectFrom('wecom_connections').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  return row ?? null;
}

/** The connection's mode only (pages that offer the simulator's shortcuts), or null when there is none. */
export async function connectionMode(trx: Tx, tenantId: TenantId): Promise<WecomMode | null> {
  const row = await trx.selectFrom('wecom_connections').select('mode').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.mode ?? null;
}

/** What saving the connection writes: the row but its tenant, its last test and its timestamps. */
export type ConnectionWrite = Omit<ConnectionRow, 'tenant_id' | 'last_test_at' | 'last_test_ok' | 'last_test_message' | 'created_at' | 'updated_at'>;

export async function upsertConnection(trx: Tx, tenantId: TenantId, w: ConnectionWrite): Promise<void> {
  const simConfig = w.sim_config === null ? null : sql<string>`(${JSON.stringify(w.sim_config)}::text)::jsonb`;
  await trx
    .insertInto('wecom_connections')
    .values({ tenant_id: tenantId, ...w, sim_config: simConfig, last_test_at: null, last_test_ok: null, last_test_message: null })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...w, sim_config: simConfig, updated_at: new Date() }))
    .execute();
}

export async function recordTestResult(trx: Tx, tenantId: TenantId, ok: boolean, message: string): Promise<void> {
  await trx.updateTable('wecom_connections').set({ last_test_at: new Date(), last_test_ok: ok, last_test_message: message }).where('tenant_id', '=', tenantId).execute();
}

/** Forgets the cached access tokens (fetched with another secret or corp). */
export async function deleteAccessTokens(trx: Tx, tenantId: TenantId): Promise<void> {
  await trx.deleteFrom('wecom_access_tokens').where('tenant_id', '=', tenantId).execute();
}

/** The active tenant with this slug (cross-tenant: a callback URL names its tenant before one is known). */
export async function activeTenantIdBySlug(db: DB, slug: string): Promise<string | null> {
  const row = await db.selectFrom('tenants').select('id').where('slug', '=', slug).where('active', '=', true).executeTakeFirst();
  return row?.id ?? null;
}
