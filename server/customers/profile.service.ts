/** The customer profile page's read, in its own tenant transaction (the SQL is in profile.repository.ts). */
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { customerProfile } from './profile.repository';

export async function getCustomerProfile(services: Services, actor: Actor, id: string) {
  return withTenant(services.dbs, actor.tenantId, (trx) => customerProfile(trx, actor, id));
}
