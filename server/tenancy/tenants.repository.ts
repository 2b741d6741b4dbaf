/**
 * The SQL of creating tenants and their staff (tenants.service.ts) and of the platform's tenant list
 * (platform.service.ts). Tenant rows are cross-tenant: they take the system connection.
 */
import { sql } from 'kysely';
import type { DB } from '../../db/connection';
import type { Role } from '../../db/schema';
import { auditJsonb } from './audit';
import type { TenantId, Tx } from './context';

export async function tenantSlugTaken(db: DB, slug: string): Promise<boolean> {
  return Boolean(await db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirst());
}

/** A new tenant, audited as created by `actorLabel` in its own audit log. */
export async function insertTenant(db: DB, t: { slug: string; name: string; timezone: string; currency: string; isDemo: boolean }, actorLabel: string) {
  const row = await db
    .insertInto('tenants')
    .values({ slug: t.slug, name: t.name, timezone: t.timezone, currency: t.currency, is_demo: t.isDemo })
    .returning(['id', 'slug', 'name', 'timezone', 'currency'])
    .executeTakeFirstOrThrow();
  await db
    .insertInto('audit_log')
    .values({ tenant_id: row.id, actor_staff_id: null, actor_label: actorLabel, action: 'tenant.create', entity_type: 'tenant', entity_id: row.id, before: null, after: auditJsonb(row), request_id: null })
    .execute();
  return row;
}

export async function tenantBySlug(db: DB, slug: string) {
  return db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

/** Every tenant, newest first, with its staff, stores and customers counted (the platform's list). */
export async function tenantsWithCounts(db: DB) {
  const r = await sql<{ id: string; slug: string; name: string; timezone: string; currency: string; active: boolean; created_at: Date; staff: number; stores: number; customers: number }>`
    select t.id, t.slug, t.name, t.timezone, t.currency, t.active, t.created_at,
      (select count(*)::int from staff s where s.tenant_id = t.id) as staff,
      (select count(*)::int from stores s where s.tenant_id = t.id) as stores,
      (select count(*)::int from customers c where c.tenant_id = t.id) as customers
    from tenants t order by t.created_at desc`.execute(db);
  return r.rows;
}

export async function storeIdByCode(trx: Tx, tenantId: TenantId, code: string): Promise<string | null> {
  const r = await trx.selectFrom('stores').select('id').where('tenant_id', '=', tenantId).where('code', '=', code).executeTakeFirst();
  return r?.id ?? null;
}

export async function insertStaff(trx: Tx, tenantId: TenantId, s: { name: string; email: string | null; mobile: string | null; role: Role; passwordHash: string | null; storeId: string | null; wecomUserid: string | null }) {
  return trx
    .insertInto('staff')
    .values({ tenant_id: tenantId, name: s.name, email: s.email, mobile: s.mobile, role: s.role, password_hash: s.passwordHash, store_id: s.storeId, wecom_userid: s.wecomUserid, locale: null, last_login_at: null })
    .returning(['id', 'name', 'email', 'mobile', 'role', 'store_id'])
    .executeTakeFirstOrThrow();
}

export async function regionsByCodes(trx: Tx, tenantId: TenantId, codes: readonly string[]) {
  return trx.selectFrom('regions').select(['id', 'code']).where('tenant_id', '=', tenantId).where('code', 'in', [...codes]).execute();
}

export async function storesByCodes(trx: Tx, tenantId: TenantId, codes: readonly string[]) {
  return trx.selectFrom('stores').select(['id', 'code']).where('tenant_id', '=', tenantId).where('code', 'in', [...codes]).execute();
}

/** A manager's scope rows: regions or stores (one of the two ids per row). */
export async function insertStaffScopes(trx: Tx, tenantId: TenantId, staffId: string, scopes: { regionId: string | null; storeId: string | null }[]): Promise<void> {
  if (scopes.length === 0) return;
  await trx.insertInto('staff_scopes').values(scopes.map((x) => ({ tenant_id: tenantId, staff_id: staffId, region_id: x.regionId, store_id: x.storeId }))).execute();
}
