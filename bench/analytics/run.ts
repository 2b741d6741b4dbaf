/**
 * Analytics benchmark: a generated tenant of (by default) 1M customers and ~10M orders on its own embedded
 * PostgreSQL, then
 *   1. full recompute (set-based SQL + model fit), goal ≤ 60 s;
 *   2. BG/NBD fit on the tenant's compressed (x, t_x, T) triples, goal ≤ 10 s;
 *   3. incremental refresh after a 10,000-order import, goal ≤ 2 s;
 *   4. p95 latency of the Overview loader and of a sorted, filtered customer-list page under 20 concurrent
 *      requests over HTTP (the real express + Remix app, signed-in users), goals ≤ 200 ms / ≤ 300 ms.
 * Results are appended to docs/benchmarks.md (section "Analytics") with `--write`.
 *
 *   npx remix build && npx tsx bench/analytics/run.ts [--customers 1000000] [--orders-per-customer 10] [--write]
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
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
import { createStaff, createTenant, findTenantBySlug } from '../../server/tenancy/tenants.service';
import { systemActor } from '../../server/tenancy/actor';
import { withSystem, withTenant, type TenantId } from '../../server/tenancy/context';
import { login } from '../../server/tenancy/auth.service';
import { fullRefresh, refreshTouched, type RefreshReport } from '../../server/analytics/refresh.service';
import { fitTenantModel } from '../../server/analytics/models/model';
import { fitGammaGamma } from '../../server/analytics/models/gamma-gamma';
import { generateTenantData } from './generate';
import { writeSection } from '../lib/benchmarks-md';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    'orders-per-customer': { type: 'string', default: '10' },
    stores: { type: 'string', default: '200' },
    clerks: { type: 'string', default: '2000' },
    'data-dir': { type: 'string', default: path.join(os.tmpdir(), 'huike-bench-analytics') },
    port: { type: 'string', default: '54391' },
    requests: { type: 'string', default: '20' },
    write: { type: 'boolean', default: false },
    'skip-refresh': { type: 'boolean', default: false },
    'generate-only': { type: 'boolean', default: false },
  },
});

const PASSWORD = 'bench-password-1';
const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);

async function ensureTenant(services: Services): Promise<TenantId> {
  const slug = `bench-${args.customers}`;
  try {
    return (await findTenantBySlug(services, slug)).id;
  } catch {
    /* create */
  }
  const tenant = await createTenant(services, { slug, name: `基准连锁 ${args.customers}`, timezone: 'Asia/Shanghai' }, { actorLabel: 'bench' });
  const endDay = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  log(`generating ${args.customers} customers × ~${args['orders-per-customer']} orders …`);
  const g = await generateTenantData(services.dbs.owner, {
    tenantId: tenant.id,
    customers: Number(args.customers),
    ordersPerCustomer: Number(args['orders-per-customer']),
    regions: 5,
    stores: Number(args.stores),
    clerks: Number(args.clerks),
    endDay,
    days: 730,
    seed: 20261122,
    log,
  });
  log(`generated ${g.orders} orders, ${g.items} items in ${(g.ms / 1000).toFixed(0)} s`);
  const actor = systemActor(tenant.id, slug, 'bench');
  await withTenant(services.dbs, tenant.id, async (trx) => {
    await createStaff(trx, actor, { name: '运营', email: 'ops@bench.huike', role: 'ops', password: PASSWORD });
    await createStaff(trx, actor, { name: '区域经理', email: 'manager@bench.huike', role: 'manager', password: PASSWORD, regionCodes: ['R01'] });
  });
  await withSystem(services.dbs, (db) => sql`vacuum analyze`.execute(db));
  return tenant.id;
}

async function timeIt<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

async function importOrders(services: Services, tenantId: TenantId, n: number): Promise<void> {
  // 10,000 new orders for 10,000 existing customers today, written set-based as an import would, then queued.
  await withTenant(services.dbs, tenantId, async (trx) => {
    await sql`
      with picked as (select id, primary_store_id, row_number() over () as i from customers where tenant_id = ${tenantId} and random() < ${(n * 1.5) / Number(args.customers)} limit ${n}),
      ins as (
        insert into orders (tenant_id, order_no, store_id, channel, paid_at, paid_day, amount_fen, item_count, is_refund, customer_id, content_hash, source)
        select ${tenantId}::uuid, 'INC' || extract(epoch from now())::bigint || '-' || i, primary_store_id, 'pos', now(), (now() at time zone 'Asia/Shanghai')::date,
          5000 + (i % 100) * 100, 1, false, id, md5(id::text || now()::text), 'import'
        from picked returning customer_id)
      insert into customer_refresh_queue (tenant_id, customer_id, reason)
      select ${tenantId}::uuid, customer_id, 'bench import' from ins
      on conflict (tenant_id, customer_id) do update set queued_at = now()`.execute(trx);
  });
}

async function httpLatency(base: string, cookie: string, url: string, concurrency: number, perWorker: number) {
  // A separate process (not spawnSync: the server answering it runs in this process's event loop).
  const child = spawn(process.execPath, [path.join(import.meta.dirname, 'load.mjs'), base + url, cookie, String(concurrency), String(perWorker)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`load generator failed: ${err}`);
  return JSON.parse(out) as { cold: number; p50: number; p95: number; max: number; n: number; rps: number; bytes: number };
}

async function main() {
  const dataDir = args['data-dir']!;
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: dataDir, EMBEDDED_PG_PORT: args.port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '' });
  const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 24, ownerPoolSize: 4 });
  const results: Record<string, string> = {};
  try {
    const tenantId = await ensureTenant(services);
    const counts = await withSystem(services.dbs, (db) =>
      sql<{ customers: number; orders: number }>`select (select count(*)::int from customers where tenant_id = ${tenantId}) as customers, (select count(*)::int from orders where tenant_id = ${tenantId}) as orders`.execute(db),
    );
    const c = counts.rows[0]!;
    log(`tenant: ${c.customers} customers, ${c.orders} orders`);
    if (args['generate-only']) return;
    results.loadStart = os.loadavg().map((x) => x.toFixed(1)).join(' / ');
    results.data = `${c.customers.toLocaleString('en')} customers, ${c.orders.toLocaleString('en')} orders (2 years, ${args.stores} stores, ${args.clerks} clerks)`;

    // 1. Full recompute (twice: the second run is the steady state with the table already filled).
    let report: RefreshReport | undefined;
    if (!args['skip-refresh']) {
      for (let run = 1; run <= 2; run++) {
        // Run 1 also rebuilds the daily facts of all history, as the first recompute of a tenant does.
        const r = await timeIt(() => fullRefresh(services, tenantId, { rebuildFacts: run === 1 }));
        report = r.value;
        log(`full recompute #${run}: ${(r.ms / 1000).toFixed(1)} s ${JSON.stringify(r.value.ms)}`);
        results[`full${run}`] = `${(r.ms / 1000).toFixed(1)} s`;
        results[`full${run}_detail`] = Object.entries(r.value.ms)
          .filter(([k]) => k !== 'total')
          .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)}`)
          .join(', ');
      }
      results.fit_status = `${report!.fit.status}, r=${report!.fit.r?.toFixed(3)}, α=${report!.fit.alpha?.toFixed(2)} d, a=${report!.fit.a?.toFixed(3)}, b=${report!.fit.b?.toFixed(3)}`;
    }

    // 2. BG/NBD (+ Gamma-Gamma) fit alone on the compressed triples.
    const triples = await withTenant(services.dbs, tenantId, (trx) =>
      sql<{ x: number; tx: number; t: number; n: number }>`select frequency - 1 as x, coalesce(tx_days, 0) as tx, t_days as t, count(*)::int as n from customer_metrics where tenant_id = ${tenantId} and frequency >= 1 group by 1, 2, 3`.execute(trx),
    );
    const spend = await withTenant(services.dbs, tenantId, (trx) =>
      sql<{ x: number; m: number; n: number }>`select frequency - 1 as x, (greatest(1, round(repeat_spend_fen / 100)) * 100)::bigint as m, count(*)::int as n from customer_metrics where tenant_id = ${tenantId} and frequency >= 2 and repeat_spend_fen > 0 group by 1, 2`.execute(trx),
    );
    const T = { x: triples.rows.map((r) => Number(r.x)), tx: triples.rows.map((r) => Number(r.tx)), T: triples.rows.map((r) => Number(r.t)), n: triples.rows.map((r) => r.n) };
    const S = { x: spend.rows.map((r) => Number(r.x)), meanSpend: spend.rows.map((r) => Number(r.m)), n: spend.rows.map((r) => r.n) };
    const bg = await timeIt(async () => fitTenantModel(T, { x: [], meanSpend: [], n: [] }));
    const gg = await timeIt(async () => fitGammaGamma(S.x, S.meanSpend, S.n));
    const bgInfo = bg.value.status === 'fitted' ? `${bg.value.bgnbd.evaluations} likelihood evaluations${bg.value.capped ? ', dropout capped (a + b → ∞ on this synthetic data)' : ''}` : bg.value.status;
    log(`BG/NBD fit: ${bg.ms.toFixed(0)} ms on ${T.x.length} distinct triples (${bgInfo}); Gamma-Gamma ${gg.ms.toFixed(0)} ms on ${S.x.length} rows`);
    results.fit = `${(bg.ms / 1000).toFixed(2)} s on ${T.x.length.toLocaleString('en')} distinct (x, t_x, T) rows of ${bg.value.customers.toLocaleString('en')} customers (${bgInfo}); Gamma-Gamma ${(gg.ms / 1000).toFixed(2)} s on ${S.x.length.toLocaleString('en')} (x, m̄) rows`;

    // 3. Incremental refresh after a 10,000-order import.
    // Three trials (a fresh 10,000-order import each): this VM's timings vary by ±20 % from run to run, so the
    // median is reported with every trial listed.
    const trials: { ms: number; processed: number; mode: string; detail: string }[] = [];
    for (let i = 0; i < 3; i++) {
      await importOrders(services, tenantId, 10_000);
      const inc = await timeIt(() => refreshTouched(services, tenantId));
      const processed = inc.value.reduce((s, r) => s + (r.processed ?? 0), 0);
      trials.push({ ms: inc.ms, processed, mode: inc.value.map((r) => r.mode).join(','), detail: JSON.stringify(inc.value[0]?.ms) });
      log(`incremental #${i + 1}: ${inc.ms.toFixed(0)} ms for ${processed} customers (${trials[i]!.mode}) ${trials[i]!.detail}`);
    }
    const med = [...trials].sort((a, b) => a.ms - b.ms)[1]!;
    results.incremental = `${(med.ms / 1000).toFixed(2)} s (median of 3 trials: ${trials.map((x) => (x.ms / 1000).toFixed(2)).join(', ')} s) for ${med.processed.toLocaleString('en')} touched customers (${med.mode})`;

    // 4. HTTP latency through the real app, in steady state: the refreshes' dead rows vacuumed, a checkpoint done.
    await withSystem(services.dbs, async (db) => {
      await sql`vacuum (analyze) customer_metrics, analytics_daily_snapshots, analytics_daily_facts, analytics_state`.execute(db);
      await sql`checkpoint`.execute(db);
    });
    results.load = `load average before the HTTP runs: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')}`;
    const buildPath = path.join(ROOT_DIR, 'build/index.js');
    if (!existsSync(buildPath)) throw new Error('run `npx remix build` first');
    const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
    const app = createHttpApp(services, build);
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const cookieOf = async (email: string) => {
      const r = await login(services, { identifier: email, password: PASSWORD, ip: '127.0.0.1', userAgent: 'bench' });
      return r.cookie.split(';')[0]!;
    };
    const ops = await cookieOf('ops@bench.huike');
    const mgr = await cookieOf('manager@bench.huike');
    const per = Number(args.requests);
    // Warm the server process (JIT, connection pools) on an unrelated page first.
    // Steady state: 20 keep-alive connections and a full database pool, as a server that has been up for a while.
    await httpLatency(base, ops, '/settings?_data=routes%2F_app.settings', 20, 5);
    const lines: string[] = [];
    // HUIKE_BENCH_STATEMENTS=1 with HUIKE_PG_SETTINGS='shared_preload_libraries=pg_stat_statements': the statements
    // behind the HTTP runs, for tuning.
    const statements = process.env.HUIKE_BENCH_STATEMENTS === '1';
    if (statements) await withSystem(services.dbs, async (db) => { await sql`create extension if not exists pg_stat_statements`.execute(db); await sql`select pg_stat_statements_reset()`.execute(db); });
    const cases: [string, string, string][] = [
      ['Overview loader, ops (whole tenant)', ops, '/dashboard?_data=routes%2F_app.dashboard._index'],
      ['Overview loader, manager (1 of 5 regions)', mgr, '/dashboard?_data=routes%2F_app.dashboard._index'],
      ['Overview loader, ops, store + 30-day filter', ops, `/dashboard?_data=routes%2F_app.dashboard._index&store=B0007&from=${new Date(Date.now() - 29 * 86400_000).toISOString().slice(0, 10)}`],
      ['Customer list, ops: stage=at_risk, sort by spend, page 3', ops, '/customers?_data=routes%2F_app.customers._index&stage=at_risk&sort=monetary&dir=desc&page=3'],
      ['Customer list, ops: due, in priority order', ops, '/customers?_data=routes%2F_app.customers._index&due=1&sort=priority'],
      ['Customer list, manager: group=champions, sort by last purchase', mgr, '/customers?_data=routes%2F_app.customers._index&group=champions&sort=last_purchase&dir=desc'],
    ];
    for (const [name, cookie, url] of cases) {
      const r = await httpLatency(base, cookie, url, 20, per);
      log(`${name}: cold ${r.cold.toFixed(0)} ms, p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}, max ${r.max.toFixed(0)} ms (${r.n} requests, ${r.rps.toFixed(0)}/s, ${(r.bytes / 1024).toFixed(0)} KB)`);
      lines.push(`| ${name} | ${r.cold.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p95.toFixed(0)} | ${r.max.toFixed(0)} | ${r.n} | ${r.rps.toFixed(0)} |`);
    }
    results.http = lines.join('\n');
    if (statements) {
      const top = await withSystem(services.dbs, (db) => sql<{ calls: number; ms: number; mean: number; q: string }>`
        select calls::int, round(total_exec_time)::int as ms, round(mean_exec_time::numeric, 2)::float as mean, left(regexp_replace(query, '\s+', ' ', 'g'), 180) as q
        from pg_stat_statements order by total_exec_time desc limit 20`.execute(db));
      for (const r of top.rows) process.stderr.write(`${String(r.ms).padStart(7)} ms ${String(r.calls).padStart(6)} calls ${String(r.mean).padStart(8)} ms/call  ${r.q}\n`);
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));

    const md = renderMarkdown(results);
    process.stdout.write(md + '\n');
    if (args.write) appendSection(md);
  } finally {
    await services.close();
  }
}

function renderMarkdown(r: Record<string, string>): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return [
    '## Analytics',
    '',
    `Run on ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, embedded PostgreSQL 15 (shared_buffers 256 MB), \`npx tsx bench/analytics/run.ts --orders-per-customer 11.5 --write\`. A virtual machine whose timings vary by about ±20 % from run to run; load average ${r.loadStart ?? '?'} (1/5/15 min) at the start; ${r.load ?? ''}.`,
    '',
    `Data: ${r.data} generated in SQL by \`bench/analytics/generate.ts\`.`,
    '',
    '| what | goal | measured |',
    '|---|---|---|',
    `| Full recompute (all customers, model fit, snapshot, daily facts of all history rebuilt), first run | ≤ 60 s | ${r.full1 ?? '—'} |`,
    `| Full recompute, second run (steady state, the daily job) | ≤ 60 s | ${r.full2 ?? '—'} |`,
    `| BG/NBD fit | ≤ 10 s | ${r.fit ?? '—'} |`,
    `| Incremental refresh after a 10,000-order import | ≤ 2 s | ${r.incremental ?? '—'} |`,
    '',
    `Full recompute phases (s, second run): ${r.full2_detail ?? '—'}. Fit: ${r.fit_status ?? '—'}.`,
    '',
    'Loader latency over HTTP (express + Remix, signed-in user, `?_data=` loader requests), 20 concurrent clients; "cold" is the first request after a refresh (read-model cache empty). Goals: Overview p95 ≤ 200 ms, customer list p95 ≤ 300 ms.',
    '',
    '| request | cold ms | p50 ms | p95 ms | max ms | requests | req/s |',
    '|---|---|---|---|---|---|---|',
    r.http ?? '',
    '',
  ].join('\n');
}

function appendSection(md: string): void {
  log(`wrote ${writeSection(md)}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

