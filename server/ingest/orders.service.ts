/**
 * Orders through the REST API: up to 1,000 orders per call, validated with zod (a 400 names every bad field),
 * idempotent per `Idempotency-Key` (the same key and body replay the stored response; the same key with another
 * body is refused), merged by the same set-based SQL as file imports, with a result per order.
 */
import { z } from 'zod';
import { text } from '../../app/lib/params';
import type { OrderChannel, OrdersTable } from '../../db/schema/ingest';
import { mobileHashKey, hashMobile } from '../customers/mobile-identity';
import { nudgeRefresh } from '../customers/refresh';
import { NotFoundError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { maskMobile, normalizeMobile } from '../tenancy/mobile';
import { withTenant, type TenantId } from '../tenancy/context';
import { loadTenantIngestContext, lockTenantIdentities } from '../customers/identity.service';
import { checkIdempotencyKey, hashBody, parseBatchBody } from './api-body';
import { claimIdempotencyKey, completeIdempotencyKey } from './idempotency.repository';
import { mergeOrderLines, orderByNumber, orderItems, stageApiLines, type OrderResult } from './orders.repository';
import { CHANNELS, FUTURE_TOLERANCE_MS, normalizeMemberNo, parseDateTime } from './values';

export const MAX_API_ORDERS = 1000;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ident = (max: number) => text().trim().min(1).max(max).regex(/^\S+$/, 'must not contain spaces');

const itemSchema = z.object({
  sku: text().trim().min(1).max(64),
  name: text().trim().min(1).max(200),
  category: text().trim().min(1).max(100).optional(),
  quantity: z
    .number()
    .finite()
    .refine((q) => q !== 0, 'must not be 0')
    .refine((q) => Math.abs(q) <= 1_000_000, 'must be at most 1,000,000')
    .refine((q) => Math.abs(Math.round(q * 1000) - q * 1000) < 1e-6, 'at most 3 decimals'),
  unit_price_fen: z.number().int('must be an integer number of fen').min(0).max(100_000_000_000),
});

export const apiOrderSchema = z
  .object({
    order_no: text().trim().min(1).max(64),
    paid_at: z
      .string()
      .trim()
      .refine((s) => ISO_8601.test(s) && parseDateTime(s) !== null, 'must be an ISO 8601 date-time, e.g. 2025-03-05T14:30:00+08:00')
      .refine((s) => (parseDateTime(s)?.approxMs ?? 0) <= Date.now() + FUTURE_TOLERANCE_MS, 'must not be in the future'),
    amount_fen: z.number().int('must be an integer number of fen').min(-100_000_000_000).max(100_000_000_000).optional(),
    store_code: text().trim().min(1).max(64).optional(),
    clerk: text().trim().min(1).max(60).optional(),
    channel: z.enum(CHANNELS as [OrderChannel, ...OrderChannel[]]).optional(),
    external_userid: ident(128).optional(),
    unionid: ident(128).optional(),
    member_no: text().trim().min(1).max(64).optional(),
    mobile: z
      .string()
      .trim()
      .refine((m) => normalizeMobile(m) !== null, 'must be a mainland China mobile number')
      .optional(),
    openid: ident(128).optional(),
    refund_of: text().trim().min(1).max(64).optional(),
    items: z.array(itemSchema).max(500).default([]),
  })
  .refine((o) => o.items.length > 0 || o.amount_fen !== undefined, { path: ['items'], message: 'give items or amount_fen' });

export const apiOrdersBody = z
  .object({
    orders: z.array(apiOrderSchema).min(1, 'at least one order').max(MAX_API_ORDERS, `at most ${MAX_API_ORDERS} orders per call`),
    /** An unknown store code / clerk rejects its order unless the caller asks to create it. */
    unknown_stores: z.enum(['create', 'reject']).default('reject'),
    unknown_clerks: z.enum(['create', 'reject']).default('reject'),
  })
  .superRefine((b, ctx) => {
    const seen = new Map<string, number>();
    b.orders.forEach((o, i) => {
      const j = seen.get(o.order_no);
      if (j !== undefined) ctx.addIssue({ code: 'custom', path: ['orders', i, 'order_no'], message: `duplicates orders[${j}].order_no` });
      else seen.set(o.order_no, i);
    });
  });
export type ApiOrdersBody = z.output<typeof apiOrdersBody>;

/** The order number of `GET /orders/:order_no`, the same contract as in the body. */
export const orderNoParam = apiOrderSchema.shape.order_no;

export function parseApiOrders(body: unknown): ApiOrdersBody {
  return parseBatchBody(apiOrdersBody, body, 'orders', 'order_no');
}

export interface ApiOrdersResponse {
  results: (Omit<OrderResult, 'reason' | 'field'> & { error?: { code: string; field: string | null } })[];
  summary: { created: number; updated: number; unchanged: number; rejected: number; stores_created: string[]; clerks_created: string[] };
}

export interface ApiOrdersOutcome {
  status: number;
  body: ApiOrdersResponse;
  replayed: boolean;
}

/** A line of an API order in the staging columns (see STAGING_COLUMNS); its number and identities are the order's. */
type LineRow = Pick<OrdersTable, 'order_no' | 'external_userid' | 'unionid' | 'member_no' | 'mobile_hash' | 'mobile_masked' | 'openid'> & {
  line_no: number;
  paid_at: string;
  store_code: string | null;
  clerk: string | null;
  channel: string;
  refund_hint: boolean;
  refund_of: string | null;
  sku: string | null;
  item_name: string | null;
  category: string | null;
  quantity: string | null;
  unit_price_fen: string | null;
  amount_fen: number;
  has_item: boolean;
};

/** The API orders as staging lines: one per item, plus an adjustment line when amount_fen differs from the items. */
export function apiOrdersToLines(body: ApiOrdersBody, encryptionKey: string): LineRow[] {
  const key = mobileHashKey(encryptionKey);
  const out: LineRow[] = [];
  let line = 0;
  for (const o of body.orders) {
    const mobile = o.mobile ? normalizeMobile(o.mobile) : null;
    const base = {
      order_no: o.order_no,
      paid_at: parseDateTime(o.paid_at)!.text,
      store_code: o.store_code ?? null,
      clerk: o.clerk ?? null,
      channel: o.channel ?? 'other',
      refund_hint: o.refund_of !== undefined,
      refund_of: o.refund_of ?? null,
      external_userid: o.external_userid ?? null,
      unionid: o.unionid ?? null,
      member_no: o.member_no ? normalizeMemberNo(o.member_no) : null,
      mobile_hash: mobile ? hashMobile(key, mobile) : null,
      mobile_masked: mobile ? maskMobile(mobile) : null,
      openid: o.openid ?? null,
    };
    let sum = 0;
    for (const it of o.items) {
      const raw = it.quantity * it.unit_price_fen;
      const amount = Math.sign(raw) * Math.round(Math.abs(raw));
      sum += amount;
      out.push({ ...base, line_no: ++line, sku: it.sku, item_name: it.name, category: it.category ?? null, quantity: String(Math.round(it.quantity * 1000) / 1000), unit_price_fen: String(it.unit_price_fen), amount_fen: amount, has_item: true });
    }
    if (o.amount_fen !== undefined && o.amount_fen !== sum) {
      // paid amount differs from the items (discounts, shipping): kept as an order-level adjustment line
      out.push({ ...base, line_no: ++line, sku: null, item_name: null, category: null, quantity: null, unit_price_fen: null, amount_fen: o.amount_fen - sum, has_item: false });
    }
  }
  return out;
}

/** POST /orders. */
export async function ingestApiOrders(services: Services, actor: Actor, rawBody: unknown, idempotencyKey: string | null): Promise<ApiOrdersOutcome> {
  checkIdempotencyKey(idempotencyKey);
  const body = parseApiOrders(rawBody);
  const tenantId = actor.tenantId;
  const requestHash = hashBody(rawBody);
  const lines = apiOrdersToLines(body, services.config.APP_ENCRYPTION_KEY);
  const outcome = await withTenant(services.dbs, tenantId, async (trx): Promise<ApiOrdersOutcome> => {
    if (idempotencyKey !== null) {
      // a concurrent request with the same key waits here until the first one commits or rolls back
      const stored = await claimIdempotencyKey<ApiOrdersResponse>(trx, tenantId, idempotencyKey, 'POST /orders', requestHash);
      if (stored) return { ...stored, replayed: true };
    }
    await lockTenantIdentities(trx, tenantId);
    const ctx = await loadTenantIngestContext(trx, tenantId);
    const staged = await stageApiLines(trx, lines);
    const merged = await mergeOrderLines(trx, tenantId, {
      actor,
      ctx,
      lines: staged,
      source: 'api',
      importId: null,
      unknownStores: body.unknown_stores,
      unknownClerks: body.unknown_clerks,
      negativeTotalIsRefund: true,
      perOrder: true,
    });
    const results = (merged.results ?? []).map(({ reason, field, ...r }) => (reason ? { ...r, error: { code: reason, field } } : r));
    const response: ApiOrdersResponse = {
      results,
      summary: {
        created: merged.ordersCreated,
        updated: merged.ordersUpdated,
        unchanged: merged.ordersUnchanged,
        rejected: merged.ordersRejected,
        stores_created: merged.storesCreated,
        clerks_created: merged.clerksCreated,
      },
    };
    if (idempotencyKey !== null) await completeIdempotencyKey(trx, tenantId, idempotencyKey, 200, response);
    return { status: 200, body: response, replayed: false };
  });
  if (!outcome.replayed) await nudgeRefresh(services, tenantId);
  return outcome;
}

/** GET /orders/:order_no — the order with its items, store, clerk and customer link. */
export async function getApiOrder(services: Services, tenantId: TenantId, orderNo: string) {
  return withTenant(services.dbs, tenantId, async (trx) => {
    const o = await orderByNumber(trx, tenantId, orderNo);
    if (!o) throw new NotFoundError(`No order "${orderNo}"`);
    const items = await orderItems(trx, tenantId, o.id);
    return {
      id: o.id,
      order_no: o.order_no,
      paid_at: new Date(o.paid_at).toISOString(),
      paid_day: o.paid_day,
      amount_fen: o.amount_fen,
      channel: o.channel,
      status: o.status,
      is_refund: o.is_refund,
      refund_of: o.refund_of_order_no,
      store: o.store_code ? { code: o.store_code, name: o.store_name } : null,
      clerk: o.clerk_id ? { id: o.clerk_id, name: o.clerk_name } : null,
      customer_id: o.customer_id,
      identities: { external_userid: o.external_userid, unionid: o.unionid, member_no: o.member_no, mobile: o.mobile_masked, openid: o.openid },
      source: o.source,
      items: items.map((i) => ({ sku: i.sku, name: i.name, category: i.category, quantity: Number(i.quantity), unit_price_fen: i.unit_price_fen === null ? null : Number(i.unit_price_fen), amount_fen: i.amount_fen })),
      created_at: new Date(o.created_at).toISOString(),
      updated_at: new Date(o.updated_at).toISOString(),
    };
  });
}
