/**
 * /api/v1/orders: POST up to 1,000 orders (Idempotency-Key header, a result per order) and GET one order by its
 * number. Registered by a side-effect import in server/http/routes.ts; authentication and rate limiting are done
 * by the /api/v1 router (server/http/api.ts).
 */
import express from 'express';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import { parseOrThrow } from '../lib/validation';
import { getApiOrder, ingestApiOrders, MAX_API_ORDERS, orderNoParam } from './orders.service';

apiRouters.push((services) => {
  const router = express.Router();
  router.post('/orders', async (req, res, next) => {
    try {
      const { actor } = req as ApiRequest;
      const key = req.get('Idempotency-Key') ?? null;
      const out = await ingestApiOrders(services, actor, req.body, key);
      if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(out.status).json(out.body);
    } catch (e) {
      next(e);
    }
  });
  router.get('/orders/:order_no', async (req, res, next) => {
    try {
      const { actor } = req as unknown as ApiRequest;
      const no = parseOrThrow(orderNoParam, String(req.params.order_no ?? ''), { field: 'order_no', details: 'fields' });
      res.json(await getApiOrder(services, actor.tenantId, no));
    } catch (e) {
      next(e);
    }
  });
  return router;
});

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

openApiSchemas.OrderItemInput = {
  type: 'object',
  required: ['sku', 'name', 'quantity', 'unit_price_fen'],
  properties: {
    sku: { type: 'string', maxLength: 64 },
    name: { type: 'string', maxLength: 200 },
    category: { type: 'string', maxLength: 100 },
    quantity: { type: 'number', description: 'Up to 3 decimals; negative for returned items', not: { enum: [0] } },
    unit_price_fen: { type: 'integer', minimum: 0, description: 'Unit price in fen (1/100 yuan)' },
  },
};
openApiSchemas.OrderInput = {
  type: 'object',
  required: ['order_no', 'paid_at'],
  properties: {
    order_no: { type: 'string', maxLength: 64, description: 'Unique per tenant; sending it again updates the order (or changes nothing if equal)' },
    paid_at: { type: 'string', format: 'date-time', description: 'ISO 8601; without an offset it is read in the tenant time zone' },
    amount_fen: { type: 'integer', description: 'Amount paid in fen. Defaults to the sum of the items; a difference (discount) is kept as an order-level adjustment' },
    store_code: { type: 'string', description: 'Matched by store code; an unknown code rejects the order (error unknown_store) unless the body says unknown_stores: "create"' },
    clerk: { type: 'string', description: 'Staff WeCom userid, mobile or (unique) name; an unknown clerk rejects the order (error unknown_clerk) unless the body says unknown_clerks: "create"' },
    channel: { type: 'string', enum: ['pos', 'mini_program', 'ecommerce', 'group_buy', 'other'] },
    external_userid: { type: 'string' },
    unionid: { type: 'string' },
    member_no: { type: 'string' },
    mobile: { type: 'string', description: 'Mainland mobile; stored only as a keyed hash and a masked form' },
    openid: { type: 'string' },
    refund_of: { type: 'string', description: 'Order number this order refunds; makes the order a refund (a negative total does too)' },
    items: { type: 'array', maxItems: 500, items: { $ref: '#/components/schemas/OrderItemInput' } },
  },
};
openApiSchemas.OrderResult = {
  type: 'object',
  properties: {
    order_no: { type: 'string' },
    status: { type: 'string', enum: ['created', 'updated', 'unchanged', 'rejected'] },
    id: { type: 'integer', nullable: true },
    customer_id: { type: 'string', format: 'uuid', nullable: true, description: 'Null: anonymous (linked later when an identity appears)' },
    is_refund: { type: 'boolean' },
    amount_fen: { type: 'integer' },
    error: { type: 'object', properties: { code: { type: 'string', enum: ['conflicting_lines', 'negative_total', 'unknown_store', 'unknown_clerk'] }, field: { type: 'string', nullable: true } } },
  },
};
openApiSchemas.Order = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    order_no: { type: 'string' },
    paid_at: { type: 'string', format: 'date-time' },
    paid_day: { type: 'string', format: 'date', description: 'Local day in the tenant time zone' },
    amount_fen: { type: 'integer', description: 'Signed: refunds are negative' },
    channel: { type: 'string' },
    status: { type: 'string', nullable: true },
    is_refund: { type: 'boolean' },
    refund_of: { type: 'string', nullable: true },
    store: { type: 'object', nullable: true, properties: { code: { type: 'string' }, name: { type: 'string' } } },
    clerk: { type: 'object', nullable: true, properties: { id: { type: 'string' }, name: { type: 'string' } } },
    customer_id: { type: 'string', nullable: true },
    identities: { type: 'object', properties: { external_userid: { type: 'string', nullable: true }, unionid: { type: 'string', nullable: true }, member_no: { type: 'string', nullable: true }, mobile: { type: 'string', nullable: true, description: 'masked, e.g. 138****1234' }, openid: { type: 'string', nullable: true } } },
    items: { type: 'array', items: { type: 'object', properties: { sku: { type: 'string' }, name: { type: 'string' }, category: { type: 'string', nullable: true }, quantity: { type: 'number' }, unit_price_fen: { type: 'number', nullable: true }, amount_fen: { type: 'integer' } } } },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

openApiPaths['/orders'] = {
  post: {
    tags: ['Orders'],
    summary: 'Send orders (up to 1,000 per call)',
    description:
      'Upserts orders by order number: a repeated order with equal content is reported `unchanged`. Customers are resolved by the first matching identity in the tenant priority (default external_userid, unionid, member_no, mobile); unknown member numbers create customers, other unmatched orders stay anonymous until the identity appears.',
    parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'Retries with the same key and body return the stored response (header Idempotent-Replayed: true) for 24 hours; the same key with a different body gets 422' }],
    requestBody: {
      required: true,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['orders'],
            properties: {
              orders: { type: 'array', minItems: 1, maxItems: MAX_API_ORDERS, items: { $ref: '#/components/schemas/OrderInput' } },
              unknown_stores: { type: 'string', enum: ['reject', 'create'], default: 'reject', description: '"create": an unknown store code creates a store marked as imported (named in summary.stores_created)' },
              unknown_clerks: { type: 'string', enum: ['reject', 'create'], default: 'reject', description: '"create": an unknown clerk is created marked as imported (named in summary.clerks_created)' },
            },
          },
        },
      },
    },
    responses: {
      200: {
        description: 'A result per order, in request order',
        content: { 'application/json': { schema: { type: 'object', properties: { results: { type: 'array', items: { $ref: '#/components/schemas/OrderResult' } }, summary: { type: 'object', properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' }, rejected: { type: 'integer' }, stores_created: { type: 'array', items: { type: 'string' } }, clerks_created: { type: 'array', items: { type: 'string' } } } } } } } },
      },
      400: err('Invalid payload; `error.details` lists every bad field as {field: "orders[3].paid_at", message}'),
      401: err('Missing or unknown API key'),
      422: err('Idempotency-Key reused with a different body'),
      429: err('Rate limit exceeded (Retry-After header)'),
    },
  },
};
openApiPaths['/orders/{order_no}'] = {
  get: {
    tags: ['Orders'],
    summary: 'One order with its items',
    parameters: [{ name: 'order_no', in: 'path', required: true, schema: { type: 'string' } }],
    responses: { 200: { description: 'The order', content: { 'application/json': { schema: { $ref: '#/components/schemas/Order' } } } }, 404: err('No such order in this tenant'), 401: err('Missing or unknown API key') },
  },
};
