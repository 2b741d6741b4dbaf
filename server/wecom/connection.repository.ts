/** The tenant's WeCom connection row (all Kysely code for `wecom_connections`). Secrets stay sealed here. */
import { sql } from 'kysely';
import type { WecomMode, WecomSimConfig } from '../../db/schema/wecom';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';

export interface ConnectionRow {
  tenant_id: string;
  corp_id: string;
  agent_id: number | null;
  secret_sealed: string;
  callback_token: string;
  aes_key_sealed: string;
  mode: WecomMode;
  base_url: string | null;
  sim_config: WecomSimConfig | null;
  last_test_at: Date | null;
  last_test_ok: boolean | null;
  last_test_message: string | null;
  created_at: Date;
  updated_at: Date;
  updated_by_label: string;
}

export async function findConnection(trx: Tx, tenantId: TenantId): Promise<ConnectionRow | null> {
  const row = await trx.selectFrom('wecom_connections').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
  return row ?? null;
}

/** The connection's mode only (pages that offer the simulator's shortcuts), or null when there is none. */
export async function connectionMode(trx: Tx, tenantId: TenantId): Promise<WecomMode | null> {
  const row = await trx.selectFrom('wecom_connections').select('mode').where('tenant_id', '=', tenantId).executeTakeFirst();
  return row?.mode ?? null;
}

export interface ConnectionWrite {
  corp_id: string;
  agent_id: number | null;
  secret_sealed: string;
  callback_token: string;
  aes_key_sealed: string;
  mode: WecomMode;
  base_url: string | null;
  sim_config: WecomSimConfig | null;
  updated_by_label: string;
}

export async function upsertConnection(trx: Tx, tenantId: TenantId, w: ConnectionWrite): Promise<void> {
  const simConfig = w.sim_config === null ? null : sql<string>`(${JSON.stringify(w.sim_config)}::text)::jsonb`;
  await trx
    .insertInto('wecom_connections')
    .values({ tenant_id: tenantId, ...w, sim_config: simConfig, last_test_at: null, last_test_ok: null, last_test_message: null })
    .onConflict((oc) =>
      oc.column('tenant_id').doUpdateSet({
        corp_id: w.corp_id,
        agent_id: w.agent_id,
        secret_sealed: w.secret_sealed,
        callback_token: w.callback_token,
        aes_key_sealed: w.aes_key_sealed,
        mode: w.mode,
        base_url: w.base_url,
        sim_config: simConfig,
        updated_by_label: w.updated_by_label,
        updated_at: new Date(),
      }),
    )
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
