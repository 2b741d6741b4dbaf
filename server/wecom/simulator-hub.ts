/**
 * In-process simulators for simulator-mode connections (the demo tenant of `npm start`, tests).
 *
 * A simulator is built lazily from the connection: the demo's population comes from the demo chain's clerks
 * (server/demo/wecom-population.ts), deterministic by seed, so the web process, the worker and the CLI build the same world.
 * Its mutations post encrypted callbacks through an EventSink whose transport calls the same handler as
 * `POST /wecom/callback/:slug` (server/wecom/callback.service.ts), in-process: no port needed, same code path.
 * That handler is handed in at boot (server/wecom/install.ts) rather than imported: the callback handler sends
 * welcome messages through a client the runtime builds, and the runtime owns this hub.
 * Tests register their own simulator per tenant.
 */
import { demoWecomPopulation } from '../demo/wecom-population';
import type { Services } from '../services';
import { withTenant } from '../tenancy/context';
import type { FetchLike } from './client';
import { callbackUrlFor, type OpenConnection } from './connection.service';
import { createSimulatorFetch } from './simulator/fetch';
import { EventSink } from './simulator/sink';
import { WecomSimulator } from './simulator/simulator';

interface Entry {
  sim: WecomSimulator;
  sink: EventSink | null;
  detach: (() => void) | null;
  key: string;
  registered: boolean;
}

/** The callback route's handler as the hub calls it (server/wecom/callback.service.ts `handleCallback`). */
export type InProcessCallback = (services: Services, req: { slug: string; method: 'GET' | 'POST'; query: Record<string, string>; body: string }) => Promise<{ status: number; body: string }>;

export class SimulatorHub {
  /** Where simulator callbacks go; installed at boot (installWecomRuntime). */
  deliver: InProcessCallback | null = null;
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<WecomSimulator>>();
  private readonly fetches = new WeakMap<WecomSimulator, FetchLike>();

  constructor(private readonly services: Services) {}

  /** Uses `sim` for the tenant's simulator-mode connection (tests). */
  register(tenantId: string, sim: WecomSimulator): void {
    this.entries.get(tenantId)?.detach?.();
    this.entries.set(tenantId, { sim, sink: null, detach: null, key: 'registered', registered: true });
  }

  /** The tenant's simulator if one is running in this process. */
  get(tenantId: string): WecomSimulator | undefined {
    return this.entries.get(tenantId)?.sim;
  }

  /** The event sink delivering the tenant's simulator callbacks (to wait for deliveries). */
  sink(tenantId: string): EventSink | null {
    return this.entries.get(tenantId)?.sink ?? null;
  }

  async forConnection(conn: OpenConnection): Promise<WecomSimulator> {
    const key = `${conn.corpId}\u0000${conn.secret}\u0000${JSON.stringify(conn.simConfig)}\u0000${conn.callbackToken}\u0000${conn.encodingAesKey}`;
    const cur = this.entries.get(conn.tenantId);
    if (cur && (cur.registered || cur.key === key)) return cur.sim;
    const pending = this.building.get(conn.tenantId);
    if (pending) return pending;
    const p = this.build(conn, key).finally(() => this.building.delete(conn.tenantId));
    this.building.set(conn.tenantId, p);
    return p;
  }

  private async build(conn: OpenConnection, key: string): Promise<WecomSimulator> {
    const cfg = conn.simConfig ?? { seed: 1, customers: 2000, staff: 12 };
    const population = demoWecomPopulation(cfg, conn.corpId, conn.secret);
    const sim = new WecomSimulator({ population, adoptPopulation: true, seed: cfg.seed, config: { latencyMs: cfg.latencyMs ?? 0 } });
    const tenant = await withTenant(this.services.dbs, conn.tenantId, (trx) => trx.selectFrom('tenants').select('slug').where('id', '=', conn.tenantId).executeTakeFirstOrThrow());
    this.entries.get(conn.tenantId)?.detach?.();
    const sink = new EventSink({
      url: callbackUrlFor(this.services.config.publicUrl, tenant.slug),
      token: conn.callbackToken,
      encodingAesKey: conn.encodingAesKey,
      corpId: conn.corpId,
      autoFlush: true,
      retryDelayMs: 1000,
      fetch: (url, init) => this.deliverInProcess(url, init),
    });
    const detach = sink.attach(sim);
    this.entries.set(conn.tenantId, { sim, sink, detach, key, registered: false });
    this.services.log.info('WeCom simulator started for a simulator-mode tenant', { slug: tenant.slug, ...sim.summary() });
    return sim;
  }

  /** The sink's transport: the callback route's handler, called in-process. */
  private async deliverInProcess(url: string, init: RequestInit): Promise<Response> {
    const u = new URL(url);
    const m = /^\/wecom\/callback\/([^/]+)$/.exec(u.pathname);
    if (!m) return new Response('not found', { status: 404 });
    if (!this.deliver) return new Response('no callback handler installed (installExtensions)', { status: 503 });
    const res = await this.deliver(this.services, {
      slug: decodeURIComponent(m[1]!),
      method: (init.method ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET',
      query: Object.fromEntries(u.searchParams),
      body: typeof init.body === 'string' ? init.body : '',
    });
    return new Response(res.body, { status: res.status });
  }

  fetchFor(sim: WecomSimulator): FetchLike {
    let f = this.fetches.get(sim);
    if (!f) {
      const inner = createSimulatorFetch(sim);
      f = (url, init) => inner(url, init);
      this.fetches.set(sim, f);
    }
    return f;
  }
}
