/**
 * Campaigns from schedule to done against the simulator, through the lifecycle service, the scheduler tick and
 * the run executor: a 5,000-recipient campaign over 50 clerks creates exactly one task per clerk and chunk and
 * its results reconcile per recipient; opt-outs and ended relations are excluded; the frequency cap, WeCom's
 * receive cap, overlapping priorities and quiet hours hold; a cancel stops unsent work; the test send reaches the
 * creator's own WeCom account.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CampaignInputRaw } from '../../../app/lib/contracts/campaign';
import { cancelCampaign, createCampaign, scheduleCampaign } from '../../../server/campaigns/campaigns.service';
import { inCampaignHoldout, inGlobalControl } from '../../../server/campaigns/holdout';
import { dryRun } from '../../../server/campaigns/planning';
import { pollTenantResults } from '../../../server/campaigns/results.service';
import { createDueRuns, executeRun, finishRuns, stopRunTasks, tickTenant } from '../../../server/campaigns/runs.service';
import { testSend } from '../../../server/campaigns/test-send.service';
import { createSegment } from '../../../server/segments/segments.service';
import type { Actor } from '../../../server/tenancy/actor';
import { withSystem, withTenant, type TenantId } from '../../../server/tenancy/context';
import { makeTenant } from '../../factories/tenant';
import { useTestServices } from '../../support/db';
import { runJob } from '../../support/jobs';
import { campaignJobs } from '../../../server/campaigns/campaigns.job';
import { connectedTenant, syncOnce } from '../wecom/helpers';

const h = useTestServices();
const HOUR = 3_600_000;
const STATE = { 0: 'task_created', 1: 'sent', 2: 'not_friend', 3: 'cap_reached' } as const;

const db = <T>(tenantId: TenantId, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.services.dbs, tenantId, fn);

async function world(customers: number, staff: number, seed: number, multiFollowShare?: number) {
  const { tenant, sim } = await connectedTenant(h.services, { customers, staff, seed, multiFollowShare });
  await syncOnce(h.services, tenant.id);
  const segmentId = (await db(tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部客户', rule: {} }))).id;
  return { tenant, sim, segmentId, actor: tenant.actor };
}

/** A time zone (of three, 8 hours apart) whose local day does not change within the next `ms`. */
function zoneAwayFromMidnight(ms: number): string {
  const dayIn = (zone: string, t: number) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
  return ['Asia/Shanghai', 'Europe/London', 'America/Los_Angeles'].find((z) => dayIn(z, Date.now()) === dayIn(z, Date.now() + ms))!;
}

const input = (segmentId: string, over: Partial<CampaignInputRaw> = {}): CampaignInputRaw => ({
  name: '新品到店',
  audience: { segment_id: segmentId },
  delivery: 'mass',
  content: { text: '您好，我是{导购|您的导购}，{门店|门店}本周新品到店' },
  schedule: { kind: 'once', at: null },
  holdout_pct: 10,
  attribution_days: 7,
  ...over,
});

async function scheduled(tenantId: TenantId, actor: Actor, body: CampaignInputRaw, now = new Date()) {
  const { id } = await db(tenantId, (trx) => createCampaign(trx, actor, body));
  await db(tenantId, (trx) => scheduleCampaign(trx, actor, id, now));
  return id;
}

async function recipients(tenantId: TenantId, campaignId: string) {
  return db(tenantId, async (trx) => (await sql<{ customer_id: string; arm: string; excluded: string | null; status: string; external_userid: string | null; sent_at: Date | null; sender_staff_id: string | null; chunk: number | null }>`
    select r.customer_id, r.arm, r.excluded, r.status, r.external_userid, r.sent_at, r.sender_staff_id, r.chunk from campaign_recipient_states r join campaign_runs u on u.tenant_id = r.tenant_id and u.id = r.run_id
    where r.tenant_id = ${tenantId}::uuid and u.campaign_id = ${campaignId}::uuid`.execute(trx)).rows);
}

async function statusOf(tenantId: TenantId, campaignId: string) {
  return db(tenantId, async (trx) => (await sql<{ status: string; runs: string[] }>`select c.status, coalesce((select array_agg(r.status order by r.planned_for) from campaign_runs r where r.tenant_id = c.tenant_id and r.campaign_id = c.id), '{}') as runs
    from campaigns c where c.tenant_id = ${tenantId}::uuid and c.id = ${campaignId}::uuid`.execute(trx)).rows[0]!);
}

async function setSettings(tenantId: TenantId, s: { frequency_max?: number; receive_cap_rule?: string; control_pct?: number; quiet?: [string, string] | null }) {
  await db(tenantId, (trx) => sql`insert into campaign_settings (tenant_id, quiet_start, quiet_end, frequency_max, receive_cap_rule, control_pct)
    values (${tenantId}::uuid, ${s.quiet === null ? null : (s.quiet?.[0] ?? '21:00')}, ${s.quiet === null ? null : (s.quiet?.[1] ?? '09:00')}, ${s.frequency_max ?? 2}, ${s.receive_cap_rule ?? 'month_days'}, ${s.control_pct ?? 0})
    on conflict (tenant_id) do update set quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, frequency_max = excluded.frequency_max,
      receive_cap_rule = excluded.receive_cap_rule, control_pct = excluded.control_pct`.execute(trx));
}

/** 10:00 in Shanghai on a fixed day, outside the default quiet hours. */
const at = (hhmm: string, day = '2026-12-08') => new Date(`${day}T${hhmm}:00+08:00`);

describe('campaign lifecycle', () => {
  it('5,000 customers over 50 clerks: one task per clerk and chunk, opt-outs and ended relations excluded, results reconciled per recipient, run and campaign done', async () => {
    const { tenant, sim, segmentId, actor } = await world(5000, 50, 61, 0.2);
    await setSettings(tenant.id, { quiet: null });
    // 100 customers opted out; 60 others lost every clerk (relations ended).
    const { optedOut, ended } = await db(tenant.id, async (trx) => {
      const ids = (await sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid order by id`.execute(trx)).rows.map((r) => r.id);
      const optedOut = ids.slice(0, 100);
      const ended = ids.slice(100, 160);
      await sql`update customers set marketing_opt_out = true, marketing_opt_out_at = now() where tenant_id = ${tenant.id}::uuid and id = any(${optedOut}::uuid[])`.execute(trx);
      await sql`update customer_follows set ended_at = now() where tenant_id = ${tenant.id}::uuid and customer_id = any(${ended}::uuid[])`.execute(trx);
      return { optedOut, ended };
    });
    const campaignId = await scheduled(tenant.id, actor, input(segmentId));
    const now = new Date();
    const created = await createDueRuns(h.services, tenant.id, now);
    expect(created.length).toBe(1);
    // A second tick for the same time creates nothing.
    expect(await createDueRuns(h.services, tenant.id, now)).toEqual([]);

    const outcome = await executeRun(h.services, tenant.id, created[0]!, { now, chunkSize: 40 });
    expect(outcome.kind).toBe('sent');
    expect(await executeRun(h.services, tenant.id, created[0]!, { now })).toEqual({ kind: 'nothing' });

    const rows = await recipients(tenant.id, campaignId);
    expect(rows.length).toBe(5000);
    const byId = new Map(rows.map((r) => [r.customer_id, r]));
    expect(optedOut.every((id) => byId.get(id)!.excluded === 'opt_out')).toBe(true);
    expect(ended.every((id) => byId.get(id)!.excluded === 'no_relation')).toBe(true);
    // The holdout is the deterministic 10% draw among the customers nothing excluded.
    const eligible = rows.filter((r) => r.excluded === null);
    expect(rows.filter((r) => r.arm === 'holdout').map((r) => r.customer_id).sort()).toEqual(eligible.filter((r) => inCampaignHoldout(campaignId, r.customer_id, 10)).map((r) => r.customer_id).sort());

    // Exactly one WeCom task per (clerk, chunk), each customer in one task.
    const targets = rows.filter((r) => r.arm === 'target' && r.excluded === null);
    const chunks = new Set(targets.map((r) => `${r.sender_staff_id}:${r.chunk}`));
    const tasks = [...sim.state.massTasks.values()];
    expect(tasks.length).toBe(chunks.size);
    const senders = new Set(targets.map((r) => r.sender_staff_id));
    expect(senders.size).toBeGreaterThan(45); // of 50 clerks (one may serve only excluded customers)
    expect(new Set(tasks.map((t) => t.recipients[0]!.userid)).size).toBe(senders.size);
    const inTasks = tasks.flatMap((t) => t.recipients.map((x) => x.external_userid!));
    expect(new Set(inTasks).size).toBe(inTasks.length);
    expect(inTasks.length).toBe(targets.length);

    // Every clerk confirms; the results are polled and match WeCom's per recipient.
    sim.advance(HOUR);
    for (const t of tasks) sim.sendMassMessage(t.msgid);
    await pollTenantResults(h.services, tenant.id, { now: new Date(sim.now()) });
    const after = new Map((await recipients(tenant.id, campaignId)).filter((r) => r.external_userid).map((r) => [r.external_userid!, r.status]));
    for (const t of tasks) for (const x of t.recipients) expect(after.get(x.external_userid!)).toBe(STATE[x.status as 0]);
    expect([...after.values()].filter((s) => s === 'sent').length).toBeGreaterThan(targets.length * 0.9);

    expect((await finishRuns(h.services, tenant.id, new Date(sim.now()))).done).toEqual(created);
    expect(await statusOf(tenant.id, campaignId)).toEqual({ status: 'done', runs: ['done'] });
    const audit = await db(tenant.id, (trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${tenant.id}::uuid and entity_id = ${campaignId} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['campaign.create', 'campaign.schedule', 'campaign.start', 'campaign.finish']);
  }, 600_000);

  it('the frequency cap, WeCom’s receive cap and a higher-priority campaign on the same day exclude customers before the send', async () => {
    const { tenant, segmentId, actor } = await world(200, 4, 62);
    // "The same day" is the tenant's local day: the campaign scheduled 10 minutes ahead below must fall on today's,
    // so the tenant keeps a zone where the next quarter of an hour does not cross midnight (else this failed in the
    // last 10 minutes of a Shanghai day).
    await withSystem(h.services.dbs, (d) => sql`update tenants set timezone = ${zoneAwayFromMidnight(15 * 60_000)} where id = ${tenant.id}::uuid`.execute(d));
    await setSettings(tenant.id, { frequency_max: 1, quiet: null });
    const first = await scheduled(tenant.id, actor, input(segmentId, { holdout_pct: 0 }));
    const [run] = await createDueRuns(h.services, tenant.id, new Date());
    expect((await executeRun(h.services, tenant.id, run!, { chunkSize: 30 })).kind).toBe('sent');
    const reached = (await recipients(tenant.id, first)).filter((r) => r.status === 'task_created').length;
    expect(reached).toBeGreaterThan(150);

    // Frequency cap 1 in 7 days: everyone the first campaign reached is excluded from the second.
    const second = (await db(tenant.id, (trx) => createCampaign(trx, actor, input(segmentId, { name: '第二波', holdout_pct: 0 })))).id;
    let dry = await db(tenant.id, (trx) => dryRun(trx, actor, second));
    expect(dry.exclusions.frequency_cap).toBe(reached);
    expect(dry.exclusions.receive_cap).toBe(0);
    // WeCom's cap "1 per day": the same customers would be skipped by WeCom (status 3), shown before the send.
    await setSettings(tenant.id, { frequency_max: 100, receive_cap_rule: 'day_1', quiet: null });
    dry = await db(tenant.id, (trx) => dryRun(trx, actor, second));
    expect(dry.exclusions).toMatchObject({ frequency_cap: 0, receive_cap: reached });
    expect(dry.recipients).toBe(0);

    // A higher-priority campaign due today takes the customers of this one.
    await setSettings(tenant.id, { frequency_max: 100, quiet: null });
    await scheduled(tenant.id, actor, input(segmentId, { name: '重要', priority: 10, schedule: { kind: 'once', at: new Date(Date.now() + 10 * 60_000).toISOString() } }));
    dry = await db(tenant.id, (trx) => dryRun(trx, actor, second));
    expect(dry.exclusions.overlap).toBe(reached);
    expect(dry.audience).toBe(200);

    // The global control group never receives campaigns.
    await setSettings(tenant.id, { frequency_max: 100, control_pct: 20, quiet: null });
    const third = (await db(tenant.id, (trx) => createCampaign(trx, actor, input(segmentId, { name: '第三波', priority: 20 })))).id;
    dry = await db(tenant.id, (trx) => dryRun(trx, actor, third));
    const expectedControl = (await recipients(tenant.id, first)).filter((r) => inGlobalControl(tenant.id, r.customer_id, 20)).length;
    expect(dry.exclusions.control).toBe(expectedControl);
    expect(expectedControl).toBeGreaterThan(10);
  }, 120_000);

  it('a run due inside quiet hours waits until they end; a campaign that opted out sends at once', async () => {
    const { tenant, sim, segmentId, actor } = await world(120, 3, 63);
    const waits = await scheduled(tenant.id, actor, input(segmentId, { schedule: { kind: 'once', at: at('22:30').toISOString() } }), at('20:00'));
    const urgent = await scheduled(tenant.id, actor, input(segmentId, { name: '紧急服务通知', quiet_hours: false, priority: -1, schedule: { kind: 'once', at: at('22:30').toISOString() } }), at('20:00'));
    const tick = await tickTenant(h.services, tenant.id, at('22:31'));
    expect(tick.created.length).toBe(2);
    // Only the urgent run may start now.
    expect(tick.toExecute.length).toBe(1);
    const runs = await db(tenant.id, async (trx) => (await sql<{ campaign_id: string; id: string; send_after: Date }>`select campaign_id, id, send_after from campaign_runs where tenant_id = ${tenant.id}::uuid`.execute(trx)).rows);
    const waitingRun = runs.find((r) => r.campaign_id === waits)!;
    expect(waitingRun.send_after.toISOString()).toBe(at('09:00', '2026-12-09').toISOString());
    expect(await executeRun(h.services, tenant.id, waitingRun.id, { now: at('22:31') })).toEqual({ kind: 'waiting', until: at('09:00', '2026-12-09') });
    expect(sim.state.massTasks.size).toBe(0);
    expect((await executeRun(h.services, tenant.id, tick.toExecute[0]!, { now: at('22:31') })).kind).toBe('sent');
    expect(runs.find((r) => r.id === tick.toExecute[0])!.campaign_id).toBe(urgent);
    const urgentTasks = sim.state.massTasks.size;
    expect(urgentTasks).toBeGreaterThan(0);

    expect((await tickTenant(h.services, tenant.id, at('08:59', '2026-12-09'))).toExecute).toEqual([]);
    const morning = await tickTenant(h.services, tenant.id, at('09:00', '2026-12-09'));
    expect(morning.toExecute).toEqual([waitingRun.id]);
    expect((await executeRun(h.services, tenant.id, waitingRun.id, { now: at('09:00', '2026-12-09') })).kind).toBe('sent');
    expect(sim.state.massTasks.size).toBeGreaterThan(urgentTasks);
    const audit = await db(tenant.id, (trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${tenant.id}::uuid and entity_id = ${urgent} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toContain('campaign.quiet_hours_off');
  }, 120_000);

  it('a cancel stops what is unsent: pending rows are never called and created tasks are cancelled on WeCom', async () => {
    const { tenant, sim, segmentId, actor } = await world(150, 3, 64);
    await setSettings(tenant.id, { quiet: null });
    const id = await scheduled(tenant.id, actor, input(segmentId, { holdout_pct: 0 }));
    const [run] = await createDueRuns(h.services, tenant.id, new Date());
    // The worker dies after the first task (before recording the rest).
    let calls = 0;
    await expect(executeRun(h.services, tenant.id, run!, { chunkSize: 10, delivery: { concurrency: 1, afterCall: () => { if (++calls === 2) throw new Error('worker killed'); } } })).rejects.toThrow('worker killed');
    expect(sim.state.massTasks.size).toBe(2);
    const out = await db(tenant.id, (trx) => cancelCampaign(trx, actor, id));
    expect(out.runsToStop).toEqual([run]);
    // The resumed executor finds the run cancelled and calls nothing more.
    expect(await executeRun(h.services, tenant.id, run!)).toEqual({ kind: 'nothing' });
    expect(sim.state.massTasks.size).toBe(2);
    await stopRunTasks(h.services, tenant.id, run!);
    // Both are cancelled: the one Huike recorded, and the one created just before the worker died (found and adopted).
    const cancelled = [...sim.state.massTasks.values()].filter((t) => t.cancelled);
    expect(cancelled.length).toBe(2);
    expect(await statusOf(tenant.id, id)).toEqual({ status: 'cancelled', runs: ['cancelled'] });
    const unsent = (await recipients(tenant.id, id)).filter((r) => r.status === 'unsent').length;
    expect(unsent).toBe(cancelled.reduce((a, t) => a + t.recipients.length, 0));
    // Nothing is left calling or pending.
    const open = await db(tenant.id, async (trx) => (await sql<{ n: number }>`select count(*)::int as n from campaign_outbox where tenant_id = ${tenant.id}::uuid and state in ('pending','calling')`.execute(trx)).rows[0]!.n);
    expect(open).toBe(0);
  }, 120_000);

  it('a test send goes to the creator’s own WeCom account with their own variables', async () => {
    const { tenant, sim, segmentId } = await world(30, 2, 65);
    const me = await db(tenant.id, async (trx) => (await sql<{ id: string; name: string; wecom_userid: string }>`select id, name, wecom_userid from staff where tenant_id = ${tenant.id}::uuid and wecom_userid is not null order by name limit 1`.execute(trx)).rows[0]!);
    await db(tenant.id, (trx) => sql`update wecom_connections set agent_id = 1000002 where tenant_id = ${tenant.id}::uuid`.execute(trx));
    const staffActor: Actor = { ...tenant.actor, kind: 'staff', staffId: me.id, role: 'ops', label: me.name };
    const { id } = await db(tenant.id, (trx) => createCampaign(trx, staffActor, input(segmentId, { content: { text: '我是{导购|导购}', attachments: [{ msgtype: 'link', link: { title: '新品', url: 'https://example.com/n' } }] } })));
    const r = await testSend(h.services, staffActor, id);
    expect(r.to).toBe(me.wecom_userid);
    expect(sim.appMessages.at(-1)).toMatchObject({ touser: [me.wecom_userid], agentid: 1000002, content: `【测试】我是${me.name}\n[链接] 新品 https://example.com/n` });
    await expect(testSend(h.services, tenant.actor, id)).rejects.toThrow('测试发送需要以员工身份登录');
  }, 120_000);
  it('a 1:1 campaign and a triggered campaign run through the same executor; a 1:1 task counts toward the frequency cap', async () => {
    const { tenant, sim, segmentId, actor } = await world(100, 3, 66);
    await setSettings(tenant.id, { frequency_max: 1, quiet: null });
    const oneToOne = await scheduled(tenant.id, actor, input(segmentId, { delivery: 'one_to_one', holdout_pct: 0, content: { text: '{客户称呼|您好}，我是{导购|导购}' } }));
    const [run] = await createDueRuns(h.services, tenant.id, new Date());
    const out = await executeRun(h.services, tenant.id, run!);
    expect(out.kind).toBe('sent');
    const tasks = (await recipients(tenant.id, oneToOne)).filter((r) => r.status === 'task_created').length;
    expect(out).toMatchObject({ result: { created: tasks } });
    expect(sim.state.massTasks.size).toBe(0);
    // Not final while the clerks' tasks are open.
    expect((await finishRuns(h.services, tenant.id)).done).toEqual([]);

    // Five customers have their birthday today: the birthday campaign fires for them only, and the 1:1 tasks
    // already count toward the cap of 1 message in 7 days.
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', month: 'numeric', day: 'numeric' }).formatToParts(new Date());
    const [month, day] = ['month', 'day'].map((k) => Number(today.find((p) => p.type === k)!.value));
    const birthdays = await db(tenant.id, async (trx) => (await sql<{ id: string }>`update customers set birth_month = ${month}, birth_day = ${day}
      where tenant_id = ${tenant.id}::uuid and id in (select id from customers where tenant_id = ${tenant.id}::uuid order by id limit 5) returning id`.execute(trx)).rows.map((r) => r.id));
    const triggered = await scheduled(tenant.id, actor, input(segmentId, { name: '生日祝福', holdout_pct: 0, schedule: { kind: 'triggered', trigger: { type: 'birthday', days_before: 0 }, reentry_days: null, time: '00:00' } }));
    // Scheduled after its time of day (00:00), it is evaluated by the next tick already: one run, of today's birthdays.
    const tick = await tickTenant(h.services, tenant.id);
    expect(tick.created.length).toBe(1);
    expect(tick.toExecute).toEqual(tick.created);
    expect((await executeRun(h.services, tenant.id, tick.created[0]!)).kind).toBe('sent');
    const rows = await recipients(tenant.id, triggered);
    expect(rows.map((r) => r.customer_id).sort()).toEqual([...birthdays].sort());
    const capped = (await recipients(tenant.id, oneToOne)).filter((r) => r.status === 'task_created' && birthdays.includes(r.customer_id)).length;
    expect(capped).toBeGreaterThan(0);
    expect(rows.filter((r) => r.excluded === 'frequency_cap').length).toBe(capped);
  }, 120_000);
  it('the execute-run job: a run that still fails after its last retry fails, and so does its campaign (audited)', async () => {
    const tenant = await makeTenant(h.services); // no WeCom connection: delivery cannot start
    const segmentId = (await db(tenant.id, (trx) => createSegment(trx, tenant.actor, { name: '全部客户', rule: {} }))).id;
    const id = await scheduled(tenant.id, tenant.actor, input(segmentId, { quiet_hours: false }));
    const [run] = await createDueRuns(h.services, tenant.id, new Date());
    await expect(runJob(campaignJobs, 'campaigns.execute-run', h.services, { tenantId: tenant.id, runId: run! }, { jobId: 't', retryCount: 0 })).rejects.toThrow();
    expect(await statusOf(tenant.id, id)).toEqual({ status: 'running', runs: ['sending'] });
    await expect(runJob(campaignJobs, 'campaigns.execute-run', h.services, { tenantId: tenant.id, runId: run! }, { jobId: 't', retryCount: 5 })).rejects.toThrow();
    expect(await statusOf(tenant.id, id)).toEqual({ status: 'failed', runs: ['failed'] });
    const audit = await db(tenant.id, (trx) => sql<{ action: string }>`select action from audit_log where tenant_id = ${tenant.id}::uuid and entity_id = ${id} order by id`.execute(trx));
    expect(audit.rows.map((a) => a.action)).toEqual(['campaign.create', 'campaign.quiet_hours_off', 'campaign.schedule', 'campaign.start', 'campaign.fail']);
  }, 60_000);
});
