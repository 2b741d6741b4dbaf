/**
 * msw v2 handlers for WeCom, answered by the simulator's `handle()`: the same contract as the demo
 * (server/wecom/simulator/fetch.ts) and the benchmarks (standalone.ts).
 *
 *   const sim = new WecomSimulator({ ... });
 *   const server = setupServer(...wecomHandlers(sim));
 *
 * Pass a function to swap simulators between tests without re-registering handlers.
 */
import { delay, http, HttpResponse, type HttpHandler } from 'msw';
import type { WecomSimulator } from '../../server/wecom/simulator/simulator';

export const WECOM_BASE_URL = 'https://qyapi.weixin.qq.com';

export interface WecomHandlerOptions {
  baseUrl?: string;
  /** Overrides sim.config.latencyMs. */
  latencyMs?: number;
}

export function wecomHandlers(sim: WecomSimulator | (() => WecomSimulator), opts: WecomHandlerOptions = {}): HttpHandler[] {
  const base = (opts.baseUrl ?? WECOM_BASE_URL).replace(/\/+$/, '');
  const current = typeof sim === 'function' ? sim : () => sim;
  const answer = async ({ request }: { request: Request }) => {
    const s = current();
    const url = new URL(request.url);
    const contentType = request.headers.get('content-type') ?? undefined;
    const body = request.method === 'GET' ? undefined : contentType?.startsWith('multipart/') ? new Uint8Array(await request.arrayBuffer()) : await request.text();
    const latency = opts.latencyMs ?? s.config.latencyMs;
    if (latency > 0) await delay(latency);
    const r = s.handle({ method: request.method, path: url.pathname, query: url.searchParams, body, headers: { 'content-type': contentType } });
    if (r.fault === 'network') return HttpResponse.error();
    return new HttpResponse(JSON.stringify(r.json), { status: r.status, headers: { 'content-type': 'application/json; charset=UTF-8' } });
  };
  return [http.get(`${base}/cgi-bin/*`, answer), http.post(`${base}/cgi-bin/*`, answer)];
}
