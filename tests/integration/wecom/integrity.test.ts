/**
 * The contact tables have no row-level foreign keys (migration 0303): the writers guarantee the references and
 * statement-level triggers keep the delete side. These tests check both halves: nothing a sync, a re-sync after
 * changes in WeCom, an order import and a merge write points at a missing parent; and deleting a customer, a
 * clerk, a store, a channel, a group chat or a whole tenant behaves as the foreign keys did.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../server/cli/main';
import { danglingReferences } from '../../../server/customers/integrity';
import { withSystem, withTenant, type TenantId } from '../../../server/tenancy/context';
import { useTestServices } from '../../support/db';
import { importFile, writeTmp } from '../ingest/helpers';
import { connectedTenant, syncOnce } from './helpers';

const h = useTestServices();

async function scalar(tenantId: TenantId, query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return withTenant(h.services.dbs, tenantId, async (trx) => (await query.execute(trx)).rows[0]!.n);
}

async function syncedTenant(seed: number) {
  const x = await connectedTenant(h.services, { customers: 400, staff: 12, seed });
  const run = await syncOnce(h.services, x.tenant.id);
  expect(run.status).toBe('done');
  return x;
}

describe('contact tables without row-level foreign keys', () => {
  it('a sync, a re-sync after changes in WeCom, an order import and a merge leave no dangling reference', async () => {
    const { tenant, sim } = await syncedTenant(31);
    const follows = [...sim.state.followsByUser.values()].flat();
    // Changes in WeCom between two syncs: deleted relations, edited tags, a new contact.
    for (const f of follows.slice(0, 15)) sim.deleteContact(f.userid, f.external_userid);
    const tagged = follows.slice(20, 30).filter((f) => f.tag_ids.length > 0);
    for (const f of tagged) sim.editContact(f.userid, f.external_userid, { removeTags: [f.tag_ids[0]!] });
    const added = sim.addContact({ userid: follows[40]!.userid });
    expect((await syncOnce(h.services, tenant.id)).status).toBe('done');

    // Orders: one names a member card only (a new customer), the next proves the card and a WeCom contact are one
    // person (a merge), a third matches nobody (anonymous).
    const file = writeTmp(
      'integrity.csv',
      ['order_no,paid_at,store,sku,qty,price,member_no,external_userid', `I-1,2025-05-01 10:00:00,S1,A,1,10.00,CARD-1,`, `I-2,2025-05-02 10:00:00,S1,A,1,20.00,CARD-1,${added.externalUserid}`, `I-3,2025-05-03 10:00:00,S2,B,2,5.00,,`].join('\n') + '\n',
    );
    const mapping = { columns: { order_no: 'order_no', paid_at: 'paid_at', store_code: 'store', sku: 'sku', quantity: 'qty', unit_price: 'price', member_no: 'member_no', external_userid: 'external_userid' } };
    const { summary } = await importFile(h.services, tenant.actor, file, mapping);
    expect(summary.status).toBe('done');
    expect(summary.rows_rejected).toBe(0);
    expect(await scalar(tenant.id, sql<{ n: number }>`select count(*)::int as n from customers where merged_into is not null`)).toBe(1);
    expect(await scalar(tenant.id, sql<{ n: number }>`select count(*)::int as n from customer_follows where ended_at is not null`)).toBe(15);

    const dangling = await withSystem(h.services.dbs, (db) => danglingReferences(db, [tenant.id]));
    expect(dangling).toEqual([]);
  });

  it('deleting a customer, clerk, store, channel or group chat behaves as the foreign keys did', async () => {
    const { tenant } = await syncedTenant(32);
    const t = tenant.id;
    // A customer with identities, relations, relation tags and group memberships.
    const victim = await withTenant(h.services.dbs, t, async (trx) =>
      (
        await sql<{ id: string }>`select c.id from customers c
          where c.tenant_id = ${t}::uuid and exists (select 1 from customer_follow_tags ft where ft.tenant_id = c.tenant_id and ft.customer_id = c.id)
            and exists (select 1 from wecom_group_members m where m.tenant_id = c.tenant_id and m.customer_id = c.id) limit 1`.execute(trx)
      ).rows[0]!.id,
    );
    const owned = (table: string) => scalar(t, sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where tenant_id = ${t}::uuid and customer_id = ${victim}::uuid`);
    expect(await owned('customer_identities')).toBeGreaterThan(0);
    expect(await owned('customer_follows')).toBeGreaterThan(0);
    const memberships = await owned('wecom_group_members');
    expect(memberships).toBeGreaterThan(0);
    const membersBefore = await scalar(t, sql<{ n: number }>`select count(*)::int as n from wecom_group_members where tenant_id = ${t}::uuid`);

    await withTenant(h.services.dbs, t, (trx) => sql`delete from customers where tenant_id = ${t}::uuid and id = ${victim}::uuid`.execute(trx));
    for (const table of ['customer_identities', 'customer_follows', 'customer_follow_tags', 'wecom_group_members']) expect(await owned(table), table).toBe(0);
    // Group members that were the customer stay members, without the customer (was ON DELETE SET NULL).
    expect(await scalar(t, sql<{ n: number }>`select count(*)::int as n from wecom_group_members where tenant_id = ${t}::uuid`)).toBe(membersBefore);

    // A clerk who still serves customers cannot be deleted (was NO ACTION), nor a store that is a primary store.
    const clerk = await withTenant(h.services.dbs, t, async (trx) => (await sql<{ staff_id: string }>`select staff_id from customer_follows where tenant_id = ${t}::uuid limit 1`.execute(trx)).rows[0]!.staff_id);
    await expect(withTenant(h.services.dbs, t, (trx) => sql`delete from staff where tenant_id = ${t}::uuid and id = ${clerk}::uuid`.execute(trx))).rejects.toMatchObject({ code: '23503' });
    await withTenant(h.services.dbs, t, (trx) => sql`update customers set primary_store_id = ${tenant.storeIds.S2}::uuid where tenant_id = ${t}::uuid and id = (select id from customers where tenant_id = ${t}::uuid limit 1)`.execute(trx));
    await expect(withTenant(h.services.dbs, t, (trx) => sql`delete from stores where tenant_id = ${t}::uuid and id = ${tenant.storeIds.S2}::uuid`.execute(trx))).rejects.toMatchObject({ code: '23503' });

    // A deleted channel code leaves its relations without a channel (was ON DELETE SET NULL).
    const ch = await withTenant(h.services.dbs, t, async (trx) =>
      (await sql<{ id: string }>`insert into wecom_channels (tenant_id, name, state, store_id, created_by_label) values (${t}::uuid, '门店码', 'store_integrity', ${tenant.storeIds.S1}::uuid, 'test') returning id`.execute(trx)).rows[0]!,
    );
    await withTenant(h.services.dbs, t, (trx) => sql`update customer_follows set channel_id = ${ch.id}::uuid where tenant_id = ${t}::uuid and customer_id in (select customer_id from customer_follows where tenant_id = ${t}::uuid limit 3)`.execute(trx));
    await withTenant(h.services.dbs, t, (trx) => sql`delete from wecom_channels where tenant_id = ${t}::uuid and id = ${ch.id}::uuid`.execute(trx));
    expect(await scalar(t, sql<{ n: number }>`select count(*)::int as n from customer_follows where tenant_id = ${t}::uuid and channel_id is not null`)).toBe(0);

    // A deleted group chat takes its members with it (was ON DELETE CASCADE).
    const chat = await withTenant(h.services.dbs, t, async (trx) => (await sql<{ chat_id: string }>`select chat_id from wecom_group_members where tenant_id = ${t}::uuid limit 1`.execute(trx)).rows[0]!.chat_id);
    await withTenant(h.services.dbs, t, (trx) => sql`delete from wecom_group_chats where tenant_id = ${t}::uuid and chat_id = ${chat}`.execute(trx));
    expect(await scalar(t, sql<{ n: number }>`select count(*)::int as n from wecom_group_members where tenant_id = ${t}::uuid and chat_id = ${chat}`)).toBe(0);

    expect(await withSystem(h.services.dbs, (db) => danglingReferences(db, [t]))).toEqual([]);

    // The operator's check finds a row written around the writers' guarantee, and exits non-zero.
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await runCli(['db', 'check', '--tenant', tenant.slug], io, async () => h.services)).toBe(0);
    expect(out.join('\n')).toMatch(/none dangling/);
    await withSystem(h.services.dbs, (db) => sql`insert into customer_identities (tenant_id, kind, value, customer_id, source) values (${t}::uuid, 'member_no', 'ORPHAN-1', gen_random_uuid(), 'test')`.execute(db));
    expect(await runCli(['db', 'check', '--tenant', tenant.slug], io, async () => h.services)).toBe(1);
    expect(err.join('\n')).toMatch(/customer_identities\.customer_id → customers: 1 row/);
  });

  it('deleting a tenant removes its customers and everything hanging off them, and nothing of another tenant', async () => {
    const a = await syncedTenant(33);
    const b = await syncedTenant(34);
    const file = writeTmp('integrity-tenant.csv', 'order_no,paid_at,store,sku,qty,price,member_no\nD-1,2025-05-01 10:00:00,S1,A,1,10.00,CARD-9\n');
    await importFile(h.services, a.tenant.actor, file, { columns: { order_no: 'order_no', paid_at: 'paid_at', store_code: 'store', sku: 'sku', quantity: 'qty', unit_price: 'price', member_no: 'member_no' } });
    const tables = ['customers', 'customer_identities', 'customer_follows', 'customer_follow_tags', 'customer_refresh_queue', 'wecom_group_members', 'orders'];
    const countAll = (tenantId: string) =>
      withSystem(h.services.dbs, async (db) => {
        const out: Record<string, number> = {};
        for (const table of tables) out[table] = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)} where tenant_id = ${tenantId}::uuid`.execute(db)).rows[0]!.n;
        return out;
      });
    const before = await countAll(a.tenant.id);
    for (const table of tables.filter((x) => x !== 'customer_refresh_queue')) expect(before[table], table).toBeGreaterThan(0);
    const bBefore = await countAll(b.tenant.id);

    await withSystem(h.services.dbs, (db) => sql`delete from tenants where id = ${a.tenant.id}::uuid`.execute(db));
    expect(Object.values(await countAll(a.tenant.id)).every((n) => n === 0)).toBe(true);
    expect(await countAll(b.tenant.id)).toEqual(bBefore);
    expect(await withSystem(h.services.dbs, (db) => danglingReferences(db, [a.tenant.id, b.tenant.id]))).toEqual([]);
  });
});
