/**
 * The hand-off from ingest (imports, API batches, WeCom sync, merges) to analytics: touched customers are
 * written to `customer_refresh_queue` inside the writer's own transaction (nothing is lost on rollback), then a
 * job is nudged to recompute them. The analytics capability registers the job `analytics.refresh-touched`.
 */
import { uuidArray } from '../lib/pg-array';
import { sql } from 'kysely';
import type { Services } from '../services';
import type { TenantId, Tx } from '../tenancy/context';


/** Marks customers for recompute, set-based: pass a subquery or a list of ids. */
export async function markCustomersTouched(trx: Tx, tenantId: TenantId, customerIds: string[] | ReturnType<typeof sql<{ id: string }>>, reason: string): Promise<void> {
  if (Array.isArray(customerIds)) {
    if (customerIds.length === 0) return;
    await sql`insert into customer_refresh_queue (tenant_id, customer_id, reason)
      select ${tenantId}::uuid, unnest(${uuidArray(customerIds)}::uuid[]), ${reason}
      on conflict (tenant_id, customer_id) do update set queued_at = now(), reason = excluded.reason`.execute(trx);
  } else {
    await sql`insert into customer_refresh_queue (tenant_id, customer_id, reason)
      select ${tenantId}::uuid, q.id, ${reason} from (${customerIds}) q
      on conflict (tenant_id, customer_id) do update set queued_at = now(), reason = excluded.reason`.execute(trx);
  }
}

/**
 * Asks for a full recompute of the tenant instead of marking customers one by one: for writers that touch most of
 * a tenant (a chain's first WeCom sync creates every customer). One row per tenant, written in the writer's own
 * transaction like the marks it replaces; the refresh job sees it and recomputes the tenant in full, which covers
 * every customer and clears the per-customer queue up to its start. `nudgeRefresh` after commit as usual.
 */
export async function requestFullRefresh(trx: Tx, tenantId: TenantId, reason: string): Promise<void> {
  await sql`insert into analytics_refresh_requests (tenant_id, reason) values (${tenantId}::uuid, ${reason})
    on conflict (tenant_id) do update set requested_at = now(), reason = excluded.reason`.execute(trx);
}

/** After commit: ask the worker to process the tenant's refresh queue (deduplicated per tenant). */
export async function nudgeRefresh(services: Services, tenantId: TenantId): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send('analytics.refresh-touched', { tenantId }, { singletonKey: tenantId, singletonSeconds: 2 });
  } catch (e) {
    services.log.warn('could not enqueue analytics refresh', { tenantId, error: e });
  }
}
