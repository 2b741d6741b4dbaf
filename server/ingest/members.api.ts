/**
 * /api/v1/members: POST up to 1,000 members (Idempotency-Key header, a result per member). Registered by a
 * side-effect import in server/http/routes.ts; authentication and rate limiting are done by the /api/v1 router.
 */
import express from 'express';
import { apiRouters, openApiPaths, openApiSchemas, type ApiRequest } from '../http/api';
import { ingestApiMembers, MAX_API_MEMBERS } from './members.service';

apiRouters.push((services) => {
  const router = express.Router();
  router.post('/members', async (req, res, next) => {
    try {
      const { actor } = req as ApiRequest;
      const out = await ingestApiMembers(services, actor, req.body, req.get('Idempotency-Key') ?? null);
      if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
      res.status(out.status).json(out.body);
    } catch (e) {
      next(e);
    }
  });
  return router;
});

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

openApiSchemas.MemberInput = {
  type: 'object',
  required: ['member_no'],
  description: 'A field left out keeps what is stored; sending the same member again changes nothing.',
  properties: {
    member_no: { type: 'string', maxLength: 64, description: 'Unique per tenant; the member’s identity (customer_identities kind member_no)' },
    mobile: { type: 'string', description: 'Mainland mobile; matches a WeCom customer with this remark mobile. Stored as a keyed hash, a masked form and sealed (encrypted)' },
    name: { type: 'string', maxLength: 60, description: 'Fills the name of a WeCom customer only when it has none' },
    gender: { type: 'string', enum: ['male', 'female', 'unknown'] },
    birthday: { type: 'string', description: 'YYYY-MM-DD, or MM-DD when the year is not known', example: '1990-05-06' },
    level: { type: 'string', maxLength: 40, example: '金卡' },
    points: { type: 'integer', minimum: 0 },
    register_store_code: { type: 'string', description: 'Code of an existing store; an unknown code rejects the member (error unknown_store)' },
    registered_on: { type: 'string', format: 'date' },
    marketing_opt_out: { type: 'boolean', description: 'true: excluded from every campaign from now on (time recorded, audited); false: may be marketed to again' },
  },
};
openApiSchemas.MemberResult = {
  type: 'object',
  properties: {
    member_no: { type: 'string' },
    status: { type: 'string', enum: ['created', 'updated', 'unchanged', 'rejected'], description: 'created: a new customer; updated: an existing customer (e.g. the WeCom customer with this mobile) changed' },
    customer_id: { type: 'string', format: 'uuid', nullable: true },
    error: { type: 'object', properties: { code: { type: 'string', enum: ['unknown_store'] }, field: { type: 'string', nullable: true } } },
  },
};

openApiPaths['/members'] = {
  post: {
    tags: ['Members'],
    summary: 'Send members (up to 1,000 per call)',
    description:
      'Upserts members by member number into customers, through the same identity resolution as orders: a member whose member number or mobile belongs to a customer (a WeCom customer, or one known from orders) is that customer; others become new customers, and join their WeCom contact when it appears with the same mobile.',
    parameters: [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 }, description: 'Retries with the same key and body return the stored response (header Idempotent-Replayed: true) for 24 hours; the same key with a different body gets 422' }],
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { type: 'object', required: ['members'], properties: { members: { type: 'array', minItems: 1, maxItems: MAX_API_MEMBERS, items: { $ref: '#/components/schemas/MemberInput' } } } } } },
    },
    responses: {
      200: {
        description: 'A result per member, in request order',
        content: { 'application/json': { schema: { type: 'object', properties: { results: { type: 'array', items: { $ref: '#/components/schemas/MemberResult' } }, summary: { type: 'object', properties: { created: { type: 'integer' }, updated: { type: 'integer' }, unchanged: { type: 'integer' }, rejected: { type: 'integer' } } } } } } },
      },
      400: err('Invalid payload; `error.details` lists every bad field as {field: "members[3].birthday", message}'),
      401: err('Missing or unknown API key'),
      422: err('Idempotency-Key reused with a different body'),
      429: err('Rate limit exceeded (Retry-After header)'),
    },
  },
};
