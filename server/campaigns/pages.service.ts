/**
 * What the campaign pages show (read only; the lifecycle actions are the campaigns service's): the list with its
 * status counts, the month calendar (runs that exist plus the runs a schedule will still plan, in the tenant's
 * zone), a campaign with its runs, a run's live progress per store and clerk, and the report.
 */
import { campaignSchedule, type CalendarEntry } from '../../app/lib/contracts/campaign';
import type { CampaignListParams, ReportParams } from '../../app/lib/contracts/campaign-report';
import { dayOf, monthOf } from '../../app/lib/campaigns/calendar';
import { NotFoundError } from '../lib/errors';
import type { Services } from '../services';
import { assertCan, type Actor } from '../tenancy/actor';
import { withTenant } from '../tenancy/context';
import * as q from './campaigns.queries';
import { campaignReport } from './report.service';
import { progressByStore, runProgressByClerk } from './results.repository';
import { upcomingRuns } from './schedule';

export const LIST_PAGE_SIZE = 25;

export async function campaignListPage(services: Services, actor: Actor, p: CampaignListParams, now = new Date()) {
  assertCan(actor, 'campaigns.view');
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const timeZone = await q.tenantZone(trx, actor.tenantId);
    const month = p.month ?? monthOf(now, timeZone);
    const list = await q.listCampaigns(trx, actor.tenantId, { status: p.status ?? null, sort: p.sort, dir: p.dir, page: p.page, size: LIST_PAGE_SIZE });
    const counts = await q.statusCounts(trx, actor.tenantId);
    const calendar = p.view === 'calendar' ? await calendarMonth(trx, actor, month, timeZone, now) : [];
    return { ...list, counts, month, calendar, size: LIST_PAGE_SIZE };
  });
}

/** The month's runs and the runs the schedules of live campaigns will still plan in it. */
async function calendarMonth(trx: Parameters<typeof q.monthRuns>[0], actor: Actor, month: string, timeZone: string, now: Date): Promise<CalendarEntry[]> {
  const runs = await q.monthRuns(trx, actor.tenantId, month, timeZone);
  const out: CalendarEntry[] = runs.map((r) => ({
    campaign_id: r.campaign_id,
    name: r.name,
    run_id: r.run_id,
    kind: r.run_status === 'cancelled' || r.run_status === 'failed' ? 'cancelled' : r.run_status === 'done' || r.run_status === 'sent' ? 'done' : 'running',
    at: r.at.toISOString(),
    day: r.day,
  }));
  const seen = new Set(runs.map((r) => `${r.campaign_id}@${r.at.getTime()}`));
  for (const c of await q.activeSchedules(trx, actor.tenantId)) {
    const s = campaignSchedule.safeParse(c.schedule);
    if (!s.success) continue;
    const from = c.next_run_at && c.next_run_at > now ? new Date(c.next_run_at.getTime() - 1) : now;
    const upcoming = s.data.kind === 'once' ? (c.last_run_at ? [] : [c.next_run_at ?? (s.data.at ? new Date(s.data.at) : now)]) : upcomingRuns(s.data, from, timeZone, 62);
    for (const at of upcoming) {
      if (monthOf(at, timeZone) !== month || seen.has(`${c.id}@${at.getTime()}`)) continue;
      out.push({ campaign_id: c.id, name: c.name, run_id: null, kind: 'planned', at: at.toISOString(), day: dayOf(at, timeZone) });
    }
  }
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

export async function campaignPage(services: Services, actor: Actor, id: string) {
  assertCan(actor, 'campaigns.view');
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const head = await q.campaignHeadRow(trx, actor.tenantId, id);
    if (!head) throw new NotFoundError('Campaign not found');
    return { campaign: head, runs: await q.campaignRuns(trx, actor.tenantId, id) };
  });
}

/** A run's live page: its counts, progress per store and clerk (within the actor's stores), exclusions by reason. */
export async function runPage(services: Services, actor: Actor, id: string, runId: string) {
  assertCan(actor, 'campaigns.view');
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const head = await q.campaignHeadRow(trx, actor.tenantId, id);
    const run = head ? (await q.campaignRuns(trx, actor.tenantId, id, runId))[0] : undefined;
    if (!head || !run) throw new NotFoundError('Run not found');
    const scope = actor.storeScope === null ? null : new Set(actor.storeScope);
    const byClerk = (await runProgressByClerk(trx, actor.tenantId, runId)).filter((c) => scope === null || (c.store_id !== null && scope.has(c.store_id)));
    return { campaign: head, run, byClerk, byStore: progressByStore(byClerk), exclusions: await q.runExclusions(trx, actor.tenantId, runId) };
  });
}

export async function reportPage(services: Services, actor: Actor, id: string, p: ReportParams, now = new Date()) {
  assertCan(actor, 'campaigns.view');
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const head = await q.campaignHeadRow(trx, actor.tenantId, id);
    if (!head) throw new NotFoundError('Campaign not found');
    const runs = await q.campaignRuns(trx, actor.tenantId, id);
    const report = await campaignReport(trx, actor, id, { runId: p.run ?? null, sort: p.sort, dir: p.dir, now });
    return { campaign: head, runs, report };
  });
}
