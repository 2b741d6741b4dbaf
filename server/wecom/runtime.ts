/**
 * The process-wide WeCom runtime (kept in `services.extensions.wecom`) and `wecomClientFor`, the only way the
 * rest of Huike gets a WeCom client:
 * - one cached WecomClient per tenant (rebuilt when the connection is saved), so the client's single-flight
 *   token refresh and statistics are per tenant;
 * - tokens in the database (PgTokenStore), shared by every process of the tenant;
 * - one TokenBucketRateLimiter per process: per-(corp, API) buckets give each tenant its own documented
 *   10,000/min budget, and the per-API buckets keep the whole process inside the per-IP limit;
 * - simulator-mode connections (the demo) talk to an in-process WecomSimulator through its fetch.
 */
import { silentLogger } from '../lib/log';
import type { Services } from '../services';
import type { TenantId } from '../tenancy/context';
import { WecomClient, type FetchLike, type WecomClientOptions } from './client';
import { loadOpenConnection, type OpenConnection } from './connection.service';
import { PgTokenStore } from './pg-token-store';
import { TokenBucketRateLimiter, type RateLimiter } from './rate-limit';
import { SimulatorHub } from './simulator-hub';
import type { TokenStore } from './token-store';

export type ClientOverrides = Partial<Pick<WecomClientOptions, 'retry' | 'sleep' | 'timeoutMs' | 'random' | 'now' | 'refreshMarginMs'>>;

const BRAND = 'huike.wecom.runtime.v1';

export class WecomRuntime {
  /** Recognised by value, not by class: the Remix server bundle holds its own copy of this module. */
  readonly brand = BRAND;
  readonly rateLimiter: RateLimiter = new TokenBucketRateLimiter();
  readonly hub: SimulatorHub;
  readonly clients = new Map<string, { version: number; client: WecomClient }>();
  /** Live-mode transport override (tests); default globalThis.fetch (which msw intercepts in tests). */
  fetch: FetchLike | undefined;
  /** Client option overrides (tests: short backoff). */
  clientOptions: ClientOverrides = {};

  constructor(services: Services) {
    this.hub = new SimulatorHub(services);
  }

  /** Forgets cached clients (after the connection changed, or in tests). */
  reset(tenantId?: TenantId): void {
    if (tenantId) this.clients.delete(tenantId);
    else this.clients.clear();
  }
}

const KEY = 'wecom';

function isRuntime(v: unknown): v is WecomRuntime {
  return typeof v === 'object' && v !== null && (v as { brand?: unknown }).brand === BRAND;
}

/**
 * The process's runtime. The routes (compiled into the Remix build) and the host (server/, loaded by tsx) each
 * have a copy of this module, so the check is by brand, never `instanceof`: both must share one runtime, or the
 * demo would run two simulators and tokens would be refreshed by two single-flights.
 */
export function wecomRuntime(services: Services): WecomRuntime {
  const cur = services.extensions[KEY];
  if (isRuntime(cur)) return cur;
  const rt = new WecomRuntime(services);
  services.extensions[KEY] = rt;
  return rt;
}

function appKeyFor(conn: OpenConnection): string | undefined {
  return conn.agentId !== null ? `agent:${conn.agentId}` : undefined;
}

/** Builds a client for a connection (used by the cache below and by "test connection" with its own store). */
export async function buildClient(services: Services, conn: OpenConnection, opts: { tokenStore?: TokenStore; retry?: WecomClientOptions['retry']; timeoutMs?: number } = {}): Promise<WecomClient> {
  const rt = wecomRuntime(services);
  let fetchImpl: FetchLike | undefined = rt.fetch;
  let baseUrl = conn.baseUrl ?? undefined;
  // Against the in-process simulator the client keeps the simulator's time, as a client against WeCom keeps the wall
  // clock both share: when the demo moves the simulator's clock on by hours, tokens are renewed before they are due
  // instead of being rejected first.
  let now: (() => number) | undefined;
  if (conn.mode === 'simulator') {
    const sim = await rt.hub.forConnection(conn);
    fetchImpl = rt.hub.fetchFor(sim);
    baseUrl = 'http://simulator.invalid';
    now = () => sim.now();
  }
  const appKey = appKeyFor(conn);
  return new WecomClient({
    corpId: conn.corpId,
    secret: conn.secret,
    ...(appKey ? { appKey } : {}),
    ...(baseUrl ? { baseUrl } : {}),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(now ? { now } : {}),
    tokenStore: opts.tokenStore ?? new PgTokenStore(services.dbs, conn.tenantId, services.config.APP_ENCRYPTION_KEY),
    rateLimiter: rt.rateLimiter,
    logger: services.log ?? silentLogger,
    ...rt.clientOptions,
    ...(opts.retry ? { retry: { ...rt.clientOptions.retry, ...opts.retry } } : {}),
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  });
}

/** The tenant's one WeCom client. Throws WecomNotConfiguredError when the tenant has no connection. */
export async function wecomClientFor(services: Services, tenantId: TenantId): Promise<WecomClient> {
  const rt = wecomRuntime(services);
  const conn = await loadOpenConnection(services, tenantId);
  const cached = rt.clients.get(tenantId);
  if (cached && cached.version === conn.version) return cached.client;
  const client = await buildClient(services, conn);
  rt.clients.set(tenantId, { version: conn.version, client });
  return client;
}
