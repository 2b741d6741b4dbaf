/**
 * The SQL of sign-in, sessions and API keys (auth.service.ts): login attempts, staff and platform-admin lookups,
 * staff and platform sessions (stored by the sha256 of their token), API keys. Cross-tenant lookups take the
 * system connection (`withSystem`); a staff session's own rows are read in its tenant's transaction.
 */
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from './context';

export async function insertLoginAttempt(db: DB, a: { identifier: string; ip: string | null; success: boolean }): Promise<void> {
  await db.insertInto('login_attempts').values(a).execute();
}

/** Active staff of active tenants with this mobile (normalized) or email, optionally in one tenant. */
export async function loginCandidates(db: DB, by: { mobile: string } | { email: string }, tenantSlug?: string | null) {
  return db
    .selectFrom('staff')
    .innerJoin('tenants', 'tenants.id', 'staff.tenant_id')
    .select(['staff.tenant_id', 'staff.id', 'staff.role', 'staff.password_hash', 'tenants.slug'])
    .where('staff.active', '=', true)
    .where('tenants.active', '=', true)
    .where((eb) => ('mobile' in by ? eb('staff.mobile', '=', by.mobile) : eb('staff.email', '=', by.email)))
    .$if(!!tenantSlug, (q) => q.where('tenants.slug', '=', tenantSlug!))
    .execute();
}

export async function platformAdminByEmail(db: DB, email: string) {
  return db.selectFrom('platform_admins').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function insertPlatformSession(db: DB, s: { idHash: string; adminId: string; csrfToken: string; expiresAt: Date }): Promise<void> {
  await db.insertInto('platform_sessions').values({ id_hash: s.idHash, admin_id: s.adminId, csrf_token: s.csrfToken, expires_at: s.expiresAt }).execute();
}

/** A new staff session, and the staff member's last sign-in. */
export async function insertStaffSession(trx: Tx, tenantId: TenantId, s: { idHash: string; staffId: string; csrfToken: string; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<void> {
  await trx
    .insertInto('sessions')
    .values({ tenant_id: tenantId, id_hash: s.idHash, staff_id: s.staffId, csrf_token: s.csrfToken, expires_at: s.expiresAt, ip: s.ip, user_agent: s.userAgent })
    .execute();
  await trx.updateTable('staff').set({ last_login_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', s.staffId).execute();
}

/** The admin of a live platform session. */
export async function platformSessionByHash(db: DB, idHash: string) {
  return db
    .selectFrom('platform_sessions')
    .innerJoin('platform_admins', 'platform_admins.id', 'platform_sessions.admin_id')
    .select(['platform_admins.id', 'platform_admins.email', 'platform_admins.name', 'platform_sessions.csrf_token'])
    .where('platform_sessions.id_hash', '=', idHash)
    .where('platform_sessions.expires_at', '>', new Date())
    .executeTakeFirst();
}

/** The staff member and tenant of a live session (active staff of an active tenant only). */
export async function staffSessionByHash(trx: Tx, tenantId: TenantId, idHash: string) {
  return trx
    .selectFrom('sessions')
    .innerJoin('staff', (j) => j.onRef('staff.tenant_id', '=', 'sessions.tenant_id').onRef('staff.id', '=', 'sessions.staff_id'))
    .innerJoin('tenants', 'tenants.id', 'sessions.tenant_id')
    .select(['staff.id', 'staff.name', 'staff.role', 'staff.store_id', 'staff.locale', 'sessions.csrf_token', 'tenants.slug', 'tenants.name as tenant_name', 'tenants.timezone', 'tenants.currency'])
    .where('sessions.tenant_id', '=', tenantId)
    .where('sessions.id_hash', '=', idHash)
    .where('sessions.expires_at', '>', new Date())
    .where('staff.active', '=', true)
    .where('tenants.active', '=', true)
    .executeTakeFirst();
}

/** A manager's stores: those scoped to them directly and those of the regions scoped to them. */
export async function managerStoreIds(trx: Tx, tenantId: TenantId, staffId: string): Promise<string[]> {
  const stores = await trx
    .selectFrom('stores')
    .select('stores.id')
    .where('stores.tenant_id', '=', tenantId)
    .where((eb) =>
      eb.or([
        eb('stores.id', 'in', eb.selectFrom('staff_scopes').select('store_id').where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).where('store_id', 'is not', null).$narrowType<{ store_id: string }>()),
        eb('stores.region_id', 'in', eb.selectFrom('staff_scopes').select('region_id').where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).where('region_id', 'is not', null).$narrowType<{ region_id: string }>()),
      ]),
    )
    .execute();
  return stores.map((s) => s.id);
}

export async function deletePlatformSession(db: DB, idHash: string): Promise<void> {
  await db.deleteFrom('platform_sessions').where('id_hash', '=', idHash).execute();
}

export async function deleteStaffSession(trx: Tx, tenantId: TenantId, idHash: string): Promise<void> {
  await trx.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('id_hash', '=', idHash).execute();
}

/** A live (not revoked) API key of an active tenant. */
export async function apiKeyByHash(db: DB, keyHash: string) {
  return db
    .selectFrom('api_keys')
    .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
    .select(['api_keys.tenant_id', 'api_keys.id', 'api_keys.name', 'tenants.slug'])
    .where('api_keys.key_hash', '=', keyHash)
    .where('api_keys.revoked_at', 'is', null)
    .where('tenants.active', '=', true)
    .executeTakeFirst();
}

export async function touchApiKey(db: DB, tenantId: string, id: string): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: new Date() }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}
