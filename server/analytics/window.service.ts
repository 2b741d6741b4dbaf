/** The repurchase-window setting as the lifecycle dashboard changes it. */
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { queueTenantRefresh } from './analytics.job';
import { setWindowSetting } from './refresh.service';

/** Sets the window (audited) in its own transaction, then asks for a full refresh: every stage depends on it. */
export async function changeRepurchaseWindow(services: Services, actor: Actor, days: number | null): Promise<void> {
  await withTenant(services.dbs, actor.tenantId, (trx) => setWindowSetting(trx, actor, days));
  await queueTenantRefresh(services, actor.tenantId);
}
