/**
 * A re-import of a byte-identical file, with nothing the import depends on changed since, is completed from the
 * earlier import without reading the file again (docs/decisions/0012-identical-reimport.md); any change to the
 * tenant's orders or customers, or one byte of the file, makes it a normal import again.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { mergeCustomers } from '../../../server/customers/identity.service';
import { withSystem, withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { createApiKey, useApiServer } from '../../support/api';
import { useTestServices } from '../../support/db';
import { importFile, q, writeTmp } from './helpers';

const h = useTestServices();
const api = useApiServer(h);

const HEADER = '订单号,支付时间,门店编码,导购,商品编码,商品名称,数量,单价,会员号';
const mapping = {
  columns: { order_no: '订单号', paid_at: '支付时间', store_code: '门店编码', clerk: '导购', sku: '商品编码', item_name: '商品名称', quantity: '数量', unit_price: '单价', member_no: '会员号' },
};
const lines = [
  HEADER,
  'B1,2025-03-01 10:00:00,S1,,JJ001,抱枕,2,89.00,M1',
  'B1,2025-03-01 10:00:00,S1,,CC001,马克杯,1,39.00,M1',
  'B2,2025-03-02 11:30:00,S2,,WJ001,手账本,1,32.00,M2',
  'B3,2025-03-03 12:00:00,S1,,LS001,坚果礼盒,abc,168.00,', // rejected while reading: quantity
  'B4,2025-03-03 12:00:00,S404,,LS001,坚果礼盒,1,168.00,', // rejected by the merge: unknown store
  'B5,2025-03-04 09:00:00,S2,,JJ001,抱枕,1,89.00,M3',
];
const fileText = lines.join('\n') + '\n';

/** The error report's rows without its header: line, column, reason, message, the original row. */
const reportRows = (p: string | null) => (p ? readFileSync(p, 'utf8').slice(1).trim().split('\r\n').slice(1) : []);
const ordersState = (tenantId: TenantId) =>
  q(h.services, tenantId, sql<{ n: number; u: string }>`select count(*)::int as n, max(updated_at)::text as u from orders`);

async function firstImport(name: string) {
  const t = await makeTenant(h.services);
  const file = writeTmp(`${name}-${t.slug}.csv`, fileText);
  const first = await importFile(h.services, t.actor, file, mapping);
  expect(first.summary).toMatchObject({ status: 'done', rows_read: 6, rows_rejected: 2, orders_created: 3, orders_rejected: 1, identical_to: null });
  return { t, file, first };
}

describe('identical re-import', () => {
  it('completes at once from the earlier import: every order unchanged, the same rejected lines, nothing re-read', async () => {
    const { t, file, first } = await firstImport('same');
    const before = await ordersState(t.id);
    const again = await importFile(h.services, t.actor, file, mapping);
    expect(again.summary).toMatchObject({
      status: 'done',
      identical_to: first.id,
      rows_read: 6,
      rows_rejected: 2,
      orders_created: 0,
      orders_updated: 0,
      orders_unchanged: 3,
      orders_rejected: 1,
      customers_created: 0,
      stores_created: 0,
    });
    expect(await ordersState(t.id)).toEqual(before);
    // the same rejected lines with their line numbers and reasons, in the new import's own report
    expect(again.summary.error_report).not.toBe(first.summary.error_report);
    const rows = reportRows(again.summary.error_report);
    expect(rows).toEqual(reportRows(first.summary.error_report));
    expect(rows.map((r) => r.split(',').slice(0, 3).join(','))).toEqual(['5,数量,invalid_quantity', '6,门店编码,unknown_store']);
    // it never staged a line: no checkpointed reading, and the rejected orders are its own records
    const rec = await q(h.services, t.id, sql<{ goodLines: number | null; rejected: string[] }>`
      select (checkpoint->>'goodLines')::int as "goodLines",
        (select array_agg(order_no) from import_rejected_orders r where r.import_id = i.id) as rejected
      from imports i where id = ${again.id}::uuid`);
    expect(rec).toEqual([{ goodLines: null, rejected: ['B4'] }]);
    // and a third identical import is completed the same way
    const third = await importFile(h.services, t.actor, file, mapping);
    expect(third.summary).toMatchObject({ identical_to: expect.any(String), orders_unchanged: 3, rows_rejected: 2 });
  });

  it('is read again after an order of the file was changed through the orders API', async () => {
    const { t, file } = await firstImport('api');
    const key = await createApiKey(h.services, t.id);
    const r = await fetch(`${api.base()}/orders`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ orders: [{ order_no: 'B2', paid_at: '2025-03-02T11:30:00+08:00', store_code: 'S2', member_no: 'M2', items: [{ sku: 'WJ001', name: '手账本', quantity: 5, unit_price_fen: 3200 }] }] }),
    });
    expect(r.status).toBe(200);
    const again = await importFile(h.services, t.actor, file, mapping);
    // the file's version of B2 is written back
    expect(again.summary).toMatchObject({ identical_to: null, orders_updated: 1, orders_unchanged: 2, rows_rejected: 2 });
    const b2 = await q(h.services, t.id, sql<{ amount_fen: number }>`select amount_fen from orders where order_no = 'B2'`);
    expect(b2).toEqual([{ amount_fen: 3200 }]);
  });

  it('is read again after a customer merge', async () => {
    const { t, file } = await firstImport('merge');
    const ids = await q(h.services, t.id, sql<{ id: string }>`select customer_id as id from orders where order_no in ('B1', 'B5') order by order_no`);
    await withTenant(h.services.dbs, t.id, (trx) => mergeCustomers(trx, t.actor, ids[0]!.id, ids[1]!.id, 'test'));
    const again = await importFile(h.services, t.actor, file, mapping);
    expect(again.summary).toMatchObject({ identical_to: null, rows_read: 6, rows_rejected: 2, orders_created: 0 });
  });

  it('is read again after a write outside any tenant (the owner connection) to a table the import reads', async () => {
    const { t, file } = await firstImport('system');
    await withSystem(h.services.dbs, (db) => db.updateTable('stores').set({ name: '一号店（改名）' }).where('tenant_id', '=', t.id).where('code', '=', 'S1').execute());
    const again = await importFile(h.services, t.actor, file, mapping);
    expect(again.summary).toMatchObject({ identical_to: null, orders_unchanged: 3 });
  });

  it('is read again when another writer changed the tenant while the earlier import merged', async () => {
    const t = await makeTenant(h.services);
    const file = writeTmp(`during-${t.slug}.csv`, fileText);
    let written: Promise<unknown> | undefined;
    // a store edit that commits while the first import merges its buckets (it does not wait for the import)
    const first = await importFile(h.services, t.actor, file, mapping, {
      bucketLines: 2,
      onProgress: (p) => {
        if (p.phase === 'merging' && !written)
          written = withTenant(h.services.dbs, t.id, (trx) => trx.updateTable('stores').set({ name: '二号店（改名）' }).where('tenant_id', '=', t.id).where('code', '=', 'S2').execute());
      },
    });
    await written;
    expect(first.summary).toMatchObject({ status: 'done', orders_created: 3 });
    const again = await importFile(h.services, t.actor, file, mapping);
    expect(again.summary).toMatchObject({ identical_to: null, orders_unchanged: 3 });
  });

  it('is read again when the file differs by one byte', async () => {
    const { t } = await firstImport('byte');
    const other = writeTmp(`byte2-${t.slug}.csv`, fileText.replace('抱枕,1,89.00,M3', '抱枕,1,89.01,M3'));
    const again = await importFile(h.services, t.actor, other, mapping);
    expect(again.summary).toMatchObject({ identical_to: null, orders_updated: 1, orders_unchanged: 2, rows_rejected: 2 });
  });

  it('is read again with another mapping of the same file', async () => {
    const { t, file } = await firstImport('mapping');
    const { member_no: _, ...columns } = mapping.columns;
    const again = await importFile(h.services, t.actor, file, { columns });
    // without the member numbers the orders lose their customers: read, and written
    expect(again.summary).toMatchObject({ identical_to: null, orders_updated: 3 });
  });

  it('is read again when a line was rejected for a paid time in the future (the clock decides it)', async () => {
    const t = await makeTenant(h.services);
    const nextYear = new Date().getUTCFullYear() + 1; // a valid date, rejected only because it has not come yet
    const file = writeTmp(`future-${t.slug}.csv`, fileText + `B9,${nextYear}-06-01 10:00:00,S1,,JJ001,抱枕,1,89.00,M9\n`);
    const first = await importFile(h.services, t.actor, file, mapping);
    expect(first.summary).toMatchObject({ rows_rejected: 3 });
    expect(reportRows(first.summary.error_report).map((r) => r.split(',')[2])).toContain('paid_at_in_future');
    const again = await importFile(h.services, t.actor, file, mapping);
    expect(again.summary).toMatchObject({ identical_to: null, rows_rejected: 3, orders_unchanged: 3 });
  });
});
