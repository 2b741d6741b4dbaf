/**
 * The campaign lifecycle (issue #15 point 1): drafts created and edited through the shared contract
 * (app/lib/contracts/campaign.ts: per-clerk variables only for mass, each with a fallback; text ≤ 4,000 bytes;
 * ≤ 9 attachments), and the states
 *
 *   draft → (schedule) → pending_approval → (approve) → scheduled → running → done
 *                    ↘ scheduled (no approval needed)                      ↘ failed
 *   any state not final → (cancel) → cancelled
 *
 * Every transition is one conditional UPDATE (from the states it may leave) and one audit entry in the same
 * transaction. Work that talks to WeCom after a cancel (cancelling created tasks) is handed to a job after commit.
 */
import { campaignInput, type CampaignDetail, type CampaignInput, type CampaignStatus, type CampaignSummary } from '../../app/lib/contracts/campaign';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { TenantId, Tx } from '../tenancy/context';
import { can } from '../tenancy/permissions';
import * as repo from './campaigns.repository';
import { zonedParts } from '../lib/zoned-time';
import { nextRunAt } from './schedule';
import { loadCampaignSettings } from './settings.service';

export function parseCampaignInput(input: unknown): CampaignInput {
  return parseOrThrow(campaignInput, input, { field: 'body', details: 'issues' });
}

function toRow(v: CampaignInput): Omit<repo.NewCampaign, 'createdBy'> {
  return {
    name: v.name,
    goal: v.goal,
    delivery: v.delivery,
    target: v.target,
    audience: v.audience,
    content: v.content,
    schedule: v.schedule,
    holdoutPct: v.holdout_pct,
    attributionDays: v.attribution_days,
    priority: v.priority,
    guardrails: { quiet_hours: v.quiet_hours, expire_hours: v.expire_hours },
  };
}

async function checkSegments(trx: Tx, tenantId: TenantId, v: CampaignInput): Promise<void> {
  const ids = [v.audience.segment_id, ...v.audience.exclude_segment_ids];
  const found = await repo.existingSegmentIds(trx, tenantId, ids);
  const missing = ids.filter((id) => !found.has(id));
  if (missing.length) throw new ValidationError(`audience: 分群不存在 / No such segment: ${missing.join(', ')}`);
  if (v.audience.exclude_segment_ids.includes(v.audience.segment_id)) throw new ValidationError('audience.exclude_segment_ids: 排除分群不能是目标分群本身 / The audience segment cannot also be excluded');
}

/** Sending inside quiet hours is an exception someone chose: it gets its own audit entry. */
async function auditQuietHoursChoice(trx: Tx, actor: Actor, id: string, before: boolean | null, after: boolean): Promise<void> {
  if (after === false && before !== false) await audit(trx, actor, { action: 'campaign.quiet_hours_off', entityType: 'campaign', entityId: id, before: { quiet_hours: before ?? true }, after: { quiet_hours: false } });
}

export async function createCampaign(trx: Tx, actor: Actor, input: unknown): Promise<{ id: string; status: 'draft' }> {
  assertCan(actor, 'campaigns.manage');
  const v = parseCampaignInput(input);
  await checkSegments(trx, actor.tenantId, v);
  const id = await repo.insertCampaign(trx, actor.tenantId, { ...toRow(v), createdBy: actor.staffId });
  await audit(trx, actor, { action: 'campaign.create', entityType: 'campaign', entityId: id, after: { status: 'draft', ...v } });
  await auditQuietHoursChoice(trx, actor, id, null, v.quiet_hours);
  return { id, status: 'draft' };
}

async function campaignOr404(trx: Tx, tenantId: TenantId, id: string, lock = false): Promise<repo.CampaignRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new NotFoundError('活动不存在 / Campaign not found');
  const c = await repo.getCampaign(trx, tenantId, id, lock);
  if (!c) throw new NotFoundError('活动不存在 / Campaign not found');
  return c;
}

/** A draft is edited as a whole (the same body as create). Once scheduled it is fixed: cancel and copy instead. */
export async function updateCampaign(trx: Tx, actor: Actor, id: string, input: unknown): Promise<CampaignSummary> {
  assertCan(actor, 'campaigns.manage');
  const before = await campaignOr404(trx, actor.tenantId, id, true);
  if (before.status !== 'draft') throw new ConflictError(`只有草稿可以修改（当前：${before.status}）/ Only a draft can be edited (now ${before.status})`);
  const v = parseCampaignInput(input);
  await checkSegments(trx, actor.tenantId, v);
  await repo.updateCampaignRow(trx, actor.tenantId, id, toRow(v));
  await audit(trx, actor, { action: 'campaign.update', entityType: 'campaign', entityId: id, before: summaryJson(before), after: v });
  await auditQuietHoursChoice(trx, actor, id, before.guardrails.quiet_hours, v.quiet_hours);
  return summaryJson((await repo.getCampaign(trx, actor.tenantId, id))!);
}

/**
 * One transition: the campaign moves from one of `from` to `to` (or a ConflictError names where it is), with
 * an audit entry of the status before and after. Used by people (schedule, approve, cancel) and the jobs.
 */
export async function transition(trx: Tx, actor: Actor, c: repo.CampaignRow, from: readonly CampaignStatus[], change: repo.StatusChange, action: string, detail: Record<string, unknown> = {}): Promise<void> {
  const ok = from.includes(c.status) && (await repo.setCampaignStatus(trx, actor.tenantId, c.id, from, change));
  if (!ok) throw new ConflictError(`活动当前状态为 ${c.status}，不能${action} / Campaign is ${c.status}: cannot ${action}`, { status: c.status });
  await audit(trx, actor, {
    action: `campaign.${action}`,
    entityType: 'campaign',
    entityId: c.id,
    before: { status: c.status, next_run_at: c.next_run_at },
    after: { status: change.status, ...(change.nextRunAt !== undefined ? { next_run_at: change.nextRunAt } : {}), ...detail },
  });
}

/** The first run time from `now`: a one-off "now" runs now, one at a past time is refused. */
function firstRunAt(c: repo.CampaignRow, now: Date, timeZone: string, allowPast: boolean): Date {
  if (c.schedule.kind === 'once' && c.schedule.at) {
    const at = new Date(c.schedule.at);
    if (at.getTime() < now.getTime() - 60_000) {
      if (!allowPast) throw new ValidationError('schedule.at: 发送时间已过 / The send time is in the past');
      return now;
    }
    return at;
  }
  const next = nextRunAt(c.schedule, now, timeZone);
  if (!next) throw new ValidationError('schedule: 没有未来的发送时间 / The schedule has no future run');
  // A triggered campaign scheduled after today's time of day is evaluated today already (at once), not tomorrow.
  if (c.schedule.kind === 'triggered' && zonedParts(next, timeZone).day !== zonedParts(now, timeZone).day) return now;
  return next;
}

/**
 * A campaign is not sent on (scheduled, approved) while a static segment of its audience is still being filled: its
 * runs would find no members yet. The fill takes seconds to a minute; the message says to wait for it.
 */
async function checkAudienceFilled(trx: Tx, tenantId: TenantId, c: repo.CampaignRow): Promise<void> {
  const filling = await repo.staticSegmentsFilling(trx, tenantId, [c.audience.segment_id, ...(c.audience.exclude_segment_ids ?? [])].filter((x): x is string => Boolean(x)));
  if (filling.length) throw new ConflictError(`分群「${filling.join('」「')}」的成员还在计算中，请稍后再提交 / The members of ${filling.join(', ')} are still being computed; try again shortly`);
}

/** draft → scheduled, or → pending_approval when the tenant requires approval. */
export async function scheduleCampaign(trx: Tx, actor: Actor, id: string, now = new Date()): Promise<{ id: string; status: CampaignStatus; next_run_at: Date }> {
  assertCan(actor, 'campaigns.manage');
  const c = await campaignOr404(trx, actor.tenantId, id, true);
  await checkAudienceFilled(trx, actor.tenantId, c);
  const tz = await repo.tenantTimezone(trx, actor.tenantId);
  const next = firstRunAt(c, now, tz, false);
  const settings = await loadCampaignSettings(trx, actor.tenantId);
  const status: CampaignStatus = settings.approval_required ? 'pending_approval' : 'scheduled';
  await transition(trx, actor, c, ['draft'], { status, nextRunAt: next }, status === 'scheduled' ? 'schedule' : 'submit');
  return { id, status, next_run_at: next };
}

/** Admins approve (an API key stands for the admin who issued it); the first run is never earlier than now. */
export async function approveCampaign(trx: Tx, actor: Actor, id: string, now = new Date()): Promise<{ id: string; status: CampaignStatus; next_run_at: Date }> {
  if (actor.kind !== 'apikey' && !can(actor.role, 'campaigns.approve')) throw new ForbiddenError('只有管理员可以审批活动 / Only an admin can approve a campaign');
  const c = await campaignOr404(trx, actor.tenantId, id, true);
  await checkAudienceFilled(trx, actor.tenantId, c);
  const tz = await repo.tenantTimezone(trx, actor.tenantId);
  const next = c.status === 'pending_approval' ? firstRunAt(c, now, tz, true) : now;
  await transition(trx, actor, c, ['pending_approval'], { status: 'scheduled', nextRunAt: next, approvedBy: actor.staffId }, 'approve');
  return { id, status: 'scheduled', next_run_at: next };
}

/**
 * Cancels a campaign that is not final: no further runs; runs not started are cancelled; runs that are sending
 * or sent are cancelled too and returned, so the caller cancels their unsent WeCom tasks after commit
 * (campaigns.job.ts, `cancelRunTasks`). Delivery checks the outbox before every call, so nothing new goes out.
 */
export async function cancelCampaign(trx: Tx, actor: Actor, id: string): Promise<{ id: string; status: 'cancelled'; runsToStop: string[] }> {
  assertCan(actor, 'campaigns.manage');
  const c = await campaignOr404(trx, actor.tenantId, id, true);
  const runs = await repo.openRuns(trx, actor.tenantId, id);
  await transition(trx, actor, c, CANCELLABLE, { status: 'cancelled', nextRunAt: null }, 'cancel', { runs: runs.map((r) => r.id) });
  for (const r of runs) await repo.setRunStatus(trx, actor.tenantId, r.id, ['planning', 'sending', 'sent'], 'cancelled', { error: 'campaign cancelled' });
  await repo.stopPendingOutbox(trx, actor.tenantId, runs.map((r) => r.id));
  return { id, status: 'cancelled', runsToStop: runs.filter((r) => r.status !== 'planning').map((r) => r.id) };
}

const CANCELLABLE: readonly CampaignStatus[] = ['draft', 'pending_approval', 'scheduled', 'running'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function summaryJson(c: repo.CampaignRow): CampaignSummary {
  return {
    id: c.id,
    name: c.name,
    goal: c.goal,
    status: c.status,
    delivery: c.delivery,
    target: c.target,
    audience: c.audience,
    content: c.content,
    schedule: c.schedule,
    holdout_pct: c.holdout_pct,
    attribution_days: c.attribution_days,
    priority: c.priority,
    quiet_hours: c.guardrails.quiet_hours,
    expire_hours: c.guardrails.expire_hours,
    next_run_at: iso(c.next_run_at),
    approved_by: c.approved_by,
    approved_at: iso(c.approved_at),
    created_by: c.created_by,
    created_at: c.created_at.toISOString(),
    updated_at: c.updated_at.toISOString(),
  };
}

export async function campaignDetail(trx: Tx, actor: Actor, id: string): Promise<CampaignDetail> {
  assertCan(actor, 'campaigns.view');
  const c = await campaignOr404(trx, actor.tenantId, id);
  const runs = await repo.runsOf(trx, actor.tenantId, id);
  return {
    ...summaryJson(c),
    runs: runs.map((r) => ({
      id: r.id,
      status: r.status,
      planned_for: r.planned_for.toISOString(),
      send_after: iso(r.send_after),
      started_at: iso(r.started_at),
      sent_at: iso(r.sent_at),
      finished_at: iso(r.finished_at),
      expires_at: iso(r.expires_at),
      error: r.error,
      recipients: r.recipients,
      tasks_created: r.tasks_created,
      tasks_confirmed: r.tasks_confirmed,
      sent: r.sent,
    })),
  };
}

export async function listCampaignsFor(trx: Tx, actor: Actor, q: { status?: CampaignStatus; page: number; size: number }): Promise<{ campaigns: CampaignSummary[]; total: number; page: number; size: number }> {
  assertCan(actor, 'campaigns.view');
  const r = await repo.listCampaigns(trx, actor.tenantId, { status: q.status, limit: q.size, offset: (q.page - 1) * q.size });
  return { campaigns: r.rows.map(summaryJson), total: r.total, page: q.page, size: q.size };
}

/** The campaign as the planner and jobs read it (no permission check: system paths). */
export async function loadCampaign(trx: Tx, tenantId: TenantId, id: string, lock = false): Promise<repo.CampaignRow> {
  return campaignOr404(trx, tenantId, id, lock);
}
