/** Shared setup for the WeCom integration tests: a tenant connected to an in-process simulator. */
import { sql } from 'kysely';
import type { Services } from '../../../server/services';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { configureConnection } from '../../../server/wecom/connection.service';
import { generateEncodingAesKey } from '../../../server/wecom/crypto';
import { wecomRuntime } from '../../../server/wecom/runtime';
import { generateStaff } from '../../../server/wecom/simulator/population';
import { WecomSimulator, type SimulatorOptions } from '../../../server/wecom/simulator/simulator';
import { requestFullSync, runFullSync, type SyncOptions } from '../../../server/wecom/sync.service';
import { getRun, type SyncRunRow } from '../../../server/wecom/sync.repository';
import { makeTenant } from '../../factories/tenant';

export const CALLBACK_TOKEN = 'testCallbackToken1';

/** Fast retries for tests (backoff sleeps skipped). */
export function fastClients(services: Services): void {
  const rt = wecomRuntime(services);
  rt.clientOptions = { sleep: async () => undefined, retry: { baseDelayMs: 1, rateLimitedBaseDelayMs: 1, maxDelayMs: 2 } };
  rt.reset();
}

export async function connectedTenant(services: Services, opts: { customers: number; staff: number; seed: number; sim?: Partial<SimulatorOptions>; multiFollowShare?: number }) {
  const tenant = await makeTenant(services);
  const sim = new WecomSimulator({
    populationOptions: { seed: opts.seed, customers: opts.customers, staff: generateStaff(opts.staff, opts.seed), ...(opts.multiFollowShare !== undefined ? { multiFollowShare: opts.multiFollowShare } : {}) },
    seed: opts.seed,
    config: { rateLimitPerMinute: null },
    ...opts.sim,
  });
  const aesKey = generateEncodingAesKey(() => 0.42);
  await withTenant(services.dbs, tenant.id, (trx) =>
    configureConnection(services, trx, tenant.actor, { corpId: sim.corpId, secret: sim.secret, callbackToken: CALLBACK_TOKEN, aesKey, mode: 'simulator', simConfig: { seed: opts.seed, customers: opts.customers, staff: opts.staff } }),
  );
  wecomRuntime(services).hub.register(tenant.id, sim);
  fastClients(services);
  return { tenant, sim, aesKey };
}

export async function syncOnce(services: Services, tenantId: TenantId, opts: SyncOptions = {}): Promise<SyncRunRow> {
  const { runId } = await requestFullSync(services, { tenantId, staffId: null, label: 'test' }, 'cli');
  await runFullSync(services, tenantId, runId, opts);
  const run = await withTenant(services.dbs, tenantId, (trx) => getRun(trx, tenantId, runId));
  return run!;
}

/** Counts a tenant's WeCom-derived rows (for "nothing changed" and "no duplicates" checks). */
export async function counts(services: Services, tenantId: TenantId) {
  return withTenant(services.dbs, tenantId, async (trx) => {
    const r = await sql<{ customers: number; eids: number; open: number; ended: number; follow_tags: number; chats: number; members: number; staff: number; last_change: Date | null }>`
      select (select count(*)::int from customers where tenant_id = ${tenantId}::uuid) as customers,
        (select count(*)::int from customer_identities where tenant_id = ${tenantId}::uuid and kind = 'external_userid') as eids,
        (select count(*)::int from customer_follows where tenant_id = ${tenantId}::uuid and ended_at is null) as open,
        (select count(*)::int from customer_follows where tenant_id = ${tenantId}::uuid and ended_at is not null) as ended,
        (select count(*)::int from customer_follow_tags where tenant_id = ${tenantId}::uuid) as follow_tags,
        (select count(*)::int from wecom_group_chats where tenant_id = ${tenantId}::uuid and dismissed_at is null) as chats,
        (select count(*)::int from wecom_group_members where tenant_id = ${tenantId}::uuid and left_at is null) as members,
        (select count(*)::int from staff where tenant_id = ${tenantId}::uuid and wecom_userid is not null) as staff,
        greatest((select max(updated_at) from customer_follows where tenant_id = ${tenantId}::uuid), (select max(updated_at) from customers where tenant_id = ${tenantId}::uuid),
          (select max(created_at) from customer_follow_tags where tenant_id = ${tenantId}::uuid), (select max(updated_at) from wecom_group_members where tenant_id = ${tenantId}::uuid)) as last_change`.execute(trx);
    return r.rows[0]!;
  });
}
