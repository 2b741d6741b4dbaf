/**
 * Send results against the simulator: after delivery some clerks confirm, and the poll writes every recipient's
 * state exactly as WeCom reports it (sent with its time, not a friend, receive cap reached, not yet sent) and
 * each clerk's confirmation; unconfirmed clerks are reminded at most 3 times in 24 hours; an expired campaign
 * cancels what is unconfirmed and its recipients become 'unsent'; a poll WeCom rate-limits is rescheduled.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { CampaignContent } from '../../../app/lib/contracts/campaign';
import { campaignJobs } from '../../../server/campaigns/campaigns.job';
import { insertCampaign, insertRun } from '../../../server/campaigns/campaigns.repository';
import { snapshotRecipients } from '../../../server/campaigns/delivery.repository';
import { deliverMassRun, planMassRun } from '../../../server/campaigns/delivery.service';
import { runPage } from '../../../server/campaigns/pages.service';
import { cancelExpired, pollRunResults, pollTenantResults, remindUnconfirmed } from '../../../server/campaigns/results.service';
import { jobDefinitions } from '../../../server/jobs/registry';
import { withTenant, type TenantId } from '../../../server/tenancy/context';
import type { WecomSimulator } from '../../../server/wecom/simulator/simulator';
import { useTestServices } from '../../support/db';
import { connectedTenant, syncOnce } from '../wecom/helpers';
import { runJob } from '../../support/jobs';

const h = useTestServices();
const content: CampaignContent = { text: '您好，我是{导购|您的导购}，本周会员日欢迎到店', attachments: [] };
const HOUR = 3_600_000;
const STATE = { 0: 'task_created', 1: 'sent', 2: 'not_friend', 3: 'cap_reached' } as const;

/** 300 customers over 6 clerks, delivered in chunks of 20: several tasks per clerk. */
async function deliveredRun(seed: number, config: { tokenTtlSeconds?: number } = {}) {
  const { tenant, sim } = await connectedTenant(h.services, { customers: 300, staff: 6, seed, sim: { config: { rateLimitPerMinute: null, ...config } } });
  await syncOnce(h.services, tenant.id);
  const { runId, campaignId } = await withTenant(h.services.dbs, tenant.id, async (trx) => {
    const campaignId = await insertCampaign(trx, tenant.id, { name: '会员日', delivery: 'mass', audience: { segment_id: null }, content, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
    const id = await insertRun(trx, tenant.id, campaignId, new Date());
    await snapshotRecipients(trx, tenant.id, id, campaignId, 0, sql<{ id: string }>`select id from customers where tenant_id = ${tenant.id}::uuid and merged_into is null`);
    return { runId: id, campaignId };
  });
  const plan = await planMassRun(h.services, tenant.id, runId, content, 20);
  await deliverMassRun(h.services, tenant.id, runId, content, plan.texts);
  const tasks = [...sim.state.massTasks.values()];
  const senders = [...new Set(tasks.map((t) => t.recipients[0]!.userid))].sort();
  expect(senders.length).toBe(6);
  return { tenant, sim, runId, campaignId, tasks, senders };
}

/** Every task recipient's state in Huike, keyed by external_userid. */
async function huikeStates(tenantId: TenantId, runId: string) {
  return withTenant(h.services.dbs, tenantId, async (trx) => {
    const r = await sql<{ external_userid: string; status: string; sent: number | null }>`select external_userid, status, extract(epoch from sent_at)::int as sent
      from campaign_recipient_states where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and status in ('task_created','sent','not_friend','cap_reached','unsent')`.execute(trx);
    return new Map(r.rows.map((x) => [x.external_userid, { status: x.status, sent: x.sent }]));
  });
}

/** The same as the simulator knows it (what WeCom would answer). */
function simStates(sim: WecomSimulator, unsent: (status: number) => string = (s) => STATE[s as 0]) {
  const m = new Map<string, { status: string; sent: number | null }>();
  for (const t of sim.state.massTasks.values()) for (const r of t.recipients) m.set(r.external_userid!, { status: r.status === 0 ? unsent(0) : STATE[r.status], sent: r.send_time ?? null });
  return m;
}

async function outbox(tenantId: TenantId, runId: string) {
  return withTenant(h.services.dbs, tenantId, async (trx) =>
    (await sql<{ msgid: string; confirmed_at: Date | null; next_poll_at: Date | null; poll_failures: number; reminders: Date[]; cancelled_at: Date | null }>`
      select msgid, confirmed_at, next_poll_at, poll_failures, reminders, cancelled_at from campaign_outbox where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid`.execute(trx)).rows,
  );
}

/** Three of the six clerks confirm all their tasks; one of their customers is at the receive cap, one deleted them. */
function someClerksConfirm(sim: WecomSimulator, tasks: ReturnType<typeof sim.state.massTasks.values> extends Iterable<infer T> ? T[] : never, senders: string[]) {
  const confirming = new Set(senders.slice(0, 3));
  const mine = tasks.filter((t) => confirming.has(t.recipients[0]!.userid));
  // Two recipients who are still friends (the population has some who deleted their clerk already).
  const friends = mine.flatMap((t) => t.recipients).filter((r) => sim.state.getFollow(r.userid, r.external_userid!)?.deletedByCustomer === false);
  const capped = friends[0]!;
  for (let i = 0; i < 40; i++) sim.state.countReceived(capped.external_userid!, sim.now());
  const deleted = friends[friends.length - 1]!;
  sim.state.getFollow(deleted.userid, deleted.external_userid!)!.deletedByCustomer = true;
  for (const t of mine) sim.sendMassMessage(t.msgid);
  return { confirming, mine, capped: capped.external_userid!, deleted: deleted.external_userid! };
}

describe('campaign send results', () => {
  it('the poll writes each recipient’s state exactly as WeCom reports it, with each clerk’s confirmation and progress per clerk and store', async () => {
    const { tenant, sim, runId, campaignId, tasks, senders } = await deliveredRun(41);
    // Before anyone confirms: everything stays 'task_created', nothing confirmed, next poll in 30 minutes.
    const now0 = new Date(sim.now());
    const first = await pollRunResults(h.services, tenant.id, runId, { now: now0, pageSize: 7 });
    expect(first).toEqual({ polled: tasks.length, confirmed: 0, updated: 0, deferred: 0 });
    expect((await outbox(tenant.id, runId)).every((o) => o.confirmed_at === null && o.next_poll_at?.getTime() === now0.getTime() + 30 * 60_000)).toBe(true);

    const { confirming, mine, capped, deleted } = someClerksConfirm(sim, tasks, senders);
    // Not due yet: nothing is asked.
    expect((await pollRunResults(h.services, tenant.id, runId, { now: new Date(sim.now()) })).polled).toBe(0);
    sim.advance(31 * 60_000);
    const r = await pollRunResults(h.services, tenant.id, runId, { now: new Date(sim.now()), pageSize: 7 });
    expect(r.polled).toBe(tasks.length);
    expect(r.confirmed).toBe(mine.length);

    const huike = await huikeStates(tenant.id, runId);
    const wecom = simStates(sim);
    expect(huike.size).toBe(wecom.size);
    expect(huike).toEqual(wecom);
    expect(huike.get(capped)?.status).toBe('cap_reached');
    expect(huike.get(deleted)?.status).toBe('not_friend');
    const sent = [...huike.values()].filter((x) => x.status === 'sent');
    expect(sent.length).toBeGreaterThan(50);
    expect(sent.every((x) => x.sent !== null)).toBe(true);

    // Confirmation per task: exactly the confirming clerks' tasks, at WeCom's send time; they are not polled again.
    const rows = await outbox(tenant.id, runId);
    const byMsgid = new Map(tasks.map((t) => [t.msgid, t]));
    for (const o of rows) {
      const t = byMsgid.get(o.msgid)!;
      const s = t.senders.get(t.recipients[0]!.userid)!;
      expect(o.confirmed_at === null ? null : o.confirmed_at.getTime() / 1000).toBe(s.status === 2 ? s.send_time : null);
      expect(o.next_poll_at === null).toBe(s.status === 2);
    }

    // Progress per clerk and store.
    const p = await runPage(h.services, tenant.actor, campaignId, runId);
    expect(p.byClerk.length).toBe(6);
    const userids = await withTenant(h.services.dbs, tenant.id, async (trx) => new Map((await sql<{ id: string; wecom_userid: string }>`select id, wecom_userid from staff where tenant_id = ${tenant.id}::uuid`.execute(trx)).rows.map((x) => [x.id, x.wecom_userid])));
    for (const c of p.byClerk) {
      const theirs = tasks.filter((t) => t.recipients[0]!.userid === userids.get(c.staff_id));
      const rs = theirs.flatMap((t) => t.recipients);
      expect({ created: c.tasks_created, confirmed: c.tasks_confirmed, recipients: c.recipients, sent: c.sent, pending: c.pending }).toEqual({
        created: theirs.length,
        confirmed: theirs.filter((t) => [...t.senders.values()][0]!.status === 2).length,
        recipients: rs.length,
        sent: rs.filter((x) => x.status === 1).length,
        pending: rs.filter((x) => x.status === 0).length,
      });
    }
    const totals = p.byClerk.reduce((a, c) => ({ sent: a.sent + c.sent, pending: a.pending + c.pending, confirmed: a.confirmed + c.tasks_confirmed, created: a.created + c.tasks_created }), { sent: 0, pending: 0, confirmed: 0, created: 0 });
    expect(totals).toEqual({ sent: sent.length, pending: [...huike.values()].filter((x) => x.status === 'task_created').length, confirmed: mine.length, created: tasks.length });
    expect(p.byClerk.filter((c) => c.execution_rate === 1).length).toBe(confirming.size);
    expect(p.byClerk.filter((c) => c.execution_rate === 0).length).toBe(6 - confirming.size);
    const simCount = (status: number) => tasks.flatMap((t) => t.recipients).filter((x) => x.status === status).length;
    expect(p.byClerk.reduce((a, c) => a + c.cap_reached, 0)).toBe(simCount(3));
    expect(p.byClerk.reduce((a, c) => a + c.not_friend, 0)).toBe(simCount(2));
    expect(p.byStore.reduce((a, s) => a + s.recipients, 0)).toBe(p.byClerk.reduce((a, c) => a + c.recipients, 0));
    expect(p.byStore.reduce((a, s) => a + s.clerks, 0)).toBe(6);

    // The job's body: a later clerk confirms; the tenant poll picks it up, and a second run changes nothing.
    const late = tasks.find((t) => !confirming.has(t.recipients[0]!.userid))!;
    sim.sendMassMessage(late.msgid);
    sim.advance(31 * 60_000);
    const tick = await pollTenantResults(h.services, tenant.id, { now: new Date(sim.now()) });
    expect(tick.runs).toBe(1);
    expect(tick.confirmed).toBe(1);
    expect(await huikeStates(tenant.id, runId)).toEqual(simStates(sim));
    expect(await pollTenantResults(h.services, tenant.id, { now: new Date(sim.now()) })).toEqual({ runs: 0, polled: 0, confirmed: 0, updated: 0, deferred: 0 });
  }, 240_000);

  it('unconfirmed clerks are reminded at most 3 times in 24 hours; confirmed ones never', async () => {
    // Tokens outlive the simulated day, so every request counted below is a reminder (no 42001 and its retry).
    const { tenant, sim, runId, tasks, senders } = await deliveredRun(42, { tokenTtlSeconds: 7 * 86_400 });
    const { mine } = someClerksConfirm(sim, tasks, senders);
    await pollRunResults(h.services, tenant.id, runId, { now: new Date(sim.now()) });
    const unconfirmed = tasks.length - mine.length;
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      counts.push(await remindUnconfirmed(h.services, tenant.id, runId, { now: new Date(sim.now()) }));
      sim.advance(HOUR);
    }
    expect(counts).toEqual([unconfirmed, unconfirmed, unconfirmed, 0, 0]);
    // Huike held back before calling: WeCom never had to refuse one.
    expect(sim.requestCount.get('externalcontact/remind_groupmsg_send')).toBe(3 * unconfirmed);
    for (const t of tasks) expect(t.reminds.length).toBe(mine.includes(t) ? 0 : 3);
    // 24 hours after the first reminder a slot frees up again.
    sim.advance(20 * HOUR);
    expect(await remindUnconfirmed(h.services, tenant.id, runId, { now: new Date(sim.now()) })).toBe(unconfirmed);
  }, 240_000);

  it('after expiry the unconfirmed tasks are cancelled and their recipients marked unsent; sent ones keep their state', async () => {
    const { tenant, sim, runId, campaignId, tasks, senders } = await deliveredRun(43);
    const { mine } = someClerksConfirm(sim, tasks, senders);
    const expiresAt = new Date(sim.now() + 48 * HOUR);
    expect(await cancelExpired(h.services, tenant.id, runId, expiresAt, { now: new Date(sim.now()) })).toEqual({ cancelled: 0, unsent: 0 });
    expect(tasks.some((t) => t.cancelled)).toBe(false);

    sim.advance(49 * HOUR);
    // One more clerk confirms just before the cancel: the final poll sees it and it is not cancelled.
    const late = tasks.find((t) => !mine.includes(t))!;
    sim.sendMassMessage(late.msgid);
    const r = await cancelExpired(h.services, tenant.id, runId, expiresAt, { now: new Date(sim.now()) });
    const open = tasks.filter((t) => !mine.includes(t) && t !== late);
    expect(r.cancelled).toBe(open.length);
    for (const t of tasks) expect(t.cancelled).toBe(open.includes(t));
    expect(r.unsent).toBe(open.reduce((a, t) => a + t.recipients.length, 0));

    const huike = await huikeStates(tenant.id, runId);
    expect(huike).toEqual(simStates(sim, () => 'unsent'));
    // A clerk who confirms a cancelled task sends nothing; the rows stay unsent and are not polled again.
    expect(sim.sendMassMessage(open[0]!.msgid).sent).toBe(0);
    expect((await outbox(tenant.id, runId)).filter((o) => o.cancelled_at !== null).every((o) => o.next_poll_at === null)).toBe(true);
    expect(await remindUnconfirmed(h.services, tenant.id, runId, { now: new Date(sim.now()) })).toBe(0);
    const p = await runPage(h.services, tenant.actor, campaignId, runId);
    expect(p.byClerk.reduce((a, c) => a + c.unsent, 0)).toBe(r.unsent);
  }, 240_000);

  it('a poll WeCom keeps rate-limiting (45009) is rescheduled with a backoff; the run goes on', async () => {
    const { tenant, sim, runId, tasks } = await deliveredRun(44);
    // More 45009 answers than the client's retries: the first task's send results cannot be read now (one task at
    // a time, so the five answers all go to its call and its retries).
    sim.injectFaults({ api: 'externalcontact/get_groupmsg_send_result', kind: 'errcode', errcode: 45009, times: 5 });
    const now = new Date(sim.now());
    const r = await pollRunResults(h.services, tenant.id, runId, { now, concurrency: 1 });
    expect(r).toEqual({ polled: tasks.length - 1, confirmed: 0, updated: 0, deferred: 1 });
    const deferred = (await outbox(tenant.id, runId)).filter((o) => o.poll_failures > 0);
    expect(deferred.length).toBe(1);
    expect(deferred[0]!.next_poll_at?.getTime()).toBe(now.getTime() + 5 * 60_000);
    // Five minutes later only that task is due, and it is polled.
    sim.advance(5 * 60_000);
    expect(await pollRunResults(h.services, tenant.id, runId, { now: new Date(sim.now()) })).toEqual({ polled: 1, confirmed: 0, updated: 0, deferred: 0 });
    expect((await outbox(tenant.id, runId)).every((o) => o.poll_failures === 0)).toBe(true);
  }, 240_000);
});

describe('campaigns.poll-results job', () => {
  it('polls the due tasks of the tenant’s runs; run again it changes nothing', async () => {
    const { tenant, sim, runId, tasks } = await deliveredRun(45);
    for (const t of tasks.slice(0, 4)) sim.sendMassMessage(t.msgid);
    // WeCom may still be sending to one recipient of a confirmed task: that task stays on the poll schedule.
    const stillSending = tasks[0]!;
    stillSending.recipients[0]!.status = 0;
    delete stillSending.recipients[0]!.send_time;
    expect(jobDefinitions.filter((j) => j.name === 'campaigns.poll-results')).toHaveLength(1);
    await runJob(campaignJobs, 'campaigns.poll-results', h.services, { tenantId: tenant.id });
    const after = await huikeStates(tenant.id, runId);
    expect(after).toEqual(simStates(sim));
    expect([...after.values()].filter((x) => x.status === 'sent').length).toBeGreaterThan(0);
    const polledAt = (await outbox(tenant.id, runId)).map((o) => o.next_poll_at?.getTime() ?? null);
    await runJob(campaignJobs, 'campaigns.poll-results', h.services, { tenantId: tenant.id }, { jobId: 'test-2', retryCount: 1 });
    expect(await huikeStates(tenant.id, runId)).toEqual(after);
    expect((await outbox(tenant.id, runId)).map((o) => o.next_poll_at?.getTime() ?? null)).toEqual(polledAt);
    const rows = await outbox(tenant.id, runId);
    expect(rows.filter((o) => o.confirmed_at !== null)).toHaveLength(4);
    // Confirmed and final: no more polls; confirmed with a recipient not yet sent: polled again.
    expect(rows.filter((o) => o.confirmed_at !== null && o.next_poll_at === null).map((o) => o.msgid).sort()).toEqual(tasks.slice(1, 4).map((t) => t.msgid).sort());
    expect(rows.find((o) => o.msgid === stillSending.msgid)?.next_poll_at).not.toBeNull();
  }, 240_000);
});
