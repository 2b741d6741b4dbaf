/** Factories: tenants with stores and staff, unique per call so tests never share rows. */
import { randomBytes } from 'node:crypto';
import type { Services } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { withTenant, type TenantId } from '../../server/tenancy/context';
import { hashPassword } from '../../server/tenancy/passwords';
import { createStaff, createTenant } from '../../server/tenancy/tenants.service';
import type { Role } from '../../db/schema';

export const PASSWORD = 'correct-horse-battery';
let cachedHash: Promise<string> | undefined;

export async function makeTenant(services: Services, opts: { slug?: string; timezone?: string } = {}) {
  const slug = opts.slug ?? `t-${randomBytes(4).toString('hex')}`;
  const tenant = await createTenant(services, { slug, name: `Tenant ${slug}`, timezone: opts.timezone ?? 'Asia/Shanghai' });
  const actor = systemActor(tenant.id, slug, 'test');
  const { regionId, storeIds } = await withTenant(services.dbs, tenant.id, async (trx) => {
    const region = await trx.insertInto('regions').values({ tenant_id: tenant.id, code: 'R1', name: '华东' }).returning('id').executeTakeFirstOrThrow();
    const region2 = await trx.insertInto('regions').values({ tenant_id: tenant.id, code: 'R2', name: '华南' }).returning('id').executeTakeFirstOrThrow();
    const stores = await trx
      .insertInto('stores')
      .values([
        { tenant_id: tenant.id, code: 'S1', name: '一号店', region_id: region.id, city: '上海', address: null, opened_on: null },
        { tenant_id: tenant.id, code: 'S2', name: '二号店', region_id: region2.id, city: '广州', address: null, opened_on: null },
      ])
      .returning(['id', 'code'])
      .execute();
    return { regionId: region.id, storeIds: Object.fromEntries(stores.map((s) => [s.code, s.id])) as Record<'S1' | 'S2', string> };
  });
  return { ...tenant, slug, actor, regionId, storeIds };
}

export async function makeStaff(services: Services, tenantId: TenantId, slug: string, role: Role, extra: { email?: string; storeCode?: string; regionCodes?: string[]; wecomUserid?: string } = {}) {
  cachedHash ??= hashPassword(PASSWORD);
  const email = extra.email ?? `${role}-${randomBytes(3).toString('hex')}@example.com`;
  return withTenant(services.dbs, tenantId, (trx) =>
    createStaff(
      trx,
      systemActor(tenantId, slug, 'test'),
      { name: `${role} user`, email, role, storeCode: extra.storeCode ?? (role === 'clerk' ? 'S1' : null), regionCodes: extra.regionCodes, wecomUserid: extra.wecomUserid },
      undefined,
    ).then(async (row) => {
      await trx.updateTable('staff').set({ password_hash: await cachedHash! }).where('tenant_id', '=', tenantId).where('id', '=', row.id).execute();
      return { ...row, email };
    }),
  );
}
