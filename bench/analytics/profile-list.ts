/** Dev helper: times the pieces of the customer-list loader on the benchmark database (ops and manager). */
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';
import { login, resolveSession } from '../../server/tenancy/auth.service';
import { filterOptions } from '../../server/analytics/filters';
import { listCustomerMetrics, type CustomerFilters, type MetricSort } from '../../server/customers/customer-list.service';
import { getState } from '../../server/analytics/refresh.service';

const [dataDir, port, slug] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  const t = await findTenantBySlug(services, slug!);
  for (const email of ['ops@bench.huike', 'manager@bench.huike']) {
    const r = await login(services, { identifier: email, password: 'bench-password-1', ip: null, userAgent: null });
    const s = await resolveSession(services, r.cookie.split(';')[0]!);
    if (s?.kind !== 'staff') throw new Error('no session');
    const actor = s.actor;
    const cases: [MetricSort, 'asc' | 'desc', CustomerFilters][] = [
      ['monetary', 'desc', { stage: 'at_risk' }],
      ['priority', 'desc', { due: true }],
      ['last_purchase', 'desc', { group: 'champions' }],
      ['last_purchase', 'desc', { r: 4, fm: 5 }],
    ];
    for (const [sort, dir, filters] of cases) {
      for (let rep = 0; rep < 2; rep++) {
        const t0 = performance.now();
        await withTenant(services.dbs, t.id, async (trx) => {
          await getState(trx, t.id);
          const o = await filterOptions(trx, actor);
          const t1 = performance.now();
          const l = await listCustomerMetrics(trx, actor, { sort, dir, page: 3, size: 50, filters }, o);
          const t2 = performance.now();
          process.stdout.write(`${actor.role} ${sort} ${dir} ${JSON.stringify(filters)}: total ${l.total}, rows ${l.rows.length}; options ${(t1 - t0).toFixed(0)} ms, list ${(t2 - t1).toFixed(0)} ms\n`);
        });
      }
    }
  }
  void sql;
} finally {
  await services.close();
}
