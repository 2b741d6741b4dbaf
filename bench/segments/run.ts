/**
 * bench/segments — issue #14 on the 1M-customer bench tenant of bench/analytics (generate it first with
 * `npx tsx bench/analytics/run.ts --generate-only --data-dir DIR`; this script refreshes its metrics once and adds
 * WeCom relations and tags when they are missing). Needs a current `npm run build` for the HTTP parts.
 *
 *   npm run build && npx tsx bench/segments/run.ts --data-dir DIR --port 55400 [--phase all|prepare|count|refresh|bulk|list] [--write]
 *
 * - live count: the builder's request (/segments/preview, count + 20 preview rows) for a 6-condition rule mixing
 *   metrics, tags and a 90-day order window, 10 concurrent editors (goal p95 ≤ 300 ms);
 * - membership refresh of 20 dynamic segments (goal ≤ 30 s);
 * - bulk tag of 100,000 customers queued: from the request to every WeCom tag change pending for the write-back
 *   queue (goal ≤ 10 s);
 * - the customers list through the compiler: the three list requests of bench/analytics, 20 concurrent clients
 *   (goal p95 ≤ 150 ms).
 * Every row carries the load average (1 min) before and after its phase. `--write` puts the table between the
 * `bench/segments` markers of docs/benchmarks.md's "Segments" section (the prose around them is kept).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { login, resolveSession } from '../../server/tenancy/auth.service';
import { fullRefresh } from '../../server/analytics/refresh.service';
import { createSegment, fillSegment, previewRule, refreshTenantSegments } from '../../server/segments/segments.service';
import { runSegmentAction, startBulkTag } from '../../server/segments/actions.service';
import { rerunInProduction } from '../lib/production';

// Served as `npm start` serves: NODE_ENV=production and the web process's V8 flags.
await rerunInProduction();

const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: '/tmp/h4-bench-1m' },
    port: { type: 'string', default: '55400' },
    slug: { type: 'string', default: 'bench-1000000' },
    phase: { type: 'string', default: 'all' },
    requests: { type: 'string', default: '10' },
    write: { type: 'boolean', default: false },
  },
});
const PASSWORD = 'bench-password-1';
const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const phase = (p: string) => args.phase === 'all' || args.phase === p;
const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const load1 = () => os.loadavg()[0]!.toFixed(1);

/** Table rows, each with the 1-minute load average before its phase and after it. */
const rows: string[] = [];
function row(what: string, goal: string, measured: string, loadBefore: string): void {
  rows.push(`| ${what} | ${goal} | ${measured} | ${loadBefore} → ${load1()} |`);
  log(rows[rows.length - 1]!);
}

const BEGIN = '<!-- bench/segments:begin -->';
const END = '<!-- bench/segments:end -->';

/** The generated block of the "Segments" section (between its markers; a new section when they are missing). */
function writeSection(block: string): void {
  const file = path.join(ROOT_DIR, 'docs/benchmarks.md');
  const text = readFileSync(file, 'utf8');
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  const wrapped = `${BEGIN}\n${block.trimEnd()}\n${END}`;
  const next = a >= 0 && b > a ? text.slice(0, a) + wrapped + text.slice(b + END.length) : `${text.trimEnd()}\n\n## Segments (issue #14)\n\n${wrapped}\n`;
  writeFileSync(file, next);
  log(`wrote ${file}`);
}

async function prepare(services: Services, t: TenantId): Promise<void> {
  const has = await withSystem(services.dbs, (db) => sql<{ m: boolean; f: boolean }>`
    select exists (select 1 from customer_metrics where tenant_id = ${t}) as m, exists (select 1 from customer_follows where tenant_id = ${t}) as f`.execute(db));
  if (!has.rows[0]!.f) {
    log('adding WeCom data: 30 tags, relations for 70% of customers with 0–3 tags each, internal tags for 5%');
    await withSystem(services.dbs, async (db) => {
      const g = await sql<{ id: string }>`insert into tag_groups (tenant_id, name, kind, wecom_group_id) values (${t}, '基准标签', 'wecom', 'bench-g') returning id`.execute(db);
      const ig = await sql<{ id: string }>`insert into tag_groups (tenant_id, name, kind) values (${t}, '基准内部', 'internal') returning id`.execute(db);
      await sql`insert into tags (tenant_id, group_id, name, wecom_tag_id, created_by_label) select ${t}, ${g.rows[0]!.id}, '标签' || i, 'bt' || i, 'bench' from generate_series(1, 30) i`.execute(db);
      await sql`insert into tags (tenant_id, group_id, name, created_by_label) values (${t}, ${ig.rows[0]!.id}, '内部关注', 'bench')`.execute(db);
      await sql`drop table if exists bench_clerks, bench_tags`.execute(db);
      // A customer is served by a clerk of their own store (as in a real chain; a manager's clerks serve their stores).
      await sql`create unlogged table bench_clerks as select store_id, row_number() over (partition by store_id order by id) as k, count(*) over (partition by store_id) as n, id from staff where tenant_id = ${t} and role = 'clerk'`.execute(db);
      await sql`create unlogged table bench_tags as select row_number() over (order by name) as k, id from tags where tenant_id = ${t} and wecom_tag_id like 'bt%'`.execute(db);
      await sql`create index on bench_clerks (store_id, k)`.execute(db);
      await sql`create index on bench_tags (k)`.execute(db);
      await sql`
        insert into customer_follows (tenant_id, customer_id, staff_id, added_at, tag_ids)
        select c.tenant_id, c.id, k.id, now() - make_interval(days => (h % 700)::int),
          array(select bt.id from bench_tags bt where bt.k in (1 + h % 30, 1 + (h / 30) % 30, 1 + (h / 900) % 30) and bt.k <= 1 + (h % 4) * 10)
        from (select c.*, abs(hashtext(c.id::text))::bigint as h from customers c where c.tenant_id = ${t}) c
        join bench_clerks k on k.store_id = c.primary_store_id and k.k = 1 + c.h % k.n
        where c.h % 10 < 7`.execute(db);
      await sql`insert into customer_internal_tags (tenant_id, customer_id, tag_id, added_by_label)
        select c.tenant_id, c.id, (select id from tags where tenant_id = ${t} and name = '内部关注'), 'bench' from customers c where c.tenant_id = ${t} and abs(hashtext(c.id::text)) % 20 = 3`.execute(db);
      await sql`drop table bench_clerks, bench_tags`.execute(db);
      await sql`analyze customer_follows, customer_internal_tags, tags`.execute(db);
    });
  }
  if (!has.rows[0]!.m) {
    log('full refresh of the metrics (first time on this copy)');
    const t0 = performance.now();
    await fullRefresh(services, t);
    log(`refreshed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  await withSystem(services.dbs, async (db) => {
    await sql`vacuum (analyze) customers, customer_metrics, customer_follows, orders, order_items`.execute(db);
    await sql`checkpoint`.execute(db);
  });
}

/** CPU time (ms) used so far by the PostgreSQL server's processes (Linux /proc; 0 elsewhere). */
function postgresCpuMs(): number {
  let ticks = 0;
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.includes('(postgres)')) continue;
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks += Number(f[11]) + Number(f[12]);
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return 0;
  }
  return ticks * 10; // USER_HZ = 100
}

type Latency = { cold: number; p50: number; p95: number; max: number; n: number; rps: number; bytes: number; nodeMs: number; pgMs: number };

/** The load generator in its own process; with the server's (this process's) and PostgreSQL's CPU per request. */
function httpLatency(url: string, cookie: string, concurrency: number, perWorker: number): Promise<Latency> {
  const c0 = process.cpuUsage();
  const p0 = postgresCpuMs();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(import.meta.dirname, '../analytics/load.mjs'), url, cookie, String(concurrency), String(perWorker)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(err));
      const r = JSON.parse(out) as Omit<Latency, 'nodeMs' | 'pgMs'>;
      const c = process.cpuUsage(c0);
      const n = r.n + 1;
      resolve({ ...r, nodeMs: (c.user + c.system) / 1000 / n, pgMs: (postgresCpuMs() - p0) / n });
    });
  });
}

const cpuNote = (r: Latency) => `CPU per request: server ${r.nodeMs.toFixed(1)} ms, PostgreSQL ${r.pgMs.toFixed(1)} ms`;

async function main() {
  const config = loadConfig({ ...process.env, NODE_ENV: 'development', DATA_DIR: args['data-dir'], EMBEDDED_PG_PORT: args.port, DEMO: 'off', LOG_LEVEL: 'warn', DATABASE_URL: '' });
  const services = await openServices(config, { log: createLogger({ level: 'warn' }) });
  const startLoad = loadavg();
  const started = new Date();
  try {
    const t = (await findTenantBySlug(services, args.slug!)).id;
    if (phase('prepare')) await prepare(services, t);
    const cookieOf = async (email: string) => (await login(services, { identifier: email, password: PASSWORD, ip: '127.0.0.1', userAgent: 'bench' })).cookie.split(';')[0]!;
    const opsCookie = await cookieOf('ops@bench.huike');
    const session = await resolveSession(services, opsCookie);
    if (session?.kind !== 'staff') throw new Error('no ops session');
    const ops = session.actor;
    const tagIds = (await withTenant(services.dbs, t, (trx) => sql<{ id: string; name: string }>`select id, name from tags where tenant_id = ${t} order by name`.execute(trx))).rows;
    const tag = (name: string) => tagIds.find((x) => x.name === name)!.id;
    const rule6 = {
      all: [
        { any: [{ field: 'stage', op: 'in', value: ['active', 'at_risk', 'new'] }] },
        { any: [{ field: 'monetary_fen', op: 'gte', value: 20000 }] },
        { any: [{ field: 'tags', op: 'has_any', value: [tag('标签1'), tag('标签2'), tag('标签3')] }] },
        { any: [{ field: 'orders', op: 'gte', value: 1, window: { last_days: 90 } }] },
        { any: [{ field: 'recency_days', op: 'lte', value: 120 }] },
      ],
      none: [{ field: 'tags', op: 'has_any', value: [tag('内部关注')] }],
    };
    const buildPath = path.join(ROOT_DIR, 'build/index.js');
    const needHttp = phase('count') || phase('list');
    let base = '';
    let server: import('node:http').Server | null = null;
    if (needHttp) {
      if (!existsSync(buildPath)) throw new Error('run `npm run build` first');
      const build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
      const app = createHttpApp(services, build);
      server = await new Promise((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      base = `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
      await httpLatency(`${base}/settings?_data=routes%2F_app.settings`, opsCookie, 10, 3);
    }
    if (phase('count')) {
      const l0 = load1();
      const url = `${base}/segments/preview?rule=${encodeURIComponent(JSON.stringify(rule6))}`;
      const exact = await withTenant(services.dbs, t, async (trx) => {
        const t0 = performance.now();
        const r = await previewRule(trx, ops, rule6, 0, { exact: true });
        return { ...r, ms: performance.now() - t0 };
      });
      const first = await (await fetch(url, { headers: { cookie: opsCookie } })).json();
      log(`exact count ${exact.count} in ${exact.ms.toFixed(0)} ms; the builder's answer: ${JSON.stringify({ count: first.count, exact: first.exact })}`);
      const r = await httpLatency(url, opsCookie, 10, Number(args.requests));
      row('Live count (builder: /segments/preview, count + 20 rows), 6 conditions (stage, M, tags, orders in the last 90 days, R; none of an internal tag), 10 concurrent editors', '≤ 300 ms p95',
        `p50 ${r.p50.toFixed(0)} ms, p95 ${r.p95.toFixed(0)} ms, max ${r.max.toFixed(0)} ms (${r.n} requests, ${r.rps.toFixed(0)}/s; ${cpuNote(r)}); answered ${first.exact ? `exact (${first.count})` : `≈ ${first.count}`}; the exact count ${exact.count} alone: ${exact.ms.toFixed(0)} ms`, l0);
    }
    // The read-only phases first: the refresh and the bulk tag write hundreds of thousands of rows, and the
    // autovacuum and checkpoint they set off would otherwise run under the lists' load.
    if (phase('list')) {
      const mgrCookie = await cookieOf('manager@bench.huike');
      const cases: [string, string, string][] = [
        ['Customer list, ops: stage=at_risk, sort by spend, page 3', opsCookie, '/customers?_data=routes%2F_app.customers._index&stage=at_risk&sort=monetary&dir=desc&page=3'],
        ['Customer list, ops: due, in priority order', opsCookie, '/customers?_data=routes%2F_app.customers._index&due=1&sort=priority'],
        ['Customer list, manager: group=champions, sort by last purchase', mgrCookie, '/customers?_data=routes%2F_app.customers._index&group=champions&sort=last_purchase&dir=desc'],
      ];
      for (const [name, cookie, url] of cases) {
        const l0 = load1();
        const r = await httpLatency(base + url, cookie, 20, Number(args.requests) * 2);
        row(`${name} (through the compiler), 20 clients`, '≤ 150 ms p95', `cold ${r.cold.toFixed(0)}, p50 ${r.p50.toFixed(0)}, p95 ${r.p95.toFixed(0)}, max ${r.max.toFixed(0)} ms (${r.n} requests, ${r.rps.toFixed(0)}/s, ${(r.bytes / 1024).toFixed(0)} KB; ${cpuNote(r)})`, l0);
      }
    }
    if (phase('refresh')) {
      const l0 = load1();
      await withTenant(services.dbs, t, (trx) => sql`delete from segments where tenant_id = ${t} and name like 'bench %'`.execute(trx));
      const rules = [
        ...['new', 'active', 'at_risk', 'lapsed', 'prospect'].map((s) => ({ all: [{ any: [{ field: 'stage', op: 'eq', value: s }] }] })),
        ...['champions', 'loyal', 'at_risk', 'hibernating', 'lost'].map((g) => ({ all: [{ any: [{ field: 'rfm_group', op: 'eq', value: g }] }] })),
        { all: [{ any: [{ field: 'due', op: 'eq', value: true }] }] },
        { all: [{ any: [{ field: 'tags', op: 'has_any', value: [tag('标签5')] }] }] },
        { all: [{ any: [{ field: 'tags', op: 'has_all', value: [tag('标签1'), tag('标签11')] }] }] },
        { all: [{ any: [{ field: 'orders', op: 'gte', value: 2, window: { last_days: 90 } }] }] },
        { all: [{ any: [{ field: 'spend_fen', op: 'gte', value: 100000, window: { last_days: 365 } }] }] },
        { all: [{ any: [{ field: 'store', op: 'in', value: ['B0001', 'B0002', 'B0003'] }] }] },
        { all: [{ any: [{ field: 'p_alive', op: 'lt', value: 0.3 }] }, { any: [{ field: 'frequency', op: 'gte', value: 2 }] }] },
        { all: [{ any: [{ field: 'first_purchase_day', op: 'between_days_ago', value: [30, 90] }] }, { any: [{ field: 'frequency', op: 'eq', value: 1 }] }] },
        { all: [{ any: [{ field: 'predicted_value_fen', op: 'gte', value: 50000 }] }] },
        rule6,
      ];
      const tc = performance.now();
      let owed = 0;
      for (const [i, rule] of rules.entries()) {
        const seg = await withTenant(services.dbs, t, (trx) => createSegment(trx, ops, { name: `bench ${i + 1}`, kind: 'dynamic', rule }));
        // A large one's first membership is the fill job's (ADR 0018): run here, so the refresh below measures a refresh.
        if (seg.fill_owed_since) owed += (await fillSegment(services.dbs, t, seg.id)) ? 1 : 0;
      }
      const created = (performance.now() - tc) / 1000;
      log(`created 20 dynamic segments (with their first membership, ${owed} of them by the fill job) in ${created.toFixed(1)} s`);
      const t0 = performance.now();
      const r = await refreshTenantSegments(services.dbs, t);
      const s = (performance.now() - t0) / 1000;
      row('Membership refresh of 20 dynamic segments (stages, RFM groups, due, tags, order windows, stores, P(alive), the 6-condition rule; incl. the order-catalogue catch-up)', '≤ 30 s',
        `${s.toFixed(1)} s (${r.segments} segments, ${r.entered.toLocaleString('en-US')} entries, ${r.exited.toLocaleString('en-US')} exits, ${r.failed.length} failed); creating them with their first membership: ${created.toFixed(1)} s`, l0);
    }
    if (phase('bulk')) {
      const l0 = load1();
      // ~100,000 customers: the customers of 20 of the 200 stores.
      // A re-run starts from the same state: the previous run's changes, still pending (no write-back worker here), go.
      await withTenant(services.dbs, t, (trx) => sql`delete from tag_changes where tenant_id = ${t} and tag_id = ${tag('标签30')} and state in ('pending', 'failed')`.execute(trx));
      const stores = Array.from({ length: 20 }, (_, i) => `B${String(i + 1).padStart(4, '0')}`);
      const t0 = performance.now();
      const seg = await withTenant(services.dbs, t, (trx) => createSegment(trx, ops, { name: `bench bulk ${Date.now() % 100000}`, kind: 'static', rule: { all: [{ any: [{ field: 'store', op: 'in', value: stores }] }] } }));
      if (seg.fill_owed_since) await fillSegment(services.dbs, t, seg.id); // 100,000 members: the fill job's (ADR 0018)
      const t1 = performance.now();
      const a = await withTenant(services.dbs, t, (trx) => startBulkTag(trx, ops, seg.id, { op: 'add', tagId: tag('标签30') }));
      await runSegmentAction(services, t, a.actionId, ops);
      const s = (performance.now() - t1) / 1000;
      const progress = await withTenant(services.dbs, t, (trx) => sql<{ done: number; pending: number; failed: number; skipped: number }>`select done, pending, failed, skipped from segment_actions where tenant_id = ${t} and id = ${a.actionId}`.execute(trx));
      const x = progress.rows[0]!;
      row(`Bulk tag of ${a.total.toLocaleString('en-US')} customers queued (request → every WeCom change pending for write-back)`, '≤ 10 s',
        `${s.toFixed(1)} s (${x.pending.toLocaleString('en-US')} pending, ${x.failed.toLocaleString('en-US')} without a relation, ${x.skipped.toLocaleString('en-US')} unchanged); the static segment built in ${((t1 - t0) / 1000).toFixed(1)} s`, l0);
    }
    if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    const data = await withSystem(services.dbs, (db) => sql<{ customers: number; orders: number }>`
      select (select count(*)::int from customers where tenant_id = ${t}) as customers, (select count(*)::int from orders where tenant_id = ${t}) as orders`.execute(db));
    const d = data.rows[0]!;
    const block = [
      `Run on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version}, embedded PostgreSQL 15;`,
      `\`npx tsx bench/segments/run.ts --phase ${args.phase}${args.requests !== '10' ? ` --requests ${args.requests}` : ''}${args.write ? ' --write' : ''}\` on the tenant \`${args.slug}\` (${d.customers.toLocaleString('en-US')} customers, ${d.orders.toLocaleString('en-US')} orders).`,
      `Load average (1 / 5 / 15 min) at the start ${startLoad}, at the end ${loadavg()}.`,
      '',
      '| what | goal | measured | load (1 min) before → after |',
      '|---|---|---|---|',
      ...rows,
    ].join('\n');
    process.stdout.write(block + '\n');
    if (args.write) writeSection(block);
  } finally {
    await services.close();
  }
}

await main();
