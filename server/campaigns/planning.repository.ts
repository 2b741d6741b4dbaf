/**
 * A run's audience with every guardrail applied, in one set-based statement (issue #15 point 5). Each customer of
 * the audience gets the first reason that excludes them (EXCLUSION_REASONS, in that order), and those none
 * excludes are split deterministically into the campaign's holdout and the target. The same statement serves the
 * real run (inserted as campaign_recipients) and the dry run (inside a savepoint that is rolled back).
 *
 * The ledger of campaign messages counts, per customer, every message of another run that was sent or whose task
 * is waiting for its clerk, as the view campaign_recipient_states tells them (a 1:1 task counts like a mass one; only
 * mass messages count towards WeCom's receive cap). A message's time is when it was sent, else when its run started,
 * else when it was planned.
 */
import { sql, type RawBuilder } from 'kysely';
import type { ReceiveCapRule } from '../../app/lib/contracts/campaign';
import type { TenantId, Tx } from '../tenancy/context';
import { controlDrawSql, holdoutDrawSql } from './delivery.repository';

/** Audience rows: every customer id once (the planning statement relies on it), and whether an exclusion segment holds them. */
export type AudienceQuery = RawBuilder<{ id: string; in_exclusion: boolean }>;

export interface PlanParams {
  runId: string;
  campaignId: string;
  delivery: 'mass' | 'one_to_one';
  priority: number;
  holdoutPct: number;
  controlPct: number;
  /** When the run sends. */
  at: Date;
  timeZone: string;
  frequency: { max: number; from: Date };
  /** WeCom's receive-cap period containing `at` and how many mass messages it allows. */
  receiveCap: { rule: ReceiveCapRule; from: Date; to: Date; allowed: number };
}

/** The ledger of campaign messages of other runs (see the module comment). */
function ledgerSql(tenantId: TenantId, p: PlanParams) {
  return sql`select rr.customer_id,
      count(*) filter (where t.at > ${p.frequency.from} and t.at <= ${p.at})::int as recent,
      count(*) filter (where c2.delivery = 'mass' and t.at >= ${p.receiveCap.from} and t.at < ${p.receiveCap.to})::int as mass_in_period
    from campaign_recipient_states rr
    join campaign_runs r2 on r2.tenant_id = rr.tenant_id and r2.id = rr.run_id
    join campaigns c2 on c2.tenant_id = r2.tenant_id and c2.id = r2.campaign_id
    cross join lateral (select coalesce(rr.sent_at, r2.started_at, r2.planned_for) as at) t
    where rr.tenant_id = ${tenantId}::uuid and rr.run_id <> ${p.runId}::uuid and rr.arm = 'target' and rr.excluded is null
      and rr.status in ('task_created', 'sent') and r2.status <> 'cancelled'
      and t.at > least(${p.frequency.from}::timestamptz, ${p.receiveCap.from}::timestamptz)
    group by rr.customer_id`;
}

/**
 * The customers a higher-priority campaign has on the same local day: in a run already planned, or (not yet
 * planned) in its segment's current members with its next run that day. Equal priorities do not exclude each
 * other; the frequency cap then decides who was first. A set (bounded by the other campaigns' audiences), joined
 * once, not probed per customer.
 */
function overlapSql(tenantId: TenantId, p: PlanParams) {
  const day = (t: RawBuilder<unknown>) => sql`(${t} at time zone ${p.timeZone})::date`;
  const runDay = day(sql`${p.at}::timestamptz`);
  return sql`select o.customer_id from campaign_recipients o
      join campaign_runs r3 on r3.tenant_id = o.tenant_id and r3.id = o.run_id
      join campaigns c3 on c3.tenant_id = r3.tenant_id and c3.id = r3.campaign_id
      where o.tenant_id = ${tenantId}::uuid and o.arm = 'target' and o.excluded is null
        and c3.id <> ${p.campaignId}::uuid and c3.priority > ${p.priority} and r3.status <> 'cancelled'
        and ${day(sql`coalesce(r3.send_after, r3.planned_for)`)} = ${runDay}
    union
    select m.customer_id from campaigns c4 join segment_members m on m.tenant_id = c4.tenant_id and m.segment_id = (c4.audience->>'segment_id')::uuid
      where c4.tenant_id = ${tenantId}::uuid and c4.id <> ${p.campaignId}::uuid
        and c4.status in ('scheduled', 'running') and c4.priority > ${p.priority}
        and c4.next_run_at is not null and ${day(sql`c4.next_run_at`)} = ${runDay}`;
}

/**
 * Each audience customer's sender among the clerks who serve them now (an open relation with an active clerk who
 * has a WeCom userid): the clerk of their latest paid order if that clerk still serves them, else the earliest
 * relation. The latest order is only looked up for customers with more than one such clerk.
 */
function senderSql(tenantId: TenantId) {
  return sql`select distinct on (f.customer_id) f.customer_id, f.staff_id
    from (select f.customer_id, f.staff_id, f.added_at, count(*) over (partition by f.customer_id) as clerks
          from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id and s.active and s.wecom_userid is not null
          join aud on aud.id = f.customer_id
          where f.tenant_id = ${tenantId}::uuid and f.ended_at is null) f
    left join lateral (
      select o.clerk_id from orders o where f.clerks > 1 and o.tenant_id = ${tenantId}::uuid and o.customer_id = f.customer_id and not o.is_refund
      order by o.paid_at desc limit 1) lo on true
    order by f.customer_id, (f.staff_id = lo.clerk_id) desc nulls last, f.added_at asc nulls last, f.staff_id`;
}

/**
 * The planned audience as (customer_id, arm, excluded, status, sender, external_userid, chunk) rows. A recipient
 * nothing excludes (target or holdout) gets the clerk who sends to them; a target also its external_userid and,
 * with `chunkSize` (mass delivery), its chunk: the sender's targets numbered by customer id, `chunkSize` a chunk.
 * Every lookup is a set joined once (hash joins), so planning costs a few scans, not probes per customer.
 */
function plannedSql(tenantId: TenantId, p: PlanParams, audience: AudienceQuery, chunkSize: number | null) {
  const reason = sql<string | null>`case
      when a.in_exclusion then 'exclusion_segment'
      when cu.marketing_opt_out then 'opt_out'
      when ${p.controlPct}::float8 > 0 and ${controlDrawSql(tenantId, 'a.id')} < ${p.controlPct}::float8 / 100 then 'control'
      when pick.staff_id is null then 'no_relation'
      when eid.value is null then 'no_wecom_id'
      when ov.customer_id is not null then 'overlap'
      when coalesce(l.recent, 0) >= ${p.frequency.max} then 'frequency_cap'
      when ${p.delivery === 'mass'} and coalesce(l.mass_in_period, 0) >= ${p.receiveCap.allowed} then 'receive_cap'
    end`;
  // No holdout: no draw (a hash per recipient).
  const inHoldout = p.holdoutPct > 0 ? sql`${holdoutDrawSql(p.campaignId, 'id')} < ${p.holdoutPct}::float8 / 100` : sql`false`;
  const arm = sql<string>`case when reason = 'control' then 'control' when reason is null and ${inHoldout} then 'holdout' else 'target' end`;
  const chunk = chunkSize === null ? sql`null::int` : sql`case when x.arm = 'target' and x.reason is null
      then ((row_number() over (partition by x.staff_id, x.arm = 'target' and x.reason is null order by x.id)) - 1) / ${chunkSize}::int end`;
  return sql<{ customer_id: string; arm: string; excluded: string | null; status: string; sender_staff_id: string | null; external_userid: string | null; chunk: number | null }>`
    with aud as materialized (${audience}),
    ledger as materialized (${ledgerSql(tenantId, p)}),
    pick as materialized (${senderSql(tenantId)}),
    eid as materialized (select i.customer_id, min(i.value) as value from customer_identities i join aud on aud.id = i.customer_id
      where i.tenant_id = ${tenantId}::uuid and i.kind = 'external_userid' group by i.customer_id),
    ov as materialized (${overlapSql(tenantId, p)}),
    reasons as (
      select a.id, ${reason} as reason, pick.staff_id, eid.value as external_userid from aud a
      join customers cu on cu.tenant_id = ${tenantId}::uuid and cu.id = a.id and cu.merged_into is null
      left join ledger l on l.customer_id = a.id
      left join pick on pick.customer_id = a.id
      left join eid on eid.customer_id = a.id
      left join (select distinct customer_id from ov) ov on ov.customer_id = a.id),
    x as (select id, reason, staff_id, external_userid, ${arm} as arm from reasons)
    select x.id as customer_id, x.arm, x.reason as excluded,
      case when x.reason = 'control' then 'held_out' when x.reason is not null then 'excluded' when x.arm = 'holdout' then 'held_out' else 'planned' end as status,
      case when x.reason is null then x.staff_id end as sender_staff_id,
      case when x.reason is null and x.arm = 'target' then x.external_userid end as external_userid,
      ${chunk} as chunk
    from x`;
}

/**
 * Writes the run's recipients with their senders (and chunks, for mass delivery) in one statement. Called once per
 * run: in the transaction that moves the locked run from 'planning' to 'sending' (or a dry run's throwaway run), so
 * no row of the run can exist yet — a plain insert, without ON CONFLICT's speculative insertion per row. Rows go in
 * by customer id, so the primary key and the by-customer index are filled in order rather than at random places;
 * the statement's sorts and hashes (a few hundred thousand rows for a large audience) get the memory to stay off
 * disk. Returns the rows written.
 */
export async function insertPlannedRecipients(trx: Tx, tenantId: TenantId, p: PlanParams, audience: AudienceQuery, chunkSize: number | null): Promise<number> {
  await sql`select set_config('work_mem', '128MB', true)`.execute(trx);
  const r = await sql`insert into campaign_recipients (tenant_id, run_id, customer_id, arm, excluded, status, sender_staff_id, external_userid, chunk)
    select ${tenantId}::uuid, ${p.runId}::uuid, x.customer_id, x.arm, x.excluded, x.status, x.sender_staff_id, x.external_userid, x.chunk
    from (${plannedSql(tenantId, p, audience, chunkSize)}) x
    order by x.customer_id`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** A run's recipients counted by outcome: audience, per exclusion reason, holdout, and targets. */
export async function plannedCounts(trx: Tx, tenantId: TenantId, runId: string): Promise<{ reason: string; n: number }[]> {
  return (
    await sql<{ reason: string; n: number }>`select coalesce(excluded, case when arm = 'holdout' then 'holdout' else 'target' end) as reason, count(*)::int as n
      from campaign_recipients where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid group by 1`.execute(trx)
  ).rows;
}

/** Target recipients per sender with the sender's store (the dry run's table). */
export async function recipientsBySender(trx: Tx, tenantId: TenantId, runId: string) {
  return (
    await sql<{ staff_id: string; name: string; store_id: string | null; store_name: string | null; recipients: number }>`
      select s.id as staff_id, s.name, st.id as store_id, st.name as store_name, count(*)::int as recipients
      from campaign_recipients r join staff s on s.tenant_id = r.tenant_id and s.id = r.sender_staff_id
      left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
      where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.arm = 'target' and r.excluded is null
      group by s.id, s.name, st.id, st.name
      order by st.name nulls last, s.name, s.id`.execute(trx)
  ).rows;
}

/** A throwaway run for a dry run (inside a savepoint that is rolled back): never visible to anyone else. */
export async function insertDryRun(trx: Tx, tenantId: TenantId, campaignId: string, at: Date): Promise<string> {
  const r = await sql<{ id: string }>`insert into campaign_runs (tenant_id, campaign_id, planned_for, send_after, status)
    values (${tenantId}::uuid, ${campaignId}::uuid, '-infinity', ${at}, 'planning') returning id`.execute(trx);
  return r.rows[0]!.id;
}

export async function savepoint(trx: Tx, name: string): Promise<void> {
  await sql`savepoint ${sql.id(name)}`.execute(trx);
}

export async function rollbackTo(trx: Tx, name: string): Promise<void> {
  await sql`rollback to savepoint ${sql.id(name)}`.execute(trx);
}
