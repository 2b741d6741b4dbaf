import { describe, expect, it } from 'vitest';
import { mobileHashKey } from '../../../server/customers/mobile-identity';
import { guessColumns, parseMapArg, parseMapping, resolveColumns } from '../../../server/ingest/mapping';
import { copyRow, createRowValidator, REJECT_REASONS, STAGING_COLUMNS, type RowResult } from '../../../server/ingest/validate';
import { copiedStagingColumns } from '../../../server/ingest/imports.repository';

const header = ['单号', '时间', '数量', '单价', '金额', '手机', '会员', 'ext', '门店'];
const mapping = parseMapping({
  columns: { order_no: '单号', paid_at: '时间', quantity: '数量', unit_price: '单价', mobile: '手机', member_no: '会员', external_userid: 'ext', store_code: '门店' },
  refund: { prefix: 'R', statusValues: ['退款'] },
});
const now = Date.parse('2025-06-01T00:00:00Z');
const validate = createRowValidator(mapping, header, { mobileKey: mobileHashKey(Buffer.alloc(32, 3).toString('base64')), now });
const row = (over: Partial<Record<string, string>> = {}) => header.map((h) => over[h] ?? { 单号: 'A1', 时间: '2025-05-01 10:00:00', 数量: '2', 单价: '9.95', 金额: '', 手机: '', 会员: '', ext: '', 门店: 'S1' }[h]!);
const reason = (r: RowResult) => (r.ok ? null : r.error.reason);

describe('row validation', () => {
  it('accepts a good line and computes the amount in fen', () => {
    const r = validate(row({ 手机: '+86 138-0013-8000', 会员: '17850.0' }), 2);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ orderNo: 'A1', paidAt: '2025-05-01 10:00:00', amountFen: 1990, quantity: '2', unitPriceFen: '995', memberNo: '17850', mobileMasked: '138****8000', refundHint: false, storeCode: 'S1' });
    expect(r.value.mobileHash).toHaveLength(43);
    expect(copyRow(r.value).split('\t')).toHaveLength(copiedStagingColumns(STAGING_COLUMNS).length);
  });
  it('flags refunds by order-number prefix', () => {
    const r = validate(row({ 单号: 'R77' }), 3);
    expect(r.ok && r.value.refundHint).toBe(true);
  });
  it.each([
    ['column_count', () => row().slice(0, 5), null],
    ['missing_order_no', () => row({ 单号: '  ' }), '单号'],
    ['too_long', () => row({ 单号: 'x'.repeat(65) }), '单号'],
    ['missing_paid_at', () => row({ 时间: '' }), '时间'],
    ['invalid_paid_at', () => row({ 时间: '2025-02-30 10:00' }), '时间'],
    ['paid_at_in_future', () => row({ 时间: '2025-06-10 10:00:00' }), '时间'],
    ['invalid_quantity', () => row({ 数量: 'two' }), '数量'],
    ['invalid_unit_price', () => row({ 单价: '¥—' }), '单价'],
    ['invalid_mobile', () => row({ 手机: '12345' }), '手机'],
    ['invalid_identity', () => row({ ext: 'wm abc' }), 'ext'],
  ] as const)('rejects %s, naming the column and the line', (code, make, column) => {
    const r = validate(make(), 42);
    expect(reason(r)).toBe(code);
    if (r.ok) return;
    expect(r.error.line).toBe(42);
    expect(r.error.column).toBe(column);
    expect(r.error.message).toContain(REJECT_REASONS[code][0]);
    expect(r.error.message).toContain(REJECT_REASONS[code][1]);
  });
  it('rejects a line without amount and unit price, and invalid amounts', () => {
    const m = parseMapping({ columns: { order_no: '单号', paid_at: '时间', amount: '金额', unit_price: '单价' } });
    const v = createRowValidator(m, header, { mobileKey: mobileHashKey(Buffer.alloc(32, 3).toString('base64')), now });
    expect(reason(v(row({ 金额: '', 单价: '' }), 2))).toBe('missing_amount');
    expect(reason(v(row({ 金额: '12,3x' }), 2))).toBe('invalid_amount');
    const ok = v(row({ 金额: '-12.345', 单价: '' }), 2);
    expect(ok.ok && ok.value.amountFen).toBe(-1235);
  });
});

describe('mapping', () => {
  it('parses --map and refuses unknown fields', () => {
    expect(parseMapArg('order_no=InvoiceNo, paid_at=InvoiceDate')).toEqual({ order_no: 'InvoiceNo', paid_at: 'InvoiceDate' });
    expect(() => parseMapArg('order=InvoiceNo')).toThrow(/unknown field "order"/);
    expect(() => parseMapArg('order_no')).toThrow(/field=Column/);
  });
  it('requires order number, paid time and an amount', () => {
    expect(() => parseMapping({ columns: { order_no: 'a' } })).toThrow(/paid_at/);
    expect(() => parseMapping({ columns: { order_no: 'a', paid_at: 'b' } })).toThrow(/amount/);
  });
  it('names missing columns and lists the file columns', () => {
    const m = parseMapping({ columns: { order_no: 'Invoice', paid_at: '时间', amount: '金额' } });
    expect(() => resolveColumns(m, header)).toThrow(/order_no=Invoice.*"单号"/s);
    expect(resolveColumns(parseMapping({ columns: { order_no: ' 单号 ', paid_at: '时间', amount: '金额' } }), header).order_no).toBe(0);
  });
  it('guesses columns from Chinese and English header names', () => {
    const g = guessColumns(['订单号', '支付时间', '门店编码', '商品名称', '数量', '单价', '会员号', 'Quantity']);
    expect(g).toMatchObject({ order_no: '订单号', paid_at: '支付时间', store_code: '门店编码', item_name: '商品名称', quantity: '数量', unit_price: '单价', member_no: '会员号' });
  });
});
