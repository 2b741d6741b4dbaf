/**
 * The read phase's COPY leaves tenant and import out of every line (the staging partition's defaults give them,
 * docs/decisions/0014-import-fresh-merge.md), and the merge hands new orders their ids in the order of their first
 * line so that items are written without a sort. What must not change: every staged line is the import's and its
 * tenant's (also after a resumed read), nothing is staged twice, and every order gets exactly its own items.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { errorReportResponse } from '../../../app/lib/ingest.server';
import { CsvSplitter } from '../../../server/ingest/csv';
import { runImport } from '../../../server/ingest/import.engine';
import { getImportForActor, registerImportFile, setImportMapping } from '../../../server/ingest/imports.service';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { importFile, q, writeTmp } from './helpers';

const h = useTestServices();
const mapping = { columns: { order_no: '订单号', paid_at: '支付时间', sku: '商品编码', amount: '金额' } };

describe('staging COPY and item order', () => {
  it('a read resumed after a kill stages each line once, under its own tenant and import, and merges exactly', async () => {
    const t = await makeTenant(h.services);
    const other = await makeTenant(h.services);
    const lines = Array.from({ length: 2400 }, (_, i) => `S${Math.floor(i / 3)},2025-03-01 10:00:00,SKU${i % 3},1.00`);
    const file = writeTmp(`staging-${t.slug}.csv`, ['订单号,支付时间,商品编码,金额', ...lines].join('\n') + '\n');
    const reg = await registerImportFile(h.services, t.actor, { path: file, fileName: 'staging.csv', source: 'cli' });
    await setImportMapping(h.services, t.actor, reg.id, mapping);

    await expect(runImport(h.services, t.id, reg.id, { chunkLines: 700, crashAfterChunks: 2 })).rejects.toThrow('simulated crash');
    const staged = sql<{ n: number; imports: number; first: number; last: number }>`
      select count(*)::int as n, count(distinct import_id)::int as imports, min(line_no)::int as first, max(line_no)::int as last
      from import_staging_rows where import_id = ${reg.id}::uuid`;
    expect((await q(h.services, t.id, staged))[0]).toEqual({ n: 1400, imports: 1, first: 2, last: 1401 });
    expect((await q(h.services, other.id, staged))[0]!.n).toBe(0); // the view shows a tenant only its own lines

    const done = await runImport(h.services, t.id, reg.id, { chunkLines: 700 });
    expect(done).toMatchObject({ status: 'done', rows_read: 2400, rows_rejected: 0, orders_created: 800 });
    const counts = await q(h.services, t.id, sql<{ items: number; keys: number; per_order: number[] }>`
      select count(*)::int as items, count(distinct (order_id, line_no))::int as keys,
        array(select distinct n from (select count(*)::int as n from order_items group by order_id) x) as per_order
      from order_items`);
    expect(counts[0]).toEqual({ items: 2400, keys: 2400, per_order: [3] });
  });

  it('new orders are numbered in the order of their first line, whatever their numbers, and keep their own items', async () => {
    const t = await makeTenant(h.services);
    // numbers out of text order, and lines of two orders interleaved
    const rows = ['Z9,2025-03-01 10:00:00,A,1.00', 'B2,2025-03-01 10:01:00,B,2.00', 'Z9,2025-03-01 10:00:00,C,3.00', 'M5,2025-03-01 10:02:00,D,4.00', 'B2,2025-03-01 10:01:00,E,5.00'];
    const file = writeTmp(`order-ids-${t.slug}.csv`, ['订单号,支付时间,商品编码,金额', ...rows].join('\n') + '\n');
    const r = await importFile(h.services, t.actor, file, mapping);
    expect(r.summary).toMatchObject({ orders_created: 3 });
    const orders = await q(h.services, t.id, sql<{ order_no: string; items: string }>`
      select o.order_no, string_agg(i.line_no || ':' || i.sku || ':' || i.amount_fen, ' ' order by i.line_no) as items
      from orders o join order_items i on i.order_id = o.id group by o.id, o.order_no order by o.id`);
    expect(orders).toEqual([
      { order_no: 'Z9', items: '2:A:100 4:C:300' },
      { order_no: 'B2', items: '3:B:200 6:E:500' },
      { order_no: 'M5', items: '5:D:400' },
    ]);
  });

  it('a rejected order whose lines are one run is recorded with them; others are found in staging; the report has every line', async () => {
    const t = await makeTenant(h.services);
    const rows = [
      'G1,2025-03-01 10:00:00,A,1.00', // 2: good
      'R1,2025-03-01 10:00:00,A,-1.00', // 3: negative total, lines 3–4: a run
      'R1,2025-03-01 10:00:00,B,-1.00', // 4
      'R2,2025-03-01 10:00:00,A,-1.00', // 5: negative total, lines 5 and 7 (6 is rejected by the row check)
      'R2,not a date,B,-1.00', // 6
      'R2,2025-03-01 10:00:00,C,-1.00', // 7
      'R3,2025-03-01 10:00:00,A,-1.00', // 8: negative total, lines 8 and 10 (9 is another order)
      'G2,2025-03-01 10:00:00,A,1.00', // 9: good
      'R3,2025-03-01 10:00:00,B,-1.00', // 10
    ];
    const file = writeTmp(`runs-${t.slug}.csv`, ['订单号,支付时间,商品编码,金额', ...rows].join('\n') + '\n');
    const { id, summary } = await importFile(h.services, t.actor, file, mapping);
    expect(summary).toMatchObject({ rows_read: 9, rows_rejected: 7, orders_created: 2, orders_rejected: 3 });
    const recorded = await q(h.services, t.id, sql<{ order_no: string; first_line: number | null; last_line: number | null }>`
      select order_no, first_line, last_line from import_rejected_orders where import_id = ${id}::uuid order by order_no`);
    expect(recorded).toEqual([
      { order_no: 'R1', first_line: 3, last_line: 4 },
      { order_no: 'R2', first_line: null, last_line: null },
      { order_no: 'R3', first_line: null, last_line: null },
    ]);
    const report: string[][] = [];
    const split = new CsvSplitter(',', (v) => report.push(v));
    split.push((await errorReportResponse(await getImportForActor(h.services, t.actor, id))!.text()).replace(/^\ufeff/, ''));
    split.end();
    expect(report.slice(1).map((r) => [r[0], r[2]])).toEqual([
      ['3', 'negative_total'],
      ['4', 'negative_total'],
      ['5', 'negative_total'],
      ['6', 'invalid_paid_at'],
      ['7', 'negative_total'],
      ['8', 'negative_total'],
      ['10', 'negative_total'],
    ]);
  });
});
