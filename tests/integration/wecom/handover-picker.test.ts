/**
 * The on-job handover picker (在职继承, issue 18.2): ops search one clerk's customers, tick some or take all N
 * matching, and the takeover clerk is suggested (same store, fewest customers). Only the chosen customers are handed
 * over; "chosen" with nothing ticked is refused instead of silently taking all.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { searchServedCustomers, suggestTakeover } from '../../../server/wecom/handovers.repository';
import { startHandover } from '../../../server/wecom/handovers.service';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

async function handedOver(tenantId: TenantId, handoverId: string): Promise<string[]> {
  const r = await withTenant(h.services.dbs, tenantId, (trx) => sql<{ id: string }>`select customer_id as id from wecom_handover_customers where tenant_id = ${tenantId}::uuid and handover_id = ${handoverId}::uuid order by customer_id`.execute(trx));
  return r.rows.map((x) => x.id);
}

describe('on-job handover picker', () => {
  it('hands over only the ticked customers, or all N matching a search; the takeover clerk suggested is the same store’s with the fewest customers', async () => {
    const { tenant } = await connectedTenant(h.services, { customers: 60, staff: 4, seed: 1811, multiFollowShare: 0 });
    await syncOnce(h.services, tenant.id);
    const db = <T>(fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenant.id, fn);
    const staff = await db((trx) => sql<{ id: string; n: number }>`select s.id, (select count(*)::int from customer_follows f where f.tenant_id = s.tenant_id and f.staff_id = s.id and f.ended_at is null) as n
      from staff s where s.tenant_id = ${tenant.id}::uuid and s.wecom_userid is not null order by n desc, s.id`.execute(trx));
    const [from, busy, quiet, elsewhere] = staff.rows;
    // Same store for the first three; the fourth clerk (who may serve fewer still) is in another store.
    await db(async (trx) => {
      await sql`update staff set store_id = ${tenant.storeIds.S1}::uuid where tenant_id = ${tenant.id}::uuid and id = any(${[from!.id, busy!.id, quiet!.id]}::uuid[])`.execute(trx);
      await sql`update staff set store_id = ${tenant.storeIds.S2}::uuid where tenant_id = ${tenant.id}::uuid and id = ${elsewhere!.id}::uuid`.execute(trx);
    });
    const suggested = await db((trx) => suggestTakeover(trx, tenant.id, from!.id));
    expect(suggested?.id).toBe(quiet!.n <= busy!.n ? quiet!.id : busy!.id);

    const mine = (await db((trx) => searchServedCustomers(trx, tenant.id, from!.id, {}))).rows.map((r) => r.id).sort();
    expect(mine.length).toBeGreaterThan(6);
    // Three of them carry the remark "VIP-…".
    const vip = mine.slice(0, 3);
    await db((trx) => sql`update customer_follows set remark = 'VIP-' || left(customer_id::text, 4) where tenant_id = ${tenant.id}::uuid and staff_id = ${from!.id}::uuid and customer_id = any(${vip}::uuid[])`.execute(trx));
    const found = await db((trx) => searchServedCustomers(trx, tenant.id, from!.id, { q: 'vip-' }));
    expect(found.total).toBe(3);
    expect(found.rows.map((r) => r.id).sort()).toEqual(vip);

    // Ticked: exactly those two.
    const ticked = [mine[4]!, mine[5]!].sort();
    const a = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: from!.id, toStaffId: quiet!.id, selection: 'chosen', customerIds: ticked });
    expect(a.customers).toBe(2);
    expect(await handedOver(tenant.id, a.id)).toEqual(ticked);
    // All N matching the search (none of them ticked).
    const b = await startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: from!.id, selection: 'matching', q: 'VIP-' });
    expect(b.customers).toBe(3);
    expect(b.toStaffId).toBe(suggested!.id);
    expect(await handedOver(tenant.id, b.id)).toEqual(vip);
    // "Chosen" with nothing ticked is an error, not everything.
    await expect(startHandover(h.services, tenant.actor, { kind: 'on_job', fromStaffId: from!.id, toStaffId: quiet!.id, selection: 'chosen', customerIds: [] })).rejects.toMatchObject({ status: 400 });
    const audit = await db((trx) => trx.selectFrom('audit_log').select(['action', 'after']).where('tenant_id', '=', tenant.id).where('action', '=', 'handover.start').execute());
    expect(audit.map((x) => (x.after as { customers: number }).customers).sort()).toEqual([2, 3]);
  });
});
