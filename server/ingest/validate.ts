/**
 * Row validation of order files: each data row becomes either a staged line (serialised for COPY) or a
 * rejection with the line number, the column, a reason code and a bilingual message. Cross-row checks (lines of
 * one order that disagree, unknown stores, negative totals) happen later in SQL. Pure; unit-tested.
 */
import type { OrderChannel } from '../../db/schema/ingest';
import { hashMobile, type MobileKey } from '../customers/mobile-identity';
import { maskMobile, normalizeMobile } from '../tenancy/mobile';
import { resolveColumns, type OrderField, type OrderMapping } from './mapping';
import { FUTURE_TOLERANCE_MS, lineAmountFen, normalizeChannel, normalizeMemberNo, parseDateTime, parseScaled, scaledToString, QTY_SCALE } from './values';

export const REJECT_REASONS = {
  column_count: ['列数与表头不一致', 'the row has a different number of columns than the header'],
  missing_order_no: ['缺少订单号', 'order number is empty'],
  missing_paid_at: ['缺少支付时间', 'paid time is empty'],
  invalid_paid_at: ['无法识别的时间', 'not a date/time'],
  paid_at_in_future: ['支付时间在未来', 'paid time is in the future'],
  invalid_quantity: ['数量不是有效数字', 'quantity is not a number'],
  invalid_unit_price: ['单价不是有效数字', 'unit price is not a number'],
  invalid_amount: ['金额不是有效数字', 'amount is not a number'],
  missing_amount: ['缺少金额或单价', 'no amount and no unit price'],
  invalid_mobile: ['不是有效的中国大陆手机号', 'not a mainland mobile number'],
  invalid_identity: ['客户标识含有空白字符', 'customer identifier contains whitespace'],
  too_long: ['内容过长', 'value is too long'],
  invalid_character: ['含有无效字符（NUL 空字节）', 'contains an invalid character (a NUL byte)'],
  // member files and API members
  missing_member_no: ['缺少会员号', 'member number is empty'],
  invalid_gender: ['无法识别的性别', 'not a gender (男/女/未知, M/F)'],
  invalid_birthday: ['无法识别的生日', 'not a birthday (YYYY-MM-DD or MM-DD)'],
  invalid_points: ['积分不是非负整数', 'points are not a whole number ≥ 0'],
  invalid_registered_on: ['无法识别的开卡日期', 'not a date (YYYY-MM-DD)'],
  invalid_opt_out: ['无法识别的是/否', 'not yes/no (是/否, Y/N)'],
  // cross-row and database checks (SQL)
  conflicting_lines: ['同一订单的各行不一致', 'lines of this order disagree'],
  unknown_store: ['门店不存在', 'unknown store code'],
  unknown_clerk: ['导购不存在', 'unknown clerk'],
  negative_total: ['订单合计为负但未标记为退款', 'negative order total but the order is not a refund'],
  conflicting_members: ['同一会员号的各行不一致', 'lines of this member number disagree'],
} as const satisfies Record<string, readonly [string, string]>;
export type RejectReason = keyof typeof REJECT_REASONS;

export function reasonMessage(reason: string, detail?: string): string {
  const r = (REJECT_REASONS as Record<string, readonly [string, string]>)[reason];
  const base = r ? `${r[0]} / ${r[1]}` : reason;
  return detail ? `${base}: ${detail}` : base;
}

export interface StagedLine {
  line: number;
  orderNo: string;
  paidAt: string;
  storeCode: string | null;
  storeName: string | null;
  clerk: string | null;
  channel: OrderChannel;
  status: string | null;
  refundHint: boolean;
  refundOf: string | null;
  externalUserid: string | null;
  unionid: string | null;
  memberNo: string | null;
  mobileHash: string | null;
  mobileMasked: string | null;
  openid: string | null;
  sku: string | null;
  itemName: string | null;
  category: string | null;
  quantity: string | null;
  unitPriceFen: string | null;
  amountFen: number;
  hasItem: boolean;
}

export interface Rejection {
  line: number;
  column: string | null;
  reason: RejectReason;
  message: string;
}

export type RowResult = { ok: true; value: StagedLine } | { ok: false; error: Rejection };

const MAX_LEN: Partial<Record<OrderField, number>> = {
  order_no: 64,
  sku: 64,
  item_name: 200,
  category: 100,
  store_code: 64,
  store_name: 100,
  clerk: 60,
  external_userid: 128,
  unionid: 128,
  member_no: 64,
  openid: 128,
  status: 50,
  refund_of: 64,
  channel: 50,
};

/** Trims and unwraps Excel's `="00123"` text-forcing. */
export function cellText(v: string | undefined): string {
  if (v === undefined) return '';
  let s = v.trim();
  if (s.length >= 3 && s.charCodeAt(0) === 61 && s.charCodeAt(1) === 34 && s.endsWith('"')) s = s.slice(2, -1).trim();
  return s;
}

export interface ValidatorOptions {
  mobileKey: MobileKey;
  now?: number;
}

/** Where the mapped fields are in a row (-1: not mapped) and the mapping's settings, resolved once per file. */
function orderColumns(mapping: OrderMapping, header: readonly string[], opts: ValidatorOptions) {
  const idx = resolveColumns(mapping, header);
  const I = (f: OrderField): number => idx[f] ?? -1;
  return {
    header,
    idx,
    width: header.length,
    now: opts.now ?? Date.now(),
    mobileKey: opts.mobileKey,
    prefix: mapping.refund.prefix ? mapping.refund.prefix.toUpperCase() : null,
    statusSet: new Set((mapping.refund.statusValues ?? []).map((s) => s.trim().toLowerCase())),
    priceScale: mapping.moneyUnit === 'fen' ? 2 : 4,
    lengthChecks: (Object.keys(idx) as OrderField[]).filter((f) => MAX_LEN[f] !== undefined).map((f) => [f, idx[f]!, MAX_LEN[f]!] as const),
    iOrder: I('order_no'),
    iPaid: I('paid_at'),
    iQty: I('quantity'),
    iPrice: I('unit_price'),
    iAmount: I('amount'),
    iExt: I('external_userid'),
    iUnion: I('unionid'),
    iOpen: I('openid'),
    iMember: I('member_no'),
    iMobile: I('mobile'),
    iStatus: I('status'),
    iRefundOf: I('refund_of'),
    iSku: I('sku'),
    iItem: I('item_name'),
    iCategory: I('category'),
    iStore: I('store_code'),
    iStoreName: I('store_name'),
    iClerk: I('clerk'),
    iChannel: I('channel'),
  };
}
type OrderColumns = ReturnType<typeof orderColumns>;

/** A row's money as readMoney leaves it (one per validator, overwritten by each row). */
interface RowMoney {
  qtyScaled: number;
  priceScaled: number | null;
  amountFen: number;
}

/** A row's customer identities as readIdentities leaves them (one per validator, overwritten by each row). */
type RowIdentities = Pick<StagedLine, 'externalUserid' | 'unionid' | 'openid' | 'memberNo' | 'mobileHash' | 'mobileMasked'>;

/** Builds the per-row validator for a mapping and header (throws a ValidationError naming missing columns). */
export function createRowValidator(mapping: OrderMapping, header: readonly string[], opts: ValidatorOptions) {
  const c = orderColumns(mapping, header, opts);
  const { width, now, prefix, statusSet, lengthChecks, iOrder, iPaid, iStatus, iRefundOf, iSku, iItem, iCategory, iStore, iStoreName, iClerk, iChannel } = c;
  const money: RowMoney = { qtyScaled: 0, priceScaled: null, amountFen: 0 };
  const ids: RowIdentities = { externalUserid: null, unionid: null, openid: null, memberNo: null, mobileHash: null, mobileMasked: null };

  /** `nul`: the reader saw a NUL in this row (PostgreSQL text cannot hold one: rejected here, not by the COPY). */
  return function validate(values: string[], line: number, nul = false): RowResult {
    if (values.length !== width) return reject(c, line, 'column_count', null, `${width} ≠ ${values.length}`);
    if (nul) {
      const k = values.findIndex((v) => v.indexOf('\u0000') >= 0);
      return { ok: false, error: { line, column: header[k] ?? null, reason: 'invalid_character', message: reasonMessage('invalid_character') } };
    }
    const orderNo = at(values, iOrder);
    if (!orderNo) return reject(c, line, 'missing_order_no', 'order_no');
    for (let k = 0; k < lengthChecks.length; k++) {
      const lc = lengthChecks[k]!;
      if (values[lc[1]]!.length > lc[2] && cellText(values[lc[1]]).length > lc[2]) return reject(c, line, 'too_long', lc[0], `> ${lc[2]}`);
    }
    const paidRaw = at(values, iPaid);
    if (!paidRaw) return reject(c, line, 'missing_paid_at', 'paid_at');
    const paid = parseDateTime(paidRaw);
    if (!paid) return reject(c, line, 'invalid_paid_at', 'paid_at', JSON.stringify(paidRaw));
    if (paid.approxMs > now + FUTURE_TOLERANCE_MS) return reject(c, line, 'paid_at_in_future', 'paid_at', paid.text);
    const bad = readMoney(c, values, line, money) ?? readIdentities(c, values, line, ids);
    if (bad) return bad;

    const status = at(values, iStatus) || null;
    const refundOf = at(values, iRefundOf) || null;
    const refundHint = (prefix !== null && orderNo.toUpperCase().startsWith(prefix)) || (status !== null && statusSet.has(status.toLowerCase())) || refundOf !== null;
    const sku = at(values, iSku) || null;
    const itemName = at(values, iItem) || null;
    return {
      ok: true,
      value: {
        line,
        orderNo,
        paidAt: paid.text,
        storeCode: at(values, iStore) || null,
        storeName: at(values, iStoreName) || null,
        clerk: at(values, iClerk) || null,
        channel: iChannel < 0 ? mapping.defaultChannel : normalizeChannel(at(values, iChannel), mapping.defaultChannel),
        status,
        refundHint,
        refundOf,
        externalUserid: ids.externalUserid,
        unionid: ids.unionid,
        memberNo: ids.memberNo,
        mobileHash: ids.mobileHash,
        mobileMasked: ids.mobileMasked,
        openid: ids.openid,
        sku,
        itemName,
        category: at(values, iCategory) || null,
        quantity: scaledToString(money.qtyScaled, QTY_SCALE),
        unitPriceFen: money.priceScaled === null ? null : scaledToString(money.priceScaled, 2),
        amountFen: money.amountFen,
        hasItem: sku !== null || itemName !== null,
      },
    };
  };
}

/** The cell at `i` as text ('' when the field is not mapped). */
function at(values: string[], i: number): string {
  return i < 0 ? '' : cellText(values[i]);
}

function reject(c: OrderColumns, line: number, reason: RejectReason, field: OrderField | null, detail?: string): RowResult {
  return { ok: false, error: { line, column: field === null || c.idx[field] === undefined ? null : c.header[c.idx[field]!]!, reason, message: reasonMessage(reason, detail) } };
}

/**
 * Quantity (1 when not given), unit price and amount of a row into `m`, or the row's rejection. The amount is the
 * given one, else quantity × unit price.
 */
function readMoney(c: OrderColumns, values: string[], line: number, m: RowMoney): RowResult | null {
  let qtyScaled = 1000;
  const qtyRaw = at(values, c.iQty);
  if (qtyRaw) {
    const q = parseScaled(qtyRaw, QTY_SCALE);
    if (q === null) return reject(c, line, 'invalid_quantity', 'quantity', JSON.stringify(qtyRaw));
    qtyScaled = q;
  }
  let amountFen: number;
  let priceScaled: number | null = null;
  const priceRaw = at(values, c.iPrice);
  if (priceRaw) {
    // yuan ×10^4 and fen ×10^2 are the same unit: fen ×100
    priceScaled = parseScaled(priceRaw, c.priceScale);
    if (priceScaled === null) return reject(c, line, 'invalid_unit_price', 'unit_price', JSON.stringify(priceRaw));
  }
  const amountRaw = at(values, c.iAmount);
  if (amountRaw) {
    const a = parseScaled(amountRaw, c.priceScale);
    if (a === null) return reject(c, line, 'invalid_amount', 'amount', JSON.stringify(amountRaw));
    amountFen = Math.sign(a) * Math.round(Math.abs(a) / 100);
  } else if (priceScaled !== null) {
    if (c.iQty >= 0 && !qtyRaw) return reject(c, line, 'invalid_quantity', 'quantity', '""');
    amountFen = lineAmountFen(qtyScaled, priceScaled);
  } else {
    return reject(c, line, 'missing_amount', c.iAmount >= 0 ? 'amount' : 'unit_price');
  }
  m.qtyScaled = qtyScaled;
  m.priceScaled = priceScaled;
  m.amountFen = amountFen;
  return null;
}

/** A row's customer identities into `ids` (the mobile as its hash and masked form), or the row's rejection. */
function readIdentities(c: OrderColumns, values: string[], line: number, ids: RowIdentities): RowResult | null {
  const ext = at(values, c.iExt) || null;
  if (ext !== null && WS.test(ext)) return reject(c, line, 'invalid_identity', 'external_userid');
  const union = at(values, c.iUnion) || null;
  if (union !== null && WS.test(union)) return reject(c, line, 'invalid_identity', 'unionid');
  const openid = at(values, c.iOpen) || null;
  if (openid !== null && WS.test(openid)) return reject(c, line, 'invalid_identity', 'openid');
  const memberRaw = at(values, c.iMember);
  const memberNo = memberRaw ? normalizeMemberNo(memberRaw) || null : null;
  let mobileHash: string | null = null;
  let mobileMasked: string | null = null;
  const mobileRaw = at(values, c.iMobile);
  if (mobileRaw) {
    const n = normalizeMobile(mobileRaw);
    if (!n) return reject(c, line, 'invalid_mobile', 'mobile', maskRaw(mobileRaw));
    mobileHash = hashMobile(c.mobileKey, n);
    mobileMasked = maskMobile(n);
  }
  ids.externalUserid = ext;
  ids.unionid = union;
  ids.openid = openid;
  ids.memberNo = memberNo;
  ids.mobileHash = mobileHash;
  ids.mobileMasked = mobileMasked;
  return null;
}

const WS = /\s/;

/** Never echo a full phone-like value into logs or reports. */
function maskRaw(s: string): string {
  return s.length > 6 ? `${s.slice(0, 3)}…${s.slice(-2)}` : '…';
}

// ----------------------------------------------------------------------------------------------- COPY

export const STAGING_COLUMNS = [
  'tenant_id',
  'import_id',
  'line_no',
  'order_no',
  'paid_at',
  'store_code',
  'store_name',
  'clerk',
  'channel',
  'status',
  'refund_hint',
  'refund_of',
  'external_userid',
  'unionid',
  'member_no',
  'mobile_hash',
  'mobile_masked',
  'openid',
  'sku',
  'item_name',
  'category',
  'quantity',
  'unit_price_fen',
  'amount_fen',
  'has_item',
] as const;

const NEEDS_ESCAPE = /[\\\t\n\r]/;
/** A value in PostgreSQL COPY text format. */
export function copyText(v: string | null): string {
  if (v === null) return '\\N';
  if (!NEEDS_ESCAPE.test(v)) return v;
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/** One staged line as a COPY row of copiedStagingColumns(STAGING_COLUMNS): tenant and import are the partition's defaults. */
export function copyRow(l: StagedLine): string {
  return (
    l.line +
    '\t' +
    copyText(l.orderNo) +
    '\t' +
    l.paidAt +
    '\t' +
    copyText(l.storeCode) +
    '\t' +
    copyText(l.storeName) +
    '\t' +
    copyText(l.clerk) +
    '\t' +
    l.channel +
    '\t' +
    copyText(l.status) +
    '\t' +
    (l.refundHint ? 't' : 'f') +
    '\t' +
    copyText(l.refundOf) +
    '\t' +
    copyText(l.externalUserid) +
    '\t' +
    copyText(l.unionid) +
    '\t' +
    copyText(l.memberNo) +
    '\t' +
    copyText(l.mobileHash) +
    '\t' +
    copyText(l.mobileMasked) +
    '\t' +
    copyText(l.openid) +
    '\t' +
    copyText(l.sku) +
    '\t' +
    copyText(l.itemName) +
    '\t' +
    copyText(l.category) +
    '\t' +
    copyText(l.quantity) +
    '\t' +
    copyText(l.unitPriceFen) +
    '\t' +
    l.amountFen +
    '\t' +
    (l.hasItem ? 't' : 'f') +
    '\n'
  );
}
