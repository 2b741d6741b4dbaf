/**
 * GET /api/v1/campaigns/{id}/report: the campaign's attribution report (report.service.ts), for all its runs or
 * one (`?run_id=`). Registered by a side-effect import in server/http/routes.ts next to the campaigns API;
 * authentication and rate limiting are done by the /api/v1 router.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import { ValidationError } from '../lib/errors';
import { issuesMessage } from '../lib/validation';
import { withTenant } from '../tenancy/context';
import { campaignReport } from './report.service';

const params = z.object({ id: z.uuid() });
const query = z.object({ run_id: z.uuid().optional() }).strict();

apiRouters.push((services) => {
  const r = express.Router();
  r.get('/campaigns/:id/report', (req: Request, res: Response, next: NextFunction) => {
    const a = req as ApiRequest;
    const p = params.safeParse(req.params);
    const q = query.safeParse(req.query);
    if (!p.success) return next(new ValidationError('id: not a campaign id'));
    if (!q.success) return next(new ValidationError(issuesMessage(q.error.issues, 'query')));
    withTenant(services.dbs, a.actor.tenantId, (trx) => campaignReport(trx, a.actor, p.data.id, { runId: q.data.run_id ?? null }))
      .then((report) => res.json(report))
      .catch(next);
  });
  return r;
});

// ------------------------------------------------------------------------------------------------- OpenAPI

const int = { type: 'integer' };
const ratio = (description: string) => ({ type: 'number', nullable: true, description });
const fen = (description: string) => ({ type: 'integer', nullable: true, description });

openApiSchemas.CampaignUplift = {
  type: 'object',
  required: ['absolute', 'low', 'high', 'significant'],
  properties: {
    absolute: ratio('Conversion rate of reached recipients − conversion rate of the holdout (fraction; 0.06 = 6 points). Null without a holdout or without reached recipients'),
    low: ratio('Lower bound of the 95% interval (two-proportion normal approximation)'),
    high: ratio('Upper bound of the 95% interval'),
    significant: { type: 'boolean', description: 'The 95% interval excludes 0' },
    relative: ratio('absolute ÷ the holdout conversion rate'),
  },
};
const groupProperties = {
  audience: { ...int, description: 'Customers in the audience snapshot (target and holdout)' },
  holdout: { ...int, description: 'Customers held out (never sent to)' },
  recipients: { ...int, description: 'Target customers a task was planned for (not excluded)' },
  tasks: { type: 'object', properties: { created: { ...int, description: 'WeCom mass-message tasks created' }, confirmed: { ...int, description: 'Of them, confirmed (sent) by the clerk' } } },
  reached: { ...int, description: 'Recipients WeCom reports as sent (status 1), with a send time' },
  converted: { ...int, description: 'Reached recipients with a paid order within the attribution window after their send time' },
  conversion_rate: ratio('converted ÷ reached'),
  holdout_converted: { ...int, description: 'Holdout customers with a paid order within the window after the time the run started sending' },
  holdout_conversion_rate: ratio('holdout_converted ÷ holdout'),
  uplift: { $ref: '#/components/schemas/CampaignUplift' },
  revenue_per_recipient_fen: fen('Paid amount in the window per reached recipient, fen'),
  holdout_revenue_per_recipient_fen: fen('Paid amount in the window per holdout customer, fen'),
  orders: { ...int, description: 'Paid orders of reached recipients in their window' },
  revenue_fen: { ...int, description: 'Their amount, fen' },
  holdout_orders: int,
  holdout_revenue_fen: int,
  incremental: {
    type: 'object',
    description: 'What the message added over the holdout for the reached recipients: (reached rate − holdout rate) × reached',
    properties: { conversions: { type: 'number', nullable: true }, orders: { type: 'number', nullable: true }, revenue_fen: { type: 'integer', nullable: true } },
  },
};
const storeProps = { store_id: { type: 'string', format: 'uuid', nullable: true, description: 'Store of the sending clerk (null: no clerk)' }, store_name: { type: 'string', nullable: true } };
const executionRate = { execution_rate: ratio('Confirmed tasks ÷ created tasks') };
openApiSchemas.CampaignReportStore = { type: 'object', properties: { ...storeProps, ...groupProperties, ...executionRate } };
openApiSchemas.CampaignReportClerk = {
  type: 'object',
  properties: { ...storeProps, staff_id: { type: 'string', format: 'uuid', nullable: true, description: 'The sending clerk (for the holdout: the clerk who would have sent)' }, clerk_name: { type: 'string', nullable: true }, ...groupProperties, ...executionRate },
};
openApiSchemas.CampaignReport = {
  type: 'object',
  required: ['audience', 'holdout', 'recipients', 'tasks', 'reached', 'converted', 'conversion_rate', 'holdout_converted', 'holdout_conversion_rate', 'uplift', 'revenue_per_recipient_fen', 'holdout_revenue_per_recipient_fen', 'by_store', 'by_clerk'],
  properties: {
    ...groupProperties,
    by_store: { type: 'array', items: { $ref: '#/components/schemas/CampaignReportStore' } },
    by_clerk: { type: 'array', items: { $ref: '#/components/schemas/CampaignReportClerk' } },
    campaign_id: { type: 'string', format: 'uuid' },
    run_id: { type: 'string', format: 'uuid', nullable: true },
    attribution_days: int,
    window: { type: 'object', properties: { starts_at: { type: 'string', format: 'date-time', nullable: true }, ends_at: { type: 'string', format: 'date-time', nullable: true }, complete: { type: 'boolean', description: 'Every window has closed: the numbers are final' } } },
    daily: {
      type: 'array',
      description: 'Cumulative conversion by the end of each day of the window (day 1 … attribution_days)',
      items: { type: 'object', properties: { day: int, conversions: int, holdout_conversions: int, conversion_rate: ratio('Reached'), holdout_conversion_rate: ratio('Holdout') } },
    },
  },
};

openApiPaths['/campaigns/{id}/report'] = {
  get: {
    tags: ['Campaigns'],
    summary: 'Attribution report: reached vs holdout conversion, uplift with its 95% interval, per store and clerk',
    description:
      'Reached = WeCom reported the message sent. Converted = a paid order (not a refund, amount > 0) within the attribution window (default 7 days) after the send time; for the holdout, after the time the run started sending. A manager key sees its stores only. Every run of the campaign counts unless `run_id` names one.',
    parameters: [
      { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
      { name: 'run_id', in: 'query', required: false, schema: { type: 'string', format: 'uuid' }, description: 'One run of a recurring or triggered campaign' },
    ],
    responses: {
      200: { description: 'The report', content: { 'application/json': { schema: { $ref: '#/components/schemas/CampaignReport' } } } },
      400: { description: 'Bad id or query', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      401: { description: 'Missing or unknown API key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      404: { description: 'No such campaign in this tenant', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  },
};
