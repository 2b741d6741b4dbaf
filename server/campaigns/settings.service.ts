/**
 * The tenant's campaign settings (issue #15 point 5): quiet hours (default 21:00–09:00 local), the frequency cap
 * across all campaigns (default 2 in 7 days), WeCom's receive-cap rule of the corp (as set in 群发助手), whether a
 * campaign needs an admin's approval before its first send, and the global control group. Reading is open to
 * whoever may view campaigns; changing them is an admin's, audited.
 */
import { campaignSettings, DEFAULT_CAMPAIGN_SETTINGS, type CampaignSettings } from '../../app/lib/contracts/campaign';
import { parseOrThrow } from '../lib/validation';
import { assertCan, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import type { TenantId, Tx } from '../tenancy/context';
import { getSettingsRow, upsertSettingsRow, type CampaignSettingsRow } from './settings.repository';

function fromRow(r: CampaignSettingsRow | null): CampaignSettings {
  if (!r) return DEFAULT_CAMPAIGN_SETTINGS;
  return {
    quiet_hours: r.quiet_start && r.quiet_end ? { start: r.quiet_start, end: r.quiet_end } : null,
    frequency_cap: { max: r.frequency_max, days: r.frequency_days },
    receive_cap_rule: r.receive_cap_rule,
    approval_required: r.approval_required,
    control_pct: Number(r.control_pct),
  };
}

/** The settings the planner and the lifecycle use (no permission check: system paths read them too). */
export async function loadCampaignSettings(trx: Tx, tenantId: TenantId): Promise<CampaignSettings> {
  return fromRow(await getSettingsRow(trx, tenantId));
}

export async function campaignSettingsFor(trx: Tx, actor: Actor): Promise<CampaignSettings> {
  assertCan(actor, 'campaigns.view');
  return loadCampaignSettings(trx, actor.tenantId);
}

export async function updateCampaignSettings(trx: Tx, actor: Actor, input: unknown): Promise<CampaignSettings> {
  assertCan(actor, 'settings.manage');
  const s = parseOrThrow(campaignSettings, input, { field: 'body', details: 'issues' });
  const before = await loadCampaignSettings(trx, actor.tenantId);
  await upsertSettingsRow(trx, actor.tenantId, {
    quiet_start: s.quiet_hours?.start ?? null,
    quiet_end: s.quiet_hours?.end ?? null,
    frequency_max: s.frequency_cap.max,
    frequency_days: s.frequency_cap.days,
    receive_cap_rule: s.receive_cap_rule,
    approval_required: s.approval_required,
    control_pct: s.control_pct,
  }, actor.staffId);
  await audit(trx, actor, { action: 'campaign_settings.update', entityType: 'tenant', entityId: actor.tenantId, before, after: s });
  return s;
}
