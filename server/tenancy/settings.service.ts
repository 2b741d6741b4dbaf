/**
 * Tenant settings: the tenant itself, regions and stores, staff (role, scope, deactivation), API keys and the
 * audit log. Each function opens its own tenant transaction (the routes never do); every mutation writes an
 * audit entry with the row before and after. The SQL is in settings.repository.ts.
 */
import { z } from 'zod';
import type { StaffSort, StoreSort } from '../../app/lib/contracts/settings';
import { clerkSettings, saveClerkSettings } from '../clerk/settings';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import type { Actor } from './actor';
import { audit } from './audit';
import { newApiKey } from './auth.service';
import { withTenant } from './context';
import { hashPassword } from './passwords';
import { ROLES } from './permissions';
import * as repo from './settings.repository';
import { createStaff, isValidTimeZone, setManagerScope, type StaffInput } from './tenants.service';

type Dbs = Pick<Services, 'dbs'>;

const inTenant = <T>(s: Dbs, actor: Actor, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(s.dbs, actor.tenantId, fn);

// ------------------------------------------------------------------------------------------------ tenant
export const tenantSettingsSchema = z.object({
  name: z.string().trim().min(1).max(100),
  timezone: z.string().refine(isValidTimeZone, 'unknown time zone'),
  currency: z.string().trim().toUpperCase().regex(/^[A-Z]{3}$/, 'a 3-letter ISO code'),
  locale: z.enum(['zh-CN', 'en']),
});

/** The tenant settings page: the tenant and its clerk-workspace settings. */
export async function tenantSettingsPage(s: Dbs, actor: Actor) {
  return inTenant(s, actor, async (trx) => ({ tenant: await repo.findTenant(trx, actor.tenantId), clerk: await clerkSettings(trx, actor.tenantId) }));
}

export async function updateClerkSettings(s: Dbs, actor: Actor, input: unknown) {
  return inTenant(s, actor, (trx) => saveClerkSettings(trx, actor, input));
}

export async function updateTenant(s: Dbs, actor: Actor, input: unknown) {
  const v = parseOrThrow(tenantSettingsSchema, input, { field: 'input', details: 'issues' });
  return inTenant(s, actor, async (trx) => {
    const before = await repo.findTenant(trx, actor.tenantId);
    const after = await repo.updateTenantRow(trx, actor.tenantId, v);
    await audit(trx, actor, { action: 'tenant.update', entityType: 'tenant', entityId: actor.tenantId, before: { name: before.name, timezone: before.timezone, currency: before.currency, locale: before.locale }, after });
    return after;
  });
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

/** The stores page: regions and one page of stores. */
export async function storesPage(s: Dbs, actor: Actor, p: repo.ListPage<StoreSort>) {
  return inTenant(s, actor, async (trx) => ({ regions: await repo.listRegionRows(trx, actor.tenantId), stores: await repo.listStoreRows(trx, actor.tenantId, p) }));
}

export async function createRegion(s: Dbs, actor: Actor, input: unknown) {
  const v = parseOrThrow(regionSchema, input, { field: 'input', details: 'issues' });
  return inTenant(s, actor, async (trx) => {
    if (await repo.regionCodeTaken(trx, actor.tenantId, v.code)) throw new ConflictError(`区域代码 ${v.code} 已存在 / Region code ${v.code} already exists`);
    const row = await repo.insertRegion(trx, actor.tenantId, v);
    await audit(trx, actor, { action: 'region.create', entityType: 'region', entityId: row.id, after: row });
    return row;
  });
}

export async function createStore(s: Dbs, actor: Actor, input: unknown) {
  const v = parseOrThrow(storeSchema, input, { field: 'input', details: 'issues' });
  return inTenant(s, actor, async (trx) => {
    if (await repo.storeCodeTaken(trx, actor.tenantId, v.code)) throw new ConflictError(`门店代码 ${v.code} 已存在 / Store code ${v.code} already exists`);
    const row = await repo.insertStore(trx, actor.tenantId, { code: v.code, name: v.name, regionId: v.regionId ?? null, city: v.city ?? null, address: v.address ?? null });
    await audit(trx, actor, { action: 'store.create', entityType: 'store', entityId: row.id, after: row });
    return row;
  });
}

export async function setStoreActive(s: Dbs, actor: Actor, storeId: string, active: boolean) {
  await inTenant(s, actor, async (trx) => {
    const before = await repo.findStoreState(trx, actor.tenantId, storeId);
    if (!before) throw new NotFoundError();
    await repo.setStoreActiveRow(trx, actor.tenantId, storeId, active);
    await audit(trx, actor, { action: active ? 'store.activate' : 'store.deactivate', entityType: 'store', entityId: storeId, before, after: { ...before, active } });
  });
}

// ------------------------------------------------------------------------------------------------- staff
/** The staff page: one page of staff, plus the stores and regions the forms offer. */
export async function staffPage(s: Dbs, actor: Actor, p: repo.ListPage<StaffSort> & { role?: string }) {
  return inTenant(s, actor, async (trx) => ({
    staff: await repo.listStaffRows(trx, actor.tenantId, p),
    stores: (await repo.listStoreRows(trx, actor.tenantId, { sort: 'code', dir: 'asc', page: 1, size: 200 })).rows.map((x) => ({ id: x.id, code: x.code, name: x.name })),
    regions: await repo.listRegionRows(trx, actor.tenantId),
  }));
}

export async function addStaff(s: Dbs, actor: Actor, input: StaffInput) {
  return inTenant(s, actor, (trx) => createStaff(trx, actor, input));
}

export const staffUpdateSchema = z.object({
  staffId: z.string().uuid(),
  role: z.enum(ROLES),
  storeId: z.string().uuid().optional().or(z.literal('').transform(() => undefined)),
  regionIds: z.array(z.string().uuid()).default([]),
  password: z.string().min(8, 'password: at least 8 characters').optional().or(z.literal('').transform(() => undefined)),
});

export async function updateStaff(s: Dbs, actor: Actor, input: unknown) {
  const v = parseOrThrow(staffUpdateSchema, input, { field: 'input', details: 'issues' });
  if (v.role === 'clerk' && !v.storeId) throw new ValidationError('store: a clerk needs a store');
  const passwordHash = v.password ? await hashPassword(v.password) : undefined;
  return inTenant(s, actor, async (trx) => {
    const before = await repo.findStaffState(trx, actor.tenantId, v.staffId);
    if (!before) throw new NotFoundError();
    if (before.id === actor.staffId && v.role !== 'admin') throw new ValidationError('不能取消自己的管理员角色 / You cannot remove your own admin role');
    const after = await repo.updateStaffRow(trx, actor.tenantId, v.staffId, { role: v.role, store_id: v.storeId ?? null, ...(passwordHash ? { password_hash: passwordHash } : {}) });
    if (v.role === 'manager') await setManagerScope(trx, actor.tenantId, v.staffId, await repo.regionCodesOf(trx, actor.tenantId, v.regionIds), []);
    else await repo.clearStaffScopes(trx, actor.tenantId, v.staffId);
    if (v.role !== before.role || v.password) await repo.deleteStaffSessions(trx, actor.tenantId, v.staffId);
    await audit(trx, actor, { action: 'staff.update', entityType: 'staff', entityId: v.staffId, before, after: { ...after, regionIds: v.regionIds, passwordChanged: !!v.password } });
    return after;
  });
}

export async function setStaffActive(s: Dbs, actor: Actor, staffId: string, active: boolean) {
  if (staffId === actor.staffId && !active) throw new ValidationError('不能停用自己 / You cannot deactivate yourself');
  await inTenant(s, actor, async (trx) => {
    const state = await repo.findStaffState(trx, actor.tenantId, staffId);
    if (!state) throw new NotFoundError();
    const before = { id: state.id, name: state.name, role: state.role, active: state.active };
    await repo.setStaffActiveRow(trx, actor.tenantId, staffId, active);
    if (!active) await repo.deleteStaffSessions(trx, actor.tenantId, staffId);
    await audit(trx, actor, { action: active ? 'staff.activate' : 'staff.deactivate', entityType: 'staff', entityId: staffId, before, after: { ...before, active } });
  });
}

// ---------------------------------------------------------------------------------------------- API keys
export async function listApiKeys(s: Dbs, actor: Actor) {
  return inTenant(s, actor, (trx) => repo.listApiKeyRows(trx, actor.tenantId));
}

export async function createApiKey(s: Dbs, actor: Actor, name: string) {
  const n = parseOrThrow(z.string().trim().min(1, 'name is required').max(60), name, { field: 'input', details: 'issues' });
  const k = newApiKey();
  return inTenant(s, actor, async (trx) => {
    const row = await repo.insertApiKey(trx, actor.tenantId, { name: n, prefix: k.prefix, hash: k.hash, createdBy: actor.label });
    await audit(trx, actor, { action: 'apikey.create', entityType: 'api_key', entityId: row.id, after: row });
    return { ...row, key: k.key };
  });
}

export async function revokeApiKey(s: Dbs, actor: Actor, id: string) {
  await inTenant(s, actor, async (trx) => {
    const before = await repo.findApiKeyState(trx, actor.tenantId, id);
    if (!before) throw new NotFoundError();
    if (before.revoked_at) return;
    const at = new Date();
    await repo.revokeApiKeyRow(trx, actor.tenantId, id, at);
    await audit(trx, actor, { action: 'apikey.revoke', entityType: 'api_key', entityId: id, before, after: { ...before, revoked_at: at.toISOString() } });
  });
}

// ------------------------------------------------------------------------------------------------- audit
export async function listAudit(s: Dbs, actor: Actor, p: { page: number; size: number; q?: string }) {
  return inTenant(s, actor, (trx) => repo.listAuditRows(trx, actor.tenantId, p));
}
