import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import { mobileHashKey, hashMobile } from '../../../server/customers/mobile-identity';
import { linkOrdersForIdentities } from '../../../server/customers/identity.service';
import { makeTenant } from '../../factories/tenant';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { q } from './helpers';

const h = useTestServices();
const api = useApiServer(h);
const apiKey = (tenantId: TenantId) => createApiKey(h.services, tenantId);
const post = (key: string, body: unknown, idem?: string) =>
  fetch(`${api.base()}/orders`, { method: 'POST', headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...(idem ? { 'Idempotency-Key': idem } : {}) }, body: JSON.stringify(body) });
const order = (no: string, extra: Record<string, unknown> = {}) => ({ order_no: no, paid_at: '2025-05-01T10:00:00+08:00', store_code: 'S1', items: [{ sku: 'JJ001', name: '抱枕', quantity: 2, unit_price_fen: 8900 }], ...extra });

describe('REST API /orders', () => {
  it('creates orders with a result per order, replays by Idempotency-Key, refuses a reused key with another body', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    const body = { orders: [order('API-1', { member_no: 'M1' }), order('API-2', { amount_fen: 15000 }), order('API-R1', { refund_of: 'API-1', items: [{ sku: 'JJ001', name: '抱枕', quantity: 1, unit_price_fen: 8900 }] })] };
    const r1 = await post(key, body, 'k-1');
    expect(r1.status).toBe(200);
    const j1 = (await r1.json()) as { results: { order_no: string; status: string; amount_fen: number; is_refund: boolean; customer_id: string | null }[]; summary: unknown };
    expect(j1.summary).toEqual({ created: 3, updated: 0, unchanged: 0, rejected: 0, stores_created: [], clerks_created: [] });
    expect(j1.results.map((r) => [r.order_no, r.status, r.amount_fen, r.is_refund, r.customer_id !== null])).toEqual([
      ['API-1', 'created', 17800, false, true],
      ['API-2', 'created', 15000, false, false],
      ['API-R1', 'created', -8900, true, false],
    ]);
    const r2 = await post(key, body, 'k-1');
    expect(r2.headers.get('idempotent-replayed')).toBe('true');
    expect(await r2.json()).toEqual(j1);
    const r3 = await post(key, { orders: [order('API-3')] }, 'k-1');
    expect(r3.status).toBe(422);
    // without a key, the same orders again are reported unchanged
    const r4 = (await (await post(key, body)).json()) as { summary: unknown };
    expect(r4.summary).toEqual({ created: 0, updated: 0, unchanged: 3, rejected: 0, stores_created: [], clerks_created: [] });
    const n = await q(h.services, t.id, sql<{ n: number }>`select count(*)::int as n from orders`);
    expect(n[0]!.n).toBe(3);
    // GET returns the order with its items
    const g = await fetch(`${api.base()}/orders/API-1`, { headers: { Authorization: `Bearer ${key}` } });
    expect(g.status).toBe(200);
    expect(await g.json()).toMatchObject({ order_no: 'API-1', amount_fen: 17800, paid_day: '2025-05-01', store: { code: 'S1' }, identities: { member_no: 'M1' }, items: [{ sku: 'JJ001', quantity: 2, unit_price_fen: 8900, amount_fen: 17800 }] });
  });

  it('rejects an order with an unknown store code or clerk unless the body asks to create them, and names what it created', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    type Reply = { results: { order_no: string; status: string; error?: { code: string; field: string | null } }[]; summary: { stores_created: string[]; clerks_created: string[] } };
    const typo = { orders: [order('U-1', { store_code: 'S999' }), order('U-2', { clerk: '新来的小王' }), order('U-3')] };
    const r1 = (await (await post(key, typo)).json()) as Reply;
    expect(r1.results.map((r) => [r.order_no, r.status, r.error?.code ?? null])).toEqual([
      ['U-1', 'rejected', 'unknown_store'],
      ['U-2', 'rejected', 'unknown_clerk'],
      ['U-3', 'created', null],
    ]);
    expect(r1.summary).toMatchObject({ rejected: 2, stores_created: [], clerks_created: [] });
    expect(await q(h.services, t.id, sql<{ code: string }>`select code from stores where code = 'S999'`)).toEqual([]);
    const r2 = (await (await post(key, { ...typo, unknown_stores: 'create', unknown_clerks: 'create' })).json()) as Reply;
    expect(r2.results.map((r) => r.status)).toEqual(['created', 'created', 'unchanged']);
    expect(r2.summary).toMatchObject({ created: 2, stores_created: ['S999'], clerks_created: ['新来的小王'] });
    expect(await q(h.services, t.id, sql<{ imported: boolean }>`select imported from stores where code = 'S999'`)).toEqual([{ imported: true }]);
    const bad = await post(key, { ...typo, unknown_stores: 'maybe' });
    expect(bad.status).toBe(400);
  });

  it('answers 400 naming each bad field', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    const r = await post(key, { orders: [order('B-1', { paid_at: 'yesterday' }), order('B-2', { mobile: '123', items: [{ sku: 'x', name: 'y', quantity: 0, unit_price_fen: 1.5 }] }), order('B-1')] });
    expect(r.status).toBe(400);
    const j = (await r.json()) as { error: { details: { field: string }[] } };
    expect(j.error.details.map((d) => d.field).sort()).toEqual(['orders[0].paid_at', 'orders[1].items[0].quantity', 'orders[1].items[0].unit_price_fen', 'orders[1].mobile', 'orders[2].order_no'].sort());
    const big = await post(key, { orders: Array.from({ length: 1001 }, (_, i) => order(`X${i}`)) });
    expect(big.status).toBe(400);
    expect(((await big.json()) as { error: { message: string } }).error.message).toMatch(/orders: at most 1000/);
  });

  it("keeps tenants apart: tenant B's key cannot read or overwrite tenant A's order", async () => {
    const a = await makeTenant(h.services);
    const b = await makeTenant(h.services);
    const ka = await apiKey(a.id);
    const kb = await apiKey(b.id);
    await post(ka, { orders: [order('SECRET-1')] });
    const g = await fetch(`${api.base()}/orders/SECRET-1`, { headers: { Authorization: `Bearer ${kb}` } });
    expect(g.status).toBe(404);
    const w = (await (await post(kb, { orders: [order('SECRET-1', { amount_fen: 1 })] })).json()) as { results: { status: string }[] };
    expect(w.results[0]!.status).toBe('created');
    const av = await q(h.services, a.id, sql<{ amount_fen: number }>`select amount_fen from orders where order_no = 'SECRET-1'`);
    expect(av).toEqual([{ amount_fen: 17800 }]);
    const unauth = await fetch(`${api.base()}/orders/SECRET-1`, { headers: { Authorization: 'Bearer hk_not_a_real_key_000000000000' } });
    expect(unauth.status).toBe(401);
  });
});

describe('identity resolution', () => {
  async function customerWith(tenantId: TenantId, ids: [string, string][]): Promise<string> {
    return withTenant(h.services.dbs, tenantId, async (trx) => {
      const c = await trx.insertInto('customers').values({ tenant_id: tenantId, source: 'wecom', display_name: null, avatar: null, primary_store_id: null, mobile_masked: null, merged_into: null }).returning('id').executeTakeFirstOrThrow();
      for (const [kind, value] of ids) await trx.insertInto('customer_identities').values({ tenant_id: tenantId, kind: kind as 'member_no', value, customer_id: c.id, source: 'test' }).execute();
      return c.id;
    });
  }

  it('attaches an order to the first matching identity in the priority, and the priority is configurable', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    const byExt = await customerWith(t.id, [['external_userid', 'wmEXT1']]);
    const res = (await (await post(key, { orders: [order('P-1', { external_userid: 'wmEXT1', member_no: 'NEW-9' })] })).json()) as { results: { customer_id: string }[] };
    expect(res.results[0]!.customer_id).toBe(byExt);
    // the member number was learned for that customer
    const learned = await q(h.services, t.id, sql<{ customer_id: string }>`select customer_id from customer_identities where kind = 'member_no' and value = 'NEW-9'`);
    expect(learned).toEqual([{ customer_id: byExt }]);
    // with member_no first, a member-number order goes to the member even when it carries an unknown unionid
    await withTenant(h.services.dbs, t.id, (trx) => trx.updateTable('tenants').set({ settings: sql`jsonb_build_object('ingest', jsonb_build_object('identityPriority', jsonb_build_array('member_no', 'external_userid')))` }).where('id', '=', t.id).execute());
    const member = await customerWith(t.id, [['member_no', 'M-77']]);
    const r2 = (await (await post(key, { orders: [order('P-2', { member_no: 'M-77', unionid: 'oUNION' })] })).json()) as { results: { customer_id: string }[] };
    expect(r2.results[0]!.customer_id).toBe(member);
  });

  it('links anonymous orders when a matching identity appears later', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    const r = (await (await post(key, { orders: [order('L-1', { mobile: '+86 139-0000-1111' }), order('L-2', { external_userid: 'wmLATER' })] })).json()) as { results: { customer_id: string | null }[] };
    expect(r.results.map((x) => x.customer_id)).toEqual([null, null]);
    // a clerk enters the phone number / the WeCom sync brings the contact
    const hash = hashMobile(mobileHashKey(h.services.config.APP_ENCRYPTION_KEY), '13900001111');
    const c = await customerWith(t.id, [['mobile', hash], ['external_userid', 'wmLATER']]);
    const linked = await withTenant(h.services.dbs, t.id, (trx) => linkOrdersForIdentities(trx, t.id, [{ kind: 'mobile', value: hash }, { kind: 'external_userid', value: 'wmLATER' }]));
    expect(linked).toBe(2);
    const rows = await q(h.services, t.id, sql<{ customer_id: string }>`select customer_id from orders order by order_no`);
    expect(rows).toEqual([{ customer_id: c }, { customer_id: c }]);
    const queued = await q(h.services, t.id, sql<{ customer_id: string }>`select customer_id from customer_refresh_queue where customer_id = ${c}::uuid`);
    expect(queued).toHaveLength(1);
  });

  it('merges two customers when an order proves they are one, with an audit entry', async () => {
    const t = await makeTenant(h.services);
    const key = await apiKey(t.id);
    await post(key, { orders: [order('M-1', { member_no: 'CARD-5' })] }); // creates a member-only customer
    const contact = await customerWith(t.id, [['external_userid', 'wmSAME']]);
    const r = (await (await post(key, { orders: [order('M-2', { member_no: 'CARD-5', external_userid: 'wmSAME' })] })).json()) as { results: { customer_id: string }[] };
    expect(r.results[0]!.customer_id).toBe(contact);
    const rows = await q(h.services, t.id, sql<{ order_no: string; customer_id: string }>`select order_no, customer_id from orders order by order_no`);
    expect(rows).toEqual([{ order_no: 'M-1', customer_id: contact }, { order_no: 'M-2', customer_id: contact }]);
    const merged = await q(h.services, t.id, sql<{ merged_into: string }>`select merged_into from customers where merged_into is not null`);
    expect(merged).toEqual([{ merged_into: contact }]);
    const audit = await q(h.services, t.id, sql<{ action: string; entity_id: string }>`select action, entity_id from audit_log where action = 'customer.merge'`);
    expect(audit).toEqual([{ action: 'customer.merge', entity_id: contact }]);
  });
});
