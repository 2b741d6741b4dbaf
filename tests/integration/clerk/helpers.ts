/** Shared setup for the clerk workspace tests: a synced simulator tenant, its metrics refreshed, and one clerk. */
import { fullRefresh } from '../../../server/analytics/refresh.service';
import type { Services } from '../../../server/services';
import type { Actor } from '../../../server/tenancy/actor';
import { withTenant } from '../../../server/tenancy/context';
import { makeStaff } from '../../factories/tenant';
import { connectedTenant, syncOnce } from '../wecom/helpers';

/** A tenant of 300 simulated customers and 4 clerks; `clerk` is the second WeCom clerk, `mine` their customers' ids. */
export async function clerkTenant(services: Services, seed: number) {
  const { tenant, sim } = await connectedTenant(services, { customers: 300, staff: 4, seed });
  const userid = [...sim.state.staff.keys()][1]!;
  const row = await makeStaff(services, tenant.id, tenant.slug, 'clerk', { wecomUserid: userid });
  await syncOnce(services, tenant.id);
  await fullRefresh(services, tenant.id);
  const clerk: Actor = { kind: 'staff', tenantId: tenant.id, tenantSlug: tenant.slug, staffId: row.id, role: 'clerk', name: 'clerk', label: 'clerk', storeId: tenant.storeIds.S1, storeScope: [tenant.storeIds.S1] };
  const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(services.dbs, tenant.id, fn);
  const mine = (await db((trx) => trx.selectFrom('customer_follows').select('customer_id').where('tenant_id', '=', tenant.id).where('staff_id', '=', row.id).where('ended_at', 'is', null).orderBy('customer_id').execute())).map((r) => r.customer_id);
  return { tenant, sim, userid, clerk, db, mine };
}
