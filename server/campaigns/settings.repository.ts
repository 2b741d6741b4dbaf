/** The tenant's campaign settings: one row per tenant, absent until first saved (then the defaults apply). */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

export interface CampaignSettingsRow {
  quiet_start: string | null;
  quiet_end: string | null;
  frequency_max: number;
  frequency_days: number;
  receive_cap_rule: 'month_days' | 'week_7' | 'day_1';
  approval_required: boolean;
  control_pct: number;
}

export async function getSettingsRow(trx: Tx, tenantId: TenantId): Promise<CampaignSettingsRow | null> {
  const r = await sql<CampaignSettingsRow>`select quiet_start, quiet_end, frequency_max, frequency_days, receive_cap_rule, approval_required, control_pct::float8 as control_pct
    from campaign_settings where tenant_id = ${tenantId}::uuid`.execute(trx);
  return r.rows[0] ?? null;
}

export async function upsertSettingsRow(trx: Tx, tenantId: TenantId, s: CampaignSettingsRow, staffId: string | null): Promise<void> {
  await sql`insert into campaign_settings (tenant_id, quiet_start, quiet_end, frequency_max, frequency_days, receive_cap_rule, approval_required, control_pct, updated_by, updated_at)
    values (${tenantId}::uuid, ${s.quiet_start}, ${s.quiet_end}, ${s.frequency_max}, ${s.frequency_days}, ${s.receive_cap_rule}, ${s.approval_required}, ${s.control_pct}, ${staffId}::uuid, now())
    on conflict (tenant_id) do update set quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end, frequency_max = excluded.frequency_max,
      frequency_days = excluded.frequency_days, receive_cap_rule = excluded.receive_cap_rule, approval_required = excluded.approval_required,
      control_pct = excluded.control_pct, updated_by = excluded.updated_by, updated_at = now()`.execute(trx);
}
