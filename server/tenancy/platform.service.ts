/** Platform administration: the tenants list and creating a tenant with its first admin. */
import { z } from 'zod';
import type { Services } from '../services';
import { systemActor } from './actor';
import { withSystem, withTenant } from './context';
import { tenantsWithCounts } from './tenants.repository';
import { createStaff, createTenant, tenantInput } from './tenants.service';
import { parseOrThrow } from '../lib/validation';

export async function listTenants(services: Services) {
  return withSystem(services.dbs, (db) => tenantsWithCounts(db));
}

const newTenantSchema = tenantInput.extend({
  adminEmail: z.string().trim().toLowerCase().email('admin email is invalid'),
  adminPassword: z.string().min(8, 'admin password: at least 8 characters'),
});

export async function createTenantWithAdmin(services: Services, adminLabel: string, input: unknown) {
  const v = parseOrThrow(newTenantSchema, input, { field: '' });
  const tenant = await createTenant(services, v, { actorLabel: adminLabel });
  await withTenant(services.dbs, tenant.id, (trx) =>
    createStaff(trx, systemActor(tenant.id, tenant.slug, adminLabel), { name: '管理员', email: v.adminEmail, role: 'admin', password: v.adminPassword }),
  );
  return tenant;
}
