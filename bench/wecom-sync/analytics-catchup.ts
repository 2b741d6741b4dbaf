/**
 * The analytics catch-up after a chain's first WeCom sync into a tenant that already has analytics (e.g. orders
 * imported first): 100,000 customers from the in-process simulator, then the refresh job's work, timed.
 *
 *   npx tsx bench/wecom-sync/analytics-catchup.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { createTenant } from '../../server/tenancy/tenants.service';
import { configureConnection } from '../../server/wecom/connection.service';
import { generateEncodingAesKey } from '../../server/wecom/crypto';
import { WecomSimulator } from '../../server/wecom/simulator/simulator';
import { generateStaff } from '../../server/wecom/simulator/population';
import { wecomRuntime } from '../../server/wecom/runtime';
import { requestFullSync, runFullSync } from '../../server/wecom/sync.service';
import { fullRefresh, refreshTouched } from '../../server/analytics/refresh.service';
import { sql } from 'kysely';
import { freePort } from '../../tests/support/ports';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-catchup-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), DEMO: 'off', NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 8, ownerPoolSize: 3 });
try {
  const t = await createTenant(services, { slug: 'catchup', name: 'c' });
  const sim = new WecomSimulator({ populationOptions: { seed: 1, customers: 100000, staff: generateStaff(300, 1) }, seed: 1, config: { rateLimitPerMinute: null } });
  await withTenant(services.dbs, t.id, (trx) => configureConnection(services, trx, systemActor(t.id, t.slug, 'x'), { corpId: sim.corpId, secret: sim.secret, callbackToken: 'tok', aesKey: generateEncodingAesKey(), mode: 'simulator', simConfig: { seed: 1, customers: 100000, staff: 300 } }));
  wecomRuntime(services).hub.register(t.id, sim);
  await fullRefresh(services, t.id);
  const { runId } = await requestFullSync(services, systemActor(t.id, t.slug, 'x'), 'cli');
  let t0 = Date.now();
  await runFullSync(services, t.id, runId);
  console.log(`first sync of 100,000 customers (in-process, no latency): ${Date.now() - t0} ms`);
  const q = await withTenant(services.dbs, t.id, (trx) => sql<{ n: number; r: number }>`select (select count(*)::int from customer_refresh_queue) n, (select count(*)::int from analytics_refresh_requests) r`.execute(trx));
  console.log(`left for analytics: ${q.rows[0]!.n} customer_refresh_queue rows, ${q.rows[0]!.r} full-recompute request(s)`);
  t0 = Date.now();
  const reps = await refreshTouched(services, t.id);
  console.log(`analytics catch-up (the refresh job's work): ${Date.now() - t0} ms — ${reps.map((r) => `${r.mode}${r.processed ? ` ${r.processed} customers` : ''} ${r.ms.total} ms`).join(', ')}`);
} finally {
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
