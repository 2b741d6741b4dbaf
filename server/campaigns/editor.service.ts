/**
 * The campaign editor, the settings page and the campaign page's lifecycle buttons, for the pages' bridge
 * (app/lib/campaigns.server.ts): each opens the tenant transaction; the campaigns service checks, transitions and
 * audits.
 */
import { editorInput, editorValues } from '../../app/lib/contracts/campaign-editor';
import { zonedInstant, zonedParts } from '../lib/zoned-time';
import { UserError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withActorTenant, type Tx } from '../tenancy/context';
import { listSegmentsFor } from '../segments/segments.service';
import { approveCampaign, campaignDetail, cancelCampaign, createCampaign, scheduleCampaign, updateCampaign } from './campaigns.service';
import { nudgeCampaignTick, queueStopRuns } from './campaigns.job';
import { dryRun } from './planning';
import { tenantZone } from './campaigns.queries';
import { campaignSettingsFor, updateCampaignSettings } from './settings.service';

const segmentOptions = async (trx: Tx, actor: Actor) => (await listSegmentsFor(trx, actor)).map((s) => ({ id: s.id, name: s.name, size: s.fill_owed_since ? null : s.size }));

/** The editor's options: the segments to pick from. */
export async function editorOptions(services: Services, actor: Actor) {
  return withActorTenant(services, actor, async (trx) => ({ segments: await segmentOptions(trx, actor) }));
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

export async function createFromEditor(services: Services, actor: Actor, form: FormData) {
  return withActorTenant(services, actor, async (trx) => {
    const tz = await tenantZone(trx, actor.tenantId);
    return createCampaign(trx, actor, editorInput(form, (v) => localToIso(v, tz)));
  });
}

/**
 * The edit page's data: the draft as the editor's values, and the segments. A campaign past draft is not
 * editable (the service refuses it too): its page, with the reason, instead.
 */
export async function editPage(services: Services, actor: Actor, id: string) {
  return withActorTenant(services, actor, async (trx) => {
    const c = await campaignDetail(trx, actor, id);
    const tz = await tenantZone(trx, actor.tenantId);
    return { id: c.id, name: c.name, status: c.status, editable: c.status === 'draft', values: editorValues(c, (iso) => isoToLocal(iso, tz)), segments: await segmentOptions(trx, actor) };
  });
}

/** Saves the edited draft (the service checks it is still a draft, validates and audits). */
export async function updateFromEditor(services: Services, actor: Actor, id: string, form: FormData) {
  return withActorTenant(services, actor, async (trx) => {
    const tz = await tenantZone(trx, actor.tenantId);
    return updateCampaign(trx, actor, id, editorInput(form, (v) => localToIso(v, tz)));
  });
}

/** Settings → 营销活动: the tenant's campaign settings. */
export async function campaignSettingsPage(services: Services, actor: Actor) {
  return withActorTenant(services, actor, (trx) => campaignSettingsFor(trx, actor));
}

/** Saves the settings (the service validates and audits). */
export async function saveCampaignSettings(services: Services, actor: Actor, input: unknown) {
  return withActorTenant(services, actor, (trx) => updateCampaignSettings(trx, actor, input));
}

/** A lifecycle button of the campaign page: dry run, schedule, approve or cancel. */
export async function campaignAction(s: Services, actor: Actor, id: string, intent: string) {
  if (intent === 'dry-run') return { intent, dryRun: await withActorTenant(s, actor, (trx) => dryRun(trx, actor, id)) };
  if (intent === 'schedule') {
    const out = await withActorTenant(s, actor, (trx) => scheduleCampaign(trx, actor, id));
    if (out.status === 'scheduled') await nudgeCampaignTick(s, actor.tenantId);
    return { intent, status: out.status };
  }
  if (intent === 'approve') {
    const out = await withActorTenant(s, actor, (trx) => approveCampaign(trx, actor, id));
    await nudgeCampaignTick(s, actor.tenantId);
    return { intent, status: out.status };
  }
  if (intent === 'cancel') {
    const out = await withActorTenant(s, actor, (trx) => cancelCampaign(trx, actor, id));
    await queueStopRuns(s, actor.tenantId, out.runsToStop);
    return { intent, status: out.status };
  }
  throw new UserError('未知操作 / Unknown action', 400, 'bad_request');
}
