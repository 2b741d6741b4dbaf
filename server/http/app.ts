/**
 * The express application: health, the WeCom callback routes, /api/v1, static assets and the Remix handler.
 * Kept apart from the process entry (server/index.ts) so tests can serve it in-process.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createRequestHandler } from '@remix-run/express';
import type { ServerBuild } from '@remix-run/node';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { ROOT_DIR } from '../config';
import type { Services } from '../services';
import { createApiRouter } from './api';
import { rootRouters } from './root-routers';
import { finalErrorHandler, formMutationsOnly, sameOriginMutations, securityHeaders } from './security';
import './routes';

export async function healthReport(services: Services) {
  const started = Date.now();
  let database: 'ok' | 'down' = 'ok';
  try {
    await sql`select 1`.execute(services.dbs.app);
  } catch {
    database = 'down';
  }
  let queue: 'ok' | 'down' | 'not_running' = services.queue.started ? 'ok' : 'not_running';
  if (services.queue.started) {
    try {
      await sql`select 1 from pgboss.version`.execute(services.dbs.owner);
    } catch {
      queue = 'down';
    }
  }
  const ok = database === 'ok' && queue !== 'down' && !(services.config.WORKER === 'inline' && queue !== 'ok');
  return { status: ok ? 'ok' : 'degraded', database, queue, worker: services.config.WORKER, uptime_s: Math.round(process.uptime()), checked_ms: Date.now() - started };
}

/** File types served from public/, unless a Remix resource route has that very path (see routePathsWithExtension). */
const ASSET = /\.(ico|png|jpe?g|gif|svg|webp|avif|bmp|css|js|mjs|cjs|map|woff2?|ttf|otf|eot|webmanifest)$/i;

/**
 * A static asset that is not there (a browser's /favicon.ico or /apple-touch-icon.png, an old /build chunk): a
 * plain 404 and one log line. Left to Remix it would render the app's 404 page and log "No route matches URL"
 * with a stack trace each time.
 */
function missingAsset(services: Services, routePaths: ReadonlySet<string>) {
  return (req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !(req.path.startsWith('/build/') || ASSET.test(req.path)) || routePaths.has(req.path)) return next();
    services.log.info('asset not found', { status: 404, path: req.path, requestId: res.locals.requestId });
    res.status(404).type('text/plain').send('Not found');
  };
}

/** Top-level Remix routes whose path is a file name (e.g. the simulator's `/wecom/sim/jssdk.js`): they are not assets. */
function routePathsWithExtension(build: ServerBuild | (() => Promise<ServerBuild>)): Set<string> {
  if (typeof build === 'function') return new Set();
  return new Set(Object.values(build.routes).filter((r) => r.parentId === 'root' && r.path && ASSET.test(r.path) && !r.path.includes(':')).map((r) => `/${r.path}`));
}

export function createHttpApp(services: Services, build: ServerBuild | (() => Promise<ServerBuild>)): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use((req, res, next) => {
    const id = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  app.use(securityHeaders(services));

  app.get('/healthz', async (_req, res) => {
    const report = await healthReport(services);
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });

  for (const factory of rootRouters) app.use(factory(services));
  app.use('/api/v1', createApiRouter(services));

  app.use('/build', express.static(path.join(ROOT_DIR, 'public/build'), { immutable: true, maxAge: '1y' }));
  // Only paths that look like files can be in public/: a page request (/customers) skips the file lookup (a stat per
  // request, measurable under load: docs/benchmarks.md, the /customers page).
  const publicFiles = express.static(path.join(ROOT_DIR, 'public'), { maxAge: '1h' });
  app.use((req, res, next) => (ASSET.test(req.path) ? publicFiles(req, res, next) : next()));
  app.use(missingAsset(services, routePathsWithExtension(build)));

  // CSRF, first line: a browser mutation must come from our own origin. The per-session token is checked by
  // the route guards (app/lib/guards.server.ts) as the second line. Remix actions read forms only.
  app.use(sameOriginMutations(services));
  app.use(formMutationsOnly());

  app.all(
    '*',
    createRequestHandler({
      build,
      mode: services.config.isProduction ? 'production' : 'development',
      getLoadContext: (req, res) => ({ services, requestId: res.locals.requestId as string, clientIp: req.ip ?? null, cspNonce: res.locals.cspNonce as string }),
    }),
  );
  app.use(finalErrorHandler(services));
  return app;
}
