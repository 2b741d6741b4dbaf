/** Creating tenants (platform admin, CLI, demo) and their staff, regions and stores. */
import { z } from 'zod';
import type { Services } from '../services';
import { ConflictError, NotFoundError, ValidationError } from '../lib/errors';
import { audit, auditJsonb } from './audit';
import type { Actor } from './actor';
import { asTenantId, withSystem, type TenantId, type Tx } from './context';
import { hashPassword } from './passwords';
import { normalizeMobile } from './mobile';
import { ROLES } from './permissions';

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

function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '), r.error.issues);
  return r.data;
}

export async function createTenant(services: Services, input: TenantInput, opts: { isDemo?: boolean; actorLabel?: string } = {}) {
  const t = parse(tenantInput, input);
  return withSystem(services.dbs, async (db) => {
    const existing = await db.selectFrom('tenants').select('id').where('slug', '=', t.slug).executeTakeFirst();
    if (existing) throw new ConflictError(`Tenant "${t.slug}" already exists`);
    const row = await db
      .insertInto('tenants')
      .values({ slug: t.slug, name: t.name, timezone: t.timezone, currency: t.currency, is_demo: opts.isDemo ?? false })
      .returning(['id', 'slug', 'name', 'timezone', 'currency'])
      .executeTakeFirstOrThrow();
    await db
      .insertInto('audit_log')
      .values({ tenant_id: row.id, actor_staff_id: null, actor_label: opts.actorLabel ?? 'platform', action: 'tenant.create', entity_type: 'tenant', entity_id: row.id, before: null, after: auditJsonb(row), request_id: null })
      .execute();
    return { ...row, id: asTenantId(row.id) };
  });
}

export async function findTenantBySlug(services: Services, slug: string) {
  const row = await withSystem(services.dbs, (db) => db.selectFrom('tenants').selectAll().where('slug', '=', slug.toLowerCase()).executeTakeFirst());
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
  const s = parse(staffInput, input);
  const tenantId = actor.tenantId;
  let mobile: string | null = null;
  if (s.mobile) {
    mobile = normalizeMobile(s.mobile);
    if (!mobile) throw new ValidationError('mobile: not a mainland mobile number');
  }
  let storeId: string | null = null;
  if (s.storeCode) {
    const store = await trx.selectFrom('stores').select('id').where('tenant_id', '=', tenantId).where('code', '=', s.storeCode).executeTakeFirst();
    if (!store) throw new ValidationError(`store: no store with code "${s.storeCode}"`);
    storeId = store.id;
  }
  if (s.role === 'clerk' && !storeId) throw new ValidationError('store: a clerk needs a store');
  const hash = passwordHash ?? (s.password ? await hashPassword(s.password) : null);
  const row = await trx
    .insertInto('staff')
    .values({ tenant_id: tenantId, name: s.name, email: s.email ?? null, mobile, role: s.role, password_hash: hash, store_id: storeId, wecom_userid: s.wecomUserid ?? null, locale: null, last_login_at: null })
    .returning(['id', 'name', 'email', 'mobile', 'role', 'store_id'])
    .executeTakeFirstOrThrow();
  if (s.role === 'manager') await setManagerScope(trx, tenantId, row.id, s.regionCodes ?? [], s.storeCodes ?? []);
  await audit(trx, actor, { action: 'staff.create', entityType: 'staff', entityId: row.id, after: row });
  return row;
}

export async function setManagerScope(trx: Tx, tenantId: TenantId, staffId: string, regionCodes: string[], storeCodes: string[]) {
  await trx.deleteFrom('staff_scopes').where('tenant_id', '=', tenantId).where('staff_id', '=', staffId).execute();
  if (regionCodes.length) {
    const regions = await trx.selectFrom('regions').select(['id', 'code']).where('tenant_id', '=', tenantId).where('code', 'in', regionCodes).execute();
    const missing = regionCodes.filter((c) => !regions.some((r) => r.code === c));
    if (missing.length) throw new ValidationError(`region: unknown code(s) ${missing.join(', ')}`);
    await trx.insertInto('staff_scopes').values(regions.map((r) => ({ tenant_id: tenantId, staff_id: staffId, region_id: r.id, store_id: null }))).execute();
  }
  if (storeCodes.length) {
    const stores = await trx.selectFrom('stores').select(['id', 'code']).where('tenant_id', '=', tenantId).where('code', 'in', storeCodes).execute();
    const missing = storeCodes.filter((c) => !stores.some((r) => r.code === c));
    if (missing.length) throw new ValidationError(`store: unknown code(s) ${missing.join(', ')}`);
    await trx.insertInto('staff_scopes').values(stores.map((r) => ({ tenant_id: tenantId, staff_id: staffId, region_id: null, store_id: r.id }))).execute();
  }
}

