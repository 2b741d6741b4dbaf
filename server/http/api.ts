/**
 * /api/v1: the public REST API, authenticated by tenant API keys (`Authorization: Bearer hk_…`).
 * Capabilities register their routers in `apiRouters`; errors come back as JSON `{ error: { code, message, details } }`.
 */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { authenticateApiKey } from '../tenancy/auth.service';
import { TooManyRequestsError, toUserError } from '../lib/errors';

export interface ApiRequest extends Request {
  actor: Actor;
  requestId: string;
}

export type ApiRouterFactory = (services: Services) => Router;

/** Token bucket per API key: 600 requests per minute with bursts of 60. */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private perMinute = 600,
    private burst = 60,
  ) {}
  take(key: string, now = Date.now()): number {
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - b.tokens) / this.perMinute) * 60);
  }
}

export function apiAuth(services: Services, limiter: RateLimiter) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const actor = await authenticateApiKey(services, req.headers.authorization ?? null, res.locals.requestId as string);
      const wait = limiter.take(actor.tenantId + ':' + actor.name);
      if (wait > 0) throw new TooManyRequestsError('Rate limit exceeded', wait);
      (req as ApiRequest).actor = actor;
      (req as ApiRequest).requestId = res.locals.requestId as string;
      next();
    } catch (e) {
      next(e);
    }
  };
}

export function apiErrorHandler(services: Services) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const ue = toUserError(err);
    if ((err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'invalid_json', message: 'Request body is not valid JSON' } });
      return;
    }
    if ((err as { type?: string }).type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'too_large', message: 'Request body too large' } });
      return;
    }
    if (ue) {
      if (ue instanceof TooManyRequestsError) res.setHeader('Retry-After', String(ue.retryAfterSeconds));
      res.status(ue.status).json({ error: { code: ue.code, message: ue.message, details: ue.details } });
      return;
    }
    services.log.error('api error', { requestId: res.locals.requestId, path: req.path, error: err });
    res.status(500).json({ error: { code: 'internal', message: 'Internal error', request_id: res.locals.requestId } });
  };
}

/** Routers mounted under /api/v1 after authentication. Capabilities append theirs. */
export const apiRouters: ApiRouterFactory[] = [];

/** OpenAPI path objects contributed by capabilities, merged into /api/v1/openapi.json. */
export const openApiPaths: Record<string, unknown> = {};
export const openApiSchemas: Record<string, unknown> = {};

export function openApiDocument(services: Services): unknown {
  return {
    openapi: '3.0.3',
    info: { title: 'Huike API', version: '1.0.0', description: '回客 Huike REST API. Authenticate with a tenant API key: `Authorization: Bearer hk_…` (create one in Settings → API keys or with `npm run huike -- apikey create`).' },
    servers: [{ url: `${services.config.publicUrl}/api/v1` }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Tenant API key (hk_…)' } },
      schemas: { Error: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } } }, ...openApiSchemas },
    },
    security: [{ apiKey: [] }],
    paths: openApiPaths,
  };
}

export function createApiRouter(services: Services): Router {
  const router = express.Router();
  const limiter = new RateLimiter();
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(services));
  });
  router.use(express.json({ limit: '20mb' }));
  router.use(apiAuth(services, limiter));
  for (const factory of apiRouters) router.use(factory(services));
  router.use((_req, res) => {
    res.status(404).json({ error: { code: 'not_found', message: 'No such API endpoint' } });
  });
  router.use(apiErrorHandler(services));
  return router;
}
