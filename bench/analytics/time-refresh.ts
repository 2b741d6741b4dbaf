/** Dev helper: one full refresh of the benchmark tenant with phase timings (optionally running SQL first as owner). */
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { fullRefresh } from '../../server/analytics/refresh.service';

const [dataDir, port, slug, ...pre] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  for (const q of pre) {
    const t0 = Date.now();
    await sql.raw(q).execute(services.dbs.owner);
    process.stdout.write(`${q}: ${Date.now() - t0} ms\n`);
  }
  const t = await findTenantBySlug(services, slug!);
  const t0 = Date.now();
  const r = await fullRefresh(services, t.id);
  process.stdout.write(`full refresh ${Date.now() - t0} ms ${JSON.stringify(r.ms)}\n`);
} finally {
  await services.close();
}
