/**
 * Triggered campaigns (issue #15 point 2): a customer entering a segment, N days after the first or the last
 * purchase, after an order with a given SKU or category, N days after being added on WeCom, or on (before) a
 * birthday. A periodic job evaluates each live triggered campaign once a local day, after its time of day in the
 * tenant's zone. An evaluation that finds entries creates a run whose audience is exactly those entries
 * (`triggeredAudienceSql`), in the same transaction as the ledger rows, so a crash leaves either both or neither.
 *
 * Entries count from the campaign's first evaluation (scheduling never fires for history); an evaluation looks
 * back `CATCHUP_DAYS`, so days the job missed are caught up while an entry blocked by the re-entry period does not
 * fire weeks later.
 */
import { triggeredSchedule, type TriggeredSchedule } from '../../app/lib/contracts/campaign';
import type { Services } from '../services';
import { withTenant, type TenantId, type Tx } from '../tenancy/context';
import { insertRun } from './campaigns.repository';
import * as repo from './triggers.repository';

export { triggeredAudienceSql } from './triggers.repository';

/** How many local days back an evaluation looks for entries it has not fired yet. */
export const CATCHUP_DAYS = 3;

export interface TriggerEvaluation {
  campaignId: string;
  /** The run created for the entries found, or null when there were none (or it was not yet time). */
  runId: string | null;
  fired: number;
}

const minusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/**
 * Evaluates one triggered campaign inside `trx` at `now`. With `force` it runs even if it already ran today or its
 * time of day has not come (tests, a manual "evaluate now").
 */
export async function evaluateCampaignTriggers(trx: Tx, tenantId: TenantId, campaign: { id: string; schedule: TriggeredSchedule }, now: Date, force = false): Promise<TriggerEvaluation> {
  const clock = await repo.tenantClock(trx, tenantId, now);
  const state = await repo.lockTriggerState(trx, tenantId, campaign.id, clock.today);
  const none = { campaignId: campaign.id, runId: null, fired: 0 };
  if (!force && (state.evaluated_on === clock.today || clock.time < campaign.schedule.time)) return none;
  const from = [state.since_on, minusDays(clock.today, CATCHUP_DAYS)].sort()[1]!;
  const runId = await insertRun(trx, tenantId, campaign.id, now);
  const entries = repo.entriesSql(tenantId, campaign.schedule.trigger, { from, today: clock.today });
  const fired = await repo.fireEntries(trx, tenantId, campaign.id, runId, entries, campaign.schedule.reentry_days, now);
  if (fired === 0) await repo.deleteEmptyRun(trx, tenantId, runId);
  await repo.markEvaluated(trx, tenantId, campaign.id, clock.today, now);
  return { campaignId: campaign.id, runId: fired === 0 ? null : runId, fired };
}

/**
 * Every live triggered campaign of a tenant whose evaluation is due at `now`, one transaction each (a failing
 * campaign does not hold back the others: it is retried at the next tick). Returns the evaluations that fired.
 */
export async function evaluateTenantTriggers(services: Services, tenantId: TenantId, now: Date = new Date()): Promise<TriggerEvaluation[]> {
  const campaigns = await withTenant(services.dbs, tenantId, (trx) => repo.liveTriggeredCampaigns(trx, tenantId));
  const out: TriggerEvaluation[] = [];
  for (const c of campaigns) {
    const schedule = triggeredSchedule.safeParse(c.schedule);
    if (!schedule.success) {
      services.log.warn('triggered campaign with an invalid schedule skipped', { tenantId, campaignId: c.id });
      continue;
    }
    const r = await withTenant(services.dbs, tenantId, (trx) => evaluateCampaignTriggers(trx, tenantId, { id: c.id, schedule: schedule.data }, now));
    if (r.runId) out.push(r);
  }
  return out;
}
