/**
 * Tuning helper: where a full sync spends PostgreSQL time. In-process simulator (no latency, no rate limit),
 * two runs, then the top statements from pg_stat_statements for each.
 *
 *   npx tsx bench/wecom-sync/profile.ts [customers=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { withSystem, withTenant } from '../../server/tenancy/context';
import { createTenant } from '../../server/tenancy/tenants.service';
import { configureConnection } from '../../server/wecom/connection.service';
import { generateEncodingAesKey } from '../../server/wecom/crypto';
import { wecomRuntime } from '../../server/wecom/runtime';
import { generateStaff } from '../../server/wecom/simulator/population';
import { WecomSimulator } from '../../server/wecom/simulator/simulator';
import { requestFullSync, runFullSync } from '../../server/wecom/sync.service';

process.env.HUIKE_PG_SETTINGS = process.env.HUIKE_PG_SETTINGS ?? 'shared_preload_libraries=pg_stat_statements pg_stat_statements.track=all';
const N = Number(process.argv[2] ?? 20000);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-prof-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(56000 + (process.pid % 1000)), DEMO: 'off', NODE_ENV: 'test' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 8, ownerPoolSize: 3 });
try {
  await withSystem(services.dbs, (db) => sql`create extension if not exists pg_stat_statements`.execute(db));
  const sim = new WecomSimulator({ populationOptions: { seed: 1, customers: N, staff: generateStaff(300, 1) }, config: { rateLimitPerMinute: null } });
  const t = await createTenant(services, { slug: 'prof', name: 'prof' });
  const actor = systemActor(t.id, t.slug, 'p');
  await withTenant(services.dbs, t.id, (trx) => configureConnection(services, trx, actor, { corpId: sim.corpId, secret: sim.secret, callbackToken: 'x', aesKey: generateEncodingAesKey(), mode: 'simulator' }));
  wecomRuntime(services).hub.register(t.id, sim);
  for (const label of ['run1', 'run2']) {
    await withSystem(services.dbs, (db) => sql`select pg_stat_statements_reset()`.execute(db));
    const { runId } = await requestFullSync(services, actor, 'cli');
    const t0 = performance.now();
    await runFullSync(services, t.id, runId, {});
    const s = (performance.now() - t0) / 1000;
    const top = await withSystem(services.dbs, (db) =>
      sql<{ calls: number; ms: number; rows: number; q: string }>`
        select calls::int, round(total_exec_time)::int as ms, rows::int, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) as q
        from pg_stat_statements order by total_exec_time desc limit 14`.execute(db),
    );
    console.log(`\n== ${label}: ${s.toFixed(2)} s`);
    for (const r of top.rows) console.log(String(r.ms).padStart(7), 'ms', String(r.calls).padStart(6), 'calls', String(r.rows).padStart(8), 'rows ', r.q);
  }
} finally {
  await services.close();
  if (process.env.KEEP) console.log('kept', dataDir, config.EMBEDDED_PG_PORT);
  else rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
