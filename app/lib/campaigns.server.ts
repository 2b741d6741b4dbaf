/** Server bridge of the campaign pages (loaders and actions only). */
import { json } from '@remix-run/node';
import { NotFoundError } from '../../server/lib/errors';
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant, type Tx } from '../../server/tenancy/context';
import { zonedInstant, zonedParts } from '../../server/lib/zoned-time';
import { editorInput, editorValues } from './contracts/campaign-editor';
import { approveCampaign, campaignDetail, cancelCampaign, createCampaign, scheduleCampaign, updateCampaign } from '../../server/campaigns/campaigns.service';
import { nudgeCampaignTick, queueStopRuns } from '../../server/campaigns/campaigns.job';
import { dryRun } from '../../server/campaigns/planning';
import { tenantZone } from '../../server/campaigns/campaigns.queries';
import { listSegmentsFor } from '../../server/segments/segments.service';
import { campaignSettingsFor, updateCampaignSettings } from '../../server/campaigns/settings.service';

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


const segmentOptions = async (trx: Tx, actor: Actor) => (await listSegmentsFor(trx, actor)).map((s) => ({ id: s.id, name: s.name, size: s.size }));

/** The editor's options: the segments to pick from. */
export async function editorOptions(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => ({ segments: await segmentOptions(trx, actor) }));
}

/** A local "YYYY-MM-DDTHH:mm" of the tenant's zone as an ISO instant. */
function localToIso(v: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(v);
  if (!m) return null;
  return zonedInstant({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +m[4]!, minute: +m[5]! }, timeZone).toISOString();
}

/** An instant as the editor's local "YYYY-MM-DDTHH:mm" in the tenant's zone. */
function isoToLocal(iso: string, timeZone: string): string {
  const p = zonedParts(new Date(iso), timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

export async function createFromEditor(context: AppLoadContext, actor: Actor, form: FormData) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => {
    const tz = await tenantZone(trx, actor.tenantId);
    return createCampaign(trx, actor, editorInput(form, (v) => localToIso(v, tz)));
  });
}

/**
 * The edit page's data: the draft as the editor's values, and the segments. A campaign past draft is not
 * editable (the service refuses it too): its page, with the reason, instead.
 */
export async function editPage(context: AppLoadContext, actor: Actor, id: string) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => {
    const c = await campaignDetail(trx, actor, id);
    const tz = await tenantZone(trx, actor.tenantId);
    return { id: c.id, name: c.name, status: c.status, editable: c.status === 'draft', values: editorValues(c, (iso) => isoToLocal(iso, tz)), segments: await segmentOptions(trx, actor) };
  });
}

/** Saves the edited draft (the service checks it is still a draft, validates and audits). */
export async function updateFromEditor(context: AppLoadContext, actor: Actor, id: string, form: FormData) {
  return withTenant(context.services.dbs, actor.tenantId, async (trx) => {
    const tz = await tenantZone(trx, actor.tenantId);
    return updateCampaign(trx, actor, id, editorInput(form, (v) => localToIso(v, tz)));
  });
}

/** Settings → 营销活动: the tenant's campaign settings. */
export async function campaignSettingsPage(context: AppLoadContext, actor: Actor) {
  return withTenant(context.services.dbs, actor.tenantId, (trx) => campaignSettingsFor(trx, actor));
}

/** Saves the settings form (the service validates and audits). */
export async function saveCampaignSettings(context: AppLoadContext, actor: Actor, form: FormData) {
  const s = (k: string) => String(form.get(k) ?? '').trim();
  const n = (k: string) => (s(k) === '' ? Number.NaN : Number(s(k)));
  const input = {
    quiet_hours: form.get('quiet_off') === 'on' ? null : { start: s('quiet_start'), end: s('quiet_end') },
    frequency_cap: { max: n('frequency_max'), days: n('frequency_days') },
    receive_cap_rule: s('receive_cap_rule'),
    approval_required: form.get('approval_required') === 'on',
    control_pct: n('control_pct'),
  };
  return withTenant(context.services.dbs, actor.tenantId, (trx) => updateCampaignSettings(trx, actor, input));
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
