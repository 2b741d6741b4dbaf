/** Creating tenants (platform admin, CLI, demo) and their staff, regions and stores. */
import { z } from 'zod';
import type { Services } from '../services';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { audit } from './audit';
import type { Actor } from './actor';
import { asTenantId, withSystem, type TenantId, type Tx } from './context';
import { hashPassword } from './passwords';
import { normalizeMobile } from './mobile';
import { ROLES } from './permissions';
import { clearStaffScopes } from './settings.repository';
import { insertStaff, insertStaffScopes, insertTenant, regionsByCodes, storeIdByCode, storesByCodes, tenantBySlug, tenantSlugTaken } from './tenants.repository';

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const tenantInput = z.object({
  slug: z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'slug: 2–41 lowercase letters, digits or dashes'),
  name: z.string().trim().min(1, 'name is required').max(100),
  timezone: z.string().default('Asia/Shanghai').refine(isValidTimeZone, 'unknown time zone'),
  currency: z.string().toUpperCase().regex(/^[A-Z]{3}$/, 'currency: a 3-letter ISO code').default('CNY'),
});
export type TenantInput = z.input<typeof tenantInput>;

export async function createTenant(services: Services, input: TenantInput, opts: { isDemo?: boolean; actorLabel?: string } = {}) {
  const t = parseOrThrow(tenantInput, input, { field: 'input', details: 'issues' });
  return withSystem(services.dbs, async (db) => {
    if (await tenantSlugTaken(db, t.slug)) throw new ConflictError(`Tenant "${t.slug}" already exists`);
    const row = await insertTenant(db, { ...t, isDemo: opts.isDemo ?? false }, opts.actorLabel ?? 'platform');
    return { ...row, id: asTenantId(row.id) };
  });
}

export async function findTenantBySlug(services: Services, slug: string) {
  const row = await withSystem(services.dbs, (db) => tenantBySlug(db, slug.toLowerCase()));
  if (!row) throw new NotFoundError(`No tenant with slug "${slug}"`);
  return { ...row, id: asTenantId(row.id) };
}

export const staffInput = z
  .object({
    name: z.string().trim().min(1).max(60),
    email: z.string().trim().toLowerCase().email('invalid email').optional().nullable(),
    mobile: z.string().trim().optional().nullable(),
    role: z.enum(ROLES),
    password: z.string().min(8, 'password: at least 8 characters').optional().nullable(),
    storeCode: z.string().trim().optional().nullable(),
    regionCodes: z.array(z.string()).optional(),
    storeCodes: z.array(z.string()).optional(),
    wecomUserid: z.string().optional().nullable(),
  })
  .refine((s) => s.email || s.mobile, { message: 'email or mobile is required', path: ['email'] });
export type StaffInput = z.input<typeof staffInput>;

export async function createStaff(trx: Tx, actor: Pick<Actor, 'tenantId' | 'staffId' | 'label' | 'requestId'>, input: StaffInput, passwordHash?: string) {
  const s = parseOrThrow(staffInput, input, { field: 'input', details: 'issues' });
  const tenantId = actor.tenantId;
  let mobile: string | null = null;
  if (s.mobile) {
    mobile = normalizeMobile(s.mobile);
    if (!mobile) throw new ValidationError('mobile: not a mainland mobile number');
  }
  let storeId: string | null = null;
  if (s.storeCode) {
    storeId = await storeIdByCode(trx, tenantId, s.storeCode);
    if (!storeId) throw new ValidationError(`store: no store with code "${s.storeCode}"`);
  }
  if (s.role === 'clerk' && !storeId) throw new ValidationError('store: a clerk needs a store');
  const hash = passwordHash ?? (s.password ? await hashPassword(s.password) : null);
  const row = await insertStaff(trx, tenantId, { name: s.name, email: s.email ?? null, mobile, role: s.role, passwordHash: hash, storeId, wecomUserid: s.wecomUserid ?? null });
  if (s.role === 'manager') await setManagerScope(trx, tenantId, row.id, s.regionCodes ?? [], s.storeCodes ?? []);
  await audit(trx, actor, { action: 'staff.create', entityType: 'staff', entityId: row.id, after: row });
  return row;
}

export async function setManagerScope(trx: Tx, tenantId: TenantId, staffId: string, regionCodes: string[], storeCodes: string[]) {
  await clearStaffScopes(trx, tenantId, staffId);
  if (regionCodes.length) {
    const regions = await regionsByCodes(trx, tenantId, regionCodes);
    const missing = regionCodes.filter((c) => !regions.some((r) => r.code === c));
    if (missing.length) throw new ValidationError(`region: unknown code(s) ${missing.join(', ')}`);
    await insertStaffScopes(trx, tenantId, staffId, regions.map((r) => ({ regionId: r.id, storeId: null })));
  }
  if (storeCodes.length) {
    const stores = await storesByCodes(trx, tenantId, storeCodes);
    const missing = storeCodes.filter((c) => !stores.some((r) => r.code === c));
    if (missing.length) throw new ValidationError(`store: unknown code(s) ${missing.join(', ')}`);
    await insertStaffScopes(trx, tenantId, staffId, stores.map((r) => ({ regionId: null, storeId: r.id })));
  }
}

