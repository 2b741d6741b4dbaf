/**
 * /api/v1/campaigns: list, create (→ draft), read (status and runs), update a draft, dry run, schedule (→
 * pending_approval or scheduled), approve, cancel, test send; /api/v1/campaign-settings. Registered by a
 * side-effect import in server/http/routes.ts; the /api/v1 router authenticates and rate-limits. Every mutation
 * is audited by the service; WeCom work after a commit (a nudged tick, cancelling started runs' tasks) is queued.
 * GET /campaigns/{id}/report is the report's own module.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { CAMPAIGN_STATUSES, CAMPAIGN_TARGETS, EXCLUSION_REASONS, MESSAGE_LIMITS } from '../../app/lib/contracts/campaign';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import { parseOrThrow } from '../lib/validation';
import { withTenant } from '../tenancy/context';
import { nudgeCampaignTick, queueStopRuns } from './campaigns.job';
import { approveCampaign, campaignDetail, cancelCampaign, createCampaign, listCampaignsFor, scheduleCampaign, updateCampaign } from './campaigns.service';
import { dryRun } from './planning';
import { campaignSettingsFor, updateCampaignSettings } from './settings.service';
import { testSend } from './test-send.service';

type Handler = (req: ApiRequest, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => {
  h(req as ApiRequest, res).catch(next);
};

const listQuery = z.object({ status: z.enum(CAMPAIGN_STATUSES).optional(), page: z.coerce.number().int().min(1).default(1), size: z.coerce.number().int().min(1).max(200).default(50) }).strict();

apiRouters.push((services) => {
  const r = express.Router();
  const tx = <T>(req: ApiRequest, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(services.dbs, req.actor.tenantId, fn);
  const id = (req: ApiRequest) => String(req.params.id);

  r.get('/campaign-settings', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => campaignSettingsFor(trx, req.actor)));
  }));
  r.put('/campaign-settings', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => updateCampaignSettings(trx, req.actor, req.body)));
  }));
  r.get('/campaigns', wrap(async (req, res) => {
    const q = parseOrThrow(listQuery, req.query, { field: 'query', details: 'issues' });
    res.json(await tx(req, (trx) => listCampaignsFor(trx, req.actor, q)));
  }));
  r.post('/campaigns', wrap(async (req, res) => {
    res.status(201).json(await tx(req, (trx) => createCampaign(trx, req.actor, req.body)));
  }));
  r.get('/campaigns/:id', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => campaignDetail(trx, req.actor, id(req))));
  }));
  r.put('/campaigns/:id', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => updateCampaign(trx, req.actor, id(req), req.body)));
  }));
  r.post('/campaigns/:id/dry-run', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => dryRun(trx, req.actor, id(req))));
  }));
  r.post('/campaigns/:id/schedule', wrap(async (req, res) => {
    const out = await tx(req, (trx) => scheduleCampaign(trx, req.actor, id(req)));
    if (out.status === 'scheduled') await nudgeCampaignTick(services, req.actor.tenantId);
    res.json(out);
  }));
  r.post('/campaigns/:id/approve', wrap(async (req, res) => {
    const out = await tx(req, (trx) => approveCampaign(trx, req.actor, id(req)));
    await nudgeCampaignTick(services, req.actor.tenantId);
    res.json(out);
  }));
  r.post('/campaigns/:id/cancel', wrap(async (req, res) => {
    const out = await tx(req, (trx) => cancelCampaign(trx, req.actor, id(req)));
    await queueStopRuns(services, req.actor.tenantId, out.runsToStop);
    res.json({ id: out.id, status: out.status });
  }));
  r.post('/campaigns/:id/test-send', wrap(async (req, res) => {
    res.json(await testSend(services, req.actor, id(req)));
  }));
  return r;
});

// ------------------------------------------------------------------------------------------------- OpenAPI

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
const clock = { type: 'string', pattern: '^([01]\\d|2[0-3]):[0-5]\\d$', example: '10:00' };
const statusOut = json({ type: 'object', properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: [...CAMPAIGN_STATUSES] }, next_run_at: { type: 'string', format: 'date-time' } } }, 'The new status');

const nDays = { type: 'integer', minimum: 0, maximum: 3650 };
const triggerSchema = {
  oneOf: [
    { type: 'object', required: ['type', 'segment_id'], properties: { type: { enum: ['entered_segment'] }, segment_id: { type: 'string', format: 'uuid' } } },
    { type: 'object', required: ['type', 'days'], properties: { type: { enum: ['days_after_first_purchase', 'days_after_last_purchase', 'days_after_wecom_add'] }, days: nDays } },
    { type: 'object', required: ['type', 'sku'], properties: { type: { enum: ['ordered_sku'] }, sku: { type: 'string', maxLength: 128 } } },
    { type: 'object', required: ['type', 'category'], properties: { type: { enum: ['ordered_category'] }, category: { type: 'string', maxLength: 128 } } },
    { type: 'object', required: ['type'], properties: { type: { enum: ['birthday'] }, days_before: { type: 'integer', minimum: 0, maximum: 30, default: 0 } } },
  ],
};

openApiSchemas.CampaignInput = {
  type: 'object',
  required: ['name', 'audience', 'delivery', 'content', 'schedule'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', maxLength: 200 },
    goal: { type: 'string', nullable: true },
    audience: { type: 'object', required: ['segment_id'], additionalProperties: false, properties: { segment_id: { type: 'string', format: 'uuid', description: 'Members at send time' }, exclude_segment_ids: { type: 'array', maxItems: 10, items: { type: 'string', format: 'uuid' } } } },
    delivery: { type: 'string', enum: ['mass', 'one_to_one'], description: 'mass: one 群发 task per serving clerk (only {导购}, {门店}, {门店地址}, each with a fallback: {导购|我们}); one_to_one: a personal task per customer' },
    target: { type: 'string', enum: [...CAMPAIGN_TARGETS], default: 'customers', description: 'mass only: customers_and_groups also sends one chat_type=group task per serving clerk to their customer group chats' },
    content: {
      type: 'object',
      required: ['text'],
      properties: {
        text: { type: 'string', description: `At most ${MESSAGE_LIMITS.textBytes} UTF-8 bytes` },
        attachments: { type: 'array', maxItems: MESSAGE_LIMITS.attachments, items: { type: 'object', description: 'WeCom attachment: {msgtype: image|link|miniprogram, …}' } },
      },
    },
    schedule: {
      oneOf: [
        { type: 'object', required: ['kind', 'at'], properties: { kind: { enum: ['once'] }, at: { type: 'string', format: 'date-time', nullable: true, description: 'null: as soon as scheduled' } } },
        { type: 'object', required: ['kind', 'frequency', 'time'], properties: { kind: { enum: ['recurring'] }, frequency: { enum: ['daily', 'weekly', 'monthly'] }, time: clock, weekdays: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 7 } }, month_day: { type: 'integer', minimum: 1, maximum: 31 }, starts_on: { type: 'string', format: 'date' }, ends_on: { type: 'string', format: 'date' } } },
        { type: 'object', required: ['kind', 'trigger'], properties: { kind: { enum: ['triggered'] }, trigger: triggerSchema, reentry_days: { type: 'integer', minimum: 1, maximum: 3650, nullable: true, description: 'A customer may fire again this many days after their last firing; null: once per customer' }, time: clock } },
      ],
      description: 'Times in the tenant’s time zone',
    },
    holdout_pct: { type: 'number', minimum: 0, maximum: 50, default: 10 },
    attribution_days: { type: 'integer', minimum: 1, maximum: 90, default: 7 },
    priority: { type: 'integer', minimum: -100, maximum: 100, default: 0, description: 'Overlapping campaigns on the same day: the higher priority gets the customer' },
    quiet_hours: { type: 'boolean', default: true, description: 'false: may send inside quiet hours (urgent service messages; audited)' },
    expire_hours: { type: 'integer', minimum: 1, maximum: 168, default: 72, description: 'Tasks not sent by the clerks this long after the run started are cancelled' },
  },
};
openApiSchemas.CampaignRun = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['planning', 'sending', 'sent', 'done', 'cancelled', 'failed'] },
    planned_for: { type: 'string', format: 'date-time' },
    send_after: { type: 'string', format: 'date-time', nullable: true, description: 'After the quiet hours the run fell in' },
    started_at: { type: 'string', format: 'date-time', nullable: true },
    sent_at: { type: 'string', format: 'date-time', nullable: true },
    finished_at: { type: 'string', format: 'date-time', nullable: true },
    expires_at: { type: 'string', format: 'date-time', nullable: true },
    error: { type: 'string', nullable: true },
    recipients: { type: 'integer' },
    tasks_created: { type: 'integer' },
    tasks_confirmed: { type: 'integer' },
    sent: { type: 'integer' },
  },
};
openApiSchemas.Campaign = {
  allOf: [
    { $ref: '#/components/schemas/CampaignInput' },
    { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: [...CAMPAIGN_STATUSES] }, next_run_at: { type: 'string', format: 'date-time', nullable: true }, approved_by: { type: 'string', nullable: true }, approved_at: { type: 'string', nullable: true }, created_at: { type: 'string', format: 'date-time' }, updated_at: { type: 'string', format: 'date-time' } } },
  ],
};
openApiSchemas.CampaignSettings = {
  type: 'object',
  required: ['quiet_hours', 'frequency_cap', 'receive_cap_rule', 'approval_required', 'control_pct'],
  properties: {
    quiet_hours: { type: 'object', nullable: true, properties: { start: clock, end: clock }, description: 'Default 21:00–09:00 local; null: none' },
    frequency_cap: { type: 'object', properties: { max: { type: 'integer' }, days: { type: 'integer' } }, description: 'Across all campaigns; default 2 in 7 days' },
    receive_cap_rule: { type: 'string', enum: ['month_days', 'week_7', 'day_1'], description: 'The corp’s WeCom 群发 receive rule' },
    approval_required: { type: 'boolean' },
    control_pct: { type: 'number', minimum: 0, maximum: 20, description: 'Global control group: never receive campaigns' },
  },
};
const dryRunSchema = {
  type: 'object',
  properties: {
    send_at: { type: 'string', format: 'date-time' },
    deferred_by_quiet_hours: { type: 'boolean' },
    audience: { type: 'integer' },
    recipients: { type: 'integer' },
    holdout: { type: 'integer' },
    exclusions: { type: 'object', properties: Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, { type: 'integer' }])) },
    by_store: { type: 'array', items: { type: 'object', properties: { store_id: { type: 'string', nullable: true }, store_name: { type: 'string', nullable: true }, recipients: { type: 'integer' }, clerks: { type: 'integer' } } } },
    by_clerk: { type: 'array', items: { type: 'object', properties: { staff_id: { type: 'string' }, name: { type: 'string' }, store_id: { type: 'string', nullable: true }, store_name: { type: 'string', nullable: true }, recipients: { type: 'integer' }, tasks: { type: 'integer' } } } },
    tasks: { type: 'integer' },
    group_chats: { type: 'integer', description: 'Target customers_and_groups: the senders’ customer group chats' },
    group_tasks: { type: 'integer', description: 'The chat_type=group tasks for them (one per clerk and chunk)' },
  },
};

openApiPaths['/campaign-settings'] = {
  get: { tags: ['Campaigns'], summary: 'The tenant’s campaign settings', responses: { 200: json({ $ref: '#/components/schemas/CampaignSettings' }, 'Settings') } },
  put: { tags: ['Campaigns'], summary: 'Change the campaign settings (admin; audited)', requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CampaignSettings' } } } }, responses: { 200: json({ $ref: '#/components/schemas/CampaignSettings' }, 'Saved'), 400: err('Invalid settings'), 403: err('Not an admin') } },
};
openApiPaths['/campaigns'] = {
  get: {
    tags: ['Campaigns'],
    summary: 'Campaigns, newest first',
    parameters: [{ name: 'status', in: 'query', schema: { type: 'string', enum: [...CAMPAIGN_STATUSES] } }, { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1 } }, { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } }],
    responses: { 200: json({ type: 'object', properties: { campaigns: { type: 'array', items: { $ref: '#/components/schemas/Campaign' } }, total: { type: 'integer' }, page: { type: 'integer' }, size: { type: 'integer' } } }, 'A page of campaigns') },
  },
  post: {
    tags: ['Campaigns'],
    summary: 'Create a campaign as a draft (audited)',
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CampaignInput' } } } },
    responses: { 201: json({ type: 'object', properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['draft'] } } }, 'Created'), 400: err('Invalid campaign: the message names each field, e.g. `content.text: 变量 {导购} 需要一个备用值`') },
  },
};
openApiPaths['/campaigns/{id}'] = {
  get: { tags: ['Campaigns'], summary: 'A campaign with its status and runs', parameters: [idParam], responses: { 200: json({ allOf: [{ $ref: '#/components/schemas/Campaign' }, { type: 'object', properties: { runs: { type: 'array', items: { $ref: '#/components/schemas/CampaignRun' } } } }] }, 'The campaign'), 404: err('No such campaign') } },
  put: { tags: ['Campaigns'], summary: 'Replace a draft (audited)', parameters: [idParam], requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CampaignInput' } } } }, responses: { 200: json({ $ref: '#/components/schemas/Campaign' }, 'Updated'), 400: err('Invalid campaign'), 404: err('No such campaign'), 409: err('Not a draft any more') } },
};
openApiPaths['/campaigns/{id}/dry-run'] = {
  post: { tags: ['Campaigns'], summary: 'What the next run would do, writing nothing: recipients per store and clerk, exclusions by reason', parameters: [idParam], responses: { 200: json(dryRunSchema, 'The plan'), 404: err('No such campaign') } },
};
openApiPaths['/campaigns/{id}/schedule'] = {
  post: { tags: ['Campaigns'], summary: 'Schedule a draft: pending_approval when the tenant requires approval, else scheduled (audited)', parameters: [idParam], responses: { 200: statusOut, 400: err('The send time is past, or the schedule has no future run'), 404: err('No such campaign'), 409: err('Not a draft') } },
};
openApiPaths['/campaigns/{id}/approve'] = {
  post: { tags: ['Campaigns'], summary: 'Approve a campaign pending approval (admin or API key; audited)', parameters: [idParam], responses: { 200: statusOut, 403: err('Not an admin'), 404: err('No such campaign'), 409: err('Not pending approval') } },
};
openApiPaths['/campaigns/{id}/cancel'] = {
  post: { tags: ['Campaigns'], summary: 'Cancel a campaign that is not final: no further runs, unsent WeCom tasks cancelled (audited)', parameters: [idParam], responses: { 200: statusOut, 404: err('No such campaign'), 409: err('Already done, cancelled or failed') } },
};
openApiPaths['/campaigns/{id}/test-send'] = {
  post: { tags: ['Campaigns'], summary: 'Send the message to your own WeCom account (staff sign-in only; audited)', parameters: [idParam], responses: { 200: json({ type: 'object', properties: { to: { type: 'string' }, text: { type: 'string' } } }, 'Sent'), 400: err('No staff member, no WeCom userid, or no AgentId') } },
};
