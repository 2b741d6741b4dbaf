/**
 * /api/v1/analytics/{summary,cohorts,rfm,model} and /api/v1/customers[/<id>] (tenant API keys). Every endpoint
 * accepts as_of, from, to, store and region (codes); bad values are a 400 naming the field.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import type { Services } from '../services';
import { NotFoundError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { addMonths } from './aggregate';
import { analyticsCohorts } from './queries/cohorts';
import { analyticsModel } from './queries/predictions';
import { analyticsSummary } from './queries/repurchase';
import { analyticsRfm } from './queries/rfm';
import { customerFilterSchema, METRIC_SORTS, type CustomerFilters, type CustomerRow, type MetricSort } from '../customers/customer-list.service';
import { parseFiltersStrict } from './filters';
import { customerAt, customersAt } from './queries/customers';
import { z } from 'zod';
import { isUuid } from '../../app/lib/params';

type Handler = (req: ApiRequest, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => {
  h(req as ApiRequest, res).catch(next);
};

function query(req: Request): URLSearchParams {
  return new URL(req.originalUrl, 'http://x').searchParams;
}

const pagingSchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  size: z.coerce.number().int().min(1).max(500).default(50),
  /** Default: `monetary`; with `due=true`, the due list's `priority` (docs/metrics.md). */
  sort: z.enum(METRIC_SORTS).optional(),
  dir: z.enum(['asc', 'desc']).default('desc'),
});

/** A bad query parameter is a 400 naming the field (`size: …`), with `{ field, message }` details. */
const FIELDS = { field: '', details: 'fields' } as const;

/**
 * Why `p_alive` is null although the customer has predictions: under BG/NBD a one-purchase customer has P(alive) = 1
 * by construction, which is not shown as a probability (docs/metrics.md).
 */
function pAliveReason(frequency: unknown, expected90: unknown): 'one_purchase' | null {
  return Number(frequency) === 1 && expected90 !== null && expected90 !== undefined ? 'one_purchase' : null;
}

function metricsJson(m: Record<string, unknown> | null) {
  if (!m) return null;
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    as_of: m.as_of,
    first_purchase: m.first_purchase,
    second_purchase: m.second_purchase,
    last_purchase: m.last_purchase,
    frequency: m.frequency,
    recency_days: m.recency_days,
    monetary_fen: num(m.monetary_fen),
    paid_fen: num(m.paid_fen),
    refund_fen: num(m.refund_fen),
    t_x_days: m.tx_days,
    T_days: m.t_days,
    interval_count: m.interval_count,
    median_interval_days: num(m.median_interval_days),
    r_score: m.r_score,
    f_score: m.f_score,
    m_score: m.m_score,
    fm_score: m.fm_score,
    rfm_group: m.rfm_group,
    stage: m.stage,
    expected_next_purchase: m.expected_next_purchase,
    due: m.is_due,
    p_alive: m.p_alive,
    p_alive_reason: pAliveReason(m.frequency, m.exp_purchases_90),
    expected_purchases_30d: m.exp_purchases_30,
    expected_purchases_90d: m.exp_purchases_90,
    expected_spend_fen: m.expected_spend_fen,
    predicted_value_12m_fen: num(m.predicted_value_12m_fen),
  };
}

type Route = (services: Services) => Handler;

const getSummary: Route = (services) => async (req, res) => {
  const { summary: s, meta } = await analyticsSummary(services, req.actor, parseFiltersStrict(query(req)));
  res.json({
    as_of: meta.asOf,
    from: meta.from,
    to: meta.to,
    store: meta.store?.code ?? null,
    region: meta.region?.code ?? null,
    customers: s.customers,
    repeat_customers: s.repeatCustomers,
    repurchase_rate: s.repurchaseRate,
    repurchase_rate_30d: s.repurchaseRate30d,
    repurchase_rate_60d: s.repurchaseRate60d,
    repurchase_rate_90d: s.repurchaseRate90d,
    paid_orders: s.paidOrders,
    refund_orders: s.refundOrders,
    paid_revenue_fen: s.paidRevenueFen,
    refund_fen: s.refundFen,
    identified_revenue_fen: s.identifiedRevenueFen,
    private_domain_share: s.privateDomainShare,
    repurchase_window_days: s.repurchaseWindowDays,
  });
};

const getCohorts: Route = (services) => async (req, res) => {
  const { cohorts } = await analyticsCohorts(services, req.actor, parseFiltersStrict(query(req)));
  // Each month as a cell too, with `partial: true` when the month is not over at as_of (docs/metrics.md).
  res.json(
    cohorts.map((c) => ({
      cohort: c.cohort,
      size: c.size,
      retention: c.retention,
      cells: c.retention.map((r, k) => ({ month: addMonths(c.cohort, k), k, retention: r, partial: c.partial[k] === true })),
    })),
  );
};

const getRfm: Route = (services) => async (req, res) => {
  const d = await analyticsRfm(services, req.actor, parseFiltersStrict(query(req)));
  res.json({
    as_of: d.meta.asOf,
    customers: d.customers,
    grid: d.grid.map((c) => ({ r: c.r, fm: c.fm, group: c.group, customers: c.customers, revenue_fen: c.revenueFen })),
    groups: d.groups.map((g) => ({
      group: g.group,
      customers: g.customers,
      share: g.share,
      revenue_fen: g.revenueFen,
      avg_frequency: g.avgFrequency,
      avg_recency_days: g.avgRecencyDays,
      avg_monetary_fen: g.avgMonetaryFen,
    })),
  });
};

const getModel: Route = (services) => async (req, res) => {
  const d = await analyticsModel(services, req.actor, parseFiltersStrict(query(req)));
  res.json(d.model);
};

function customerRowJson(c: CustomerRow) {
  return {
    id: c.id,
    display_name: c.display_name,
    mobile_masked: c.mobile_masked,
    store: c.store,
    clerks: c.clerks,
    stage: c.stage,
    rfm_group: c.rfm_group,
    r_score: c.r_score,
    fm_score: c.fm_score,
    frequency: c.frequency,
    recency_days: c.recency_days,
    monetary_fen: Number(c.monetary_fen),
    first_purchase: c.first_purchase,
    last_purchase: c.last_purchase,
    expected_next_purchase: c.expected_next_purchase,
    due: c.is_due,
    days_overdue: c.days_overdue,
    p_alive: c.p_alive,
    p_alive_reason: pAliveReason(c.frequency, c.exp_purchases_90),
    expected_purchases_90d: c.exp_purchases_90,
    predicted_value_12m_fen: c.predicted_value_12m_fen === null ? null : Number(c.predicted_value_12m_fen),
  };
}

const listCustomers: Route = (services) => async (req, res) => {
  const q = query(req);
  const f = parseFiltersStrict(q);
  const paging = parseOrThrow(pagingSchema, Object.fromEntries(['page', 'size', 'sort', 'dir'].map((k) => [k, q.get(k) ?? undefined])), FIELDS);
  const cf: CustomerFilters = parseOrThrow(
    customerFilterSchema,
    Object.fromEntries(['stage', 'group', 'r', 'fm', 'due', 'q'].map((k) => [k, q.get(k) ?? undefined]).filter(([, v]) => v !== undefined)),
    FIELDS,
  );
  const filters: CustomerFilters = { ...cf, store: f.store, region: f.region, first_from: f.from, first_to: f.to };
  const sort: MetricSort = paging.sort ?? (cf.due ? 'priority' : 'monetary');
  const out = await customersAt(services, req.actor, f, { sort, dir: paging.dir, page: paging.page, size: paging.size, filters });
  res.json({ as_of: out.asOf, page: paging.page, size: paging.size, total: out.list.total, data: out.list.rows.map(customerRowJson) });
};

const getCustomer: Route = (services) => async (req, res) => {
  const id = req.params.id ?? '';
  if (!isUuid(id)) throw new NotFoundError('No such customer');
  const { p, metrics } = await customerAt(services, req.actor, id, parseFiltersStrict(query(req)));
  res.json({
    id: p.id,
    display_name: p.display_name,
    mobile_masked: p.mobile_masked,
    source: p.source,
    store: p.home_store ?? p.store,
    created_at: p.created_at,
    orders: p.orderCount,
    clerks: p.follows.filter((x) => !x.ended_at).map((x) => x.clerk),
    metrics: metricsJson(metrics),
  });
};

export function analyticsApi(services: Services): Router {
  const r = express.Router();
  r.get('/analytics/summary', wrap(getSummary(services)));
  r.get('/analytics/cohorts', wrap(getCohorts(services)));
  r.get('/analytics/rfm', wrap(getRfm(services)));
  r.get('/analytics/model', wrap(getModel(services)));
  r.get('/customers', wrap(listCustomers(services)));
  r.get('/customers/:id', wrap(getCustomer(services)));
  return r;
}

apiRouters.push(analyticsApi);

// ------------------------------------------------------------------------------------------------ OpenAPI
const filterParams = [
  { name: 'as_of', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Reference date D: orders after it are ignored (default: the date of the stored metrics)' },
  { name: 'from', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Period start (default: all history)' },
  { name: 'to', in: 'query', schema: { type: 'string', format: 'date' }, description: 'Period end (default: as_of)' },
  { name: 'store', in: 'query', schema: { type: 'string' }, description: 'Store code' },
  { name: 'region', in: 'query', schema: { type: 'string' }, description: 'Region code' },
];
const ok = (schema: unknown, description: string) => ({ 200: { description, content: { 'application/json': { schema } } }, 400: { description: 'Bad parameter', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } });
const num = { type: 'number', nullable: true };
const int = { type: 'integer' };

openApiSchemas.AnalyticsSummary = {
  type: 'object',
  properties: {
    as_of: { type: 'string', format: 'date' },
    customers: int,
    repeat_customers: int,
    repurchase_rate: num,
    repurchase_rate_30d: num,
    repurchase_rate_60d: num,
    repurchase_rate_90d: num,
    paid_orders: int,
    refund_orders: int,
    paid_revenue_fen: int,
    refund_fen: int,
    identified_revenue_fen: int,
    private_domain_share: num,
    repurchase_window_days: { type: 'integer', nullable: true },
  },
};
openApiSchemas.CustomerMetrics = {
  type: 'object',
  properties: Object.fromEntries(
    ['first_purchase', 'last_purchase', 'frequency', 'recency_days', 'monetary_fen', 't_x_days', 'T_days', 'median_interval_days', 'r_score', 'f_score', 'm_score', 'fm_score', 'rfm_group', 'stage', 'expected_next_purchase', 'due', 'p_alive', 'p_alive_reason', 'expected_purchases_30d', 'expected_purchases_90d', 'predicted_value_12m_fen'].map((k) => [k, {}]),
  ),
};

Object.assign(openApiPaths, {
  '/analytics/summary': {
    get: {
      summary: 'Repurchase summary',
      description: 'Customers, repeat customers and the repurchase rate over [from, to]; N-day repurchase rates of customers acquired in [from, to]; orders, revenue and the private-domain share. Definitions: docs/metrics.md.',
      parameters: filterParams,
      responses: ok({ $ref: '#/components/schemas/AnalyticsSummary' }, 'Summary'),
    },
  },
  '/analytics/cohorts': {
    get: {
      summary: 'Monthly cohort retention',
      parameters: filterParams,
      responses: ok(
        {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              cohort: { type: 'string', example: '2025-01' },
              size: int,
              retention: { type: 'array', items: { type: 'number' } },
              cells: {
                type: 'array',
                description: 'One per month from the cohort month; partial = the month is not over at as_of (not comparable with full months)',
                items: { type: 'object', properties: { month: { type: 'string', example: '2025-03' }, k: int, retention: { type: 'number' }, partial: { type: 'boolean' } } },
              },
            },
          },
        },
        'Cohorts',
      ),
    },
  },
  '/analytics/rfm': {
    get: {
      summary: 'RFM grid (R × FM) and groups with customer counts and revenue',
      parameters: filterParams,
      responses: ok(
        {
          type: 'object',
          properties: {
            grid: { type: 'array', items: { type: 'object', properties: { r: int, fm: int, group: { type: 'string' }, customers: int, revenue_fen: int } } },
            groups: { type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, customers: int, share: num, revenue_fen: int } } },
          },
        },
        'RFM',
      ),
    },
  },
  '/analytics/model': {
    get: {
      summary: 'BG/NBD and Gamma-Gamma parameters (alpha in days), or why there is no fit',
      parameters: filterParams,
      responses: ok(
        {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['fitted', 'insufficient_data', 'failed', 'not_computed'] },
            bgnbd: { type: 'object', nullable: true, properties: { r: num, alpha: num, a: num, b: num, unit: { type: 'string', enum: ['day'] }, log_likelihood: num } },
            gamma_gamma: { type: 'object', nullable: true, properties: { p: num, q: num, v: num, unit: { type: 'string', enum: ['fen'] } } },
            customers: int,
            repeaters: int,
            reason: { type: 'string', nullable: true },
          },
        },
        'Model',
      ),
    },
  },
  '/customers': {
    get: {
      summary: 'Customers with their metrics (paged, sorted, filtered)',
      parameters: [
        ...filterParams,
        { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } },
        { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } },
        { name: 'sort', in: 'query', schema: { type: 'string', enum: [...METRIC_SORTS] }, description: 'Default monetary; with due=true, priority (predicted 12-month value, net spend without one, then the most recently due)' },
        { name: 'dir', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
        { name: 'stage', in: 'query', schema: { type: 'string', enum: ['prospect', 'new', 'active', 'at_risk', 'lapsed'] } },
        { name: 'group', in: 'query', schema: { type: 'string' }, description: 'RFM group' },
        { name: 'r', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5 } },
        { name: 'fm', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 5 } },
        { name: 'due', in: 'query', schema: { type: 'boolean' } },
      ],
      responses: ok({ type: 'object', properties: { total: int, page: int, size: int, data: { type: 'array', items: { type: 'object' } } } }, 'A page of customers'),
    },
  },
  '/customers/{id}': {
    get: {
      summary: 'One customer with their metrics',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }, ...filterParams],
      responses: { ...ok({ type: 'object', properties: { id: { type: 'string' }, metrics: { $ref: '#/components/schemas/CustomerMetrics' } } }, 'Customer'), 404: { description: 'Not found' } },
    },
  },
});
