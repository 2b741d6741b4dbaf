/**
 * The fields of each import kind — ONE source for the column mapper (field ids, labels, the header names it
 * recognises), the downloadable template (header and sample row) and the field guide next to the mapping (meaning,
 * required or not, format, example). Client-safe: the mapping page renders the guide from it; the server derives
 * the mapping schema and the template from it. A new import kind adds its field list to IMPORT_KINDS.
 */

export type Bilingual = readonly [zh: string, en: string];

export interface ImportFieldSpec {
  id: string;
  label: Bilingual;
  /** 'required': must be mapped; 'one_of': one of a group must be mapped (see `note`); 'optional'. */
  required: 'required' | 'one_of' | 'optional';
  meaning: Bilingual;
  format: Bilingual;
  /** The template's sample value ('' when the sample leaves it empty). */
  example: string;
  /** Header names the mapper recognises (trimmed, case-insensitive); the first is the template's column header. */
  headers: readonly string[];
  note?: Bilingual;
}

const AMOUNT_NOTE: Bilingual = ['金额，或“数量 + 单价”，二选一', 'An amount, or quantity + unit price'];
const IDENTITY_NOTE: Bilingual = ['客户标识：有任何一个即可识别客户；都没有的订单记为匿名订单，日后出现标识时自动补关联', 'A customer identifier: any one identifies the customer; orders without one stay anonymous and are linked later'];

export const ORDER_FIELD_SPECS = [
  {
    id: 'order_no',
    label: ['订单号', 'Order number'],
    required: 'required',
    meaning: ['同一商户内唯一；同一订单的多行（多件商品）用相同订单号；再次导入同一订单号会更新该订单', 'Unique per account; lines of one order (one per item) share it; importing it again updates the order'],
    format: ['文本，最长 64 字符', 'Text, up to 64 characters'],
    example: 'A10001',
    headers: ['订单号', '订单编号', '单号', '小票号', '流水号', '销售单号', 'order_no', 'orderno', 'order no', 'order id', 'order_id', 'invoiceno', 'invoice', 'invoice no'],
  },
  {
    id: 'paid_at',
    label: ['支付时间', 'Paid at'],
    required: 'required',
    meaning: ['顾客付款的时间，按商户时区理解', 'When the customer paid, read in the account time zone'],
    format: ['日期时间，如 2025-03-01 10:30:00、2025/3/1 10:30 或 Excel 日期单元格；不能晚于现在', 'Date and time, e.g. 2025-03-01 10:30:00, 2025/3/1 10:30 or an Excel date cell; not in the future'],
    example: '2025-03-01 10:30:00',
    headers: ['支付时间', '付款时间', '下单时间', '交易时间', '销售时间', '日期', '时间', 'paid_at', 'paid at', 'paytime', 'order date', 'date', 'invoicedate', 'created_at'],
  },
  {
    id: 'amount',
    label: ['金额', 'Amount'],
    required: 'one_of',
    meaning: ['该行实付金额；退款行可为负数', 'Amount paid for the line; negative on refund lines'],
    format: ['数字，单位按“金额单位”选项（默认元），最多两位小数', 'A number in the chosen money unit (yuan by default), up to 2 decimals'],
    example: '178.00',
    headers: ['金额', '实付金额', '实收金额', '销售金额', '小计', '行金额', 'amount', 'total', 'line_amount', 'subtotal'],
    note: AMOUNT_NOTE,
  },
  {
    id: 'quantity',
    label: ['数量', 'Quantity'],
    required: 'one_of',
    meaning: ['该行商品件数；空着按 1 件', 'Items on the line; empty means 1'],
    format: ['数字，最多三位小数；退货为负数', 'A number, up to 3 decimals; negative for returns'],
    example: '2',
    headers: ['数量', '件数', 'qty', 'quantity'],
    note: AMOUNT_NOTE,
  },
  {
    id: 'unit_price',
    label: ['单价', 'Unit price'],
    required: 'one_of',
    meaning: ['商品单价；没有金额列时，金额 = 数量 × 单价', 'Price per item; without an amount column the amount is quantity × unit price'],
    format: ['数字，单位按“金额单位”选项（默认元）', 'A number in the chosen money unit (yuan by default)'],
    example: '89.00',
    headers: ['单价', '售价', '价格', 'unit_price', 'unitprice', 'price'],
    note: AMOUNT_NOTE,
  },
  {
    id: 'sku',
    label: ['商品编码', 'SKU'],
    required: 'optional',
    meaning: ['商品的编码或条码', 'The product code or barcode'],
    format: ['文本，最长 64 字符', 'Text, up to 64 characters'],
    example: 'JJ001',
    headers: ['商品编码', '货号', 'sku', '条码', '商品条码', 'stockcode', 'item code', 'product code'],
  },
  {
    id: 'item_name',
    label: ['商品名称', 'Item name'],
    required: 'optional',
    meaning: ['商品名称，显示在客户的订单明细中', 'The product name shown in the customer’s orders'],
    format: ['文本，最长 200 字符', 'Text, up to 200 characters'],
    example: '北欧风抱枕',
    headers: ['商品名称', '品名', '商品', 'item_name', 'description', 'product', 'product name', 'item'],
  },
  {
    id: 'category',
    label: ['品类', 'Category'],
    required: 'optional',
    meaning: ['商品品类，用于分群和看板', 'Product category, for segments and dashboards'],
    format: ['文本，最长 100 字符', 'Text, up to 100 characters'],
    example: '家居',
    headers: ['品类', '类别', '分类', '商品分类', 'category'],
  },
  {
    id: 'store_code',
    label: ['门店编码', 'Store code'],
    required: 'optional',
    meaning: ['成交门店，按“设置 › 门店”中的编码匹配；未知编码默认拒绝该行（可在选项中改为自动创建）', 'The store of the sale, matched by its code in Settings › Stores; an unknown code rejects the row unless you choose to create it'],
    format: ['文本，最长 64 字符，须与门店编码完全一致', 'Text, up to 64 characters, exactly as the store code'],
    example: 'S1',
    headers: ['门店编码', '门店代码', '门店编号', '店铺编码', 'store_code', 'store code', 'store', 'shop code'],
  },
  {
    id: 'store_name',
    label: ['门店名称', 'Store name'],
    required: 'optional',
    meaning: ['仅在选择“自动创建未知门店”时用作新门店的名称', 'Used only as the name of a store created for an unknown code'],
    format: ['文本，最长 100 字符', 'Text, up to 100 characters'],
    example: '一号店',
    headers: ['门店名称', '门店', '店铺', 'store_name', 'store name', 'shop'],
  },
  {
    id: 'clerk',
    label: ['导购', 'Clerk'],
    required: 'optional',
    meaning: ['成交导购，按企业微信账号、手机号或（唯一的）姓名匹配；未知导购默认拒绝该行（可在选项中改为自动创建）', 'The clerk of the sale, matched by WeCom userid, mobile or a unique name; an unknown clerk rejects the row unless you choose to create it'],
    format: ['文本，最长 60 字符', 'Text, up to 60 characters'],
    example: '张伟',
    headers: ['导购', '导购员', '营业员', '销售员', '店员', 'clerk', 'staff', 'salesperson', 'cashier'],
  },
  {
    id: 'external_userid',
    label: ['企微客户ID', 'WeCom external_userid'],
    required: 'optional',
    meaning: ['企业微信外部联系人 ID', 'The WeCom external contact id'],
    format: ['文本，不含空格，最长 128 字符', 'Text without spaces, up to 128 characters'],
    example: '',
    headers: ['企微客户ID', 'external_userid', '外部联系人id', 'externaluserid'],
    note: IDENTITY_NOTE,
  },
  {
    id: 'unionid',
    label: ['UnionID', 'UnionID'],
    required: 'optional',
    meaning: ['微信 UnionID', 'The WeChat UnionID'],
    format: ['文本，不含空格，最长 128 字符', 'Text without spaces, up to 128 characters'],
    example: '',
    headers: ['unionid', 'union_id'],
    note: IDENTITY_NOTE,
  },
  {
    id: 'member_no',
    label: ['会员号', 'Member number'],
    required: 'optional',
    meaning: ['会员卡号；未知会员号会新建客户', 'The member card number; an unknown one creates a customer'],
    format: ['文本，最长 64 字符（Excel 中请设为文本，保留前导 0）', 'Text, up to 64 characters (format as text in Excel to keep leading zeros)'],
    example: 'M10001',
    headers: ['会员号', '会员卡号', '会员编号', '卡号', 'member_no', 'member no', 'memberno', 'customerid', 'customer id', 'member'],
    note: IDENTITY_NOTE,
  },
  {
    id: 'mobile',
    label: ['手机号', 'Mobile'],
    required: 'optional',
    meaning: ['顾客手机号，只保存加密摘要和打码形式', 'The customer’s mobile; kept only as a keyed hash and a masked form'],
    format: ['中国大陆 11 位手机号，可带 +86、空格或短横线', 'A mainland 11-digit mobile; +86, spaces and dashes are fine'],
    example: '13800138000',
    headers: ['手机号', '手机', '电话', '联系电话', '手机号码', 'mobile', 'phone', 'tel'],
    note: IDENTITY_NOTE,
  },
  {
    id: 'openid',
    label: ['OpenID', 'OpenID'],
    required: 'optional',
    meaning: ['公众号或小程序 OpenID', 'The official-account or mini-program OpenID'],
    format: ['文本，不含空格，最长 128 字符', 'Text without spaces, up to 128 characters'],
    example: '',
    headers: ['openid', 'open_id'],
    note: IDENTITY_NOTE,
  },
  {
    id: 'channel',
    label: ['渠道', 'Channel'],
    required: 'optional',
    meaning: ['成交渠道；没有此列时用“默认渠道”选项', 'Where the sale happened; without this column the default channel option applies'],
    format: ['pos / mini_program / ecommerce / group_buy / other，或 门店、小程序、电商、团购', 'pos / mini_program / ecommerce / group_buy / other, or the Chinese names'],
    example: 'pos',
    headers: ['渠道', '销售渠道', '来源', 'channel', 'source'],
  },
  {
    id: 'status',
    label: ['订单状态', 'Status'],
    required: 'optional',
    meaning: ['订单状态；与“退款规则”中的状态值相同的订单记为退款', 'The order status; values listed in the refund rule make the order a refund'],
    format: ['文本，最长 50 字符', 'Text, up to 50 characters'],
    example: '已支付',
    headers: ['订单状态', '状态', 'status', 'order status'],
  },
  {
    id: 'refund_of',
    label: ['原订单号（退款）', 'Refund of order'],
    required: 'optional',
    meaning: ['退款单对应的原订单号；填写即视为退款', 'The order this one refunds; filling it in makes the order a refund'],
    format: ['文本，最长 64 字符', 'Text, up to 64 characters'],
    example: '',
    headers: ['原订单号', '原单号', '退款原单', 'refund_of', 'original order', 'original_order_no'],
  },
] as const satisfies readonly ImportFieldSpec[];

export interface ImportKindSpec {
  label: Bilingual;
  fields: readonly ImportFieldSpec[];
  /** What the mapping must contain, in words (shown above the mapping). */
  rule: Bilingual;
}

export const IMPORT_KINDS = {
  orders: {
    label: ['订单', 'Orders'],
    fields: ORDER_FIELD_SPECS,
    rule: ['订单号和支付时间必填；金额或“数量 + 单价”二选一。', 'Order number and paid time are required; give an amount, or quantity + unit price.'],
  },
} as const satisfies Record<string, ImportKindSpec>;

export type ImportKind = keyof typeof IMPORT_KINDS;
export const IMPORT_KIND_IDS = Object.keys(IMPORT_KINDS) as [ImportKind, ...ImportKind[]];

/** The template of a kind: the first recognised header of each field and the sample row. */
export function templateRows(kind: ImportKind): [header: string[], sample: string[]] {
  const fields = IMPORT_KINDS[kind].fields;
  return [fields.map((f) => f.headers[0]), fields.map((f) => f.example)];
}
