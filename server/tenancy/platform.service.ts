/** Platform administration: the tenants list and creating a tenant with its first admin. */
import { sql } from 'kysely';
import { z } from 'zod';
import type { Services } from '../services';
import { systemActor } from './actor';
import { withSystem, withTenant } from './context';
import { createStaff, createTenant, tenantInput } from './tenants.service';
import { ValidationError } from '../lib/errors';

export async function listTenants(services: Services) {
  return withSystem(services.dbs, (db) =>
    sql<{ id: string; slug: string; name: string; timezone: string; currency: string; active: boolean; created_at: Date; staff: number; stores: number; customers: number }>`
      select t.id, t.slug, t.name, t.timezone, t.currency, t.active, t.created_at,
        (select count(*)::int from staff s where s.tenant_id = t.id) as staff,
        (select count(*)::int from stores s where s.tenant_id = t.id) as stores,
        (select count(*)::int from customers c where c.tenant_id = t.id) as customers
      from tenants t order by t.created_at desc`
      .execute(db)
      .then((r) => r.rows),
  );
}

const newTenantSchema = tenantInput.extend({
  adminEmail: z.string().trim().toLowerCase().email('admin email is invalid'),
  adminPassword: z.string().min(8, 'admin password: at least 8 characters'),
});

export async function createTenantWithAdmin(services: Services, adminLabel: string, input: unknown) {
  const r = newTenantSchema.safeParse(input);
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  const tenant = await createTenant(services, r.data, { actorLabel: adminLabel });
  await withTenant(services.dbs, tenant.id, (trx) =>
    createStaff(trx, systemActor(tenant.id, tenant.slug, adminLabel), { name: '管理员', email: r.data.adminEmail, role: 'admin', password: r.data.adminPassword }),
  );
  return tenant;
}
