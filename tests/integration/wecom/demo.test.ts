import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateChain } from '../../../server/demo/chain';
import { iterateDemoCustomers } from '../../../server/demo/customers';
import { ordersDemoStep } from '../../../server/demo/orders';
import { seedDemo } from '../../../server/demo/seed';
import { wecomDemoStep } from '../../../server/demo/wecom';
import { installExtensions } from '../../../server/extensions';
import { withTenant } from '../../../server/tenancy/context';
import { simulateActivity } from '../../../server/wecom/demo-activity';
import { processPendingInbox } from '../../../server/wecom/inbox.service';
import { wecomRuntime } from '../../../server/wecom/runtime';
import { syncOverview } from '../../../server/wecom/sync.service';
import { useTestServices } from '../../support/db';

const h = useTestServices();

describe('demo tenant on the in-process WeCom simulator', () => {
  it('is connected, synced from the same customers as the orders (no duplicates), with channels, and callbacks flow in-process', async () => {
    await installExtensions(h.services);
    // The chain, then the steps this capability depends on: orders (the demo customers), then WeCom.
    const ctx = await seedDemo(h.services, { seed: 7, slug: 'demo-wecom', customers: 400, orderYears: 1, steps: false });
    await ordersDemoStep.run(ctx);
    await wecomDemoStep.run(ctx);
    const t = ctx.tenantId;
    const universe = [...iterateDemoCustomers(7, generateChain(7), 400)];
    const contacts = universe.filter((c) => c.identities.externalUserid && c.clerkUserids.length > 0);

    const conn = await withTenant(h.services.dbs, t, (trx) => trx.selectFrom('wecom_connections').select(['mode', 'secret_sealed', 'corp_id']).where('tenant_id', '=', t).executeTakeFirstOrThrow());
    expect(conn.mode).toBe('simulator');
    const ov = await withTenant(h.services.dbs, t, (trx) => syncOverview(trx, t));
    expect(ov.history[0]).toMatchObject({ status: 'done', source: 'demo' });
    expect(ov.history[0]!.customers.seen).toBe(contacts.length);
    // The sync found the customers the orders step created: linked, not duplicated.
    expect(ov.history[0]!.customers.created).toBe(0);
    const n = await withTenant(h.services.dbs, t, (trx) =>
      sql<{ customers: number; follows: number; attributed: number; wecom_orders: number; channels: number; internal: number }>`select
        (select count(*)::int from customers where tenant_id = ${t}::uuid) as customers,
        (select count(*)::int from customer_follows where tenant_id = ${t}::uuid and ended_at is null) as follows,
        (select count(*)::int from customer_follows where tenant_id = ${t}::uuid and channel_id is not null) as attributed,
        (select count(*)::int from orders o where o.tenant_id = ${t}::uuid and exists (select 1 from customer_identities ci where ci.tenant_id = o.tenant_id and ci.customer_id = o.customer_id and ci.kind = 'external_userid')) as wecom_orders,
        (select count(*)::int from wecom_channels where tenant_id = ${t}::uuid and status = 'active') as channels,
        (select count(*)::int from customer_internal_tags where tenant_id = ${t}::uuid) as internal`.execute(trx),
    );
    const r = n.rows[0]!;
    expect(r.customers).toBe(400);
    expect(r.follows).toBe(contacts.reduce((a, c) => a + c.clerkUserids.length, 0));
    expect(r.attributed).toBeGreaterThan(r.follows / 3);
    expect(r.wecom_orders).toBeGreaterThan(0);
    expect(r.channels).toBe(ctx.chain.stores.length + 3);
    expect(r.internal).toBeGreaterThan(0);

    // A customer scans a store code in the simulator: the callback goes through the same handler, in-process.
    const before = r.follows;
    await simulateActivity(h.services, t, 'customer-adds-via-channel');
    await wecomRuntime(h.services).hub.sink(t)!.idle();
    const pending = await withTenant(h.services.dbs, t, (trx) => trx.selectFrom('wecom_inbox').select(['status', 'change_type']).where('tenant_id', '=', t).execute());
    expect(pending).toEqual([{ status: 'pending', change_type: 'add_external_contact' }]);
    expect(await processPendingInbox(h.services, t)).toMatchObject({ done: 1 });
    const after = await withTenant(h.services.dbs, t, (trx) =>
      sql<{ n: number; newest_channel: string | null }>`select count(*)::int as n,
        (select ch.name from customer_follows f join wecom_channels ch on ch.tenant_id = f.tenant_id and ch.id = f.channel_id where f.tenant_id = ${t}::uuid order by f.updated_at desc limit 1) as newest_channel
        from customer_follows where tenant_id = ${t}::uuid and ended_at is null`.execute(trx),
    );
    expect(after.rows[0]!.n).toBe(before + 1);
    expect(after.rows[0]!.newest_channel).toBeTruthy();
  }, 120_000);
});
