/**
 * /api/v1/segments: list, create, read, update, delete (audited), GET /{id}/count, GET /{id}/customers (paged),
 * POST /segments/preview (count of an unsaved rule). Registered by a side-effect import in server/http/routes.ts;
 * authentication and rate limiting are done by the /api/v1 router. A rule is in the wire format of
 * app/lib/segments/rule.ts; a bad rule is a 400 whose message names the condition.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { FIELDS, OPS } from '../../app/lib/segments/rule';
import { SEGMENT_TEMPLATES } from '../../app/lib/segments/templates';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import { parseOrThrow } from '../lib/validation';
import { withTenant } from '../tenancy/context';
import type { SegmentRow } from './segments.repository';
import { saveNewSegment, saveSegment } from './pages.service';
import { deleteSegment, listSegmentsFor, previewRule, segmentCount, segmentCustomers, segmentFor } from './segments.service';

type Handler = (req: ApiRequest, res: Response) => Promise<void>;
const wrap = (h: Handler) => (req: Request, res: Response, next: NextFunction) => {
  h(req as ApiRequest, res).catch(next);
};

const paging = z.object({ page: z.coerce.number().int().min(1).default(1), size: z.coerce.number().int().min(1).max(500).default(50) });
const previewBody = z.object({ rule: z.unknown(), exact: z.boolean().optional() }).strict();

export function segmentJson(s: SegmentRow) {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    kind: s.kind,
    rule: s.rule,
    template: s.template,
    source: s.source,
    // While the fill job owes the members, the size is unknown (null), not 0.
    size: s.fill_owed_since ? null : s.size,
    filling: s.fill_owed_since !== null,
    fill_error: s.fill_error,
    refreshed_at: s.refreshed_at,
    refreshed_as_of: s.refreshed_as_of,
    created_by: s.created_by_label,
    created_at: s.created_at,
    updated_at: s.updated_at,
  };
}

apiRouters.push((services) => {
  const r = express.Router();
  const tx = <T>(req: ApiRequest, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(services.dbs, req.actor.tenantId, fn);
  r.get('/segments', wrap(async (req, res) => {
    res.json({ segments: (await tx(req, (trx) => listSegmentsFor(trx, req.actor))).map(segmentJson) });
  }));
  r.post('/segments/preview', wrap(async (req, res) => {
    const body = parseOrThrow(previewBody, req.body, { field: 'body', details: 'issues' });
    const out = await tx(req, (trx) => previewRule(trx, req.actor, body.rule, 0, { exact: body.exact === true }));
    res.json({ count: out.count, exact: out.exact, as_of: out.as_of });
  }));
  r.post('/segments', wrap(async (req, res) => {
    res.status(201).json(segmentJson(await saveNewSegment(services, req.actor, req.body)));
  }));
  r.get('/segments/:id', wrap(async (req, res) => {
    res.json(segmentJson(await tx(req, (trx) => segmentFor(trx, req.actor, String(req.params.id)))));
  }));
  r.put('/segments/:id', wrap(async (req, res) => {
    res.json(segmentJson(await saveSegment(services, req.actor, String(req.params.id), req.body)));
  }));
  r.delete('/segments/:id', wrap(async (req, res) => {
    await tx(req, (trx) => deleteSegment(trx, req.actor, String(req.params.id)));
    res.status(204).end();
  }));
  r.get('/segments/:id/count', wrap(async (req, res) => {
    res.json(await tx(req, (trx) => segmentCount(trx, req.actor, String(req.params.id))));
  }));
  r.get('/segments/:id/customers', wrap(async (req, res) => {
    const p = parseOrThrow(paging, req.query, { field: 'query', details: 'issues' });
    const out = await tx(req, (trx) => segmentCustomers(trx, req.actor, String(req.params.id), p.page, p.size));
    res.json({ page: out.page, size: out.size, total: out.total, customers: out.rows });
  }));
  return r;
});

// ------------------------------------------------------------------------------------------------- OpenAPI

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };

openApiSchemas.SegmentCondition = {
  type: 'object',
  required: ['field', 'op'],
  additionalProperties: false,
  properties: {
    field: { type: 'string', enum: FIELDS.map((f) => f.key), description: 'See the field catalogue: each field has a type and its operators' },
    op: { type: 'string', enum: [...OPS] },
    value: { description: 'Number, text, true/false, YYYY-MM-DD, a list (in / not_in / has_*), [low, high] (between), N days (relative dates), [N, M] (between_days_ago); none for empty / not_empty. Stores and regions by id or code, clerks by id or WeCom userid, tags and group chats by id or name.' },
    window: {
      description: 'Order behaviour only (orders, spend_fen, bought_*): local calendar days counted back from the metrics reference day, both ends included. Without it: all history up to that day.',
      oneOf: [
        { type: 'object', required: ['last_days'], properties: { last_days: { type: 'integer', minimum: 1 } } },
        { type: 'object', required: ['days_ago'], properties: { days_ago: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'integer', minimum: 0 } } } },
        { type: 'object', required: ['since'], properties: { since: { type: 'string', format: 'date' } } },
      ],
    },
  },
};
openApiSchemas.SegmentRule = {
  type: 'object',
  additionalProperties: false,
  description: 'AND over the groups of `all`, OR inside each group, and none of `none`. `{}` matches every customer in scope.',
  properties: {
    all: { type: 'array', items: { type: 'object', required: ['any'], properties: { any: { type: 'array', minItems: 1, items: { $ref: '#/components/schemas/SegmentCondition' } } } } },
    none: { type: 'array', items: { $ref: '#/components/schemas/SegmentCondition' } },
  },
};
openApiSchemas.SegmentInput = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', maxLength: 60 },
    description: { type: 'string', maxLength: 500, nullable: true },
    kind: { type: 'string', enum: ['dynamic', 'static'], default: 'dynamic', description: 'dynamic: members follow the rule; static: members frozen from the rule when saved' },
    rule: { $ref: '#/components/schemas/SegmentRule' },
    template: { type: 'string', enum: SEGMENT_TEMPLATES.map((t) => t.key), description: 'Use a ready-made rule when `rule` is absent' },
  },
};
openApiSchemas.Segment = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    description: { type: 'string', nullable: true },
    kind: { type: 'string', enum: ['dynamic', 'static'] },
    rule: { $ref: '#/components/schemas/SegmentRule' },
    template: { type: 'string', nullable: true },
    source: { type: 'string', enum: ['rule', 'upload'] },
    size: { type: 'integer', nullable: true, description: 'Members in the whole tenant at the last refresh; null while `filling`' },
    fill_error: { type: 'string', nullable: true, description: 'Why the background job could not compute the members (the rule was refused when it ran, e.g. a tag it names was deleted); cleared when the segment is saved again' },
    filling: { type: 'boolean', description: 'true while a background job computes the members (a save of more than 20,000 estimated members answers at once and leaves them to the job; poll GET /segments/{id} until false). A static segment that is filling cannot be counted, listed or used yet (400)' },
    refreshed_at: { type: 'string', format: 'date-time', nullable: true },
    refreshed_as_of: { type: 'string', format: 'date', nullable: true },
    created_by: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};
const countSchema = { type: 'object', properties: { count: { type: 'integer' }, exact: { type: 'boolean' }, as_of: { type: 'string', format: 'date', description: 'Reference day of the metrics' } } };

openApiPaths['/segments'] = {
  get: { tags: ['Segments'], summary: 'All segments', responses: { 200: json({ type: 'object', properties: { segments: { type: 'array', items: { $ref: '#/components/schemas/Segment' } } } }, 'Segments, most recently changed first'), 401: err('Missing or unknown API key') } },
  post: {
    tags: ['Segments'],
    summary: 'Create a segment (audited)',
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/SegmentInput' } } } },
    responses: { 201: json({ $ref: '#/components/schemas/Segment' }, 'Created: with its members computed, or `filling` while a job computes them'), 400: err('Bad rule: the message names each bad condition, e.g. `all[0].any[1] (recency_days gt): value must be a number`'), 409: err('A segment with this name exists') },
  },
};
openApiPaths['/segments/preview'] = {
  post: {
    tags: ['Segments'],
    summary: 'Count the customers an unsaved rule matches',
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['rule'], properties: { rule: { $ref: '#/components/schemas/SegmentRule' }, exact: { type: 'boolean', description: 'true: an exact count. Without it the count is exact when it takes at most 250 ms, else an estimate from a sample of customers, answered with exact: false' } } } } } },
    responses: { 200: json(countSchema, 'The count'), 400: err('Bad rule (the message names the condition)') },
  },
};
openApiPaths['/segments/{id}'] = {
  get: { tags: ['Segments'], summary: 'One segment', parameters: [idParam], responses: { 200: json({ $ref: '#/components/schemas/Segment' }, 'The segment'), 404: err('No such segment') } },
  put: {
    tags: ['Segments'],
    summary: 'Replace a segment’s name, description, kind and rule (audited; a rule reaching the segment itself is refused)',
    parameters: [idParam],
    requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/SegmentInput' } } } },
    responses: { 200: json({ $ref: '#/components/schemas/Segment' }, 'Updated'), 400: err('Bad rule or a cycle of segments'), 404: err('No such segment'), 409: err('Name taken') },
  },
  delete: { tags: ['Segments'], summary: 'Delete a segment (audited)', parameters: [idParam], responses: { 204: { description: 'Deleted' }, 404: err('No such segment'), 409: err('Another segment refers to it') } },
};
openApiPaths['/segments/{id}/count'] = {
  get: { tags: ['Segments'], summary: 'Members now (dynamic: the rule evaluated now; static: the frozen list)', parameters: [idParam], responses: { 200: json(countSchema, 'The count'), 404: err('No such segment') } },
};
openApiPaths['/segments/{id}/customers'] = {
  get: {
    tags: ['Segments'],
    summary: 'Members, a page at a time (highest net spend first)',
    parameters: [idParam, { name: 'page', in: 'query', schema: { type: 'integer', minimum: 1, default: 1 } }, { name: 'size', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } }],
    responses: {
      200: json(
        {
          type: 'object',
          properties: {
            page: { type: 'integer' },
            size: { type: 'integer' },
            total: { type: 'integer' },
            customers: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, display_name: { type: 'string', nullable: true }, mobile_masked: { type: 'string', nullable: true }, store: { type: 'string', nullable: true }, stage: { type: 'string', nullable: true }, rfm_group: { type: 'string', nullable: true }, frequency: { type: 'integer', nullable: true }, monetary_fen: { type: 'integer', nullable: true }, last_purchase: { type: 'string', format: 'date', nullable: true }, is_due: { type: 'boolean', nullable: true }, predicted_value_12m_fen: { type: 'integer', nullable: true } } } },
          },
        },
        'A page of members',
      ),
      404: err('No such segment'),
    },
  },
};
