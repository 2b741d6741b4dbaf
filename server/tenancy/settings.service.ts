/**
 * Tenant settings: the tenant itself, regions and stores, staff (role, scope, deactivation), API keys and the
 * audit log. Every mutation writes an audit entry with the row before and after.
 */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Actor } from './actor';
import { audit } from './audit';
import { newApiKey } from './auth.service';
import type { Tx } from './context';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { hashPassword } from './passwords';
import { ROLES } from './permissions';
import type { StaffSort, StoreSort } from '../../app/lib/contracts/settings';
import { isValidTimeZone, setManagerScope } from './tenants.service';

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), r.error.issues);
  return r.data;
}

// ------------------------------------------------------------------------------------------------ tenant
export const tenantSettingsSchema = z.object({
  name: z.string().trim().min(1).max(100),
  timezone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'a 3-letter ISO code'),
  locale: z.enum(['zh-CN', 'en']),
});

export async function getTenant(trx: Tx, actor: Actor) {
  return trx.selectFrom('tenants').select(['id', 'slug', 'name', 'timezone', 'currency', 'locale', 'settings', 'created_at']).where('id', '=', actor.tenantId).executeTakeFirstOrThrow();
}

export async function updateTenant(trx: Tx, actor: Actor, input: unknown) {
  const v = parse(tenantSettingsSchema, input);
  const before = await getTenant(trx, actor);
  const after = await trx.updateTable('tenants').set(v).where('id', '=', actor.tenantId).returning(['name', 'timezone', 'currency', 'locale']).executeTakeFirstOrThrow();
  await audit(trx, actor, { action: 'tenant.update', entityType: 'tenant', entityId: actor.tenantId, before: { name: before.name, timezone: before.timezone, currency: before.currency, locale: before.locale }, after });
  return after;
}

// ------------------------------------------------------------------------------------------ regions/stores
export const regionSchema = z.object({ code: z.string().trim().min(1).max(20).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - or _'), name: z.string().trim().min(1).max(50) });
export const storeSchema = z.object({
  code: z.string().trim().min(1).max(30).regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, - or _'),
  name: z.string().trim().min(1).max(80),
  regionId: z.string().uuid().optional().or(z.literal('').transform(() => undefined)),
  city: z.string().trim().max(30).optional().transform((v) => v || undefined),
  address: z.string().trim().max(200).optional().transform((v) => v || undefined),
});

export async function listRegions(trx: Tx, actor: Actor) {
  return trx
    .selectFrom('regions')
    .leftJoin('stores', (j) => j.onRef('stores.tenant_id', '=', 'regions.tenant_id').onRef('stores.region_id', '=', 'regions.id'))
    .select(['regions.id', 'regions.code', 'regions.name', sql<number>`count(stores.id)::int`.as('stores')])
    .where('regions.tenant_id', '=', actor.tenantId)
    .groupBy(['regions.id', 'regions.code', 'regions.name'])
    .orderBy('regions.code')
    .execute();
}

export async function createRegion(trx: Tx, actor: Actor, input: unknown) {
  const v = parse(regionSchema, input);
  const exists = await trx.selectFrom('regions').select('id').where('tenant_id', '=', actor.tenantId).where('code', '=', v.code).executeTakeFirst();
  if (exists) throw new ConflictError(`区域代码 ${v.code} 已存在 / Region code ${v.code} already exists`);
  const row = await trx.insertInto('regions').values({ tenant_id: actor.tenantId, ...v }).returning(['id', 'code', 'name']).executeTakeFirstOrThrow();
  await audit(trx, actor, { action: 'region.create', entityType: 'region', entityId: row.id, after: row });
  return row;
}

export async function listStores(trx: Tx, actor: Actor, p: { sort: StoreSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string }) {
  const sortCol = { code: 'stores.code', name: 'stores.name', region: 'regions.name', city: 'stores.city', staff: 'staff_count' }[p.sort];
  let q = trx
    .selectFrom('stores')
    .leftJoin('regions', (j) => j.onRef('regions.tenant_id', '=', 'stores.tenant_id').onRef('regions.id', '=', 'stores.region_id'))
    .where('stores.tenant_id', '=', actor.tenantId);
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
    .orderBy(sql.ref(sortCol), p.dir)
    .orderBy('stores.code')
    .limit(p.size)
    .offset((p.page - 1) * p.size)
    .execute();
  return { rows, total: total.n };
}

export async function createStore(trx: Tx, actor: Actor, input: unknown) {
  const v = parse(storeSchema, input);
  const exists = await trx.selectFrom('stores').select('id').where('tenant_id', '=', actor.tenantId).where('code', '=', v.code).executeTakeFirst();
  if (exists) throw new ConflictError(`门店代码 ${v.code} 已存在 / Store code ${v.code} already exists`);
  const row = await trx
    .insertInto('stores')
    .values({ tenant_id: actor.tenantId, code: v.code, name: v.name, region_id: v.regionId ?? null, city: v.city ?? null, address: v.address ?? null, opened_on: null })
    .returning(['id', 'code', 'name', 'region_id', 'city'])
    .executeTakeFirstOrThrow();
  await audit(trx, actor, { action: 'store.create', entityType: 'store', entityId: row.id, after: row });
  return row;
}

export async function setStoreActive(trx: Tx, actor: Actor, storeId: string, active: boolean) {
  const before = await trx.selectFrom('stores').select(['id', 'code', 'active']).where('tenant_id', '=', actor.tenantId).where('id', '=', storeId).executeTakeFirst();
  if (!before) throw new NotFoundError();
  await trx.updateTable('stores').set({ active }).where('tenant_id', '=', actor.tenantId).where('id', '=', storeId).execute();
  await audit(trx, actor, { action: active ? 'store.activate' : 'store.deactivate', entityType: 'store', entityId: storeId, before, after: { ...before, active } });
}

// ------------------------------------------------------------------------------------------------- staff
export async function listStaff(trx: Tx, actor: Actor, p: { sort: StaffSort; dir: 'asc' | 'desc'; page: number; size: number; q?: string; role?: string }) {
  const sortCol = { name: 'staff.name', role: 'staff.role', store: 'stores.name', last_login_at: 'staff.last_login_at', created_at: 'staff.created_at' }[p.sort];
  let q = trx
    .selectFrom('staff')
    .leftJoin('stores', (j) => j.onRef('stores.tenant_id', '=', 'staff.tenant_id').onRef('stores.id', '=', 'staff.store_id'))
    .where('staff.tenant_id', '=', actor.tenantId);
  if (p.q) q = q.where((eb) => eb.or([eb('staff.name', 'ilike', `%${p.q}%`), eb(sql`staff.email::text`, 'ilike', `%${p.q}%`), eb('staff.mobile', 'like', `%${p.q}%`)]));
  if (p.role && (ROLES as readonly string[]).includes(p.role)) q = q.where('staff.role', '=', p.role as (typeof ROLES)[number]);
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
    .orderBy(sql.ref(sortCol), sql.raw(p.dir === 'asc' ? 'asc nulls first' : 'desc nulls last'))
    .orderBy('staff.name')
    .limit(p.size)
    .offset((p.page - 1) * p.size)
    .execute();
  return { rows, total: total.n };
}

export const staffUpdateSchema = z.object({
  staffId: z.string().uuid(),
  role: z.enum(ROLES),
  storeId: z.string().uuid().optional().or(z.literal('').transform(() => undefined)),
  regionIds: z.array(z.string().uuid()).default([]),
  password: z.string().min(8, 'password: at least 8 characters').optional().or(z.literal('').transform(() => undefined)),
});

export async function updateStaff(trx: Tx, actor: Actor, input: unknown) {
  const v = parse(staffUpdateSchema, input);
  const before = await trx.selectFrom('staff').select(['id', 'name', 'role', 'store_id', 'active']).where('tenant_id', '=', actor.tenantId).where('id', '=', v.staffId).executeTakeFirst();
  if (!before) throw new NotFoundError();
  if (v.role === 'clerk' && !v.storeId) throw new ValidationError('store: a clerk needs a store');
  if (before.id === actor.staffId && v.role !== 'admin') throw new ValidationError('不能取消自己的管理员角色 / You cannot remove your own admin role');
  const patch: { role: typeof v.role; store_id: string | null; password_hash?: string } = { role: v.role, store_id: v.storeId ?? null };
  if (v.password) patch.password_hash = await hashPassword(v.password);
  const after = await trx.updateTable('staff').set(patch).where('tenant_id', '=', actor.tenantId).where('id', '=', v.staffId).returning(['id', 'name', 'role', 'store_id', 'active']).executeTakeFirstOrThrow();
  if (v.role === 'manager') {
    const codes = v.regionIds.length ? await trx.selectFrom('regions').select('code').where('tenant_id', '=', actor.tenantId).where('id', 'in', v.regionIds).execute() : [];
    await setManagerScope(trx, actor.tenantId, v.staffId, codes.map((c) => c.code), []);
  } else {
    await trx.deleteFrom('staff_scopes').where('tenant_id', '=', actor.tenantId).where('staff_id', '=', v.staffId).execute();
  }
  if (v.role !== before.role || v.password) await trx.deleteFrom('sessions').where('tenant_id', '=', actor.tenantId).where('staff_id', '=', v.staffId).execute();
  await audit(trx, actor, { action: 'staff.update', entityType: 'staff', entityId: v.staffId, before, after: { ...after, regionIds: v.regionIds, passwordChanged: !!v.password } });
  return after;
}

export async function setStaffActive(trx: Tx, actor: Actor, staffId: string, active: boolean) {
  const before = await trx.selectFrom('staff').select(['id', 'name', 'role', 'active']).where('tenant_id', '=', actor.tenantId).where('id', '=', staffId).executeTakeFirst();
  if (!before) throw new NotFoundError();
  if (staffId === actor.staffId && !active) throw new ValidationError('不能停用自己 / You cannot deactivate yourself');
  await trx.updateTable('staff').set({ active }).where('tenant_id', '=', actor.tenantId).where('id', '=', staffId).execute();
  if (!active) await trx.deleteFrom('sessions').where('tenant_id', '=', actor.tenantId).where('staff_id', '=', staffId).execute();
  await audit(trx, actor, { action: active ? 'staff.activate' : 'staff.deactivate', entityType: 'staff', entityId: staffId, before, after: { ...before, active } });
}

// ---------------------------------------------------------------------------------------------- API keys
export async function listApiKeys(trx: Tx, actor: Actor) {
  return trx
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_by', 'created_at', 'last_used_at', 'revoked_at'])
    .where('tenant_id', '=', actor.tenantId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function createApiKey(trx: Tx, actor: Actor, name: string) {
  const n = parse(z.string().trim().min(1, 'name is required').max(60), name);
  const k = newApiKey();
  const row = await trx
    .insertInto('api_keys')
    .values({ tenant_id: actor.tenantId, name: n, prefix: k.prefix, key_hash: k.hash, created_by: actor.label, last_used_at: null, revoked_at: null })
    .returning(['id', 'name', 'prefix'])
    .executeTakeFirstOrThrow();
  await audit(trx, actor, { action: 'apikey.create', entityType: 'api_key', entityId: row.id, after: row });
  return { ...row, key: k.key };
}

export async function revokeApiKey(trx: Tx, actor: Actor, id: string) {
  const before = await trx.selectFrom('api_keys').select(['id', 'name', 'prefix', 'revoked_at']).where('tenant_id', '=', actor.tenantId).where('id', '=', id).executeTakeFirst();
  if (!before) throw new NotFoundError();
  if (before.revoked_at) return;
  await trx.updateTable('api_keys').set({ revoked_at: new Date() }).where('tenant_id', '=', actor.tenantId).where('id', '=', id).execute();
  await audit(trx, actor, { action: 'apikey.revoke', entityType: 'api_key', entityId: id, before, after: { ...before, revoked_at: new Date().toISOString() } });
}

// ------------------------------------------------------------------------------------------------- audit
export async function listAudit(trx: Tx, actor: Actor, p: { page: number; size: number; q?: string }) {
  let q = trx.selectFrom('audit_log').where('tenant_id', '=', actor.tenantId);
  if (p.q) q = q.where((eb) => eb.or([eb('action', 'ilike', `%${p.q}%`), eb('actor_label', 'ilike', `%${p.q}%`), eb('entity_type', 'ilike', `%${p.q}%`)]));
  const total = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  const rows = await q
    .select(['id', 'at', 'actor_label', 'action', 'entity_type', 'entity_id', 'before', 'after'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(p.size)
    .offset((p.page - 1) * p.size)
    .execute();
  return { rows, total: total.n };
}
