/**
 * Read models of the campaign pages: the list (filtered by status, sorted in SQL by an allow-listed column, with
 * each campaign's recipients and reach), the month calendar's runs (local days in the tenant's zone), a
 * campaign's runs, and a run's head with its totals.
 */
import { sql } from 'kysely';
import type { CampaignListSort } from '../../app/lib/contracts/campaign-report';
import type { TenantId, Tx } from '../tenancy/context';

export interface CampaignListRow {
  id: string;
  name: string;
  goal: string | null;
  status: string;
  delivery: 'mass' | 'one_to_one';
  schedule: { kind: string } & Record<string, unknown>;
  segment_name: string | null;
  holdout_pct: number;
  attribution_days: number;
  next_run_at: Date | null;
  last_run_at: Date | null;
  last_run_id: string | null;
  runs: number;
  recipients: number;
  reached: number;
  created_at: Date;
}

const ORDER: Record<CampaignListSort, ReturnType<typeof sql>> = {
  created_at: sql`c.created_at`,
  name: sql`c.name`,
  next_run_at: sql`c.next_run_at`,
  status: sql`c.status`,
  reached: sql`coalesce(k.reached, 0)`,
};

export async function listCampaigns(trx: Tx, tenantId: TenantId, p: { status: string | null; sort: CampaignListSort; dir: 'asc' | 'desc'; page: number; size: number }): Promise<{ rows: CampaignListRow[]; total: number }> {
  const where = sql`c.tenant_id = ${tenantId}::uuid ${p.status ? sql`and c.status = ${p.status}` : sql``}`;
  const rows = (
    await sql<CampaignListRow>`select c.id, c.name, c.goal, c.status, c.delivery, c.schedule, sg.name as segment_name, c.holdout_pct, c.attribution_days,
        c.next_run_at, lr.planned_for as last_run_at, lr.id as last_run_id, coalesce(k.runs, 0) as runs, coalesce(k.recipients, 0) as recipients,
        coalesce(k.reached, 0) as reached, c.created_at
      from campaigns c
      left join segments sg on sg.tenant_id = c.tenant_id and sg.id::text = c.audience->>'segment_id'
      left join lateral (select r.id, r.planned_for from campaign_runs r where r.tenant_id = c.tenant_id and r.campaign_id = c.id order by r.planned_for desc limit 1) lr on true
      left join lateral (
        select count(distinct r.id)::int as runs,
          count(cr.customer_id) filter (where cr.arm = 'target' and cr.excluded is null)::int as recipients,
          count(cr.customer_id) filter (where cr.arm = 'target' and cr.status = 'sent')::int as reached
        from campaign_runs r left join campaign_recipients cr on cr.tenant_id = r.tenant_id and cr.run_id = r.id
        where r.tenant_id = c.tenant_id and r.campaign_id = c.id) k on true
      where ${where}
      order by ${ORDER[p.sort]} ${p.dir === 'asc' ? sql`asc` : sql`desc`} nulls last, c.id
      limit ${p.size} offset ${(p.page - 1) * p.size}`.execute(trx)
  ).rows;
  const total = (await sql<{ n: number }>`select count(*)::int as n from campaigns c where ${where}`.execute(trx)).rows[0]!.n;
  return { rows, total };
}

export async function statusCounts(trx: Tx, tenantId: TenantId): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`select status, count(*)::int as n from campaigns where tenant_id = ${tenantId}::uuid group by status`.execute(trx);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

export async function tenantZone(trx: Tx, tenantId: TenantId): Promise<string> {
  return (await sql<{ timezone: string }>`select timezone from tenants where id = ${tenantId}::uuid`.execute(trx)).rows[0]?.timezone ?? 'Asia/Shanghai';
}

export interface CalendarRun {
  campaign_id: string;
  name: string;
  campaign_status: string;
  run_id: string | null;
  run_status: string | null;
  at: Date;
  /** Local calendar day in the tenant's zone. */
  day: string;
}

/** Runs planned for a local month (YYYY-MM), in the tenant's zone. */
export async function monthRuns(trx: Tx, tenantId: TenantId, month: string, timeZone: string): Promise<CalendarRun[]> {
  return (
    await sql<CalendarRun>`select c.id as campaign_id, c.name, c.status as campaign_status, r.id as run_id, r.status as run_status,
        r.planned_for as at, to_char(r.planned_for at time zone ${timeZone}, 'YYYY-MM-DD') as day
      from campaign_runs r join campaigns c on c.tenant_id = r.tenant_id and c.id = r.campaign_id
      where r.tenant_id = ${tenantId}::uuid
        and r.planned_for >= (${month + '-01'}::date)::timestamp at time zone ${timeZone}
        and r.planned_for < ((${month + '-01'}::date + interval '1 month')::date)::timestamp at time zone ${timeZone}
      order by r.planned_for`.execute(trx)
  ).rows;
}

/** Campaigns whose schedule may still plan runs (for the calendar's projection of upcoming runs). */
export async function activeSchedules(trx: Tx, tenantId: TenantId): Promise<{ id: string; name: string; status: string; schedule: unknown; next_run_at: Date | null; last_run_at: Date | null }[]> {
  return (
    await sql<{ id: string; name: string; status: string; schedule: unknown; next_run_at: Date | null; last_run_at: Date | null }>`
      select c.id, c.name, c.status, c.schedule, c.next_run_at,
        (select max(r.planned_for) from campaign_runs r where r.tenant_id = c.tenant_id and r.campaign_id = c.id) as last_run_at
      from campaigns c where c.tenant_id = ${tenantId}::uuid and c.status in ('pending_approval', 'scheduled', 'running')`.execute(trx)
  ).rows;
}

export interface CampaignHeadRow {
  id: string;
  name: string;
  goal: string | null;
  status: string;
  delivery: 'mass' | 'one_to_one';
  target: 'customers' | 'customers_and_groups';
  audience: { segment_id?: string | null; exclude_segment_ids?: string[] };
  content: { text?: string; attachments?: unknown[] };
  schedule: { kind: string } & Record<string, unknown>;
  guardrails: Record<string, unknown>;
  holdout_pct: number;
  attribution_days: number;
  next_run_at: Date | null;
  approved_at: Date | null;
  created_at: Date;
  segment_name: string | null;
}

export async function campaignHeadRow(trx: Tx, tenantId: TenantId, id: string): Promise<CampaignHeadRow | undefined> {
  return (
    await sql<CampaignHeadRow>`select c.id, c.name, c.goal, c.status, c.delivery, c.target, c.audience, c.content, c.schedule, c.guardrails, c.holdout_pct, c.attribution_days,
        c.next_run_at, c.approved_at, c.created_at, sg.name as segment_name
      from campaigns c left join segments sg on sg.tenant_id = c.tenant_id and sg.id::text = c.audience->>'segment_id'
      where c.tenant_id = ${tenantId}::uuid and c.id = ${id}::uuid`.execute(trx)
  ).rows[0];
}

export interface RunRow {
  id: string;
  status: string;
  planned_for: Date;
  started_at: Date | null;
  sent_at: Date | null;
  finished_at: Date | null;
  error: string | null;
  audience: number;
  holdout: number;
  recipients: number;
  excluded: number;
  reached: number;
  tasks_created: number;
  tasks_confirmed: number;
}

/** The runs of a campaign (or one run), newest first, with their counts. */
export async function campaignRuns(trx: Tx, tenantId: TenantId, campaignId: string, runId: string | null = null): Promise<RunRow[]> {
  return (
    await sql<RunRow>`select r.id, r.status, r.planned_for, r.started_at, r.sent_at, r.finished_at, r.error,
        coalesce(k.audience, 0) as audience, coalesce(k.holdout, 0) as holdout, coalesce(k.recipients, 0) as recipients,
        coalesce(k.excluded, 0) as excluded, coalesce(k.reached, 0) as reached,
        coalesce(t.created, 0) as tasks_created, coalesce(t.confirmed, 0) as tasks_confirmed
      from campaign_runs r
      left join lateral (
        select count(*)::int as audience, count(*) filter (where arm = 'holdout')::int as holdout,
          count(*) filter (where arm = 'target' and excluded is null)::int as recipients,
          count(*) filter (where arm = 'target' and excluded is not null)::int as excluded,
          count(*) filter (where arm = 'target' and status = 'sent')::int as reached
        from campaign_recipients cr where cr.tenant_id = r.tenant_id and cr.run_id = r.id) k on true
      left join lateral (
        select count(*) filter (where msgid is not null)::int as created, count(*) filter (where msgid is not null and confirmed_at is not null)::int as confirmed
        from campaign_outbox o where o.tenant_id = r.tenant_id and o.run_id = r.id) t on true
      where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${campaignId}::uuid ${runId ? sql`and r.id = ${runId}::uuid` : sql``}
      order by r.planned_for desc`.execute(trx)
  ).rows;
}

/** Exclusions of a run by reason (the run page). */
export async function runExclusions(trx: Tx, tenantId: TenantId, runId: string): Promise<{ reason: string; n: number }[]> {
  return (
    await sql<{ reason: string; n: number }>`select excluded as reason, count(*)::int as n from campaign_recipients
      where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and excluded is not null group by excluded order by n desc`.execute(trx)
  ).rows;
}
