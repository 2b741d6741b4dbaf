/**
 * /api/v1/wecom/{welcome/report,handovers,moments} (tenant API keys): the reports of WeCom operations (issue 18),
 * with exactly the documented fields.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import type { Services } from '../services';
import { assertCan } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
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
