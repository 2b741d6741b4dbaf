/**
 * /api/v1/wecom/{welcome/report,handovers,moments} (tenant API keys): the reports of WeCom operations (issue 18),
 * with exactly the documented fields.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import type { Services } from '../services';
import { assertCan } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import { handoverReport } from './handovers.repository';
import { momentReport } from './moments.repository';
import { welcomeReport } from './welcome.repository';

type Handler = (req: ApiRequest, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => {
  h(req as ApiRequest, res).catch(next);
};

export function wecomOperationsApi(services: Services): Router {
  const r = express.Router();
  r.get(
    '/wecom/welcome/report',
    wrap(async (req, res) => {
      assertCan(req.actor, 'wecom.ops');
      const rows = await withTenant(services.dbs, req.actor.tenantId, (trx) => welcomeReport(trx, req.actor.tenantId));
      res.json(rows.map((x) => ({ channel: x.channel, added: x.added, welcomed: x.welcomed, first_purchase_30d: x.first_purchase_30d })));
    }),
  );
  r.get(
    '/wecom/handovers',
    wrap(async (req, res) => {
      assertCan(req.actor, 'wecom.ops');
      const rows = await withTenant(services.dbs, req.actor.tenantId, (trx) => handoverReport(trx, req.actor.tenantId));
      res.json(rows.map((x) => ({ id: x.id, kind: x.kind, from_clerk: x.from_clerk, to_clerk: x.to_clerk, customers: x.customers, kept: x.kept, refused: x.refused, waiting: x.waiting, limit_reached: x.limit_reached })));
    }),
  );
  r.get(
    '/wecom/moments',
    wrap(async (req, res) => {
      assertCan(req.actor, 'wecom.ops');
      const rows = await withTenant(services.dbs, req.actor.tenantId, (trx) => momentReport(trx, req.actor.tenantId));
      res.json(rows.map((x) => ({ id: x.id, clerks: x.clerks, posted: x.posted, reached: x.reached, orders_7d: x.orders_7d })));
    }),
  );
  return r;
}

apiRouters.push(wecomOperationsApi);

const int = { type: 'integer', minimum: 0 };
openApiSchemas.WelcomeReportRow = {
  type: 'object',
  required: ['channel', 'added', 'welcomed', 'first_purchase_30d'],
  properties: {
    channel: { type: 'string', description: 'Channel code (渠道活码) name' },
    added: { ...int, description: 'Customers who added a clerk through the code' },
    welcomed: { ...int, description: 'Of those, customers a welcome message (欢迎语) was sent to' },
    first_purchase_30d: { ...int, description: 'Customers who bought (paid, not refunded) within 30 days after the add' },
  },
};
openApiPaths['/wecom/welcome/report'] = {
  get: {
    summary: 'Welcome messages per channel code: added, welcomed, bought within 30 days',
    tags: ['WeCom'],
    responses: {
      '200': { description: 'One row per channel code', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/WelcomeReportRow' } } } } },
      '401': { description: 'Missing or invalid API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};

openApiSchemas.Handover = {
  type: 'object',
  required: ['id', 'kind', 'from_clerk', 'to_clerk', 'customers', 'kept', 'refused', 'waiting', 'limit_reached'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    kind: { type: 'string', enum: ['resigned', 'on_job'], description: 'resigned: 离职继承; on_job: 在职继承' },
    from_clerk: { type: 'string' },
    to_clerk: { type: 'string', description: 'The takeover clerk' },
    customers: { ...int, description: 'Customers in the handover' },
    kept: { ...int, description: 'Taken over by the new clerk (transfer status 1)' },
    refused: { ...int, description: 'The customer refused (status 3)' },
    waiting: { ...int, description: 'Still waiting for the takeover (status 2, or not yet sent)' },
    limit_reached: { ...int, description: 'The takeover clerk hit the customer limit (status 4)' },
  },
};
openApiPaths['/wecom/handovers'] = {
  get: {
    summary: 'Customer handovers (离职继承 / 在职继承) with their outcome, newest first',
    tags: ['WeCom'],
    responses: {
      '200': { description: 'Handovers', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Handover' } } } } },
      '401': { description: 'Missing or invalid API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};

openApiSchemas.Moment = {
  type: 'object',
  required: ['id', 'clerks', 'posted', 'reached', 'orders_7d'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    clerks: { ...int, description: 'Clerks asked to post it (valid senders)' },
    posted: { ...int, description: 'Clerks who posted it' },
    reached: { ...int, description: 'Customers it was shown to' },
    orders_7d: { ...int, description: 'Orders (paid, not refunded) within 7 days of the post by customers it reached' },
  },
};
openApiPaths['/wecom/moments'] = {
  get: {
    summary: 'Enterprise moments (客户朋友圈): clerks, posted, customers reached, orders within 7 days',
    tags: ['WeCom'],
    responses: {
      '200': { description: 'Moments, newest first', content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Moment' } } } } },
      '401': { description: 'Missing or invalid API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};
