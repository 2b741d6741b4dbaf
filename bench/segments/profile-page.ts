/**
 * Dev helper: times the pieces of the /customers loader (session, list context, the list through the compiler,
 * WeCom columns and tag options, the user's list actions) on a running app's database, without HTTP:
 * `npx tsx bench/segments/profile-page.ts DATA_DIR PORT SLUG EMAIL PASSWORD`.
 */
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';
import { login, resolveSession } from '../../server/tenancy/auth.service';
import { listContext } from '../../server/analytics/queries/read';
import { listCustomerMetrics } from '../../server/customers/customer-list.service';
import { wecomColumnsFor } from '../../server/wecom/customer-wecom.repository';
import { listTagOptions } from '../../server/wecom/tags.repository';
import { recentListActions } from '../../server/segments/actions.repository';

const [dataDir, port, slug, email, password] = process.argv.slice(2);
const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
const time = async <T>(label: string, fn: () => Promise<T>, times: Record<string, number[]>): Promise<T> => {
  const t0 = performance.now();
  const r = await fn();
  (times[label] ??= []).push(performance.now() - t0);
  return r;
};
try {
  const t = await findTenantBySlug(services, slug!);
  const r = await login(services, { identifier: email!, password: password!, ip: null, userAgent: null });
  const cookie = r.cookie.split(';')[0]!;
  const times: Record<string, number[]> = {};
  for (let i = 0; i < 30; i++) {
    const s = await time('session', () => resolveSession(services, cookie), times);
    if (s?.kind !== 'staff') throw new Error('no session');
    const actor = s.actor;
    const ids = await withTenant(services.dbs, t.id, async (trx) => {
      const { state, options } = await time('listContext', () => listContext(trx, actor), times);
      const l = await time('list', () => listCustomerMetrics(trx, actor, { sort: 'last_purchase', dir: 'desc', page: 1, size: 50, filters: {} }, options, 'customer_metrics', state?.as_of), times);
      return l.rows.map((x) => x.id);
    });
    await withTenant(services.dbs, t.id, async (trx) => {
      const catalogue = await listTagOptions(trx, actor.tenantId);
      await time('wecomColumns', () => wecomColumnsFor(trx, actor, ids, catalogue), times);
      await time('tagOptions', () => listTagOptions(trx, actor.tenantId), times);
      await time('listActions', () => recentListActions(trx, actor.tenantId, actor.staffId), times);
    });
  }
  for (const [k, xs] of Object.entries(times)) {
    const s = xs.slice(5).sort((a, b) => a - b);
    process.stdout.write(`${k.padEnd(14)} p50 ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms  max ${s[s.length - 1]!.toFixed(1)} ms\n`);
  }
} finally {
  await services.close();
}
