/** Enterprise moments (客户朋友圈): `wecom_moments`, `wecom_moment_clerks`, `wecom_moment_reach`. All SQL here. */
import { sql } from 'kysely';
import { jsonb } from '../lib/sql';
import type { TenantId, Tx } from '../tenancy/context';
import type { MomentAttachment } from './types';

export type MomentStatus = 'creating' | 'active' | 'cancelled' | 'failed';

export interface MomentRow {
  id: string;
  text: string;
  attachments: MomentAttachment[];
  sender_userids: string[];
  wecom_tag_ids: string[];
  jobid: string | null;
  moment_id: string | null;
  status: MomentStatus;
  created_at: Date;
}

export async function insertMoment(
  trx: Tx,
  tenantId: TenantId,
  m: { text: string; attachments: MomentAttachment[]; senders: string[]; tagIds: string[]; wecomTagIds: string[]; label: string },
): Promise<string> {
  const r = await sql<{ id: string }>`insert into wecom_moments (tenant_id, text, attachments, sender_userids, tag_ids, wecom_tag_ids, created_by_label)
    values (${tenantId}::uuid, ${m.text}, ${jsonb(m.attachments)}, ${m.senders}::text[], ${m.tagIds}::uuid[], ${m.wecomTagIds}::text[], ${m.label}) returning id`.execute(trx);
  return r.rows[0]!.id;
}

export async function getMoment(trx: Tx, tenantId: TenantId, id: string): Promise<MomentRow | undefined> {
  const r = await sql<MomentRow>`select id, text, attachments, sender_userids, wecom_tag_ids, jobid, moment_id, status, created_at from wecom_moments
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
  return r.rows[0];
}

export async function setMomentJob(trx: Tx, tenantId: TenantId, id: string, jobid: string): Promise<void> {
  await sql`update wecom_moments set jobid = ${jobid}, updated_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

export async function setMomentStatus(trx: Tx, tenantId: TenantId, id: string, status: MomentStatus, error: string | null = null): Promise<void> {
  await sql`update wecom_moments set status = ${status}, error = ${error}, updated_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

/** The finished WeCom job: moment_id and what it could not use; the valid senders become the clerks' tasks. */
export async function activateMoment(trx: Tx, tenantId: TenantId, id: string, r: { momentId: string; invalidSenders: string[]; invalidTags: string[] }): Promise<void> {
  await sql`update wecom_moments set status = 'active', moment_id = ${r.momentId}, invalid_senders = ${r.invalidSenders}::text[], invalid_tags = ${r.invalidTags}::text[], updated_at = now()
    where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

/** Clerks' publish state and interactions (from get_moment_task and get_moment_comments). */
export async function upsertMomentClerks(trx: Tx, tenantId: TenantId, id: string, rows: { userid: string; posted: boolean; likes: number; comments: number }[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`insert into wecom_moment_clerks (tenant_id, moment_id, userid, staff_id, posted, posted_seen_at, likes, comments)
    select ${tenantId}::uuid, ${id}::uuid, x.userid, s.id, x.posted = 1, case when x.posted = 1 then now() end, x.likes, x.comments
    from unnest(${rows.map((r) => r.userid)}::text[], ${rows.map((r) => (r.posted ? 1 : 0))}::int[], ${rows.map((r) => r.likes)}::int[], ${rows.map((r) => r.comments)}::int[]) as x(userid, posted, likes, comments)
    left join staff s on s.tenant_id = ${tenantId}::uuid and s.wecom_userid = x.userid
    on conflict (tenant_id, moment_id, userid) do update set posted = excluded.posted, likes = excluded.likes, comments = excluded.comments,
      posted_seen_at = coalesce(wecom_moment_clerks.posted_seen_at, excluded.posted_seen_at)`.execute(trx);
}

/** One clerk's customers in range, and which of them were shown the post. */
export async function upsertMomentReach(trx: Tx, tenantId: TenantId, id: string, userid: string, inRange: string[], shown: string[]): Promise<void> {
  if (inRange.length === 0 && shown.length === 0) return;
  const all = [...new Set([...inRange, ...shown])];
  const shownSet = new Set(shown);
  await sql`insert into wecom_moment_reach (tenant_id, moment_id, userid, external_userid, customer_id, shown)
    select ${tenantId}::uuid, ${id}::uuid, ${userid}, x.eid, ci.customer_id, x.shown = 1
    from unnest(${all}::text[], ${all.map((e) => (shownSet.has(e) ? 1 : 0))}::int[]) as x(eid, shown)
    left join customer_identities ci on ci.tenant_id = ${tenantId}::uuid and ci.kind = 'external_userid' and ci.value = x.eid
    on conflict (tenant_id, moment_id, userid, external_userid) do update set shown = excluded.shown or wecom_moment_reach.shown, customer_id = excluded.customer_id`.execute(trx);
  await sql`update wecom_moments set synced_at = now() where tenant_id = ${tenantId}::uuid and id = ${id}::uuid`.execute(trx);
}

export interface MomentReportRow {
  id: string;
  text: string;
  status: MomentStatus;
  created_at: Date;
  created_by_label: string;
  error: string | null;
  invalid_senders: string[];
  invalid_tags: string[];
  clerks: number;
  posted: number;
  likes: number;
  comments: number;
  reached: number;
  /** Orders (paid, not refunded) within 7 days of the post by customers it reached. */
  orders_7d: number;
  reached_buyers_7d: number;
  /** The like-for-like group: customers in range of the same clerks and tags whom it did not reach. */
  unreached: number;
  unreached_buyers_7d: number;
}

export async function momentReport(trx: Tx, tenantId: TenantId, limit = 100): Promise<MomentReportRow[]> {
  const r = await sql<MomentReportRow>`
    with reach as (
      select r.moment_id, r.customer_id, bool_or(r.shown) as shown from wecom_moment_reach r
      where r.tenant_id = ${tenantId}::uuid and r.customer_id is not null group by r.moment_id, r.customer_id),
    bought as (
      select reach.moment_id, reach.customer_id, reach.shown, count(o.id) as orders from reach
      join wecom_moments m on m.tenant_id = ${tenantId}::uuid and m.id = reach.moment_id
      left join orders o on o.tenant_id = m.tenant_id and o.customer_id = reach.customer_id and not o.is_refund
        and o.paid_at >= m.created_at and o.paid_at < m.created_at + interval '7 days'
      group by reach.moment_id, reach.customer_id, reach.shown)
    select m.id, m.text, m.status, m.created_at, m.created_by_label, m.error, m.invalid_senders, m.invalid_tags,
      (select count(*)::int from wecom_moment_clerks c where c.tenant_id = m.tenant_id and c.moment_id = m.id) as clerks,
      (select count(*)::int from wecom_moment_clerks c where c.tenant_id = m.tenant_id and c.moment_id = m.id and c.posted) as posted,
      (select coalesce(sum(likes), 0)::int from wecom_moment_clerks c where c.tenant_id = m.tenant_id and c.moment_id = m.id) as likes,
      (select coalesce(sum(comments), 0)::int from wecom_moment_clerks c where c.tenant_id = m.tenant_id and c.moment_id = m.id) as comments,
      count(b.customer_id) filter (where b.shown)::int as reached,
      coalesce(sum(b.orders) filter (where b.shown), 0)::int as orders_7d,
      count(b.customer_id) filter (where b.shown and b.orders > 0)::int as reached_buyers_7d,
      count(b.customer_id) filter (where not b.shown)::int as unreached,
      count(b.customer_id) filter (where not b.shown and b.orders > 0)::int as unreached_buyers_7d
    from wecom_moments m left join bought b on b.moment_id = m.id
    where m.tenant_id = ${tenantId}::uuid
    group by m.tenant_id, m.id
    order by m.created_at desc limit ${limit}`.execute(trx);
  return r.rows;
}

/** A clerk's moments still to post (their workspace task list). */
export async function pendingMomentTasks(trx: Tx, tenantId: TenantId, staffId: string): Promise<{ id: string; text: string; created_at: Date }[]> {
  const r = await sql<{ id: string; text: string; created_at: Date }>`select m.id, m.text, m.created_at from wecom_moment_clerks c
    join wecom_moments m on m.tenant_id = c.tenant_id and m.id = c.moment_id
    where c.tenant_id = ${tenantId}::uuid and c.staff_id = ${staffId}::uuid and not c.posted and m.status = 'active'
    order by m.created_at desc limit 20`.execute(trx);
  return r.rows;
}
