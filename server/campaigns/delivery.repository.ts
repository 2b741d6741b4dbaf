/**
 * Campaign delivery in SQL, set-based: a run's audience snapshot with its holdout, the sender of each recipient,
 * the chunks of at most 10,000 recipients per sender, and the outbox rows that make task creation crash-safe.
 */
import { sql } from 'kysely';
import type { OutboxState } from '../../db/schema/campaigns';
import type { TenantId, Tx } from '../tenancy/context';

/**
 * A uniform draw in [0, 1) in SQL: the first 48 bits of sha256(prefix || customer id) as a fraction, the same
 * number as `unitHash(prefix + id)` in holdout.ts (tested against it).
 */
export function unitHashSql(prefix: string, customerRef: string) {
  return sql<number>`(('x' || substr(encode(sha256(convert_to(${prefix}::text || ${sql.ref(customerRef)}::text, 'UTF8')), 'hex'), 1, 12))::bit(48)::bigint::float8 / 281474976710656.0)`;
}

/** The campaign holdout draw: `unitHash('holdout:<campaign>:<customer>')`. */
export function holdoutDrawSql(campaignId: string, customerRef: string) {
  return unitHashSql(`holdout:${campaignId}:`, customerRef);
}

/** The tenant-wide control group draw: `unitHash('control:<tenant>:<customer>')` (inGlobalControl with the tenant id as salt). */
export function controlDrawSql(tenantId: string, customerRef: string) {
  return unitHashSql(`control:${tenantId}:`, customerRef);
}

/**
 * Runs `fn` with nested-loop joins off, then on again. A run's recipient rows are new to the table's statistics, so
 * the planner takes the run (or a chunk of it) for a row or two and loops over the other side once per row: rows ×
 * rows comparisons for a statement that matches a run's rows with a set of its own (a page of send results, the
 * run's own numbering). Hash or merge joins cost rows + rows whatever the statistics say.
 */
export async function withoutNestedLoops<T>(trx: Tx, fn: () => Promise<T>): Promise<T> {
  await sql`set local enable_nestloop = off`.execute(trx);
  try {
    return await fn();
  } finally {
    await sql`set local enable_nestloop = on`.execute(trx);
  }
}

/** Snapshots a run's audience (ids from `audience`, a query of `id`), each customer in the target or the holdout. */
export async function snapshotRecipients(trx: Tx, tenantId: TenantId, runId: string, campaignId: string, holdoutPct: number, audience: ReturnType<typeof sql<{ id: string }>>): Promise<number> {
  const r = await sql`insert into campaign_recipients (tenant_id, run_id, customer_id, arm, status)
    select ${tenantId}::uuid, ${runId}::uuid, a.id,
      case when ${holdoutPct}::float8 > 0 and ${holdoutDrawSql(campaignId, 'a.id')} < ${holdoutPct}::float8 / 100 then 'holdout' else 'target' end,
      case when ${holdoutPct}::float8 > 0 and ${holdoutDrawSql(campaignId, 'a.id')} < ${holdoutPct}::float8 / 100 then 'held_out' else 'planned' end
    from (select distinct id from (${audience}) q) a
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/**
 * For recipients snapshotted without senders (snapshotRecipients; a run's planning assigns them in its own
 * statement, planning.repository.ts, and then this touches nothing):
 * picks one sender per target recipient among the clerks who serve them now: the clerk of their latest paid
 * order if that clerk still serves them, else the earliest relation. Recipients no active clerk serves are
 * excluded ('no_relation'), as are those without a WeCom external id ('no_wecom_id').
 * A holdout customer gets the clerk who would have sent (by the same rule) and nothing else: no task is ever
 * planned for the holdout, but the report compares each store and clerk with their own holdout.
 */
export async function assignSenders(trx: Tx, tenantId: TenantId, runId: string): Promise<void> {
  if (await runHas(trx, tenantId, runId, sql`arm in ('target', 'holdout') and excluded is null and sender_staff_id is null`)) await withoutNestedLoops(trx, () => assignSendersSql(tenantId, runId).execute(trx));
}

/** Whether any recipient row of the run matches `where` (a planned run skips the passes it no longer needs). */
async function runHas(trx: Tx, tenantId: TenantId, runId: string, where: ReturnType<typeof sql>): Promise<boolean> {
  const r = await sql<{ yes: boolean }>`select exists (select 1 from campaign_recipients where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and ${where}) as yes`.execute(trx);
  return r.rows[0]!.yes;
}

function assignSendersSql(tenantId: TenantId, runId: string) {
  return sql`with pick as (
      select distinct on (r.customer_id) r.customer_id, f.staff_id
      from campaign_recipients r
      join customer_follows f on f.tenant_id = r.tenant_id and f.customer_id = r.customer_id and f.ended_at is null
      join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id and s.active and s.wecom_userid is not null
      left join lateral (
        select o.clerk_id from orders o where o.tenant_id = r.tenant_id and o.customer_id = r.customer_id and not o.is_refund
        order by o.paid_at desc limit 1) lo on true
      where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.arm in ('target', 'holdout') and r.excluded is null and r.sender_staff_id is null
      order by r.customer_id, (f.staff_id = lo.clerk_id) desc nulls last, f.added_at asc nulls last, f.staff_id
    ), eid as (
      select i.customer_id, min(i.value) as value from customer_identities i
      where i.tenant_id = ${tenantId}::uuid and i.kind = 'external_userid'
        and i.customer_id in (select customer_id from pick)
      group by i.customer_id
    )
    update campaign_recipients r set
      sender_staff_id = pick.staff_id,
      external_userid = case when r.arm = 'target' then eid.value end,
      excluded = case when r.arm = 'holdout' then null when pick.staff_id is null then 'no_relation' when eid.value is null then 'no_wecom_id' end,
      status = case when r.arm = 'target' and (pick.staff_id is null or eid.value is null) then 'excluded' else r.status end
    from campaign_recipients r2
    left join pick on pick.customer_id = r2.customer_id
    left join eid on eid.customer_id = r2.customer_id
    where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.arm in ('target', 'holdout') and r.excluded is null and r.sender_staff_id is null
      and r2.tenant_id = r.tenant_id and r2.run_id = r.run_id and r2.customer_id = r.customer_id`;
}

/**
 * Numbers each sender's recipients into chunks of at most `chunkSize` (a run planned with its chunks skips this) and
 * returns the chunks: sender, chunk and recipients, in one scan of the run's targets.
 */
export async function numberChunks(trx: Tx, tenantId: TenantId, runId: string, chunkSize: number): Promise<PlannedChunk[]> {
  if (await runHas(trx, tenantId, runId, sql`arm = 'target' and excluded is null and chunk is null`)) await withoutNestedLoops(trx, () => numberChunksSql(tenantId, runId, chunkSize).execute(trx));
  return (
    await sql<PlannedChunk>`select sender_staff_id as staff_id, chunk, count(*)::int as recipients from campaign_recipients
      where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and arm = 'target' and excluded is null
      group by sender_staff_id, chunk`.execute(trx)
  ).rows;
}

export interface PlannedChunk {
  staff_id: string;
  chunk: number;
  recipients: number;
}

function numberChunksSql(tenantId: TenantId, runId: string, chunkSize: number) {
  return sql`update campaign_recipients r set chunk = n.chunk
    from (select customer_id, ((row_number() over (partition by sender_staff_id order by customer_id)) - 1) / ${chunkSize}::int as chunk
          from campaign_recipients where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and arm = 'target' and excluded is null) n
    where r.tenant_id = ${tenantId}::uuid and r.run_id = ${runId}::uuid and r.customer_id = n.customer_id and r.chunk is null`;
}

/** One pending outbox row per chunk, with the hash of the text its sender will send. Idempotent: a re-plan keeps existing rows. */
export async function insertOutboxRows(trx: Tx, tenantId: TenantId, runId: string, chunks: PlannedChunk[], textHashes: { staffId: string; sha256: string }[]): Promise<number> {
  if (chunks.length === 0) return 0;
  const hashOf = new Map(textHashes.map((t) => [t.staffId, t.sha256]));
  const r = await sql`insert into campaign_outbox (tenant_id, run_id, sender_staff_id, chunk, recipients, text_sha256)
    select ${tenantId}::uuid, ${runId}::uuid, c.staff_id, c.chunk, c.recipients, c.sha256
    from unnest(${chunks.map((c) => c.staff_id)}::uuid[], ${chunks.map((c) => c.chunk)}::int[], ${chunks.map((c) => c.recipients)}::int[],
      ${chunks.map((c) => hashOf.get(c.staff_id) ?? null)}::text[]) as c(staff_id, chunk, recipients, sha256)
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Clerks with what their per-clerk variables need (the text each of them sends). */
export async function clerkTextFields(trx: Tx, tenantId: TenantId, staffIds: string[]) {
  return (
    await sql<{ staff_id: string; name: string; wecom_userid: string; store_name: string | null; store_address: string | null }>`
      select s.id as staff_id, s.name, s.wecom_userid, st.name as store_name, st.address as store_address
      from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
      where s.tenant_id = ${tenantId}::uuid and s.id = any(${staffIds}::uuid[])
      order by s.id`.execute(trx)
  ).rows;
}

/** The clerks a run's outbox sends through (customer and group-chat tasks): a few hundred rows, not the recipients. */
export async function outboxSenders(trx: Tx, tenantId: TenantId, runId: string): Promise<string[]> {
  const r = await sql<{ staff_id: string }>`select distinct sender_staff_id as staff_id from campaign_outbox where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid`.execute(trx);
  return r.rows.map((x) => x.staff_id);
}

export interface OutboxRow {
  sender_staff_id: string;
  chunk: number;
  state: OutboxState;
  recipients: number;
  text_sha256: string;
  attempts: number;
  called_at: Date | null;
  wecom_userid: string;
  chat_type: 'single' | 'group';
}

/** Outbox rows of a run that are not done yet, with the sender's WeCom userid. */
export async function openOutbox(trx: Tx, tenantId: TenantId, runId: string): Promise<OutboxRow[]> {
  return (
    await sql<OutboxRow>`select o.sender_staff_id, o.chunk, o.state, o.recipients, o.text_sha256, o.attempts, o.called_at, s.wecom_userid, o.chat_type
      from campaign_outbox o join staff s on s.tenant_id = o.tenant_id and s.id = o.sender_staff_id
      where o.tenant_id = ${tenantId}::uuid and o.run_id = ${runId}::uuid and o.state in ('pending','calling')
      order by o.sender_staff_id, o.chunk`.execute(trx)
  ).rows;
}

export async function chunkExternalUserids(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number): Promise<string[]> {
  return (
    await sql<{ external_userid: string }>`select external_userid from campaign_recipients
      where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}
        and arm = 'target' and excluded is null order by customer_id`.execute(trx)
  ).rows.map((r) => r.external_userid);
}

/** Before the WeCom call, committed on its own: from here on a crash leaves the row 'calling', to be reconciled. */
/** False when the row is no longer open (its run was cancelled): then no call may be made. */
export async function markCalling(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number): Promise<boolean> {
  const r = await sql`update campaign_outbox set state = 'calling', attempts = attempts + 1, called_at = now(), error = null
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}
      and state in ('pending', 'calling')`.execute(trx);
  return Number(r.numAffectedRows ?? 0) === 1;
}

/**
 * After the call (or a reconciliation): the msgid on the outbox row, and the recipients WeCom refused (fail_list)
 * as 'invalid'. The others keep 'planned': a mass task is recorded on its chunk's outbox row, not on each of its up
 * to 10,000 recipients (that was most of the time of creating a large run's tasks), and a 'planned' target in a
 * chunk whose task exists reads 'task_created' in the view campaign_recipient_states until its send result arrives.
 */
export async function completeOutbox(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, done: { msgid: string; failList: string[]; reconciled: boolean }): Promise<void> {
  await sql`update campaign_outbox set state = 'done', msgid = ${done.msgid || null}, fail_count = ${done.failList.length}, reconciled = ${done.reconciled}, completed_at = now()
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}`.execute(trx);
  if (done.failList.length === 0) return;
  await sql`update campaign_recipients set status = 'invalid'
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}
      and arm = 'target' and excluded is null and status = 'planned' and external_userid = any(${done.failList}::text[])`.execute(trx);
}

export async function failOutbox(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, error: string): Promise<void> {
  await sql`update campaign_outbox set state = 'failed', error = ${error}, completed_at = now()
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk}`.execute(trx);
}

/** msgids this tenant's outbox already holds: a reconciliation never adopts one twice. */
export async function knownMsgids(trx: Tx, tenantId: TenantId, msgids: string[]): Promise<Set<string>> {
  if (msgids.length === 0) return new Set();
  const r = await sql<{ msgid: string }>`select msgid from campaign_outbox where tenant_id = ${tenantId}::uuid and msgid = any(${msgids}::text[])`.execute(trx);
  return new Set(r.rows.map((x) => x.msgid));
}
