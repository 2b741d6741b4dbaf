/** Campaigns and their runs: rows in, rows out (the rules live in the services). */
import { sql } from 'kysely';
import { jsonb } from '../lib/sql';
import type { CampaignAudience, CampaignContent, CampaignSchedule, CampaignStatus, CampaignRunStatus, CampaignTarget } from '../../app/lib/contracts/campaign';
import type { DB } from '../../db/connection';
import type { TenantId, Tx } from '../tenancy/context';

/** Per-campaign guardrails kept in `campaigns.guardrails`. */
export interface CampaignGuardrails {
  /** false: may send inside quiet hours (urgent service messages). */
  quiet_hours: boolean;
  /** Unsent tasks are cancelled this many hours after the run started. */
  expire_hours: number;
}
export const DEFAULT_GUARDRAILS: CampaignGuardrails = { quiet_hours: true, expire_hours: 72 };


export interface NewCampaign {
  name: string;
  goal?: string | null;
  delivery: 'mass' | 'one_to_one';
  /** Default 'customers'; 'customers_and_groups' also sends to the clerks' customer group chats (mass only). */
  target?: CampaignTarget;
  audience: { segment_id: string | null; exclude_segment_ids?: string[] };
  content: CampaignContent;
  schedule: CampaignSchedule;
  holdoutPct: number;
  attributionDays: number;
  createdBy: string | null;
  priority?: number;
  guardrails?: CampaignGuardrails;
}

export interface CampaignRow {
  id: string;
  name: string;
  goal: string | null;
  status: CampaignStatus;
  delivery: 'mass' | 'one_to_one';
  target: CampaignTarget;
  audience: CampaignAudience;
  content: CampaignContent;
  schedule: CampaignSchedule;
  guardrails: CampaignGuardrails;
  holdout_pct: number;
  attribution_days: number;
  priority: number;
  next_run_at: Date | null;
  approved_by: string | null;
  approved_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const campaignColumns = sql`id, name, goal, status, delivery, target, audience, content, schedule,
  ${jsonb(DEFAULT_GUARDRAILS)} || guardrails as guardrails, holdout_pct::float8 as holdout_pct,
  attribution_days, priority, next_run_at, approved_by, approved_at, created_by, created_at, updated_at`;

export async function insertCampaign(trx: Tx, tenantId: TenantId, c: NewCampaign): Promise<string> {
  const r = await sql<{ id: string }>`insert into campaigns (tenant_id, name, goal, delivery, target, audience, content, schedule, holdout_pct, attribution_days, created_by, priority, guardrails)
    values (${tenantId}::uuid, ${c.name}, ${c.goal ?? null}, ${c.delivery}, ${c.target ?? 'customers'}, ${jsonb(c.audience)}, ${jsonb(c.content)},
      ${jsonb(c.schedule)}, ${c.holdoutPct}, ${c.attributionDays}, ${c.createdBy}::uuid, ${c.priority ?? 0}, ${jsonb(c.guardrails ?? DEFAULT_GUARDRAILS)})
    returning id`.execute(trx);
  return r.rows[0]!.id;
}

export async function updateCampaignRow(trx: Tx, tenantId: TenantId, id: string, c: Omit<NewCampaign, 'createdBy'>): Promise<void> {
  await sql`update campaigns set name = ${c.name}, goal = ${c.goal ?? null}, delivery = ${c.delivery}, target = ${c.target ?? 'customers'}, audience = ${jsonb(c.audience)},
      content = ${jsonb(c.content)}, schedule = ${jsonb(c.schedule)}, holdout_pct = ${c.holdoutPct},
      attribution_days = ${c.attributionDays}, priority = ${c.priority ?? 0}, guardrails = ${jsonb(c.guardrails ?? DEFAULT_GUARDRAILS)}, updated_at = now()
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

/** One campaign; `lock` takes a row lock so concurrent transitions serialise. */
export async function getCampaign(trx: Tx, tenantId: TenantId, id: string, lock = false): Promise<CampaignRow | null> {
  const r = await sql<CampaignRow>`select ${campaignColumns} from campaigns where tenant_id = ${tenantId}::uuid and id = ${id}::uuid ${lock ? sql`for update` : sql``}`.execute(trx);
  return r.rows[0] ?? null;
}

export async function listCampaigns(trx: Tx, tenantId: TenantId, f: { status?: CampaignStatus; limit: number; offset: number }): Promise<{ rows: CampaignRow[]; total: number }> {
  const where = sql`tenant_id = ${tenantId}::uuid ${f.status ? sql`and status = ${f.status}` : sql``}`;
  const rows = (await sql<CampaignRow>`select ${campaignColumns} from campaigns where ${where} order by created_at desc, id limit ${f.limit} offset ${f.offset}`.execute(trx)).rows;
  const total = (await sql<{ n: number }>`select count(*)::int as n from campaigns where ${where}`.execute(trx)).rows[0]!.n;
  return { rows, total };
}

export interface StatusChange {
  status: CampaignStatus;
  nextRunAt?: Date | null;
  approvedBy?: string | null;
}

/** Moves a campaign to a new status (and next run, approval) only from one of `from`; false when it was not there. */
export async function setCampaignStatus(trx: Tx, tenantId: TenantId, id: string, from: readonly CampaignStatus[], to: StatusChange): Promise<boolean> {
  const r = await sql`update campaigns set status = ${to.status}, updated_at = now()
      ${to.nextRunAt !== undefined ? sql`, next_run_at = ${to.nextRunAt}` : sql``}
      ${to.approvedBy !== undefined ? sql`, approved_by = ${to.approvedBy}::uuid, approved_at = now()` : sql``}
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid and status = any(${[...from]}::text[])`.execute(trx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export async function setNextRunAt(trx: Tx, tenantId: TenantId, id: string, next: Date | null): Promise<void> {
  await sql`update campaigns set next_run_at = ${next}, updated_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

export async function insertRun(trx: Tx, tenantId: TenantId, campaignId: string, plannedFor: Date): Promise<string> {
  const r = await sql<{ id: string }>`insert into campaign_runs (tenant_id, campaign_id, planned_for) values (${tenantId}::uuid, ${campaignId}::uuid, ${plannedFor}) returning id`.execute(trx);
  return r.rows[0]!.id;
}

/**
 * The run of a campaign at a planned time, created once: a second tick for the same time finds the first's run.
 * `sendAfter` is when it may send (past quiet hours). Returns the run and whether this call created it.
 */
export async function ensureRun(trx: Tx, tenantId: TenantId, campaignId: string, plannedFor: Date, sendAfter: Date): Promise<{ id: string; created: boolean }> {
  const r = await sql<{ id: string; created: boolean }>`with ins as (
      insert into campaign_runs (tenant_id, campaign_id, planned_for, send_after) values (${tenantId}::uuid, ${campaignId}::uuid, ${plannedFor}, ${sendAfter})
      on conflict (tenant_id, campaign_id, planned_for) do nothing returning id)
    select id, true as created from ins
    union all
    select id, false from campaign_runs where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid and planned_for = ${plannedFor} and not exists (select 1 from ins)`.execute(trx);
  return r.rows[0]!;
}

export interface RunRow {
  id: string;
  campaign_id: string;
  status: CampaignRunStatus;
  planned_for: Date;
  send_after: Date | null;
  started_at: Date | null;
  sent_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
  error: string | null;
}

export async function getRun(trx: Tx, tenantId: TenantId, runId: string, lock = false): Promise<RunRow | null> {
  const r = await sql<RunRow>`select id, campaign_id, status, planned_for, send_after, started_at, sent_at, finished_at, expires_at, error
    from campaign_runs where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid ${lock ? sql`for update` : sql``}`.execute(trx);
  return r.rows[0] ?? null;
}

export type RunWithCounts = RunRow & { recipients: number; tasks_created: number; tasks_confirmed: number; sent: number };

/** A campaign's runs, newest first, with recipients, tasks and sends counted. */
export async function runsOf(trx: Tx, tenantId: TenantId, campaignId: string): Promise<RunWithCounts[]> {
  return (
    await sql<RunWithCounts>`select r.id, r.campaign_id, r.status, r.planned_for, r.send_after, r.started_at, r.sent_at, r.finished_at, r.expires_at, r.error,
        coalesce(rc.recipients, 0) as recipients, coalesce(rc.sent, 0) as sent, coalesce(o.created, 0) as tasks_created, coalesce(o.confirmed, 0) as tasks_confirmed
      from campaign_runs r
      left join lateral (select count(*) filter (where arm = 'target' and excluded is null)::int as recipients, count(*) filter (where status = 'sent')::int as sent
        from campaign_recipients x where x.tenant_id = r.tenant_id and x.run_id = r.id) rc on true
      left join lateral (select count(*) filter (where msgid is not null)::int as created, count(*) filter (where confirmed_at is not null)::int as confirmed
        from campaign_outbox b where b.tenant_id = r.tenant_id and b.run_id = r.id) o on true
      where r.tenant_id = ${tenantId}::uuid and r.campaign_id = ${campaignId}::uuid
      order by r.planned_for desc`.execute(trx)
  ).rows;
}

/** Moves a run on; only from one of `from`. Sets the timestamps that belong to the new status. */
export async function setRunStatus(trx: Tx, tenantId: TenantId, runId: string, from: readonly CampaignRunStatus[], to: CampaignRunStatus, extra: { error?: string | null; expiresAt?: Date } = {}): Promise<boolean> {
  const r = await sql`update campaign_runs set status = ${to},
      started_at = case when ${to} = 'sending' then coalesce(started_at, now()) else started_at end,
      sent_at = case when ${to} = 'sent' then coalesce(sent_at, now()) else sent_at end,
      finished_at = case when ${to} in ('done','cancelled','failed') then coalesce(finished_at, now()) else finished_at end
      ${extra.expiresAt ? sql`, expires_at = coalesce(expires_at, ${extra.expiresAt})` : sql``}
      ${extra.error !== undefined ? sql`, error = ${extra.error}` : sql``}
    where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid and status = any(${[...from]}::text[])`.execute(trx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/** Runs of a campaign that are not final. */
export async function openRuns(trx: Tx, tenantId: TenantId, campaignId: string): Promise<RunRow[]> {
  return (
    await sql<RunRow>`select id, campaign_id, status, planned_for, send_after, started_at, sent_at, finished_at, expires_at, error
      from campaign_runs where tenant_id = ${tenantId}::uuid and campaign_id = ${campaignId}::uuid and status in ('planning','sending','sent')
      order by planned_for`.execute(trx)
  ).rows;
}

export async function tenantTimezone(trx: Tx, tenantId: TenantId): Promise<string> {
  const r = await sql<{ timezone: string }>`select timezone from tenants where id = ${tenantId}::uuid`.execute(trx);
  return r.rows[0]?.timezone ?? 'Asia/Shanghai';
}

/** Which of these segment ids exist in the tenant. */
export async function existingSegmentIds(trx: Tx, tenantId: TenantId, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const r = await sql<{ id: string }>`select id from segments where tenant_id = ${tenantId}::uuid and id = any(${ids}::uuid[])`.execute(trx);
  return new Set(r.rows.map((x) => x.id));
}

/** The names of those segments that are static and still owed their first members by the fill job (ADR 0018). */
export async function staticSegmentsFilling(trx: Tx, tenantId: TenantId, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const r = await sql<{ name: string }>`select name from segments where tenant_id = ${tenantId}::uuid and id = any(${ids}::uuid[])
    and kind = 'static' and fill_owed_since is not null order by name`.execute(trx);
  return r.rows.map((x) => x.name);
}

/** The staff member's WeCom userid and the per-clerk variables of their store (the test send). */
export async function staffForTestSend(trx: Tx, tenantId: TenantId, staffId: string) {
  const r = await sql<{ name: string; wecom_userid: string | null; store_name: string | null; store_address: string | null }>`
    select s.name, s.wecom_userid, st.name as store_name, st.address as store_address
    from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
    where s.tenant_id = ${tenantId}::uuid and s.id = ${staffId}::uuid`.execute(trx);
  return r.rows[0] ?? null;
}

/** A cancel: outbox rows of these runs not yet called never will be (delivery skips rows that are not open). */
export async function stopPendingOutbox(trx: Tx, tenantId: TenantId, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await sql`update campaign_outbox set state = 'failed', error = 'cancelled', completed_at = now()
    where tenant_id = ${tenantId}::uuid and run_id = any(${runIds}::uuid[]) and state = 'pending'`.execute(trx);
}

/**
 * Campaigns whose next run is due at `now`, higher priority first (so an overlap goes to the higher one). For a
 * triggered campaign that is its daily evaluation, which creates a run only when entries fire (triggers.ts).
 */
export async function dueCampaignIds(trx: Tx, tenantId: TenantId, now: Date): Promise<string[]> {
  return (
    await sql<{ id: string }>`select id from campaigns where tenant_id = ${tenantId}::uuid and status in ('scheduled', 'running')
      and next_run_at is not null and next_run_at <= ${now} order by priority desc, next_run_at, id`.execute(trx)
  ).rows.map((r) => r.id);
}

/** Runs that may start or resume at `now`, higher-priority campaigns first. */
export async function runsToExecute(trx: Tx, tenantId: TenantId, now: Date): Promise<string[]> {
  return (
    await sql<{ id: string }>`select r.id from campaign_runs r join campaigns c on c.tenant_id = r.tenant_id and c.id = r.campaign_id
      where r.tenant_id = ${tenantId}::uuid and r.status in ('planning', 'sending') and coalesce(r.send_after, r.planned_for) <= ${now}
        and c.status in ('scheduled', 'running')
      order by c.priority desc, r.planned_for, r.id`.execute(trx)
  ).rows.map((r) => r.id);
}

/**
 * Sent runs with what finishing them needs: whether they expired, and whether their results are final — every
 * mass task failed at creation, was cancelled, or was polled with nothing left to learn (confirmed and every
 * recipient final, or past the polling window); every 1:1 task sent or skipped by its clerk.
 */
export async function sentRuns(trx: Tx, tenantId: TenantId, now: Date) {
  return (
    await sql<{ id: string; campaign_id: string; sent_at: Date | null; expires_at: Date | null; expired: boolean; final: boolean }>`
      select r.id, r.campaign_id, r.sent_at, r.expires_at, coalesce(r.expires_at <= ${now}, false) as expired,
        not exists (select 1 from campaign_outbox o where o.tenant_id = r.tenant_id and o.run_id = r.id
          and not (o.state = 'failed' or o.cancelled_at is not null or (o.msgid is not null and o.last_polled_at is not null and o.next_poll_at is null)))
        and not exists (select 1 from campaign_recipients x join campaigns c on c.tenant_id = x.tenant_id and c.id = r.campaign_id
          where x.tenant_id = r.tenant_id and x.run_id = r.id and c.delivery = 'one_to_one' and x.status = 'task_created') as final
      from campaign_runs r where r.tenant_id = ${tenantId}::uuid and r.status = 'sent'
      order by r.planned_for`.execute(trx)
  ).rows;
}

/** Holds the run back until `at` (quiet hours). */
export async function deferRun(trx: Tx, tenantId: TenantId, runId: string, at: Date): Promise<void> {
  await sql`update campaign_runs set send_after = ${at} where tenant_id = ${tenantId}::uuid and id = ${runId}::uuid`.execute(trx);
}

/** Tenants with campaign work at `now` (the tick's sweep, on the owner connection through withSystem). */
export async function tenantsWithCampaignWork(db: DB, now: Date): Promise<string[]> {
  return (
    await sql<{ tenant_id: string }>`select tenant_id from campaigns where status in ('scheduled', 'running') and next_run_at <= ${now}
      union select tenant_id from campaign_runs where status in ('planning', 'sending', 'sent')`.execute(db)
  ).rows.map((r) => r.tenant_id);
}
