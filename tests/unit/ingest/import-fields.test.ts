/**
 * One source for an import kind's fields: the template's headers are the ones the mapper recognises, its sample
 * row imports cleanly, the field guide has every field in both languages, and the mapping rejects unknown stores
 * and clerks unless told otherwise.
 */
import { describe, expect, it } from 'vitest';
import { IMPORT_KIND_IDS, IMPORT_KINDS, templateRows, type ImportFieldSpec } from '../../../app/lib/contracts/import-fields';
import { mobileHashKey } from '../../../server/customers/mobile-identity';
import { CsvSplitter } from '../../../server/ingest/csv';
import { guessColumns, ORDER_FIELDS, parseMapping } from '../../../server/ingest/mapping';
import { importTemplateCsv } from '../../../server/ingest/template';
import { createRowValidator } from '../../../server/ingest/validate';

const parse = (text: string) => {
  const rows: string[][] = [];
  const s = new CsvSplitter(',', (v) => rows.push(v));
  s.push(text);
  s.end();
  return rows;
};

describe('import fields, template and guide', () => {
  it('the order template is UTF-8 with a BOM: the recognised headers and one sample row', () => {
    const text = importTemplateCsv('orders');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const rows = parse(text.slice(1));
    expect(rows).toHaveLength(2);
    expect(rows[0]!.slice(0, 3)).toEqual(['订单号', '支付时间', '金额']);
    expect(rows[0]).toHaveLength(ORDER_FIELDS.length);
    expect(rows[1]![0]).toBe('A10001');
  });

  it('the mapper maps every column of the template to its own field, and the sample row is a valid line', () => {
    const [header, sample] = templateRows('orders');
    const guessed = guessColumns(header);
    expect(guessed).toEqual(Object.fromEntries(ORDER_FIELDS.map((f, i) => [f, header[i]])));
    const validate = createRowValidator(parseMapping({ columns: guessed }), header, { mobileKey: mobileHashKey(Buffer.alloc(32, 1).toString('base64')), now: Date.parse('2026-01-01T00:00:00Z') });
    const r = validate(sample, 2);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.value).toMatchObject({ orderNo: 'A10001', amountFen: 17800, storeCode: 'S1', clerk: '张伟', mobileMasked: '138****8000' });
  });

  it('the field guide describes every field of every kind in Chinese and English', () => {
    for (const kind of IMPORT_KIND_IDS) {
      const fields: readonly ImportFieldSpec[] = IMPORT_KINDS[kind].fields;
      expect(new Set(fields.map((f) => f.id)).size).toBe(fields.length);
      for (const f of fields) {
        for (const pair of [f.label, f.meaning, f.format]) expect(pair.every((s) => s.trim().length > 0), `${kind}.${f.id}`).toBe(true);
        expect(f.headers.length, `${kind}.${f.id}`).toBeGreaterThan(0);
      }
      expect(fields.some((f) => f.required === 'required')).toBe(true);
    }
  });

  it('an unknown store or clerk is rejected unless the mapping says to create it', () => {
    const m = parseMapping({ columns: { order_no: 'a', paid_at: 'b', amount: 'c' } });
    expect([m.unknownStores, m.unknownClerks]).toEqual(['reject', 'reject']);
    expect(parseMapping({ columns: { order_no: 'a', paid_at: 'b', amount: 'c' }, unknownStores: 'create' }).unknownStores).toBe('create');
  });
});
