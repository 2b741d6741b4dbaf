/**
 * A fetch-compatible function answered by an in-process simulator (demo mode, benchmarks without sockets).
 * Any host is accepted; only the path under /cgi-bin/ matters. Latency comes from `sim.config.latencyMs`
 * unless overridden; injected network faults reject like a real fetch (TypeError "fetch failed").
 */
import type { SimRequest } from './api';
import type { WecomSimulator } from './simulator';

export interface SimulatorFetchOptions {
  latencyMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function bodyOf(input: RequestInfo | URL, init: RequestInit | undefined, multipart: boolean): Promise<string | Uint8Array | undefined> {
  const b = init?.body;
  if (b === undefined || b === null) {
    if (input instanceof Request) return multipart ? new Uint8Array(await input.arrayBuffer()) : input.text();
    return undefined;
  }
  if (typeof b === 'string') return b;
  // A media upload keeps its bytes (multipart/form-data); JSON bodies are text.
  return multipart ? new Uint8Array(await new Response(b).arrayBuffer()) : new Response(b).text();
}

/** Turns a fetch call into a simulator request and its answer into a Response. */
export async function simulatorRequestFromFetch(input: RequestInfo | URL, init?: RequestInit): Promise<SimRequest> {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const contentType = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('content-type') ?? undefined;
  const body = await bodyOf(input, init, contentType?.startsWith('multipart/') ?? false);
  return { method, path: url.pathname, query: url.searchParams, body, headers: { 'content-type': contentType } };
}

export function createSimulatorFetch(sim: WecomSimulator, opts: SimulatorFetchOptions = {}): (input: RequestInfo | URL, init?: RequestInit) => Promise<Response> {
  const sleep = opts.sleep ?? realSleep;
  return async (input, init) => {
    if (init?.signal?.aborted) throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
    const req = await simulatorRequestFromFetch(input, init);
    const latency = opts.latencyMs ?? sim.config.latencyMs;
    if (latency > 0) await sleep(latency);
    const res = sim.handle(req);
    if (res.fault === 'network') throw new TypeError('fetch failed', { cause: new Error('simulated network error') });
    return new Response(JSON.stringify(res.json), { status: res.status, headers: { 'content-type': 'application/json; charset=UTF-8' } });
  };
}
