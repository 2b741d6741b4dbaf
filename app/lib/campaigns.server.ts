/** Server bridge of the campaign pages (loaders and actions only). */
import { json } from '@remix-run/node';
import { NotFoundError } from '../../server/lib/errors';
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant } from '../../server/tenancy/context';
import { zonedInstant } from '../../server/lib/zoned-time';
import { approveCampaign, cancelCampaign, createCampaign, scheduleCampaign } from '../../server/campaigns/campaigns.service';
import { nudgeCampaignTick, queueStopRuns } from '../../server/campaigns/campaigns.job';
import { dryRun } from '../../server/campaigns/planning';
import { tenantZone } from '../../server/campaigns/campaigns.queries';
import { listSegmentsFor } from '../../server/segments/segments.service';

export { campaignListPage, campaignPage, reportPage, runPage } from '../../server/campaigns/pages.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => json({ message: '活动不存在 / Campaign not found' }, { status: 404 });

/** A route's id parameter, or a 404 page when it cannot be an id. */
export function idOr404(v: string | undefined): string {
  if (!v || !UUID.test(v)) throw notFound();
  return v;
}

/** The page's data, or a 404 page when the campaign (or run) is not this tenant's. */
export async function or404<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound();
    throw e;
  }
}

// ---- the editor and the lifecycle buttons (the campaigns service checks, transitions and audits) -------------------


/** The editor's options: the segments to pick from. */
export async function editorOptions(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ segments: (await listSegmentsFor(trx, actor)).map((s) => ({ id: s.id, name: s.name, size: s.size })) }));
}

/** A local "YYYY-MM-DDTHH:mm" of the tenant's zone as an ISO instant. */
function localToIso(v: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(v);
  if (!m) return null;
  return zonedInstant({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! }, timeZone).toISOString();
}

/** The editor's form as the campaigns contract's input (the service validates it). */
export function editorInput(form: FormData, timeZone: string): Record<string, unknown> {
  const s = (k: string) => String(form.get(k) ?? '').trim();
  const kind = s('schedule_kind') || 'once';
  const schedule =
    kind === 'recurring'
      ? { kind, frequency: s('frequency') || 'weekly', time: s('time') || '10:00', ...(s('frequency') === 'weekly' ? { weekdays: form.getAll('weekdays').map(Number) } : {}), ...(s('frequency') === 'monthly' ? { month_day: Number(s('month_day') || 1) } : {}) }
      : kind === 'triggered'
        ? { kind, time: s('time') || '10:00', trigger: s('trigger') === 'entered_segment' ? { type: 'entered_segment', segment_id: s('segment_id') } : { type: s('trigger') || 'days_after_last_purchase', days: Number(s('trigger_days') || 30) } }
        : { kind: 'once', at: s('at') ? localToIso(s('at'), timeZone) : null };
  const attachments = s('attachments')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const [title, url] = l.split('|').map((x) => x.trim());
      return url ? { msgtype: 'link', link: { title, url } } : { msgtype: 'image', image: { pic_url: title } };
    });
  return {
    name: s('name'),
    goal: s('goal') || null,
    audience: { segment_id: s('segment_id'), exclude_segment_ids: form.getAll('exclude_segment_ids').map(String).filter(Boolean) },
    delivery: s('delivery') || 'mass',
    content: { text: String(form.get('text') ?? ''), attachments },
    schedule,
    holdout_pct: Number(s('holdout_pct') || 10),
    attribution_days: Number(s('attribution_days') || 7),
    quiet_hours: form.get('quiet_hours_off') !== 'on',
  };
}

export async function createFromEditor(context: AppLoadContext, actor: Actor, form: FormData) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => createCampaign(trx, actor, editorInput(form, await tenantZone(trx, actor.tenantId))));
}

/** A lifecycle button of the campaign page: dry run, schedule, approve or cancel. */
export async function campaignAction(context: AppLoadContext, actor: Actor, id: string, intent: string) {
  const s = context.services;
  if (intent === 'dry-run') return { intent, dryRun: await withTenant(s.dbs, actor.tenantId, (trx) => dryRun(trx, actor, id)) };
  if (intent === 'schedule') {
    const out = await withTenant(s.dbs, actor.tenantId, (trx) => scheduleCampaign(trx, actor, id));
    if (out.status === 'scheduled') await nudgeCampaignTick(s, actor.tenantId);
    return { intent, status: out.status };
  }
  if (intent === 'approve') {
    const out = await withTenant(s.dbs, actor.tenantId, (trx) => approveCampaign(trx, actor, id));
    await nudgeCampaignTick(s, actor.tenantId);
    return { intent, status: out.status };
  }
  if (intent === 'cancel') {
    const out = await withTenant(s.dbs, actor.tenantId, (trx) => cancelCampaign(trx, actor, id));
    await queueStopRuns(s, actor.tenantId, out.runsToStop);
    return { intent, status: out.status };
  }
  throw new Response('Unknown action', { status: 400 });
}
