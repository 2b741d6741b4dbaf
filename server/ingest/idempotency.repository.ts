/**
 * Idempotency-Key bookkeeping of the /api/v1 write endpoints (orders, members): a key is claimed inside the
 * request's transaction (a concurrent request with the same key waits until the first commits or rolls back),
 * the response is stored with it, and a retry with the same key and body gets the stored response back.
 * Keys are kept 24 hours (the ingest watchdog deletes older ones).
 */
import { sql } from 'kysely';
import { UserError } from '../lib/errors';
import type { TenantId, Tx } from '../tenancy/context';

/** Claims the key for this request; returns the stored outcome when the key was used before with the same body. */
export async function claimIdempotencyKey<T>(trx: Tx, tenantId: TenantId, key: string, endpoint: string, requestHash: string): Promise<{ status: number; body: T } | null> {
  const ins = await sql<{ key: string }>`insert into api_idempotency_keys (tenant_id, key, endpoint, request_hash)
    values (${tenantId}, ${key}, ${endpoint}, ${requestHash}) on conflict do nothing returning key`.execute(trx);
  if (ins.rows.length > 0) return null;
  const ex = await trx.selectFrom('api_idempotency_keys').selectAll().where('tenant_id', '=', tenantId).where('key', '=', key).executeTakeFirstOrThrow();
  if (ex.request_hash !== requestHash || ex.endpoint !== endpoint) {
    throw new UserError('This Idempotency-Key was already used with a different request', 422, 'idempotency_key_reused');
  }
  return { status: ex.status_code ?? 200, body: ex.response as unknown as T };
}

/** Stores the response of a claimed key (same transaction as the work it answers for). */
export async function completeIdempotencyKey(trx: Tx, tenantId: TenantId, key: string, status: number, response: unknown): Promise<void> {
  await sql`update api_idempotency_keys set status_code = ${status}, response = (${JSON.stringify(response)}::text)::jsonb, completed_at = now()
    where tenant_id = ${tenantId} and key = ${key}`.execute(trx);
}
