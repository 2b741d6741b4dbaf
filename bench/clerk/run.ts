/**
 * Clerk workspace benchmark (issue 16): 60 clerks browse 今日 (/m) and customer cards (/m/customers/<id>)
 * concurrently on the 1M-customer bench tenant of bench/analytics (generated with `--generate-only`), through the
 * real express + Remix app; p95 per page, goal ≤ 150 ms. Results go to docs/benchmarks.md ("Clerk workspace") with
 * `--write`.
 *
 * The analytics tenant has orders but no WeCom relations, so the first run prepares it (idempotent): every customer
 * is served by the clerk of their latest order (customer_follows), metrics are computed (fullRefresh) if missing,
 * and 60 clerks get a sign-in. Each measured clerk then opens 今日 and cards of their own customers (document
 * requests: the layout's tab count and the page loader, rendered HTML), `--rounds` times.
 *
 *   npm run build && npx tsx bench/clerk/run.ts --data-dir /tmp/h1-bench-1m --port 55100 [--rounds 5] [--write]
 */
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { ServerBuild } from '@remix-run/node';
import { sql } from 'kysely';
import { loadConfig, ROOT_DIR } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { openServices, type Services } from '../../server/services';
import { createHttpApp } from '../../server/http/app';
import { findTenantBySlug } from '../../server/tenancy/tenants.service';
import { withSystem, withTenant, type TenantId } from '../../server/tenancy/context';
import { login } from '../../server/tenancy/auth.service';
import { hashPassword } from '../../server/tenancy/passwords';
import { fullRefresh } from '../../server/analytics/refresh.service';
import { writeSection } from '../lib/benchmarks-md';
import { rerunInProduction } from '../lib/production';

const { values: args } = parseArgs({
  options: {
    slug: { type: 'string', default: 'bench-1000000' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'huike-bench-analytics') },
    port: { type: 'string', default: '54391' },
    clerks: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '5' },
    // A clerk reads a page before opening the next: [0.5, 1.5] × this many ms (a person, however quick, is not a
    // loop). 0 sends back to back: a saturation test, where latency is queueing (60 clients / throughput).
    'think-ms': { type: 'string', default: '1000' },
    write: { type: 'boolean', default: false },
  },
});

const PASSWORD = 'bench-password-1';
const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

/** Relations (the clerk of each customer's latest order), metrics, and sign-ins for the measured clerks. */
async function prepare(services: Services, tenantId: TenantId, clerks: number): Promise<{ staffId: string; email: string }[]> {
  await withSystem(services.dbs, async (db) => {
    const has = await sql<{ n: number }>`select count(*)::int as n from (select 1 from customer_follows where tenant_id = ${tenantId}::uuid limit 1) x`.execute(db);
    if (has.rows[0]!.n > 0) return;
    log('preparing: customer_follows from each customer’s latest order …');
    await sql`insert into customer_follows (tenant_id, customer_id, staff_id, added_at, add_way, remark)
      select distinct on (o.customer_id) o.tenant_id, o.customer_id, o.clerk_id, o.paid_at - interval '30 days', 1, ''
      from orders o where o.tenant_id = ${tenantId}::uuid and o.customer_id is not null and o.clerk_id is not null and not o.is_refund
      order by o.customer_id, o.paid_at desc
      on conflict do nothing`.execute(db);
    await sql`vacuum analyze customer_follows`.execute(db);
  });
  const metrics = await withSystem(services.dbs, (db) => sql<{ n: number }>`select count(*)::int as n from (select 1 from customer_metrics where tenant_id = ${tenantId}::uuid limit 1) x`.execute(db));
  if (metrics.rows[0]!.n === 0) {
    log('preparing: full analytics refresh (customer metrics, due) …');
    await fullRefresh(services, tenantId, { rebuildFacts: true });
  }
  const hash = await hashPassword(PASSWORD);
  // Clerks spread over the stores: every (2000 / n)-th clerk by name.
  return withTenant(services.dbs, tenantId, async (trx) => {
    const r = await sql<{ id: string; email: string }>`
      with picked as (select id, row_number() over (order by name, id) as k, count(*) over () as total from staff where tenant_id = ${tenantId}::uuid and role = 'clerk' and active),
      chosen as (select id, 'clerk' || k || '@bench.huike' as email from picked where (k - 1) % greatest(1, total / ${clerks}) = 0 order by k limit ${clerks})
      update staff s set email = c.email, password_hash = ${hash} from chosen c where s.tenant_id = ${tenantId}::uuid and s.id = c.id
      returning s.id, s.email`.execute(trx);
    return r.rows.map((x) => ({ staffId: x.id, email: x.email }));
  });
}

async function main() {
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: args['data-dir'], EMBEDDED_PG_PORT: args.port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '' });
  const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 24, ownerPoolSize: 4 });
  try {
    const tenantId = (await findTenantBySlug(services, args.slug!)).id;
    const counts = await withSystem(services.dbs, (db) =>
      sql<{ customers: number; orders: number; follows: number }>`select (select count(*)::int from customers where tenant_id = ${tenantId}) as customers,
        (select count(*)::int from orders where tenant_id = ${tenantId}) as orders, (select count(*)::int from customer_follows where tenant_id = ${tenantId}) as follows`.execute(db),
    );
    const clerks = await prepare(services, tenantId, Number(args.clerks));
    const c = counts.rows[0]!;
    log(`tenant: ${c.customers} customers, ${c.orders} orders; ${clerks.length} clerks measured`);
    const buildPath = path.join(ROOT_DIR, 'build/index.js');
    if (!existsSync(buildPath)) throw new Error('run `npm run build` first');
    const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
    const app = createHttpApp(services, build);
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const rounds = Number(args.rounds);
    const thinkMs = Number(args['think-ms']);
    const plan = { base, rounds, thinkMs, clerks: [] as { cookie: string; pages: Record<string, string[]> }[] };
    for (const k of clerks) {
      const r = await login(services, { identifier: k.email, password: PASSWORD, ip: '127.0.0.1', userAgent: 'bench' });
      const mine = await withTenant(services.dbs, tenantId, (trx) =>
        sql<{ id: string }>`select customer_id as id from customer_follows where tenant_id = ${tenantId}::uuid and staff_id = ${k.staffId}::uuid and ended_at is null order by customer_id limit ${rounds}`.execute(trx),
      );
      plan.clerks.push({ cookie: r.cookie.split(';')[0]!, pages: { today: ['/m'], card: mine.rows.map((x) => `/m/customers/${x.id}`), list: ['/m/customers'] } });
    }
    const perClerk = await withSystem(services.dbs, (db) => sql<{ avg: number; max: number }>`select avg(n)::int as avg, max(n)::int as max from (select count(*) as n from customer_follows where tenant_id = ${tenantId}::uuid and ended_at is null group by staff_id) x`.execute(db));
    const planFile = path.join(os.tmpdir(), `huike-bench-clerk-${process.pid}.json`);
    const run = async (rounds: number) => {
      writeFileSync(planFile, JSON.stringify({ ...plan, rounds }));
      const child = spawn(process.execPath, [path.join(import.meta.dirname, 'load.mjs'), planFile], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      if (code !== 0) throw new Error(`load generator failed: ${err}`);
      return JSON.parse(out) as Record<string, { p50: number; p95: number; max: number; n: number }> & { wall: number; rps: number };
    };
    // Warm-up: one round (JIT, pools, today's tasks generated once for each clerk), then the measured run.
    await run(1);
    // HUIKE_BENCH_STATEMENTS=1 with HUIKE_PG_SETTINGS='shared_preload_libraries=pg_stat_statements': the statements
    // behind the measured run, for tuning.
    const statements = process.env.HUIKE_BENCH_STATEMENTS === '1';
    if (statements) await withSystem(services.dbs, async (db) => { await sql`create extension if not exists pg_stat_statements`.execute(db); await sql`select pg_stat_statements_reset()`.execute(db); });
    const loadBefore = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    const r = await run(rounds);
    const loadAfter = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    if (statements) {
      const top = await withSystem(services.dbs, (db) => sql<{ calls: number; ms: number; mean: number; q: string }>`
        select calls::int, round(total_exec_time)::int as ms, round(mean_exec_time::numeric, 2)::float as mean, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 220) as q
        from pg_stat_statements order by total_exec_time desc limit 25`.execute(db));
      for (const x of top.rows) process.stderr.write(`${String(x.ms).padStart(7)} ms ${String(x.calls).padStart(6)} calls ${String(x.mean).padStart(8)} ms/call  ${x.q}\n`);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const rows = (['today', 'card', 'list'] as const).map((p) => `| ${p === 'today' ? '今日 /m' : p === 'card' ? '客户卡片 /m/customers/<id>' : '我的客户 /m/customers'} | ${p === 'list' ? '—' : '≤ 150'} | ${r[p]!.p50.toFixed(0)} | ${r[p]!.p95.toFixed(0)} | ${r[p]!.max.toFixed(0)} | ${r[p]!.n} |`);
    const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
    const md = [
      '## Clerk workspace',
      '',
      `Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, embedded PostgreSQL 15, \`npx tsx bench/clerk/run.ts --rounds ${rounds} --think-ms ${thinkMs}${args.write ? " --write" : ""}\`. The machine was shared with other agents' builds and tests: load average ${loadBefore} (1/5/15 min) before the measured run and ${loadAfter} after it, so these numbers are pessimistic.`,
      '',
      `Data: the bench/analytics tenant (${c.customers.toLocaleString('en')} customers, ${c.orders.toLocaleString('en')} orders); every customer served by the clerk of their latest order (${perClerk.rows[0]!.avg} customers per clerk on average, at most ${perClerk.rows[0]!.max}). ${clerks.length} clerks signed in, each one concurrent client opening 今日 and then a card of one of their customers (and their list), ${rounds} rounds, after one warm-up round; full document requests (SSR of the /m layout with its tab count and the page), production build (\`NODE_ENV=production\`). ${thinkMs > 0 ? `Each clerk reads a page for 0.5–1.5 × ${thinkMs} ms before opening the next.` : 'No think time: every clerk opens the next page as soon as one arrives (a saturation test: the latency is mostly queueing, 60 clients divided by the throughput).'}`,
      '',
      '| page | goal p95 ms | p50 ms | p95 ms | max ms | requests |',
      '|---|---|---|---|---|---|',
      ...rows,
      '',
      `${(r.rps).toFixed(0)} requests/s overall.`,
      '',
    ].join('\n');
    process.stdout.write(md + '\n');
    if (args.write) log(`wrote ${writeSection(md)}`);
  } finally {
    await services.close();
  }
}

// React's production build, as deployments run it (bench/lib/production.ts).
rerunInProduction()
  .then(main)
  .catch((e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
