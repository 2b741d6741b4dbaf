/**
 * The clerk's workspace (/m and the WeCom sidebar): today's tasks, closing them, follow-up records, the customer
 * card. Every read and write is inside the actor's customer scope (server/customers/scope.ts); every write is
 * audited.
 */
import { sql } from 'kysely';
import { followUpSchema, taskCloseSchema } from '../../app/lib/clerk-contract';
import { customerProfile } from '../customers/profile.repository';
import { closeScriptTask } from '../campaigns/one-to-one.repository';
import { customerScopeSql } from '../customers/scope';
import { ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { Tx } from '../tenancy/context';
import { getCustomerWecomProfile } from '../wecom/customer-wecom.repository';
import { listTagOptions } from '../wecom/tags.repository';
import { openCustomerMobile } from '../customers/mobile-identity';
import type { SecretBox } from '../lib/secret-box';
import { customerCampaignHistory, sealedMobile } from './customers.queries';
import { waitingMassTasks } from './mass-tasks.repository';
import { clerkSettings } from './settings';
import { customerSummary } from './summary';
import { closeTask, completeCustomerTasks, generateClerkTasks, listOpenTasks, taskCounts, tenantToday } from './tasks.repository';

function staffOf(actor: Actor): string {
  if (!actor.staffId) throw new ForbiddenError('仅员工账号可用 / Staff accounts only');
  return actor.staffId;
}

function parse<T>(r: { success: true; data: T } | { success: false; error: { issues: { message: string }[] } }): T {
  if (!r.success) throw new ValidationError(r.error.issues.map((i) => i.message).join('; '));
  return r.data;
}

export async function assertServes(trx: Tx, actor: Actor, customerId: string): Promise<void> {
  const r = await sql`select 1 from customers c where c.tenant_id = ${actor.tenantId}::uuid and c.id = ${customerId}::uuid and c.merged_into is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}`.execute(trx);
  if (r.rows.length === 0) throw new NotFoundError('客户不存在或不在你的范围内 / Customer not found or outside your scope');
}

/** Today's tasks of the signed-in clerk (generated on the way), with the counts the tab shows. */
export async function todayView(trx: Tx, actor: Actor) {
  const staffId = staffOf(actor);
  const today = await tenantToday(trx, actor.tenantId);
  await generateClerkTasks(trx, actor.tenantId, staffId, today);
  return {
    today,
    tasks: await listOpenTasks(trx, actor.tenantId, staffId, today),
    counts: await taskCounts(trx, actor.tenantId, staffId, today),
    /** 群发 tasks of campaigns waiting for the clerk's confirmation in WeCom. */
    mass: await waitingMassTasks(trx, actor.tenantId, staffId),
  };
}

/** The tab's count: open tasks and 群发 tasks to confirm (generates today's tasks too: Remix runs the layout's loader beside the page's). */
export async function openTaskCount(trx: Tx, actor: Actor): Promise<number> {
  if (!actor.staffId) return 0;
  const today = await tenantToday(trx, actor.tenantId);
  await generateClerkTasks(trx, actor.tenantId, actor.staffId, today);
  return (await taskCounts(trx, actor.tenantId, actor.staffId, today)).open + (await waitingMassTasks(trx, actor.tenantId, actor.staffId)).length;
}

/** Done, or skipped with a reason. */
export async function closeClerkTask(trx: Tx, actor: Actor, input: unknown) {
  const staffId = staffOf(actor);
  const v = parse(taskCloseSchema.safeParse(input));
  const reason = v.intent === 'skip' ? (v.note ? `${v.reason}: ${v.note}` : v.reason) : null;
  // A 1:1 campaign task: "sent" counts its recipient as sent (report and frequency cap), a skip as unsent.
  const row =
    (await closeScriptTask(trx, actor.tenantId, staffId, { taskId: v.taskId }, { outcome: v.intent === 'done' ? 'sent' : 'unsent', reason, at: new Date() })) ??
    (await closeTask(trx, actor.tenantId, staffId, v.taskId, v.intent === 'done' ? 'done' : 'skipped', reason));
  if (!row) throw new NotFoundError('任务不存在或已处理 / Task not found or already closed');
  await audit(trx, actor, { action: `clerk_task.${v.intent}`, entityType: 'clerk_task', entityId: row.id, after: { kind: row.kind, customerId: row.customer_id, reason } });
  return row;
}

/** A follow-up record (跟进记录); it completes the clerk's open follow-up and due tasks of the customer. */
export async function logFollowUp(trx: Tx, actor: Actor, customerId: string, input: unknown) {
  assertCan(actor, 'customers.edit');
  const staffId = staffOf(actor);
  const v = parse(followUpSchema.safeParse(input));
  await assertServes(trx, actor, customerId);
  const row = await trx
    .insertInto('customer_follow_ups')
    .values({ tenant_id: actor.tenantId, customer_id: customerId, staff_id: staffId, channel: v.channel, note: v.note, next_follow_up_on: v.nextOn ?? null })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  const closed = await completeCustomerTasks(trx, actor.tenantId, staffId, customerId, ['follow_up', 'due'], 'follow_up_logged');
  await audit(trx, actor, { action: 'follow_up.create', entityType: 'customer', entityId: customerId, after: { id: row.id, channel: v.channel, nextOn: v.nextOn ?? null, tasksClosed: closed } });
  return { id: row.id, tasksClosed: closed };
}

export async function listFollowUps(trx: Tx, actor: Actor, customerId: string, limit = 20) {
  const r = await sql<{ id: string; channel: string; note: string; next_follow_up_on: string | null; created_at: Date; clerk: string; mine: boolean }>`
    select fu.id, fu.channel, fu.note, fu.next_follow_up_on::text as next_follow_up_on, fu.created_at, s.name as clerk, fu.staff_id = ${actor.staffId ?? null}::uuid as mine
    from customer_follow_ups fu join staff s on s.tenant_id = fu.tenant_id and s.id = fu.staff_id
    where fu.tenant_id = ${actor.tenantId}::uuid and fu.customer_id = ${customerId}::uuid
    order by fu.created_at desc limit ${limit}`.execute(trx);
  return r.rows;
}

/** The customer card: summary in plain words, tags first, last orders with items, follow-ups, how they were added. */
export async function customerCard(trx: Tx, actor: Actor, customerId: string, opts: { box?: SecretBox } = {}) {
  const p = await customerProfile(trx, actor, customerId);
  const wecom = await getCustomerWecomProfile(trx, actor, customerId);
  const settings = await clerkSettings(trx, actor.tenantId);
  const m = p.metrics;
  const paidOrders = p.orders.filter((o) => !o.is_refund).length;
  const orders = p.orderCount > p.orders.length ? p.orderCount : paidOrders;
  const mine = wecom.relations.find((r) => r.mine) ?? wecom.relations.find((r) => !r.endedAt) ?? null;
  const remark = mine?.remark || null;
  // Tap-to-call: the full number only where the tenant shows mobiles, and only to a clerk serving the customer now.
  const serving = wecom.relations.some((r) => r.mine && !r.endedAt);
  const tel = settings.showMobile && serving && opts.box ? openCustomerMobile(opts.box, actor.tenantId, await sealedMobile(trx, actor.tenantId, customerId)) : null;
  return {
    id: p.id,
    name: remark ?? p.display_name,
    displayName: p.display_name,
    stage: m?.stage ?? null,
    isDue: m?.is_due ?? false,
    expectedNext: m?.expected_next_purchase ?? null,
    summary: customerSummary({ medianIntervalDays: m?.median_interval_days === null || m?.median_interval_days === undefined ? null : Number(m.median_interval_days), recencyDays: m?.recency_days ?? null, orders, monetaryFen: Number(m?.monetary_fen ?? 0) }),
    mobile: settings.showMobile ? p.mobile_masked : null,
    tel,
    campaigns: await customerCampaignHistory(trx, actor.tenantId, customerId),
    tags: wecom.tags,
    tagOptions: await listTagOptions(trx, actor.tenantId),
    orders: p.orders.slice(0, 5).map((o) => ({ id: o.id, day: o.paid_day, amountFen: o.amount_fen, isRefund: o.is_refund, store: o.store, items: o.items.map((i) => ({ name: i.name ?? i.category, quantity: i.quantity })) })),
    orderCount: p.orderCount,
    followUps: await listFollowUps(trx, actor, customerId),
    added: mine ? { at: mine.addedAt, way: mine.addWayLabel, channel: mine.channel, clerk: mine.clerk, mine: mine.mine, endedAt: mine.endedAt } : null,
    servedBy: wecom.relations.filter((r) => !r.endedAt).map((r) => r.clerk),
    vars: { name: remark ?? p.display_name ?? '', clerk: actor.name, store: p.home_store ?? p.store ?? '', days_since: m?.recency_days ?? null, interval_days: m?.median_interval_days ? Math.round(Number(m.median_interval_days)) : null, last_purchase: m?.last_purchase ?? null },
  };
}
export type CustomerCard = Awaited<ReturnType<typeof customerCard>>;
