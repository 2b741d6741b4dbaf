/**
 * The express host's security layer, in front of every route (issue 12 points 11 and 13):
 *
 * - `securityHeaders`: a fresh CSP nonce per request (`res.locals.cspNonce`, handed to Remix through the load
 *   context and rendered on every inline script by app/entry.server.tsx and app/root.tsx) and the headers below.
 *   Pages may be framed by our own origin only (`frame-ancestors 'self'`, `X-Frame-Options: SAMEORIGIN`), except
 *   the WeCom sidebar under `/wecom/sidebar`, which the WeCom client embeds: there the frame rule names WeCom's
 *   origins, scripts may also come from WeCom's JS-SDK hosts (WECOM_SDK_HOSTS), and X-Frame-Options is left out
 *   (it cannot name another origin).
 * - `sameOriginMutations`: CSRF, first line (ADR 0003): a browser mutation must come from our own origin. A
 *   malformed `Origin` is a 400, not an exception.
 * - `formMutationsOnly`: Remix actions read forms; any other body type on a mutation is a 415 before Remix
 *   tries to parse it.
 * - `finalErrorHandler`: whatever reaches express' error path is logged with the request id and answered
 *   without a stack trace, keeping a 4xx status from the body parsers.
 */
import { randomBytes } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Services } from '../services';

/** Paths the WeCom client frames (the customer sidebar of the chat toolbar). */
export const WECOM_FRAMED_PATHS = ['/wecom/sidebar'];
/** Who may frame them: WeCom's web and desktop clients. */
export const WECOM_FRAME_ANCESTORS = ["'self'", 'https://work.weixin.qq.com', 'https://*.work.weixin.qq.com'];
/** Where the sidebar loads WeCom's JS-SDK from (jweixin and jwxwork, app/lib/wecom-jssdk.ts WECOM_SDK_URLS). */
export const WECOM_SDK_HOSTS = ['https://res.wx.qq.com', 'https://open.work.weixin.qq.com'];

const isWecomFramed = (path: string) => WECOM_FRAMED_PATHS.some((p) => path === p || path.startsWith(`${p}/`));

/**
 * The policy: scripts only from our origin or carrying this request's nonce (Remix's inline context and
 * hydration scripts); styles from our origin plus inline style attributes (React and recharts render them);
 * no plugins, no foreign form targets or base URLs.
 */
export function contentSecurityPolicy(nonce: string, frameAncestors: readonly string[] = ["'self'"], scriptHosts: readonly string[] = []): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'${scriptHosts.map((h) => ` ${h}`).join('')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    `frame-ancestors ${frameAncestors.join(' ')}`,
  ].join('; ');
}

export function securityHeaders(services: Services): RequestHandler {
  const hsts = services.config.isProduction && services.config.publicUrl.startsWith('https:');
  return (req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    const framed = isWecomFramed(req.path);
    res.setHeader('Content-Security-Policy', framed ? contentSecurityPolicy(nonce, WECOM_FRAME_ANCESTORS, WECOM_SDK_HOSTS) : contentSecurityPolicy(nonce));
    if (!framed) res.setHeader('X-Frame-Options', 'SAMEORIGIN');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    if (hsts) res.setHeader('Strict-Transport-Security', 'max-age=15552000');
    next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

export function sameOriginMutations(services: Services): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      const host = originHost(origin);
      if (host === null) {
        services.log.warn('mutation with a malformed Origin refused', { path: req.path, origin });
        res.status(400).type('text/plain').send('Malformed Origin header');
        return;
      }
      if (host !== req.headers.host) return refuseCrossSite(services, req.path, origin, site, res);
    }
    if (site === 'cross-site') return refuseCrossSite(services, req.path, origin, site, res);
    next();
  };
}

function refuseCrossSite(services: Services, path: string, origin: string | undefined, site: string | string[] | undefined, res: Parameters<RequestHandler>[1]): void {
  services.log.warn('cross-site mutation refused', { path, origin, site });
  res.status(403).type('text/plain').send('Cross-site request refused');
}

/** Body types a Remix action can read. */
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

export function formMutationsOnly(): RequestHandler {
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (FORM_TYPES.includes(type)) return next();
    res.status(415).type('text/plain').send('Unsupported body: send a form (application/x-www-form-urlencoded or multipart/form-data)');
  };
}

export function finalErrorHandler(services: Services): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown };
    const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    const requestId = res.locals.requestId as string | undefined;
    if (status >= 400 && status < 500) {
      res.status(status).type('text/plain').send(e.expose && err instanceof Error ? err.message : 'Bad request');
      return;
    }
    services.log.error('request failed', { requestId, method: req.method, path: req.path, error: err });
    res.status(500).type('text/plain').send(`Internal error (request ${requestId ?? 'unknown'})`);
  };
}
