/**
 * `GET|POST /wecom/callback/:slug`: WeCom's URL verification and event delivery for one tenant. The body is read
 * raw (XML or JSON, any content type) and handed to server/wecom/callback.service.ts. Registered as a root
 * router (server/http/routes.ts), before Remix and its CSRF check (WeCom is a cross-site POST by design).
 */
import express, { type Router } from 'express';
import type { Services } from '../services';
import { rootRouters } from '../http/root-routers';
import { handleCallback } from './callback.service';

function queryRecord(q: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (q && typeof q === 'object') for (const [k, v] of Object.entries(q)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function createWecomCallbackRouter(services: Services): Router {
  const router = express.Router();
  const raw = express.text({ type: () => true, limit: '256kb' });
  router.get('/wecom/callback/:slug', async (req, res, next) => {
    try {
      const r = await handleCallback(services, { slug: req.params.slug ?? '', method: 'GET', query: queryRecord(req.query), body: '', ip: req.ip ?? null });
      res.status(r.status).type('text/plain').send(r.body);
    } catch (e) {
      next(e);
    }
  });
  router.post('/wecom/callback/:slug', raw, async (req, res, next) => {
    try {
      const body = typeof req.body === 'string' ? req.body : '';
      const r = await handleCallback(services, { slug: req.params.slug ?? '', method: 'POST', query: queryRecord(req.query), body, ip: req.ip ?? null });
      res.status(r.status).type('text/plain').send(r.body);
    } catch (e) {
      next(e);
    }
  });
  return router;
}

rootRouters.push(createWecomCallbackRouter);
