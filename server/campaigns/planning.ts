/**
 * Planning a campaign run with its guardrails (issue #15 point 5) and executing it (point 4):
 *
 * - `audienceFor(campaign, run)`: who the run is for, by the kind of schedule (a one-off or recurring run: the
 *   segment's members at send time, evaluated live through the rule compiler; a triggered run: the entries its
 *   trigger produced — that branch belongs to the triggers' module);
 * - `planRecipients`: that audience with every exclusion by reason and the holdout (planning.repository.ts);
 * - `dryRun`: the same planning inside a savepoint rolled back at the end, so it shows exactly what a run would
 *   do (recipients per store and clerk, exclusions by reason) and writes nothing;
 * - `executeRun`: snapshot → plan → deliver, resumable at each step, dispatching on the delivery mode.
 *
 * Quiet hours: a run due inside the tenant's quiet hours waits for their end (`send_after`), unless the campaign
 * opted out (`quiet_hours: false`, audited when chosen). They are checked again when the run starts.
 */
import type { CampaignSettings, DryRunResult, ExclusionReason } from '../../app/lib/contracts/campaign';
import { EXCLUSION_REASONS } from '../../app/lib/contracts/campaign';
import type { Rule } from '../../app/lib/segments/rule';
import { RULE_FROM } from '../customers/rule-compiler';
import { compileFor } from '../segments/segments.service';
import { assertCan, systemActor, type Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';
import { WECOM_LIMITS } from '../wecom/types';
import { sql } from 'kysely';
import * as campaigns from './campaigns.repository';
import { loadCampaign } from './campaigns.service';
import { planGroupRunIn, planMassRunIn } from './delivery.service';
import { receiveCapWindow, releaseFromQuietHours } from './guardrails';
import { groupTargetCounts } from './group-delivery.repository';
import * as repo from './planning.repository';
import { loadCampaignSettings } from './settings.service';
import { triggeredAudienceSql } from './triggers';

const segmentRule = (ids: string[]): Rule => ({ all: [{ any: [{ field: 'segment', op: 'in', value: ids }] }], none: [] });

/** Who a run is for, with whether an exclusion segment holds them; evaluated now, over the whole tenant. */
export async function audienceFor(trx: Tx, tenantId: TenantId, campaign: campaigns.CampaignRow, run: { id: string; planned_for: Date }): Promise<repo.AudienceQuery> {
  const system = systemActor(tenantId, '', 'campaigns');
  const excludeIds = campaign.audience.exclude_segment_ids ?? [];
  const excluded = excludeIds.length ? (await compileFor(trx, system, segmentRule(excludeIds))).where : sql`false`;
  switch (campaign.schedule.kind) {
    case 'once':
    case 'recurring': {
      const target = await compileFor(trx, system, segmentRule([campaign.audience.segment_id]));
      return sql<{ id: string; in_exclusion: boolean }>`select c.id, coalesce(${excluded}, false) as in_exclusion from ${RULE_FROM} where ${target.where}`;
    }
    case 'triggered':
      // The customers whose trigger fired into this run (triggers.ts); exclusion segments still apply.
      return sql<{ id: string; in_exclusion: boolean }>`select c.id, coalesce(${excluded}, false) as in_exclusion from ${RULE_FROM}
        where c.tenant_id = ${tenantId}::uuid and c.id in (select id from (${triggeredAudienceSql(tenantId, run.id)}) t)`;
  }
}

/** When a run planned for `plannedFor` may send: at once, or at the end of the quiet hours it falls in. */
export function sendTimeFor(plannedFor: Date, campaign: Pick<campaigns.CampaignRow, 'guardrails'>, settings: CampaignSettings, timeZone: string): Date {
  return campaign.guardrails.quiet_hours ? releaseFromQuietHours(plannedFor, timeZone, settings.quiet_hours) : plannedFor;
}

function planParams(campaign: campaigns.CampaignRow, runId: string, at: Date, settings: CampaignSettings, timeZone: string): repo.PlanParams {
  return {
    runId,
    campaignId: campaign.id,
    delivery: campaign.delivery,
    priority: campaign.priority,
    holdoutPct: campaign.holdout_pct,
    controlPct: settings.control_pct,
    at,
    timeZone,
    frequency: { max: settings.frequency_cap.max, from: new Date(at.getTime() - settings.frequency_cap.days * 86_400_000) },
    receiveCap: { rule: settings.receive_cap_rule, ...receiveCapWindow(at, timeZone, settings.receive_cap_rule) },
  };
}

/** The run's recipients with exclusions, holdout and senders, and (mass) their chunks and outbox rows (and their group chats' with that target). */
export async function planRun(trx: Tx, tenantId: TenantId, campaign: campaigns.CampaignRow, run: { id: string; planned_for: Date }, at: Date, chunkSize: number = WECOM_LIMITS.massMessageRecipients): Promise<{ tasks: number }> {
  const [settings, timeZone] = [await loadCampaignSettings(trx, tenantId), await campaigns.tenantTimezone(trx, tenantId)];
  const chunks = campaign.delivery === 'mass' ? chunkSize : null;
  await repo.insertPlannedRecipients(trx, tenantId, planParams(campaign, run.id, at, settings, timeZone), await audienceFor(trx, tenantId, campaign, run), chunks);
  if (campaign.delivery !== 'mass') return { tasks: 0 };
  const tasks = (await planMassRunIn(trx, tenantId, run.id, campaign.content, chunkSize)).tasks;
  // The second target: the group chats of the run's senders, one chat_type=group task per clerk and chunk of chats.
  if (campaign.target === 'customers_and_groups') return { tasks: tasks + (await planGroupRunIn(trx, tenantId, run.id, campaign.content)).tasks };
  return { tasks };
}

/**
 * What the next run would do, without writing anything: planned for now (a draft, or a one-off "now") or the
 * campaign's next run time, moved past quiet hours.
 */
export async function dryRun(trx: Tx, actor: Actor, campaignId: string, now = new Date()): Promise<DryRunResult> {
  assertCan(actor, 'campaigns.view');
  const campaign = await loadCampaign(trx, actor.tenantId, campaignId);
  const [settings, timeZone] = [await loadCampaignSettings(trx, actor.tenantId), await campaigns.tenantTimezone(trx, actor.tenantId)];
  const planned = campaign.next_run_at ?? (campaign.schedule.kind === 'once' && campaign.schedule.at ? new Date(campaign.schedule.at) : now);
  const at = sendTimeFor(planned.getTime() < now.getTime() ? now : planned, campaign, settings, timeZone);
  await repo.savepoint(trx, 'campaign_dry_run');
  try {
    const runId = await repo.insertDryRun(trx, actor.tenantId, campaign.id, at);
    await planRun(trx, actor.tenantId, campaign, { id: runId, planned_for: at }, at);
    const result = dryRunResult(campaign, at, at.getTime() !== Math.max(planned.getTime(), now.getTime()), await repo.plannedCounts(trx, actor.tenantId, runId), await repo.recipientsBySender(trx, actor.tenantId, runId));
    const groups = await groupTargetCounts(trx, actor.tenantId, runId);
    return { ...result, group_chats: groups.chats, group_tasks: groups.tasks };
  } finally {
    await repo.rollbackTo(trx, 'campaign_dry_run');
  }
}

function dryRunResult(campaign: campaigns.CampaignRow, at: Date, deferred: boolean, counts: { reason: string; n: number }[], bySender: Awaited<ReturnType<typeof repo.recipientsBySender>>): Omit<DryRunResult, 'group_chats' | 'group_tasks'> {
  const n = (reason: string) => counts.find((c) => c.reason === reason)?.n ?? 0;
  const exclusions = Object.fromEntries(EXCLUSION_REASONS.map((r) => [r, n(r)])) as Record<ExclusionReason, number>;
  const tasksOf = (recipients: number) => (campaign.delivery === 'mass' ? Math.ceil(recipients / WECOM_LIMITS.massMessageRecipients) : recipients);
  const stores = new Map<string, DryRunResult['by_store'][number]>();
  for (const s of bySender) {
    const key = s.store_id ?? '';
    const cur = stores.get(key) ?? { store_id: s.store_id, store_name: s.store_name, recipients: 0, clerks: 0 };
    cur.recipients += s.recipients;
    cur.clerks += 1;
    stores.set(key, cur);
  }
  const byClerk = bySender.map((s) => ({ ...s, tasks: tasksOf(s.recipients) }));
  return {
    send_at: at.toISOString(),
    deferred_by_quiet_hours: deferred,
    audience: counts.reduce((a, c) => a + c.n, 0),
    recipients: n('target'),
    holdout: n('holdout'),
    exclusions,
    by_store: [...stores.values()],
    by_clerk: byClerk,
    tasks: byClerk.reduce((a, c) => a + c.tasks, 0),
  };
}
