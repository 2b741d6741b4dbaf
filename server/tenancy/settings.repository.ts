/**
 * The SQL of the tenant settings pages (settings.service.ts): the tenant row, regions and stores, staff, API keys
 * and the audit log. Every function takes the tenant and filters by it; lists sort by an allow-listed column and
 * page in SQL.
 */
import { sql } from 'kysely';
import type { StaffSort, StoreSort } from '../../app/lib/contracts/settings';
import type { TenantId, Tx } from './context';
import type { Role } from '../../db/schema';
import { ROLES } from './permissions';

export interface ListPage<S extends string> {
  sort: S;
  dir: 'asc' | 'desc';
  page: number;
  size: number;
  q?: string;
}

// ------------------------------------------------------------------------------------------------ tenant
export async function findTenant(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('tenants').select(['id', 'slug', 'name', 'timezone', 'currency', 'locale', 'settings', 'created_at']).where('id', '=', tenantId).executeTakeFirstOrThrow();
}

export async function updateTenantRow(trx: Tx, tenantId: TenantId, v: { name: string; timezone: string; currency: string; locale: 'zh-CN' | 'en' }) {
  return trx.updateTable('tenants').set(v).where('id', '=', tenantId).returning(['name', 'timezone', 'currency', 'locale']).executeTakeFirstOrThrow();
}

// ------------------------------------------------------------------------------------------ regions/stores
export async function listRegionRows(trx: Tx, tenantId: TenantId) {
  return trx
    .selectFrom('regions')
    .leftJoin('stores', (j) => j.onRef('stores.tenant_id', '=', 'regions.tenant_id').onRef('stores.region_id', '=', 'regions.id'))
    .select(['regions.id', 'regions.code', 'regions.name', sql<number>`count(stores.id)::int`.as('stores')])
    .where('regions.tenant_id', '=', tenantId)
    .groupBy(['regions.id', 'regions.code', 'regions.name'])
    .orderBy('regions.code')
    .execute();
}

export async function regionCodeTaken(trx: Tx, tenantId: TenantId, code: string): Promise<boolean> {
  return !!(await trx.selectFrom('regions').select('id').where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst());
}

export async function insertRegion(trx: Tx, tenantId: TenantId, v: { code: string; name: string }) {
  return trx.insertInto('regions').values({ tenant_id: tenantId, ...v }).returning(['id', 'code', 'name']).executeTakeFirstOrThrow();
}

export async function regionCodesOf(trx: Tx, tenantId: TenantId, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const rows = await trx.selectFrom('regions').select('code').where('tenant_id', '=', tenantId).where('id', 'in', ids).execute();
  return rows.map((r) => r.code);
}

const STORE_SORT_COLUMNS: Record<StoreSort, string> = { code: 'stores.code', name: 'stores.name', region: 'regions.name', city: 'stores.city', staff: 'staff_count' };

export async function listStoreRows(trx: Tx, tenantId: TenantId, p: ListPage<StoreSort>) {
  let q = trx
    .selectFrom('stores')
    .leftJoin('regions', (j) => j.onRef('regions.tenant_id', '=', 'stores.tenant_id').onRef('regions.id', '=', 'stores.region_id'))
    .where('stores.tenant_id', '=', tenantId);
  if (p.q) q = q.where((eb) => eb.or([eb('stores.code', 'ilike', `%${p.q}%`), eb('stores.name', 'ilike', `%${p.q}%`)]));
  const total = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'stores.id',
      'stores.code',
      'stores.name',
      'stores.city',
      'stores.active',
      'stores.imported',
      'regions.name as region',
      sql<number>`(select count(*)::int from staff s where s.tenant_id = stores.tenant_id and s.store_id = stores.id and s.active)`.as('staff_count'),
    ])
    .orderBy(sql.ref(STORE_SORT_COLUMNS[p.sort]), p.dir)
    .orderBy('stores.code')
    .limit(p.size)
    .offset((p.page - 1) * p.size)
    .execute();
  return { rows, total: total.n };
}

export async function storeCodeTaken(trx: Tx, tenantId: TenantId, code: string): Promise<boolean> {
  return !!(await trx.selectFrom('stores').select('id').where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst());
}

export async function insertStore(trx: Tx, tenantId: TenantId, v: { code: string; name: string; regionId: string | null; city: string | null; address: string | null }) {
  return trx
    .insertInto('stores')
    .values({ tenant_id: tenantId, code: v.code, name: v.name, region_id: v.regionId, city: v.city, address: v.address, opened_on: null })
    .returning(['id', 'code', 'name', 'region_id', 'city'])
    .executeTakeFirstOrThrow();
}

export async function findStoreState(trx: Tx, tenantId: TenantId, storeId: string) {
  return trx.selectFrom('stores').select(['id', 'code', 'active']).where('tenant_id', '=', tenantId).where('id', '=', storeId).executeTakeFirst();
}

export async function setStoreActiveRow(trx: Tx, tenantId: TenantId, storeId: string, active: boolean): Promise<void> {
  await trx.updateTable('stores').set({ active }).where('tenant_id', '=', tenantId).where('id', '=', storeId).execute();
}

// ------------------------------------------------------------------------------------------------- staff
const STAFF_SORT_COLUMNS: Record<StaffSort, string> = { name: 'staff.name', role: 'staff.role', store: 'stores.name', last_login_at: 'staff.last_login_at', created_at: 'staff.created_at' };

export async function listStaffRows(trx: Tx, tenantId: TenantId, p: ListPage<StaffSort> & { role?: string }) {
  let q = trx
    .selectFrom('staff')
    .leftJoin('stores', (j) => j.onRef('stores.tenant_id', '=', 'staff.tenant_id').onRef('stores.id', '=', 'staff.store_id'))
    .where('staff.tenant_id', '=', tenantId);
  if (p.q) q = q.where((eb) => eb.or([eb('staff.name', 'ilike', `%${p.q}%`), eb(sql`staff.email::text`, 'ilike', `%${p.q}%`), eb('staff.mobile', 'like', `%${p.q}%`)]));
  const role = ROLES.find((r) => r === p.role);
  if (role) q = q.where('staff.role', '=', role);
  const total = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select([
      'staff.id',
      'staff.name',
      'staff.email',
      'staff.mobile',
      'staff.role',
      'staff.active',
      'staff.wecom_userid',
      'staff.last_login_at',
      'stores.name as store',
      sql<string | null>`(select string_agg(coalesce(r.name, st.name), '、') from staff_scopes sc left join regions r on r.tenant_id = sc.tenant_id and r.id = sc.region_id left join stores st on st.tenant_id = sc.tenant_id and st.id = sc.store_id where sc.tenant_id = staff.tenant_id and sc.staff_id = staff.id)`.as('scope'),
    ])
    .orderBy(sql.ref(STAFF_SORT_COLUMNS[p.sort]), sql.raw(p.dir === 'asc' ? 'asc nulls first' : 'desc nulls last'))
    .orderBy('staff.name')
    .limit(p.size)
    .offset((p.page - 1) * p.size)
    .execute();
  return { rows, total: total.n };
}

export async function findStaffState(trx: Tx, tenantId: TenantId, staffId: string) {
  return trx.selectFrom('staff').select(['id', 'name', 'role', 'store_id', 'active']).where('tenant_id', '=', tenantId).where('id', '=', staffId).executeTakeFirst();
}

export async function updateStaffRow(trx: Tx, tenantId: TenantId, staffId: string, patch: { role: Role; store_id: string | null; password_hash?: string }) {
  return trx.updateTable('staff').set(patch).where('tenant_id', '=', tenantId).where('id', '=', staffId).returning(['id', 'name', 'role', 'store_id', 'active']).executeTakeFirstOrThrow();
}

export async function setStaffActiveRow(trx: Tx, tenantId: TenantId, staffId: string, active: boolean): Promise<void> {
  await trx.updateTable('staff').set({ active }).where('tenant_id', '=', tenantId).where('id', '=', staffId).execute();
}

export async function clearStaffScopes(trx: Tx, tenantId: TenantId, staffId: string): Promise<void> {
  await trx.deleteFrom('staff_scopes').where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).execute();
}

/** Signs the staff member out everywhere (after a role or password change, or deactivation). */
export async function deleteStaffSessions(trx: Tx, tenantId: TenantId, staffId: string): Promise<void> {
  await trx.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).execute();
}

// ---------------------------------------------------------------------------------------------- API keys
export async function listApiKeyRows(trx: Tx, tenantId: TenantId) {
  return trx.selectFrom('api_keys').select(['id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at']).where('tenant_id', '=', tenantId).orderBy('created_at', 'desc').execute();
}

export async function insertApiKey(trx: Tx, tenantId: TenantId, v: { name: string; prefix: string; hash: string; createdBy: string }) {
  return trx
    .insertInto('api_keys')
    .values({ tenant_id: tenantId, name: v.name, prefix: v.prefix, key_hash: v.hash, created_by: v.createdBy, last_used_at: null, revoked_at: null })
    .returning(['id', 'name', 'prefix'])
    .executeTakeFirstOrThrow();
}

export async function findApiKeyState(trx: Tx, tenantId: TenantId, id: string) {
  return trx.selectFrom('api_keys').select(['id', 'name', 'prefix', 'revoked_at']).where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
}

export async function revokeApiKeyRow(trx: Tx, tenantId: TenantId, id: string, at: Date): Promise<void> {
  await trx.updateTable('api_keys').set({ revoked_at: at }).where('tenant_id', '=', tenantId).where('id', '=', id).execute();
}

// ------------------------------------------------------------------------------------------------- audit
export async function listAuditRows(trx: Tx, tenantId: TenantId, p: { page: number; size: number; q?: string }) {
  let q = trx.selectFrom('audit_log').where('tenant_id', '=', tenantId);
  if (p.q) q = q.where((eb) => eb.or([eb('action', 'ilike', `%${p.q}%`), eb('actor_label', 'ilike', `%${p.q}%`), eb('entity_type', 'ilike', `%${p.q}%`)]));
  const total = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await q.select(['id', 'at', 'actor_label', 'action', 'entity_type', 'entity_id', 'before', 'after']).orderBy('at', 'desc').orderBy('id', 'desc').limit(p.size).offset((p.page - 1) * p.size).execute();
  return { rows, total: total.n };
}
