/**
 * Scope isolation of every dashboard read model and the customer list/profile: a manager sees only their region's
 * stores (customers by home store, plus customers their clerks serve in the list), a clerk only the customers
 * they serve, and another region's store code is refused as unknown.
 */
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { dashboardLifecycle } from '../../../server/analytics/queries/lifecycle';
import { dashboardOverview } from '../../../server/analytics/queries/overview';
import { dashboardPredictions } from '../../../server/analytics/queries/predictions';
import { dashboardRepurchase } from '../../../server/analytics/queries/repurchase';
import { dashboardRfm } from '../../../server/analytics/queries/rfm';
import { dashboardStores } from '../../../server/analytics/queries/stores';
import { listCustomerMetrics } from '../../../server/customers/customer-list.service';
import { customerProfile } from '../../../server/customers/profile.repository';
import { filterOptions } from '../../../server/analytics/filters';
import { fullRefresh } from '../../../server/analytics/refresh.service';
import type { Actor } from '../../../server/tenancy/actor';
import { login, resolveSession } from '../../../server/tenancy/auth.service';
import { withTenant } from '../../../server/tenancy/context';
import { makeStaff, makeTenant, PASSWORD } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { addCustomers, addOrders } from './support';

const h = useTestServices();

async function actorOf(email: string): Promise<Actor> {
  const r = await login(h.services, { identifier: email, password: PASSWORD, ip: null, userAgent: null });
  const s = await resolveSession(h.services, r.cookie.split(';')[0]!);
  if (s?.kind !== 'staff') throw new Error('no staff session');
  return s.actor;
}

describe('a manager of region R1 (store S1) and a clerk of S1', () => {
  let t: Awaited<ReturnType<typeof makeTenant>>;
  let manager: Actor;
  let clerk: Actor;
  let admin: Actor;
  let ids: string[];
  const today = new Date().toISOString().slice(0, 10);
  const day = (ago: number) => new Date(Date.now() - ago * 86400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await makeTenant(h.services, { timezone: 'UTC' });
    const m = await makeStaff(h.services, t.id, t.slug, 'manager', { regionCodes: ['R1'] });
    const c = await makeStaff(h.services, t.id, t.slug, 'clerk', { storeCode: 'S1' });
    const a = await makeStaff(h.services, t.id, t.slug, 'admin');
    ids = await addCustomers(h.services, t.id, [
      { name: 'S1-a', storeId: t.storeIds.S1 },
      { name: 'S1-b', storeId: t.storeIds.S1 },
      { name: 'S2-a', storeId: t.storeIds.S2 },
      { name: 'S2-b', storeId: t.storeIds.S2 },
      { name: 'S2-served-by-S1-clerk', storeId: t.storeIds.S2 },
    ]);
    const S1 = t.storeIds.S1;
    const S2 = t.storeIds.S2;
    await addOrders(h.services, t.id, [
      { customer: ids[0], at: day(40), yuan: 100, store: S1 },
      { customer: ids[0], at: day(10), yuan: 100, store: S1 },
      { customer: ids[1], at: day(5), yuan: 50, store: S1 },
      { customer: ids[2], at: day(30), yuan: 300, store: S2 },
      { customer: ids[2], at: day(3), yuan: 300, store: S2 },
      { customer: ids[3], at: day(20), yuan: 700, store: S2 },
      { customer: ids[4], at: day(8), yuan: 90, store: S2 },
      { customer: null, at: day(2), yuan: 1000, store: S1 },
      { customer: null, at: day(2), yuan: 5000, store: S2 },
    ]);
    // The S1 clerk serves S2-served-by-S1-clerk (a WeCom follow) and S1-a.
    await withTenant(h.services.dbs, t.id, (trx) =>
      sql`insert into customer_follows (tenant_id, customer_id, staff_id, added_at) values (${t.id}, ${ids[4]}, ${c.id}, now()), (${t.id}, ${ids[0]}, ${c.id}, now())`.execute(trx),
    );
    await fullRefresh(h.services, t.id);
    manager = await actorOf(m.email);
    clerk = await actorOf(c.email);
    admin = await actorOf(a.email);
  });

  it('the overview counts only the manager’s stores (customers by home store, revenue by order store)', async () => {
    const mine = await dashboardOverview(h.services, manager, {});
    expect(mine.meta.to).toBe(today);
    expect(mine.chain).toEqual({ stores: 1, clerks: 1 });
    expect(mine.kpis.buyers.value).toBe(2);
    expect(mine.kpis.revenueFen.value).toBe(25000 + 100000);
    expect(mine.kpis.repurchaseRate.value).toBe(0.5);
    const all = await dashboardOverview(h.services, admin, {});
    expect(all.kpis.buyers.value).toBe(5);
    expect(all.kpis.revenueFen.value).toBe(25000 + 139000 + 500000 + 100000);
  });

  it('another region’s store is an unknown code, not an empty answer', async () => {
    await expect(dashboardOverview(h.services, manager, { store: 'S2' })).rejects.toThrow(/unknown store code/);
    await expect(dashboardRfm(h.services, manager, { region: 'R2' })).rejects.toThrow(/unknown region code/);
    const opts = await withTenant(h.services.dbs, t.id, (trx) => filterOptions(trx, manager));
    expect(opts.stores.map((s) => s.code)).toEqual(['S1']);
  });

  it('every other dashboard is limited the same way', async () => {
    const rep = await dashboardRepurchase(h.services, manager, {});
    expect(rep.summary).toMatchObject({ customers: 2, repeatCustomers: 1, paidRevenueFen: 125000, identifiedRevenueFen: 25000 });
    const rfm = await dashboardRfm(h.services, manager, {});
    // The grid follows the customer list's scope: home store in scope, or served by one of the manager's clerks.
    expect(rfm.customers).toBe(3);
    const stores = await dashboardStores(h.services, manager, {}, { storeSort: 'revenue', storeDir: 'desc', clerkSort: 'name', clerkDir: 'asc', clerkPage: 1, clerkSize: 50 });
    expect(stores.stores.map((s) => s.code)).toEqual(['S1']);
    expect(stores.stores[0]).toMatchObject({ buyers: 2, repeaters: 1, revenueFen: 125000, identifiedFen: 25000 });
    expect(stores.clerkTotal).toBe(1);
    const life = await dashboardLifecycle(h.services, manager, {});
    expect(life.stages.reduce((s, x) => s + x.customers, 0)).toBe(3);
    const pred = await dashboardPredictions(h.services, manager, {});
    expect(pred.totals.customers).toBe(3);
    // Per store: the manager's store, and one row for the S2 customer their clerk serves (no other store by name).
    expect(pred.stores.map((s) => [s.store, s.buyers])).toEqual([
      ['一号店', 2],
      [null, 1],
    ]);
    expect(pred.stores[1]!.storeId).toBe('other');
  });

  it('the customer list and profile: manager by scope, clerk only the customers they serve', async () => {
    const list = async (actor: Actor, filters = {}) =>
      withTenant(h.services.dbs, t.id, async (trx) => {
        const o = await filterOptions(trx, actor);
        const r = await listCustomerMetrics(trx, actor, { sort: 'name', dir: 'asc', page: 1, size: 50, filters }, o);
        return { total: r.total, names: r.rows.map((x) => x.display_name) };
      });
    expect(await list(manager)).toEqual({ total: 3, names: ['S1-a', 'S1-b', 'S2-served-by-S1-clerk'] });
    expect(await list(manager, { store: 'S2' })).toEqual({ total: 0, names: [] });
    expect(await list(clerk)).toEqual({ total: 2, names: ['S1-a', 'S2-served-by-S1-clerk'] });
    expect((await list(admin)).total).toBe(5);
    await expect(withTenant(h.services.dbs, t.id, (trx) => customerProfile(trx, manager, ids[2]!))).rejects.toThrow(/not found|outside/i);
    await expect(withTenant(h.services.dbs, t.id, (trx) => customerProfile(trx, clerk, ids[1]!))).rejects.toThrow(/not found|outside/i);
    const p = await withTenant(h.services.dbs, t.id, (trx) => customerProfile(trx, clerk, ids[4]!));
    expect(p.metrics).toMatchObject({ frequency: 1, monetary_fen: 9000 });
    expect(p.orders.map((o) => o.amount_fen)).toEqual([9000]);
  });

  it('list totals (read from the snapshot where possible) equal a live count for every actor and filter', async () => {
    for (const actor of [admin, manager, clerk]) {
      for (const filters of [{}, { stage: 'active' }, { stage: 'new' }, { due: true }, { due: false }, { store: 'S1' }, { group: 'champions' }, { stage: 'lapsed', due: true }]) {
        await withTenant(h.services.dbs, t.id, async (trx) => {
          const o = await filterOptions(trx, actor);
          const r = await listCustomerMetrics(trx, actor, { sort: 'last_purchase', dir: 'desc', page: 1, size: 50, filters }, o);
          expect(r.total, `${actor.role} ${JSON.stringify(filters)}`).toBe(r.rows.length);
        });
      }
    }
  });

  it('cached read models are per scope: the admin’s answer never serves the manager', async () => {
    const a = await dashboardRfm(h.services, admin, {});
    const m = await dashboardRfm(h.services, manager, {});
    expect(a.customers).toBe(5);
    expect(m.customers).toBe(3);
  });
});
