/**
 * Probe: time a bulk insert of N synthetic orders into `orders` under RLS (as the merge does), with the orders'
 * secondary indexes dropped one group at a time. `npx tsx bench/import/orders-insert-probe.ts [N]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices } from '../../server/services';
import { createTenant } from '../../server/tenancy/tenants.service';
import { withTenant } from '../../server/tenancy/context';

const N = Number(process.argv[2] ?? 440_000);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'huike-probe-'));
const config = loadConfig({ ...process.env, DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(56000 + (process.pid % 1000)), DEMO: 'off', NODE_ENV: 'test' });
const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 2, ownerPoolSize: 2 });
try {
  const variants: [string, string[]][] = [
    ['all indexes', []],
    ['all indexes', []],
    ['- anon partial x5', ['orders_anon_external_userid_idx', 'orders_anon_unionid_idx', 'orders_anon_member_no_idx', 'orders_anon_mobile_idx', 'orders_anon_openid_idx']],
    ['- customer_idx', ['orders_customer_idx']],
    ['- paid_day_idx', ['orders_paid_day_idx']],
    ['- updated_idx', ['orders_updated_idx']],
  ];
  for (const [label, drop] of variants) {
    for (const ix of drop) await services.ownerSql.unsafe(`drop index if exists ${ix}`);
    const t = await createTenant(services, { slug: `p-${Math.random().toString(36).slice(2, 8)}`, name: label, timezone: 'Asia/Shanghai' });
    for (const rls of [true]) {
      const t0 = performance.now();
      await withTenant(services.dbs, t.id, async (trx) => {
        await sql`set local synchronous_commit = off`.execute(trx);
        await sql`create temp table src on commit drop as
          select g as i, 'ORD' || lpad(g::text, 9, '0') as order_no, gen_random_uuid() as customer_id, gen_random_uuid() as store_id,
            now() - (g % 700) * interval '1 day' as paid_at, md5(g::text) as h,
            case when g % 3 = 0 then 'm' || (g % 100000) end as member_no, case when g % 5 = 0 then md5('x' || g) end as mobile_hash
          from generate_series(1, ${N}) g`.execute(trx);
        const t1 = performance.now();
        const r = await sql<{ 'QUERY PLAN': string }>`explain (analyze, buffers, wal) insert into orders (tenant_id, id, order_no, store_id, clerk_id, channel, status, paid_at, paid_day, amount_fen, item_count, is_refund,
            customer_id, member_no, mobile_hash, content_hash, source)
          select ${t.id}::uuid, nextval('orders_id_seq'::regclass), order_no, store_id, null, 'pos', null, paid_at, paid_at::date, 1000, 2, false,
            case when i % 4 <> 0 then customer_id end, member_no, mobile_hash, h, 'import'
          from src order by order_no`.execute(trx);
        process.stdout.write(r.rows.map((x) => x['QUERY PLAN']).join('\n') + '\n');
        process.stdout.write(`${label.padEnd(22)} rls=${rls} insert ${N}: ${Math.round(performance.now() - t1)} ms (total ${Math.round(performance.now() - t0)} ms)\n`);
      });
    }
  }
} finally {
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
