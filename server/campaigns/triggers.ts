/**
 * Triggered campaigns (issue #15 point 2): a customer entering a segment, N days after the first or the last
 * purchase, after an order with a given SKU or category, N days after being added on WeCom, or on (before) a
 * birthday. The scheduler tick is the one path that evaluates them: a live triggered campaign's `next_run_at` is
 * its next local time of day (runs.service.ts `createDueRuns`), and when it is due the campaign is evaluated here.
 * An evaluation that finds entries creates a run whose audience is exactly those entries (`triggeredAudienceSql`),
 * in the same transaction as the ledger rows and the move of `next_run_at`, so a crash leaves all or none.
 *
 * Entries count from the campaign's first evaluation (scheduling never fires for history); an evaluation looks
 * back `CATCHUP_DAYS`, so days the tick missed are caught up while an entry blocked by the re-entry period does not
 * fire weeks later. The ledger's unique key makes a repeated evaluation fire no entry twice.
 */
import type { TriggeredSchedule } from '../../app/lib/contracts/campaign';
import type { TenantId, Tx } from '../tenancy/context';
import { insertRun } from './campaigns.repository';
import * as repo from './triggers.repository';

export { triggeredAudienceSql } from './triggers.repository';

/** How many local days back an evaluation looks for entries it has not fired yet. */
export const CATCHUP_DAYS = 3;

export interface TriggerEvaluation {
  campaignId: string;
  /** The run created for the entries found, or null when there were none. */
  runId: string | null;
  fired: number;
}

const minusDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);

/** Evaluates one triggered campaign inside `trx` at `now` (the tick calls it when the campaign's run time is due). */
export async function evaluateCampaignTriggers(trx: Tx, tenantId: TenantId, campaign: { id: string; schedule: TriggeredSchedule }, now: Date): Promise<TriggerEvaluation> {
  const clock = await repo.tenantClock(trx, tenantId, now);
  const state = await repo.lockTriggerState(trx, tenantId, campaign.id, clock.today);
  const from = [state.since_on, minusDays(clock.today, CATCHUP_DAYS)].sort()[1]!;
  const runId = await insertRun(trx, tenantId, campaign.id, now);
  const entries = repo.entriesSql(tenantId, campaign.schedule.trigger, { from, today: clock.today });
  const fired = await repo.fireEntries(trx, tenantId, campaign.id, runId, entries, campaign.schedule.reentry_days, now);
  if (fired === 0) await repo.deleteEmptyRun(trx, tenantId, runId);
  await repo.markEvaluated(trx, tenantId, campaign.id, clock.today, now);
  return { campaignId: campaign.id, runId: fired === 0 ? null : runId, fired };
}
