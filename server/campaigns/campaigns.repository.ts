/** Campaigns and their runs: rows in, rows out (the rules live in the services). */
import { sql } from 'kysely';
import type { CampaignContent, CampaignSchedule } from '../../app/lib/contracts/campaign';
import type { TenantId, Tx } from '../tenancy/context';

/** A JSON value as jsonb (passed as text: a string parameter cast straight to jsonb would be stored as a JSON string). */
const json = (v: unknown) => sql`(${JSON.stringify(v)}::text)::jsonb`;

export interface NewCampaign {
  name: string;
  goal?: string | null;
  delivery: 'mass' | 'one_to_one';
  audience: { segment_id: string | null; exclude_segment_ids?: string[] };
  content: CampaignContent;
  schedule: CampaignSchedule;
  holdoutPct: number;
  attributionDays: number;
  createdBy: string | null;
}

export async function insertCampaign(trx: Tx, tenantId: TenantId, c: NewCampaign): Promise<string> {
  const r = await sql<{ id: string }>`insert into campaigns (tenant_id, name, goal, delivery, audience, content, schedule, holdout_pct, attribution_days, created_by)
    values (${tenantId}::uuid, ${c.name}, ${c.goal ?? null}, ${c.delivery}, ${json(c.audience)}, ${json(c.content)},
      ${json(c.schedule)}, ${c.holdoutPct}, ${c.attributionDays}, ${c.createdBy}::uuid)
    returning id`.execute(trx);
  return r.rows[0]!.id;
}

export async function insertRun(trx: Tx, tenantId: TenantId, campaignId: string, plannedFor: Date): Promise<string> {
  const r = await sql<{ id: string }>`insert into campaign_runs (tenant_id, campaign_id, planned_for) values (${tenantId}::uuid, ${campaignId}::uuid, ${plannedFor}) returning id`.execute(trx);
  return r.rows[0]!.id;
}
