/**
 * Tenancy, layer 3 (the backstop): every tenant request runs in a transaction of the RLS-bound app role that
 * first sets `app.tenant_id`; work that really spans tenants runs through `withSystem` on the owner role.
 */
import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../../db/connection';
import type { Database } from '../../db/schema';

declare const tenantBrand: unique symbol;
/** A tenant id that has been resolved from a session, API key or CLI argument. */
export type TenantId = string & { readonly [tenantBrand]: true };
export const asTenantId = (id: string): TenantId => id as TenantId;

export type Tx = Transaction<Database>;

export interface Dbs {
  /** The app role: subject to forced row-level security. */
  app: DB;
  /** The owner role: migrations and cross-tenant system work only. */
  owner: DB;
}

/** What a tenant transaction sets in its first statement, beside the tenant. */
export interface TenantTxOptions {
  /**
   * No parallel workers for the transaction's plans: small indexed reads that many users run at once (the customer
   * list, the Overview), where workers would only fight over the cores. Saves the statement serialPlans would send.
   */
  serialPlans?: boolean;
}

/** Transactions whose plans are already serial (withTenant's option or serialPlans): one statement per transaction. */
const serial = new WeakSet<Tx>();

/** A tenant transaction's first statement: the tenant RLS reads (and serial plans when asked), in one round trip. */
async function enterTenant(trx: Tx, tenantId: TenantId, opts: TenantTxOptions = {}): Promise<void> {
  if (opts.serialPlans) {
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
    serial.add(trx);
  } else {
    await sql`select set_config('app.tenant_id', ${tenantId}, true)`.execute(trx);
  }
}

export async function withTenant<T>(dbs: Pick<Dbs, 'app'>, tenantId: TenantId, fn: (trx: Tx) => Promise<T>, opts: TenantTxOptions = {}): Promise<T> {
  return dbs.app.transaction().execute(async (trx) => {
    await enterTenant(trx, tenantId, opts);
    return fn(trx);
  });
}

/** No parallel workers for the rest of the transaction (see TenantTxOptions.serialPlans); a no-op when already so. */
export async function serialPlans(trx: Tx): Promise<void> {
  if (serial.has(trx)) return;
  await sql`select set_config('max_parallel_workers_per_gather', '0', true)`.execute(trx);
  serial.add(trx);
}

/**
 * A statement's rows a chunk at a time, from a server-side cursor inside one tenant transaction that lasts as long
 * as the iteration: for output too large to hold at once (a CSV of every member of a segment). `build` writes the
 * statement inside that transaction. The consumer pulls, so a slow reader holds the cursor, not memory; stopping
 * early (a cancelled download) rolls the transaction back. The transaction begins at the first pull.
 */
export async function* streamInTenant<R>(dbs: Pick<Dbs, 'app'>, tenantId: TenantId, build: (trx: Tx) => Promise<RawBuilder<R>>, chunkSize: number): AsyncGenerator<R[], void, undefined> {
  const trx = await dbs.app.startTransaction().execute();
  let committed = false;
  try {
    await enterTenant(trx, tenantId);
    const query = (await build(trx)).compile(trx);
    for await (const chunk of trx.getExecutor().stream(query, chunkSize)) yield chunk.rows;
    await trx.commit().execute();
    committed = true;
  } finally {
    if (!committed) await trx.rollback().execute().catch(() => {});
  }
}

/** The acting user's tenant transaction: what the page services' entry points open (routes pass their services and actor). */
export function withActorTenant<T>(services: { dbs: Pick<Dbs, 'app'> }, actor: { tenantId: TenantId }, fn: (trx: Tx) => Promise<T>): Promise<T> {
  return withTenant(services.dbs, actor.tenantId, fn);
}

/** Cross-tenant work (login lookup, API-key lookup, platform admin, scheduled fan-out). Named, never a flag. */
export async function withSystem<T>(dbs: Pick<Dbs, 'owner'>, fn: (db: DB) => Promise<T>): Promise<T> {
  return fn(dbs.owner);
}
