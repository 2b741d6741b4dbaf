/**
 * Campaign benchmark (issue #15): a one-off mass campaign to 200,000 customers served by 300 clerks, against the
 * STANDALONE WeCom simulator in its own process (server/wecom/simulator/standalone.ts: 30 ms per call, the
 * documented 10,000 calls/min per API), on a throw-away embedded PostgreSQL, through the jobs' own functions:
 *
 * 1. plan and create — `createDueRuns` (the tick) and `executeRun` (the `campaigns.execute-run` job): audience
 *    evaluated from the segment, every guardrail, senders, chunks of ≤ 10,000, the outbox, one add_msg_template
 *    per (clerk, chunk). Goal: within 1.5× of the rate-limit bound.
 * 2. the clerks confirm every task in the simulator (its control surface; not timed);
 * 3. reconcile — `pollTenantResults` (the `campaigns.poll-results` job): get_groupmsg_task and
 *    get_groupmsg_send_result pages of 1,000 onto the 200,000 recipients. Goal ≤ 60 s.
 * Peak memory of this Node process over both phases (VmHWM, reset before phase 1; the generated world is built
 * in a child process): goal ≤ 300 MB. The load average is recorded before and after each phase.
 *
 *   flock /tmp/huike-bench.lock npx tsx bench/campaigns/run.ts [--customers 200000] [--staff 300] [--latency 30]
 *     [--data-dir /tmp/x] [--pg-port 55400] [--statements] [--write]
 *
 * The bound: WeCom allows 10,000 calls per minute per API and corp (doc 90454), and 150,000 per hour. Sustained,
 * that is 166.7 calls/s per API; the APIs have separate budgets, so the least time the rate limits allow for a
 * phase is max over APIs of calls(api) / 166.7 s (the same formula as bench/wecom-sync). (Counted by clock-minute
 * windows instead, up to 10,000 calls of an API fit in the first minute: (⌈calls / 10,000⌉ − 1) × 60 s, i.e. 0 s
 * here; the sustained rate is the stricter, and the one used.) `--statements` (with HUIKE_PG_SETTINGS=
 * 'shared_preload_libraries=pg_stat_statements') prints the statements behind each phase.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createCampaign, scheduleCampaign } from '../../server/campaigns/campaigns.service';
import { CALLS_IN_FLIGHT } from '../../server/campaigns/delivery.service';
import { pollTenantResults } from '../../server/campaigns/results.service';
import { createDueRuns, executeRun } from '../../server/campaigns/runs.service';
import { loadConfig, ROOT_DIR } from '../../server/config';
import { createLogger } from '../../server/lib/log';
import { createSegment, fillSegment } from '../../server/segments/segments.service';
import { openServices, type Services } from '../../server/services';
import { systemActor } from '../../server/tenancy/actor';
import { withSystem, withTenant, type TenantId } from '../../server/tenancy/context';
import { createTenant } from '../../server/tenancy/tenants.service';
import { configureConnection } from '../../server/wecom/connection.service';
import { generateEncodingAesKey } from '../../server/wecom/crypto';
import type { WecomClient } from '../../server/wecom/client';
import { wecomClientFor } from '../../server/wecom/runtime';
import { freePort } from '../../tests/support/ports';
import { writeSection } from '../lib/benchmarks-md';
import { cpuSeconds, postgresOf, startStandaloneSimulator } from '../lib/simulator';
import { generateCampaignTenant } from './generate';

const { values: args } = parseArgs({
  options: {
    customers: { type: 'string', default: '200000' },
    staff: { type: 'string', default: '300' },
    latency: { type: 'string', default: '30' },
    seed: { type: 'string', default: '1' },
    'data-dir': { type: 'string' },
    'pg-port': { type: 'string' },
    statements: { type: 'boolean', default: false },
    write: { type: 'boolean', default: false },
  },
});
const CUSTOMERS = Number(args.customers);
const STAFF = Number(args.staff);
const LATENCY = Number(args.latency);
const LIMIT_PER_MIN = 10_000;
const PER_SECOND = LIMIT_PER_MIN / 60;
const CORP = 'wwbenchcampaign0001';
const SECRET = 'bench-secret-campaigns-0123456789abcdefghijk';
const GOALS = { ratio: 1.5, reconcileS: 60, peakMb: 300 };

const log = (m: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const status = () => readFileSync('/proc/self/status', 'utf8');
const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status())?.[1] ?? 0);

/** Peak RSS of this process from now on: the kernel's high-water mark, reset here (Linux ≥ 4.0), and sampled. */
function memoryWatch() {
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const start = kb('VmRSS');
  let sampled = process.memoryUsage().rss;
  const timer = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 50);
  return { startMb: Math.round(start / 1024), stop: () => (clearInterval(timer), { hwmMb: Math.round(kb('VmHWM') / 1024), sampledMb: Math.round(sampled / 2 ** 20) }) };
}

type Calls = Record<string, number>;
const diff = (a: Calls, b: Calls): Calls => Object.fromEntries(Object.entries(a).filter(([k, v]) => v - (b[k] ?? 0) > 0).map(([k, v]) => [k.replace('externalcontact/', ''), v - (b[k] ?? 0)]));
const boundOf = (calls: Calls) => Math.max(0, ...Object.entries(calls).filter(([k]) => k !== 'gettoken').map(([, n]) => n / PER_SECOND));

async function statements(services: Services, reset: boolean): Promise<void> {
  if (!args.statements) return;
  await withSystem(services.dbs, async (db) => {
    if (reset) {
      await sql`create extension if not exists pg_stat_statements`.execute(db);
      await sql`select pg_stat_statements_reset()`.execute(db);
      return;
    }
    const top = await sql<{ calls: number; ms: number; q: string }>`select calls::int, round(total_exec_time)::int as ms, left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 200) as q
      from pg_stat_statements order by total_exec_time desc limit 15`.execute(db);
    for (const x of top.rows) process.stderr.write(`${String(x.ms).padStart(7)} ms ${String(x.calls).padStart(6)} calls  ${x.q}\n`);
  });
}

/** A tenant with the simulator's world, connected to it; a segment of everyone; a one-off mass campaign scheduled now. */
async function prepare(services: Services, simUrl: string, worldDir: string) {
  const t = await createTenant(services, { slug: `bench-campaigns-${Math.random().toString(36).slice(2, 7)}`, name: 'Campaign bench' });
  const actor = systemActor(t.id, t.slug, 'bench');
  await withTenant(services.dbs, t.id, (trx) =>
    configureConnection(services, trx, actor, { corpId: CORP, secret: SECRET, callbackToken: 'benchToken', aesKey: generateEncodingAesKey(), mode: 'live', baseUrl: simUrl }),
  );
  const world = await generateCampaignTenant(services.dbs.owner, services.ownerSql, t.id, worldDir, log);
  log(`tenant: ${world.customers} customers, ${world.follows} relations, ${world.staff} clerks`);
  const segment = await withTenant(services.dbs, t.id, (trx) => createSegment(trx, actor, { name: '全部客户', rule: {} }));
  if (segment.fill_owed_since) await fillSegment(services.dbs, t.id, segment.id); // a large first membership is the fill job's (ADR 0018)
  const segmentId = segment.id;
  const campaignId = await withTenant(services.dbs, t.id, async (trx) => {
    const { id } = await createCampaign(trx, actor, {
      name: '新品到店',
      audience: { segment_id: segmentId },
      delivery: 'mass',
      content: { text: '您好，我是{导购|您的导购}，{门店|门店}本周新品到店，欢迎来看看' },
      schedule: { kind: 'once', at: null },
      // Every customer a recipient (200,000 recipients); quiet hours off so the run starts whenever the bench runs.
      holdout_pct: 0,
      quiet_hours: false,
    });
    await scheduleCampaign(trx, actor, id);
    return id;
  });
  return { tenantId: t.id as TenantId, campaignId, world };
}

async function recipientStates(services: Services, tenantId: TenantId) {
  const r = await withTenant(services.dbs, tenantId, (trx) => sql<{ status: string; n: number }>`select status, count(*)::int as n from campaign_recipient_states where tenant_id = ${tenantId}::uuid group by status`.execute(trx));
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n])) as Record<string, number>;
}

/**
 * What this machine needs at least for plan + create, measured in the same run and database after the phases:
 * (a) the run's recipient rows written into a clone of campaign_recipients with every index (`create table … (like …
 * including all)`), in one INSERT from the rows themselves (nothing to compute), and (b) the same add_msg_template calls
 * (each chunk's sender and recipients, read before the clock starts), CALLS_IN_FLIGHT at once, with nothing recorded.
 * The simulator creates a second set of tasks here, after everything else was measured.
 */
async function measureFloor(services: Services, client: WecomClient, tenantId: TenantId, runId: string): Promise<{ insert_s: number; calls_s: number }> {
  const owner = services.dbs.owner;
  await sql`drop table if exists bench_recipients_floor`.execute(owner);
  await sql`create table bench_recipients_floor (like campaign_recipients including all)`.execute(owner);
  const t0 = performance.now();
  await sql`insert into bench_recipients_floor select * from campaign_recipients where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid order by customer_id`.execute(owner);
  const insertS = (performance.now() - t0) / 1000;
  await sql`drop table bench_recipients_floor`.execute(owner);
  const chunks = (
    await sql<{ userid: string; ids: string[] }>`select s.wecom_userid as userid, array_agg(r.external_userid order by r.customer_id) as ids
      from campaign_recipients r join staff s on s.tenant_id = r.tenant_id and s.id = r.sender_staff_id
      where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.chunk is not null group by s.wecom_userid, r.chunk`.execute(owner)
  ).rows;
  let next = 0;
  const t1 = performance.now();
  const worker = async () => {
    while (next < chunks.length) {
      const c = chunks[next++]!;
      await client.addMsgTemplate({ chat_type: 'single', external_userid: c.ids, sender: c.userid, text: { content: 'floor' } });
    }
  };
  await Promise.all(Array.from({ length: CALLS_IN_FLIGHT }, worker));
  return { insert_s: +insertS.toFixed(2), calls_s: +((performance.now() - t1) / 1000).toFixed(2) };
}

async function main() {
  const dataDir = args['data-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'huike-bench-campaigns-'));
  const worldDir = path.join(dataDir, 'world');
  mkdirSync(worldDir, { recursive: true });
  const simEnv = { SIM_CUSTOMERS: String(CUSTOMERS), SIM_STAFF: String(STAFF), SIM_LATENCY_MS: String(LATENCY), SIM_RATE_PER_MIN: String(LIMIT_PER_MIN), SIM_SEED: args.seed!, SIM_CORP_ID: CORP, SIM_SECRET: SECRET };
  const sim = await startStandaloneSimulator(await freePort(), simEnv);
  process.stderr.write(sim.startup);
  const gen = spawnSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'population.ts'), worldDir, args.seed!, String(CUSTOMERS), String(STAFF), CORP, SECRET], { cwd: ROOT_DIR, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`population: ${gen.stderr}`);
  const config = loadConfig({ ...process.env, DATA_DIR: path.join(dataDir, 'pg'), EMBEDDED_PG_PORT: args['pg-port'] ?? String(await freePort()), DEMO: 'off', NODE_ENV: 'test', PUBLIC_URL: 'http://localhost:3000' });
  const services = await openServices(config, { log: createLogger({ level: 'warn' }), appPoolSize: 8, ownerPoolSize: 3 });
  try {
    const { tenantId, campaignId, world } = await prepare(services, sim.url, worldDir);
    const client = await wecomClientFor(services, tenantId);
    const pg = postgresOf(path.join(dataDir, 'pg'), config.EMBEDDED_PG_PORT);
    const cpu = () => ({ pg: cpuSeconds(pg), sim: cpuSeconds((_c, pid) => pid === sim.child.pid), app: process.cpuUsage() });
    const cpuSince = (c0: ReturnType<typeof cpu>) => {
      const app = process.cpuUsage(c0.app);
      return { postgres: +(cpuSeconds(pg) - c0.pg).toFixed(1), huike: +((app.user + app.system) / 1e6).toFixed(1), simulator: +(cpuSeconds((_c, pid) => pid === sim.child.pid) - c0.sim).toFixed(1) };
    };
    const mem = memoryWatch();

    // 1. Plan and create: the tick creates the run, the execute-run job plans and delivers it.
    await statements(services, true);
    const load1 = load();
    const calls0 = { ...client.stats.calls };
    const c1 = cpu();
    const t0 = performance.now();
    const now = new Date();
    const [runId] = await createDueRuns(services, tenantId, now);
    if (!runId) throw new Error('no run was created');
    const outcome = await executeRun(services, tenantId, runId, { now });
    const createS = (performance.now() - t0) / 1000;
    const createCpu = cpuSince(c1);
    const load1After = load();
    if (outcome.kind !== 'sent') throw new Error(`run ended ${outcome.kind}`);
    const createCalls = diff(client.stats.calls, calls0);
    await statements(services, false);
    const split = (
      await withTenant(services.dbs, tenantId, (trx) =>
        sql<{ tasks: number; plan_s: number; deliver_s: number; max_chunk: number; msgids: string[] }>`select count(*)::int as tasks, max(recipients)::int as max_chunk,
          extract(epoch from min(o.called_at) - r.started_at)::float8 as plan_s, extract(epoch from max(o.completed_at) - min(o.called_at))::float8 as deliver_s, array_agg(o.msgid) as msgids
          from campaign_outbox o join campaign_runs r on r.tenant_id = o.tenant_id and r.id = o.run_id
          where o.tenant_id = ${tenantId}::uuid and o.run_id = ${runId}::uuid group by r.started_at`.execute(trx),
      )
    ).rows[0]!;
    const planned = await recipientStates(services, tenantId);
    log(`plan + create: ${createS.toFixed(2)} s (${split.tasks} tasks; planning ≈ ${split.plan_s?.toFixed(2)} s, calls ≈ ${split.deliver_s?.toFixed(2)} s), load ${load1} → ${load1After}; ${JSON.stringify(planned)}`);

    // 2. Every clerk confirms their task (the simulator's control surface, not WeCom's API; not timed).
    for (const msgid of split.msgids) await sim.control('/__sim/mass/send', { msgid });
    const simTasks = ((await (await fetch(`${sim.url}/__sim/summary`)).json()) as { massTasks: number }).massTasks;

    // 3. Reconcile: the poll-results job for the tenant.
    await statements(services, true);
    const load2 = load();
    const calls1 = { ...client.stats.calls };
    const c2 = cpu();
    const t1 = performance.now();
    const polled = await pollTenantResults(services, tenantId, { now: new Date() });
    const reconcileS = (performance.now() - t1) / 1000;
    const reconcileCpu = cpuSince(c2);
    const load2After = load();
    const pollCalls = diff(client.stats.calls, calls1);
    await statements(services, false);
    const memory = mem.stop();
    const states = await recipientStates(services, tenantId);
    const reconciled = (states.sent ?? 0) + (states.not_friend ?? 0) + (states.cap_reached ?? 0);
    log(`reconcile: ${reconcileS.toFixed(2)} s, ${reconciled} recipients final, load ${load2} → ${load2After}; ${JSON.stringify(states)}; memory ${JSON.stringify(memory)}`);

    const floor = await measureFloor(services, client, tenantId, runId);
    log(`floor: insert ${floor.insert_s} s + calls ${floor.calls_s} s`);

    const result = {
      floor,
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}`,
      world,
      campaignId,
      recipients: Object.values(planned).reduce((a, n) => a + n, 0),
      create: { seconds: +createS.toFixed(2), plan_s: +split.plan_s.toFixed(2), deliver_s: +split.deliver_s.toFixed(2), tasks: split.tasks, max_chunk: split.max_chunk, sim_tasks: simTasks, calls: createCalls, bound_s: +boundOf(createCalls).toFixed(2), cpu: createCpu, load: [load1, load1After], states: planned },
      reconcile: { seconds: +reconcileS.toFixed(2), polled: polled.polled, updated: polled.updated, deferred: polled.deferred, reconciled, calls: pollCalls, bound_s: +boundOf(pollCalls).toFixed(2), cpu: reconcileCpu, load: [load2, load2After], states },
      memory: { ...memory, start_mb: mem.startMb },
    };
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    if (args.write) log(`wrote ${writeSection(renderSection(result))}`);
  } finally {
    await services.close();
    sim.stop();
    if (!args['data-dir']) rmSync(dataDir, { recursive: true, force: true });
  }
}

type Result = {
  date: string;
  machine: string;
  world: { customers: number; follows: number; staff: number };
  recipients: number;
  create: { seconds: number; plan_s: number; deliver_s: number; tasks: number; max_chunk: number; sim_tasks: number; calls: Calls; bound_s: number; cpu: Record<string, number>; load: string[]; states: Record<string, number> };
  reconcile: { seconds: number; polled: number; updated: number; reconciled: number; calls: Calls; bound_s: number; cpu: Record<string, number>; load: string[] };
  memory: { hwmMb: number; sampledMb: number; start_mb: number };
  floor: { insert_s: number; calls_s: number };
};

function renderSection(r: Result): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const calls = (c: Calls) => Object.entries(c).map(([k, v]) => `${k} ${n(v)}`).join(', ');
  const cpu = (c: Record<string, number>) => `PostgreSQL ${c.postgres} s, Huike ${c.huike} s, simulator ${c.simulator} s`;
  const ratio = r.create.bound_s > 0 ? r.create.seconds / r.create.bound_s : Infinity;
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  return `## Campaigns

\`flock /tmp/huike-bench.lock npx tsx bench/campaigns/run.ts --write\` (issue #15) — a one-off mass campaign to every one of
${n(r.world.customers)} customers (${n(r.world.follows)} follow relations over ${r.world.staff} clerks, one paid order each; holdout 0 so all are
recipients), against the **standalone simulator in its own process** answering every call after ${LATENCY} ms and enforcing
**10,000 calls/min per API**, on a throw-away embedded PostgreSQL 15, through the jobs' own functions: \`createDueRuns\`
(the tick) and \`executeRun\` (\`campaigns.execute-run\`: audience from the segment, guardrails, senders, chunks, outbox,
add_msg_template), then every clerk confirms in the simulator, then \`pollTenantResults\` (\`campaigns.poll-results\`).
The generated world is loaded with COPY from files a child process writes (bench/campaigns/population.ts, generate.ts).

Machine: ${r.machine}. Date: ${r.date}. Load average (1 / 5 / 15 min) before → after each phase as given.

| phase | goal | measured | bound | calls | load average |
|---|---|---|---|---|---|
| plan + create every task | ≤ 1.5 × bound | **${r.create.seconds} s** (planning ${r.create.plan_s} s, WeCom calls and records ${r.create.deliver_s} s) = ${ratio.toFixed(1)} × bound — ${met(ratio <= GOALS.ratio)}; ${(r.create.seconds / (r.floor.insert_s + r.floor.calls_s)).toFixed(2)} × the measured floor (below) | ${r.create.bound_s} s | ${calls(r.create.calls)} | ${r.create.load.join(' → ')} |
| reconcile ${n(r.reconcile.reconciled)} recipient results | ≤ ${GOALS.reconcileS} s | **${r.reconcile.seconds} s** — ${met(r.reconcile.seconds <= GOALS.reconcileS && r.reconcile.reconciled === r.recipients)} | ${r.reconcile.bound_s} s | ${calls(r.reconcile.calls)} | ${r.reconcile.load.join(' → ')} |
| peak memory (this Node process, VmHWM over both phases) | ≤ ${GOALS.peakMb} MB | **${r.memory.hwmMb} MB** (${r.memory.start_mb} MB at the start; sampled peak ${r.memory.sampledMb} MB) — ${met(r.memory.hwmMb <= GOALS.peakMb)} | | | |

${n(r.recipients)} recipients, ${r.create.tasks} tasks (one per clerk and chunk, largest chunk ${n(r.create.max_chunk)}; the simulator holds ${r.create.sim_tasks}).
CPU — plan + create: ${cpu(r.create.cpu)}; reconcile: ${cpu(r.reconcile.cpu)}.

The floor, measured in the same run and database after both phases: the run's ${n(r.recipients)} recipient rows written
into a clone of campaign_recipients with every index, in one INSERT of the rows themselves (${r.floor.insert_s} s), plus
the same ${r.create.tasks} add_msg_template calls ${CALLS_IN_FLIGHT} at a time with nothing recorded (${r.floor.calls_s} s):
**${(r.floor.insert_s + r.floor.calls_s).toFixed(2)} s; plan + create is ${(r.create.seconds / (r.floor.insert_s + r.floor.calls_s)).toFixed(2)} × that floor**.

What plan + create does: one INSERT computes each recipient's exclusion, holdout, sender, WeCom id and chunk (every
lookup a set joined once) and writes the rows in customer order; then one outbox row per (clerk, chunk); then the calls,
${CALLS_IN_FLIGHT} in flight, each marked 'calling' and committed before it is made and recorded on its outbox row after it
(a mass task is recorded on its chunk's outbox row; the view campaign_recipient_states reads its planned targets as task
created until their results arrive). Profile history (pg_stat_statements, auto_explain; \`--statements\`): the planning
statement once probed customer_follows per (customer, clerk) pair and updated its fresh rows through nested-loop
self-joins (a 20,000-customer run did not finish planning in 10 minutes); at 200,000 it then took 30.4 s, later 10.0 s
with 5.4 s in the planning INSERT and 3.0 s in 300 per-chunk updates of the recipients. Since: the per-chunk recipient
update is gone (3 s of PostgreSQL), the INSERT no longer takes ON CONFLICT's speculative path, the per-row foreign key
check to the run (≈ 1 s; statement-level triggers keep the cascade) or random-order index inserts, and 8 calls are in
flight instead of 4.

**Why 1.5 × the bound is out of reach on this machine.** The bound counts only the calls (${r.create.bound_s} s); planning
must first write every recipient, and on 2 cores shared by PostgreSQL, Huike and the simulator the phase is CPU-bound:
CPU used — ${cpu(r.create.cpu)} — is ${(r.create.cpu.postgres + r.create.cpu.huike + r.create.cpu.simulator).toFixed(1)} CPU-seconds, at
least ${((r.create.cpu.postgres + r.create.cpu.huike + r.create.cpu.simulator) / 2).toFixed(1)} s of wall time on 2 cores, against a 1.5 × bound of
${(1.5 * r.create.bound_s).toFixed(1)} s. The calls cannot start before the plan is written (a task's recipients must be
committed before its call, so a crash can be reconciled), and PostgreSQL 15 runs an INSERT … SELECT on one core. Even
the floor above — the rows written and the calls made, nothing computed or recorded — is ${((r.floor.insert_s + r.floor.calls_s) / Math.max(r.create.bound_s, 0.001)).toFixed(2)} × the bound. The
simulator's share would be WeCom's own machines in production.

**The bound.** WeCom allows 10,000 calls/min per API and corp (and 150,000/hour): 166.7 calls/s sustained, separate
budgets per API, so the least time the limits allow a phase is max over APIs of calls(api) / 166.7 s (gettoken aside).
Counted by clock-minute windows instead, all of these calls would fit in the first minute (bound 0 s); the sustained rate
is the stricter reading and the one used.
`;
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
