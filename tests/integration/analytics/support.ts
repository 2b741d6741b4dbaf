/**
 * Fixtures for the analytics tests: customers and orders written straight into the tables (the orders engine has
 * its own tests), with paid_day derived from paid_at in the tenant's time zone exactly as the engine stores it.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Services } from '../../../server/services';
import { withTenant, type TenantId } from '../../../server/tenancy/context';

export interface OrderSpec {
  customer?: string | null;
  /** ISO timestamp with offset, or 'YYYY-MM-DD' (noon local time). */
  at: string;
  /** Yuan; negative with refund: true for a refund. */
  yuan: number;
  refund?: boolean;
  store?: string | null;
  clerk?: string | null;
  channel?: 'pos' | 'mini_program' | 'ecommerce' | 'group_buy' | 'other';
  category?: string;
  orderNo?: string;
}

export async function addCustomers(services: Services, tenantId: TenantId, specs: { name: string; storeId?: string | null }[]): Promise<string[]> {
  if (specs.length === 0) return [];
  return withTenant(services.dbs, tenantId, async (trx) => {
    const rows = await trx
      .insertInto('customers')
      .values(specs.map((s) => ({ tenant_id: tenantId, display_name: s.name, source: 'import' as const, primary_store_id: s.storeId ?? null, mobile_masked: null, avatar: null, merged_into: null })))
      .returning('id')
      .execute();
    return rows.map((r) => r.id);
  });
}

let seq = 0;
export async function addOrders(services: Services, tenantId: TenantId, specs: OrderSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await withTenant(services.dbs, tenantId, async (trx) => {
    const tz = (await trx.selectFrom('tenants').select('timezone').where('id', '=', tenantId).executeTakeFirstOrThrow()).timezone;
    const CHUNK = 2000;
    for (let i = 0; i < specs.length; i += CHUNK) {
      const chunk = specs.slice(i, i + CHUNK);
      const values = chunk.map((o) => {
        const orderNo = o.orderNo ?? `T${++seq}-${randomBytes(4).toString('hex')}`;
        const at = /^\d{4}-\d{2}-\d{2}$/.test(o.at) ? null : o.at;
        const localNoon = /^\d{4}-\d{2}-\d{2}$/.test(o.at) ? `${o.at} 12:00:00` : null;
        return sql`(${orderNo}, ${o.store ?? null}::uuid, ${o.clerk ?? null}::uuid, ${o.channel ?? 'pos'},
          coalesce(${at}::timestamptz, (${localNoon}::timestamp at time zone ${tz})), ${Math.round(o.yuan * 100)}::bigint, ${o.refund ?? false}, ${o.customer ?? null}::uuid, ${o.category ?? null})`;
      });
      await sql`
        with v(order_no, store_id, clerk_id, channel, paid_at, amount_fen, is_refund, customer_id, category) as (values ${sql.join(values)}),
        ins as (
          insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, customer_id, content_hash, source)
          select ${tenantId}::uuid, order_no, store_id, clerk_id, channel, paid_at, (paid_at at time zone ${tz})::date, amount_fen, 1, is_refund, customer_id, md5(order_no), 'import'
          from v returning id, order_no)
        insert into order_items (tenant_id, order_id, line_no, sku, name, category, quantity, unit_price_fen, amount_fen)
        select ${tenantId}::uuid, ins.id, 1, 'SKU', 'item', v.category, 1, v.amount_fen, v.amount_fen from ins join v using (order_no)`.execute(trx);
    }
  });
}

/** Marks customers for the incremental refresh, as the orders engine does after an import. */
export async function touch(services: Services, tenantId: TenantId, customerIds: string[]): Promise<void> {
  await withTenant(services.dbs, tenantId, (trx) =>
    sql`insert into customer_refresh_queue (tenant_id, customer_id, reason) select ${tenantId}::uuid, unnest(${customerIds}::uuid[]), 'test'
      on conflict (tenant_id, customer_id) do update set queued_at = now()`.execute(trx),
  );
}

export async function metricsOf(services: Services, tenantId: TenantId, customerId: string) {
  return withTenant(services.dbs, tenantId, (trx) => trx.selectFrom('customer_metrics').selectAll().where('tenant_id', '=', tenantId).where('customer_id', '=', customerId).executeTakeFirstOrThrow());
}
