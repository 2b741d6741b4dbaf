/** Dev helper: times the phases of a full recompute on the benchmark database, into the table and into a temp table. */
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';
import { metricsAt, getState } from '../../server/analytics/refresh.service';

const [dataDir, port, slug] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  const t = await findTenantBySlug(services, slug!);
  await withTenant(services.dbs, t.id, async (trx) => {
    const s = await getState(trx, t.id);
    const d = new Date(Date.parse(`${s!.as_of}T00:00:00Z`) - 86400_000).toISOString().slice(0, 10);
    const t0 = Date.now();
    await metricsAt(trx, t.id, d);
    process.stdout.write(`into temp table: ${Date.now() - t0} ms\n`);
    const r = await sql<{ n: number }>`select count(*)::int as n from _an_cm`.execute(trx);
    process.stdout.write(`${r.rows[0]!.n} rows\n`);
  });
} finally {
  await services.close();
}
