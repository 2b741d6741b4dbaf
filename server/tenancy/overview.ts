/** The chain at a glance (stores, clerks, customers in the actor's scope). */
import { sql } from 'kysely';
import { customerScopeSql, storeScopeSql } from '../customers/scope';
import type { Services } from '../services';
import type { Actor } from './actor';
import { withTenant } from './context';

export async function chainOverview(services: Services, actor: Actor) {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const r = await sql<{ stores: number; clerks: number; customers: number }>`
      select
        (select count(*)::int from stores where tenant_id = ${actor.tenantId} and active and ${storeScopeSql(actor, 'stores.id')}) as stores,
        (select count(*)::int from staff where tenant_id = ${actor.tenantId} and active and role = 'clerk' and ${storeScopeSql(actor, 'staff.store_id')}) as clerks,
        (select count(*)::int from customers where tenant_id = ${actor.tenantId} and merged_into is null and ${customerScopeSql(actor)}) as customers`.execute(trx);
    return r.rows[0]!;
  });
}
