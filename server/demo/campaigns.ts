/**
 * Demo step "campaigns" (issue #15 point 8): past mass-message campaigns that went through the real pipeline on the
 * in-process simulator — audience snapshot with its holdout, one task per clerk, clerks confirming after delays
 * (some never), send results polled — then dated back, and demo orders so that customers who received the message
 * buy more often than the holdout by a configurable lift. A newcomer sees a finished campaign with a significant
 * uplift, a running one whose window is still open, a weekly one on the calendar and a draft.
 */
import { sql } from 'kysely';
import type { CampaignContent, CampaignSchedule } from '../../app/lib/contracts/campaign';
import { insertCampaign, insertRun } from '../campaigns/campaigns.repository';
import { snapshotRecipients } from '../campaigns/delivery.repository';
import { deliverMassRun, planMassRun } from '../campaigns/delivery.service';
import { createOneToOneTasks } from '../campaigns/one-to-one.service';
import { cancelExpired, pollRunResults } from '../campaigns/results.service';
import { nextRunAt } from '../campaigns/schedule';
import { createSegment } from '../segments/segments.service';
import { systemActor } from '../tenancy/actor';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import { loadOpenConnection } from '../wecom/connection.service';
import { wecomRuntime } from '../wecom/runtime';
import type { WecomSimulator } from '../wecom/simulator/simulator';
import { Rng } from './random';
import type { DemoContext, DemoStep } from './context';

const DAY = 86_400_000;

export interface DemoCampaignOptions {
  /** Conversion the message adds for reached customers over the holdout (0.06 = +6 points). */
  lift: number;
  /** Extra conversion given to both groups on top of the demo's own orders. */
  base: number;
}

export const DEMO_CAMPAIGN_OPTIONS: DemoCampaignOptions = { lift: 0.08, base: 0.04 };

interface PastRun {
  name: string;
  goal: string;
  text: string;
  /** When the run started sending, days before now. */
  daysAgo: number;
  /** Share of the clerks' tasks confirmed; the rest never are. */
  confirmShare: number;
  status: 'done' | 'running';
  holdoutPct: number;
  /** Share of the stores whose clerks' customers are the audience (keeps the demo's boot short). */
  storeShare: number;
}

const PAST: PastRun[] = [
  { name: '双11 老客回购', goal: '沉睡前唤回老客，拉动双11 复购', text: '您好，我是{门店|我们门店}的{导购|专属导购}。双11 会员专享：老客回店满 500 减 80，本周内有效，欢迎到店试穿～', daysAgo: 21, confirmShare: 0.85, status: 'done', holdoutPct: 20, storeShare: 0.67 },
  { name: '冬季新品到店提醒', goal: '新品首周到店', text: '{导购|您的导购}提醒您：冬季羊毛系列已到{门店|门店}，会员可预约试穿，回复“预约”即可。', daysAgo: 2, confirmShare: 0.6, status: 'running', holdoutPct: 15, storeShare: 0.25 },
];

export async function seedCampaignDemo(ctx: DemoContext, opts: DemoCampaignOptions = DEMO_CAMPAIGN_OPTIONS): Promise<void> {
  const { services, tenantId } = ctx;
  const conn = await loadOpenConnection(services, tenantId);
  const sim = await wecomRuntime(services).hub.forConnection(conn);
  const rng = new Rng(ctx.seed ^ 0xca3f);
  // The campaigns' audience segment: every customer a clerk serves on WeCom.
  const segment = await withTenant(services.dbs, tenantId, (trx) => createSegment(trx, systemActor(tenantId, 'demo', 'demo-seed'), { name: '企业微信好友', description: '有导购企业微信好友关系的客户', rule: { all: [{ any: [{ field: 'wecom_added_at', op: 'not_empty' }] }], none: [] } }));
  for (const p of PAST) await pastRun(ctx, sim, rng, p, opts, segment.id);
  await oneToOneRun(ctx, segment.id);
  await withTenant(services.dbs, tenantId, async (trx) => {
    const weekly: CampaignSchedule = { kind: 'recurring', frequency: 'weekly', weekdays: [5], time: '10:00' };
    const id = await insertCampaign(trx, tenantId, { name: '周五会员日', goal: '会员日到店', delivery: 'mass', audience: { segment_id: segment.id }, content: { text: '{导购|您的导购}提醒：本周五会员日，全场积分双倍～', attachments: [] }, schedule: weekly, holdoutPct: 10, attributionDays: 7, createdBy: null });
    await sql`update campaigns set status = 'scheduled', next_run_at = ${nextRunAt(weekly, new Date(), 'Asia/Shanghai')}, approved_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
    await insertCampaign(trx, tenantId, { name: '生日关怀（草稿）', goal: '生日月到店', delivery: 'mass', audience: { segment_id: segment.id }, content: { text: '生日快乐！{门店|我们}为您准备了生日礼，本月到店领取。', attachments: [] }, schedule: { kind: 'once', at: null }, holdoutPct: 10, attributionDays: 14, createdBy: null });
  });
}

/** Today's 1:1 follow-up: each clerk gets personalised scripts for a few of their customers in 今日 (by customer id). */
const ONE_TO_ONE_PER_CLERK = 3;

/**
 * A 1:1 campaign running today through the real delivery (createOneToOneTasks): a script per customer, personalised
 * with their name, last item and days since, in their clerk's 今日 — a newcomer clerk sees what a 1:1 send looks
 * like. The audience: a few customers of every clerk who are served by that clerk only (so the sender rule picks them).
 */
async function oneToOneRun(ctx: DemoContext, segmentId: string): Promise<void> {
  const { services, tenantId } = ctx;
  const content: CampaignContent = {
    text: '{客户称呼|您好}，我是{门店|门店}的{导购|导购}。您买过的{上次购买商品|那款}到新货了，这周来店给您留一份？',
    attachments: [{ msgtype: 'link', link: { title: '本周新品到店', url: 'https://example.com/new-arrivals', desc: '到店出示此消息可领试用装' } }],
  };
  const runId = await withTenant(services.dbs, tenantId, async (trx) => {
    const campaignId = await insertCampaign(trx, tenantId, { name: '老客 1 对 1 回访', goal: '导购一对一唤回', delivery: 'one_to_one', audience: { segment_id: segmentId }, content, schedule: { kind: 'once', at: null }, holdoutPct: 0, attributionDays: 7, createdBy: null });
    const id = await insertRun(trx, tenantId, campaignId, new Date());
    await snapshotRecipients(trx, tenantId, id, campaignId, 0, sql<{ id: string }>`select x.customer_id as id from (
        select f.customer_id, row_number() over (partition by f.staff_id order by f.customer_id) as k from customer_follows f
        where f.tenant_id = ${tenantId}::uuid and f.ended_at is null
          and not exists (select 1 from customer_follows g where g.tenant_id = f.tenant_id and g.customer_id = f.customer_id and g.staff_id <> f.staff_id and g.ended_at is null)) x
      where x.k <= ${ONE_TO_ONE_PER_CLERK}`);
    await sql`update campaigns set status = 'running', approved_at = now() where tenant_id = ${tenantId}::uuid and id = ${campaignId}::uuid`.execute(trx);
    await sql`update campaign_runs set status = 'sending', started_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
    return id;
  });
  await createOneToOneTasks(services, tenantId, runId, content);
  await withTenant(services.dbs, tenantId, (trx) => sql`update campaign_runs set status = 'sent', sent_at = now() where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx));
}

/** One run through the pipeline on the simulator, dated back `daysAgo`, with its orders. */
async function pastRun(ctx: DemoContext, sim: WecomSimulator, rng: Rng, p: PastRun, opts: DemoCampaignOptions, segmentId: string): Promise<void> {
  const { services, tenantId } = ctx;
  const content: CampaignContent = { text: p.text, attachments: [{ msgtype: 'link', link: { title: p.name, url: 'https://example.com/member' } }] };
  const startedSim = sim.now();
  const { campaignId, runId } = await withTenant(services.dbs, tenantId, async (trx) => {
    const campaignId = await insertCampaign(trx, tenantId, { name: p.name, goal: p.goal, delivery: 'mass', audience: { segment_id: segmentId }, content, schedule: { kind: 'once', at: null }, holdoutPct: p.holdoutPct, attributionDays: 7, createdBy: null });
    const runId = await insertRun(trx, tenantId, campaignId, new Date(startedSim));
    // The audience: the customers the clerks of the first stores (by code) serve on WeCom.
    await snapshotRecipients(trx, tenantId, runId, campaignId, p.holdoutPct, sql<{ id: string }>`select distinct f.customer_id as id from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
      where f.tenant_id = ${tenantId}::uuid and f.ended_at is null
        and s.store_id in (select id from stores where tenant_id = ${tenantId}::uuid order by code limit greatest(1, round((select count(*) from stores where tenant_id = ${tenantId}::uuid) * ${p.storeShare}::float8))::int)`);
    await sql`update campaign_runs set status = 'sending', started_at = ${new Date(startedSim)} where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
    return { campaignId, runId };
  });
  const plan = await planMassRun(services, tenantId, runId, content);
  await deliverMassRun(services, tenantId, runId, content, plan.texts);
  const msgids = await withTenant(services.dbs, tenantId, async (trx) => (await sql<{ msgid: string }>`select msgid from campaign_outbox where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and msgid is not null order by sender_staff_id, chunk`.execute(trx)).rows.map((r) => r.msgid));
  // Clerks confirm over the next hours, in a random order; some never do.
  const confirming = msgids.filter(() => rng.next() < p.confirmShare);
  for (const msgid of confirming) {
    sim.advance(Math.round(10 * 60_000 + rng.next() * 3 * 3_600_000));
    sim.sendMassMessage(msgid);
  }
  await pollRunResults(services, tenantId, runId, { now: new Date(sim.now()), all: true });
  if (p.status === 'done') await cancelExpired(services, tenantId, runId, new Date(sim.now()), { now: new Date(sim.now()) });
  const shiftMs = startedSim - (Date.now() - p.daysAgo * DAY);
  await withTenant(services.dbs, tenantId, (trx) => dateBack(trx, tenantId, campaignId, runId, shiftMs, new Date(Date.now() - p.daysAgo * DAY), p.status));
  await withTenant(services.dbs, tenantId, (trx) => demoOrders(trx, tenantId, runId, opts));
}

/** Moves the run `shiftMs` into the past; the simulator's in-memory tasks are not polled again. */
async function dateBack(trx: Tx, tenantId: TenantId, campaignId: string, runId: string, shiftMs: number, start: Date, status: 'done' | 'running'): Promise<void> {
  const shift = sql`make_interval(secs => ${shiftMs / 1000})`;
  await sql`update campaigns set status = ${status}, created_at = ${start}::timestamptz - interval '2 days', updated_at = ${start}::timestamptz, approved_at = ${start}::timestamptz - interval '1 day'
    where tenant_id = ${tenantId}::uuid and id = ${campaignId}::uuid`.execute(trx);
  await sql`update campaign_runs set status = ${status === 'done' ? 'done' : 'sent'}, planned_for = ${start}, started_at = ${start}, sent_at = ${start}::timestamptz + interval '1 minute',
      finished_at = case when ${status}::text = 'done' then ${start}::timestamptz + interval '8 days' end
    where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
  await sql`update campaign_recipients set sent_at = sent_at - ${shift} where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sent_at is not null`.execute(trx);
  await sql`update campaign_outbox set called_at = called_at - ${shift}, completed_at = completed_at - ${shift}, confirmed_at = confirmed_at - ${shift},
      last_polled_at = last_polled_at - ${shift}, cancelled_at = cancelled_at - ${shift},
      -- A finished run has nothing left to poll. A running one keeps a poll a day ahead: with none, its results would
      -- read as final and the campaign tick would close it (and the simulator's in-process tasks may be gone by then).
      next_poll_at = case when ${status}::text = 'running' then now() + interval '1 day' end
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid`.execute(trx);
}

/**
 * Orders in the attribution window: exactly the share `base` of the holdout converts, and `base + lift` of the
 * reached customers — which ones, and when, drawn from a hash of run and customer — 1 hour to 6.5 days after their
 * start (the send time, or the run's start for the holdout), only when that time is already past. Exact shares, not
 * a coin per customer: the demo's report shows the configured lift on every seed, not a significant one on most.
 * Store and clerk: the sender's.
 */
async function demoOrders(trx: Tx, tenantId: TenantId, runId: string, opts: DemoCampaignOptions): Promise<void> {
  const u = (salt: string) => sql`(('x' || substr(md5(r.run_id::text || r.customer_id::text || ${salt}), 1, 8))::bit(32)::bigint::float8 / 4294967296.0)`;
  await sql`insert into orders (tenant_id, order_no, store_id, clerk_id, channel, paid_at, paid_day, amount_fen, item_count, content_hash, source, customer_id)
    select r.tenant_id, 'CAMP-' || left(md5(r.run_id::text || r.customer_id::text), 14), s.store_id, r.sender_staff_id, 'pos', w.paid_at,
      (w.paid_at at time zone 'Asia/Shanghai')::date, 9900 + 100 * floor(${u('amount')} * 400)::int, 1, md5(r.run_id::text || r.customer_id::text || 'camp'), 'api', r.customer_id
    from (
      select r.*, row_number() over (partition by r.arm order by ${u('convert')}, r.customer_id) as k, count(*) over (partition by r.arm) as n
      from campaign_recipients r
      where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and (r.arm = 'holdout' or (r.arm = 'target' and r.status = 'sent'))
    ) r
    join campaign_runs cr on cr.tenant_id = r.tenant_id and cr.id = r.run_id
    left join staff s on s.tenant_id = r.tenant_id and s.id = r.sender_staff_id
    cross join lateral (select case when r.status = 'sent' then r.sent_at else cr.started_at end + make_interval(secs => 3600 + ${u('when')} * 6.45 * 86400) as paid_at) w
    where r.k <= round(r.n * case when r.arm = 'holdout' then ${opts.base}::float8 else ${opts.base + opts.lift}::float8 end)
      and w.paid_at < now()
    on conflict do nothing`.execute(trx);
}

export const campaignDemoStep: DemoStep = { name: 'Campaigns (past mass messages through the simulator, with a measurable uplift)', run: (ctx) => seedCampaignDemo(ctx) };
