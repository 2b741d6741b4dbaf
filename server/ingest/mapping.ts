/**
 * Column mapping of an order file: which column holds which field, the refund rule, what to do with unknown
 * stores and clerks. One zod schema serves the upload form, the CLI (`--map field=Column,...`), presets and the
 * engine. Pure; unit-tested.
 */
import { z } from 'zod';
import { ValidationError } from '../lib/errors';

export const ORDER_FIELDS = [
  'order_no',
  'paid_at',
  'amount',
  'quantity',
  'unit_price',
  'sku',
  'item_name',
  'category',
  'store_code',
  'store_name',
  'clerk',
  'external_userid',
  'unionid',
  'member_no',
  'mobile',
  'openid',
  'channel',
  'status',
  'refund_of',
] as const;
export type OrderField = (typeof ORDER_FIELDS)[number];

export const FIELD_LABELS: Record<OrderField, [string, string]> = {
  order_no: ['订单号', 'Order number'],
  paid_at: ['支付时间', 'Paid at'],
  amount: ['金额', 'Amount'],
  quantity: ['数量', 'Quantity'],
  unit_price: ['单价', 'Unit price'],
  sku: ['商品编码', 'SKU'],
  item_name: ['商品名称', 'Item name'],
  category: ['品类', 'Category'],
  store_code: ['门店编码', 'Store code'],
  store_name: ['门店名称', 'Store name'],
  clerk: ['导购', 'Clerk'],
  external_userid: ['企微客户ID', 'WeCom external_userid'],
  unionid: ['UnionID', 'UnionID'],
  member_no: ['会员号', 'Member number'],
  mobile: ['手机号', 'Mobile'],
  openid: ['OpenID', 'OpenID'],
  channel: ['渠道', 'Channel'],
  status: ['订单状态', 'Status'],
  refund_of: ['原订单号（退款）', 'Refund of order'],
};

const columnsSchema = z.partialRecord(z.enum(ORDER_FIELDS), z.string().trim().min(1).max(200));

export const mappingSchema = z
  .object({
    columns: columnsSchema,
    refund: z
      .object({
        prefix: z.string().trim().max(20).optional(),
        statusValues: z.array(z.string().trim().min(1).max(50)).max(20).optional(),
        negativeTotal: z.boolean().optional(),
      })
      .default({}),
    unknownStores: z.enum(['create', 'reject']).default('create'),
    unknownClerks: z.enum(['create', 'reject']).default('create'),
    defaultChannel: z.enum(['pos', 'mini_program', 'ecommerce', 'group_buy', 'other']).default('pos'),
    moneyUnit: z.enum(['yuan', 'fen']).default('yuan'),
  })
  .superRefine((m, ctx) => {
    if (!m.columns.order_no) ctx.addIssue({ code: 'custom', path: ['columns', 'order_no'], message: '必须映射订单号 / order_no must be mapped' });
    if (!m.columns.paid_at) ctx.addIssue({ code: 'custom', path: ['columns', 'paid_at'], message: '必须映射支付时间 / paid_at must be mapped' });
    if (!m.columns.amount && !m.columns.unit_price)
      ctx.addIssue({ code: 'custom', path: ['columns', 'amount'], message: '必须映射金额，或数量+单价 / map amount, or quantity + unit_price' });
  });

export type OrderMapping = z.output<typeof mappingSchema>;
export type OrderMappingInput = z.input<typeof mappingSchema>;

export function parseMapping(input: unknown): OrderMapping {
  const r = mappingSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
    throw new ValidationError(`映射无效 / Invalid mapping: ${msg}`, r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })));
  }
  return r.data;
}

/** `order_no=InvoiceNo,paid_at=InvoiceDate,...` → columns. Unknown field names are refused with the list of fields. */
export function parseMapArg<F extends string = OrderField>(arg: string, fields: readonly F[] = ORDER_FIELDS as unknown as readonly F[]): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  for (const part of arg.split(',')) {
    if (!part.trim()) continue;
    const i = part.indexOf('=');
    if (i <= 0) throw new ValidationError(`--map: "${part}" is not field=Column`);
    const field = part.slice(0, i).trim();
    const column = part.slice(i + 1).trim();
    if (!(fields as readonly string[]).includes(field)) throw new ValidationError(`--map: unknown field "${field}" (fields: ${fields.join(', ')})`);
    if (!column) throw new ValidationError(`--map: no column given for ${field}`);
    out[field as F] = column;
  }
  return out;
}

/** Index of each mapped field in the header (exact name first, then trimmed case-insensitive). */
export function resolveColumns<F extends string = OrderField>(mapping: { columns: Partial<Record<F, string>> }, header: readonly string[]): Partial<Record<F, number>> {
  const exact = new Map<string, number>();
  const loose = new Map<string, number>();
  header.forEach((h, i) => {
    if (!exact.has(h)) exact.set(h, i);
    const k = h.trim().toLowerCase();
    if (!loose.has(k)) loose.set(k, i);
  });
  const out: Partial<Record<F, number>> = {};
  const missing: string[] = [];
  for (const [field, col] of Object.entries(mapping.columns) as [F, string][]) {
    const i = exact.get(col) ?? loose.get(col.trim().toLowerCase());
    if (i === undefined) missing.push(`${field}=${col}`);
    else out[field] = i;
  }
  if (missing.length) {
    throw new ValidationError(
      `文件中没有这些列 / Column(s) not in the file: ${missing.join(', ')}. 文件的列 / The file's columns: ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      missing.map((m) => ({ field: `columns.${m.split('=')[0]}`, message: 'column not found' })),
    );
  }
  return out;
}

const SYNONYMS: Record<OrderField, string[]> = {
  order_no: ['订单号', '订单编号', '单号', '小票号', '流水号', '销售单号', 'order_no', 'orderno', 'order no', 'order id', 'order_id', 'invoiceno', 'invoice', 'invoice no'],
  paid_at: ['支付时间', '付款时间', '下单时间', '交易时间', '销售时间', '日期', '时间', 'paid_at', 'paid at', 'paytime', 'order date', 'date', 'invoicedate', 'created_at'],
  amount: ['金额', '实付金额', '实收金额', '销售金额', '小计', '行金额', 'amount', 'total', 'line_amount', 'subtotal'],
  quantity: ['数量', '件数', 'qty', 'quantity'],
  unit_price: ['单价', '售价', '价格', 'unit_price', 'unitprice', 'price'],
  sku: ['商品编码', '货号', 'sku', '条码', '商品条码', 'stockcode', 'item code', 'product code'],
  item_name: ['商品名称', '品名', '商品', 'item_name', 'description', 'product', 'product name', 'item'],
  category: ['品类', '类别', '分类', '商品分类', 'category'],
  store_code: ['门店编码', '门店代码', '门店编号', '店铺编码', 'store_code', 'store code', 'store', 'shop code'],
  store_name: ['门店名称', '门店', '店铺', 'store_name', 'store name', 'shop'],
  clerk: ['导购', '导购员', '营业员', '销售员', '店员', 'clerk', 'staff', 'salesperson', 'cashier'],
  external_userid: ['external_userid', '企微客户id', '外部联系人id', 'externaluserid'],
  unionid: ['unionid', 'union_id'],
  member_no: ['会员号', '会员卡号', '会员编号', '卡号', 'member_no', 'member no', 'memberno', 'customerid', 'customer id', 'member'],
  mobile: ['手机号', '手机', '电话', '联系电话', '手机号码', 'mobile', 'phone', 'tel'],
  openid: ['openid', 'open_id'],
  channel: ['渠道', '销售渠道', '来源', 'channel', 'source'],
  status: ['状态', '订单状态', 'status', 'order status'],
  refund_of: ['原订单号', '原单号', '退款原单', 'refund_of', 'original order', 'original_order_no'],
};

/** Best-guess columns from header names (the upload form's starting point). */
export function guessColumns<F extends string = OrderField>(
  header: readonly string[],
  fields: readonly F[] = ORDER_FIELDS as unknown as readonly F[],
  synonyms: Record<F, string[]> = SYNONYMS as Record<F, string[]>,
): Partial<Record<F, string>> {
  const out: Partial<Record<F, string>> = {};
  const used = new Set<number>();
  const norm = header.map((h) => h.trim().toLowerCase());
  for (const field of fields) {
    for (const syn of synonyms[field]) {
      const i = norm.findIndex((h, idx) => !used.has(idx) && h === syn);
      if (i >= 0) {
        out[field] = header[i]!;
        used.add(i);
        break;
      }
    }
  }
  return out;
}

/** The mapping as `field=Column,...` (shown in the history and accepted back by the CLI). */
export function formatMapArg(columns: Partial<Record<OrderField, string>>): string {
  return ORDER_FIELDS.filter((f) => columns[f]).map((f) => `${f}=${columns[f]}`).join(',');
}
