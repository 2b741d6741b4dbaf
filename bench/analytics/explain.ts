/** Dev helper: EXPLAIN (ANALYZE, BUFFERS) a query on the benchmark database as the app role in the bench tenant. */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';

const [dataDir, port, slug, file] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  const t = await findTenantBySlug(services, slug!);
  const queries = readFileSync(file!, 'utf8').split(/;\s*\n/).map((q) => q.trim()).filter(Boolean);
  await withTenant(services.dbs, t.id, async (trx) => {
    for (const q of queries) {
      const text = q.replaceAll('$TENANT', `'${t.id}'`);
      const r = await sql.raw<{ 'QUERY PLAN': string }>(text.startsWith('--run') ? text.slice(5) : `explain (analyze, buffers) ${text}`).execute(trx);
      process.stdout.write(`\n== ${text.slice(0, 160).replace(/\s+/g, ' ')}\n${r.rows.map((x) => Object.values(x).join(' ')).join('\n')}\n`);
    }
  });
} finally {
  await services.close();
}
