/** Server bridge of the campaign pages (loaders and actions only). */
import { json } from '@remix-run/node';
import { NotFoundError } from '../../server/lib/errors';
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import * as editor from '../../server/campaigns/editor.service';
import { isUuid } from './params';

export { campaignListPage, campaignPage, reportPage, runPage } from '../../server/campaigns/pages.service';

const notFound = () => json({ message: '活动不存在 / Campaign not found' }, { status: 404 });

/** A route's id parameter, or a 404 page when it cannot be an id. */
export function idOr404(v: string | undefined): string {
  if (!v || !isUuid(v)) throw notFound();
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

// ---- the editor, settings and lifecycle buttons: server/campaigns/editor.service.ts -----------------------------

export const editorOptions = (context: AppLoadContext, actor: Actor) => editor.editorOptions(context.services, actor);
export const createFromEditor = (context: AppLoadContext, actor: Actor, form: FormData) => editor.createFromEditor(context.services, actor, form);
export const editPage = (context: AppLoadContext, actor: Actor, id: string) => editor.editPage(context.services, actor, id);
export const updateFromEditor = (context: AppLoadContext, actor: Actor, id: string, form: FormData) => editor.updateFromEditor(context.services, actor, id, form);
export const campaignSettingsPage = (context: AppLoadContext, actor: Actor) => editor.campaignSettingsPage(context.services, actor);
export const campaignAction = (context: AppLoadContext, actor: Actor, id: string, intent: string) => editor.campaignAction(context.services, actor, id, intent);

/** Saves the settings form (the service validates and audits). */
export async function saveCampaignSettings(context: AppLoadContext, actor: Actor, form: FormData) {
  const s = (k: string) => String(form.get(k) ?? '').trim();
  const n = (k: string) => (s(k) === '' ? Number.NaN : Number(s(k)));
  return editor.saveCampaignSettings(context.services, actor, {
    quiet_hours: form.get('quiet_off') === 'on' ? null : { start: s('quiet_start'), end: s('quiet_end') },
    frequency_cap: { max: n('frequency_max'), days: n('frequency_days') },
    receive_cap_rule: s('receive_cap_rule'),
    approval_required: form.get('approval_required') === 'on',
    control_pct: n('control_pct'),
  });
}
