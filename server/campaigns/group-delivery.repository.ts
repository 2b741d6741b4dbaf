/**
 * A run's second target in SQL (issue #15 point 3): the clerks' customer group chats. Each owner clerk's live
 * chats are numbered into chunks of at most 2,000 (WeCom's chat_id_list limit) — negative chunk numbers, so group
 * tasks sit in the same crash-safe outbox as customer tasks without clashing with their (run, clerk, chunk) key —
 * with one `campaign_group_targets` row per chat carrying its send state.
 */
import { sql } from 'kysely';
import type { TenantId, Tx } from '../tenancy/context';

/**
 * Snapshots the live group chats owned by the run's senders (every active clerk with a WeCom id when
 * `allClerks`), chunked per owner. Idempotent: a re-plan keeps the rows it has.
 */
export async function snapshotGroupTargets(trx: Tx, tenantId: TenantId, runId: string, chunkSize: number, allClerks: boolean): Promise<number> {
  const t = sql`${tenantId}::uuid`;
  const owners = allClerks
    ? sql`select s.id from staff s where s.tenant_id = ${t} and s.active and s.wecom_userid is not null`
    : sql`select distinct sender_staff_id from campaign_recipients where tenant_id = ${t} and run_id = ${runId}::uuid and arm = 'target' and excluded is null and sender_staff_id is not null`;
  const r = await sql`insert into campaign_group_targets (tenant_id, run_id, chat_id, sender_staff_id, chunk)
    select ${t}, ${runId}::uuid, g.chat_id, g.owner_staff_id, -1 - ((row_number() over (partition by g.owner_staff_id order by g.chat_id)) - 1) / ${chunkSize}::int
    from wecom_group_chats g
    join staff s on s.tenant_id = g.tenant_id and s.id = g.owner_staff_id and s.active and s.wecom_userid is not null
    where g.tenant_id = ${t} and g.dismissed_at is null and g.status = 0 and g.owner_staff_id in (${owners})
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** One pending outbox row (chat_type 'group') per owner and chunk, with the hash of the text that owner sends. */
export async function planGroupOutbox(trx: Tx, tenantId: TenantId, runId: string, textHashes: { staffId: string; sha256: string }[]): Promise<number> {
  if (textHashes.length === 0) return 0;
  const hashes = sql.join(textHashes.map((x) => sql`(${x.staffId}::uuid, ${x.sha256}::text)`));
  const r = await sql`insert into campaign_outbox (tenant_id, run_id, sender_staff_id, chunk, recipients, text_sha256, chat_type)
    select ${tenantId}::uuid, ${runId}::uuid, g.sender_staff_id, g.chunk, count(*)::int, h.sha256, 'group'
    from campaign_group_targets g join (values ${hashes}) h(staff_id, sha256) on h.staff_id = g.sender_staff_id
    where g.tenant_id = ${tenantId}::uuid and g.run_id = ${runId}::uuid
    group by g.sender_staff_id, g.chunk, h.sha256
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** The owners of a run's group targets, with what their per-clerk variables need. */
export async function groupOwners(trx: Tx, tenantId: TenantId, runId: string) {
  return (
    await sql<{ staff_id: string; name: string; store_name: string | null; store_address: string | null }>`
      select s.id as staff_id, s.name, st.name as store_name, st.address as store_address
      from staff s left join stores st on st.tenant_id = s.tenant_id and st.id = s.store_id
      where s.tenant_id = ${tenantId}::uuid and s.id in (select distinct sender_staff_id from campaign_group_targets where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid)
      order by s.id`.execute(trx)
  ).rows;
}

export async function chunkChatIds(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number): Promise<string[]> {
  return (
    await sql<{ chat_id: string }>`select chat_id from campaign_group_targets
      where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk} order by chat_id`.execute(trx)
  ).rows.map((r) => r.chat_id);
}

/** After the call: the chunk's chats as task created, or invalid when WeCom listed them in fail_list. */
export async function completeGroupChunk(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, failList: string[]): Promise<void> {
  await sql`update campaign_group_targets set status = case when chat_id = any(${failList}::text[]) then 'invalid' else 'task_created' end
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk} and status = 'planned'`.execute(trx);
}

/** One page of send results onto the chunk's chats: 1 sent (with its time), 2 dismissed, 3 receive cap reached. */
export async function applyGroupSendResults(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number, page: { chatIds: string[]; statuses: number[]; sendTimes: (number | null)[] }): Promise<number> {
  if (page.chatIds.length === 0) return 0;
  const r = await sql`update campaign_group_targets g set
      status = case p.status when 1 then 'sent' when 2 then 'not_friend' else 'cap_reached' end,
      sent_at = case when p.status = 1 then to_timestamp(p.send_time) end
    from unnest(${page.chatIds}::text[], ${page.statuses}::int[], ${page.sendTimes}::bigint[]) as p(chat_id, status, send_time)
    where g.tenant_id = ${tenantId}::uuid and g.run_id = ${runId}::uuid and g.sender_staff_id = ${staffId}::uuid and g.chunk = ${chunk}
      and g.chat_id = p.chat_id and p.status in (1, 2, 3) and g.status in ('task_created', 'sent', 'not_friend', 'cap_reached')
      and (g.status, g.sent_at) is distinct from (case p.status when 1 then 'sent' when 2 then 'not_friend' else 'cap_reached' end, case when p.status = 1 then to_timestamp(p.send_time) end)`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** A cancelled group task: its chats not sent yet become 'unsent'. */
export async function cancelGroupChunk(trx: Tx, tenantId: TenantId, runId: string, staffId: string, chunk: number): Promise<number> {
  const r = await sql`update campaign_group_targets set status = 'unsent'
    where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid and sender_staff_id = ${staffId}::uuid and chunk = ${chunk} and status = 'task_created'`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** A run's group chats and the group tasks they make (one per owner clerk and chunk): the dry run's second target. */
export async function groupTargetCounts(trx: Tx, tenantId: TenantId, runId: string): Promise<{ chats: number; tasks: number }> {
  const r = await sql<{ chats: number; tasks: number }>`select count(*)::int as chats, count(distinct (sender_staff_id, chunk))::int as tasks
    from campaign_group_targets where tenant_id = ${tenantId}::uuid and run_id = ${runId}::uuid`.execute(trx);
  return r.rows[0] ?? { chats: 0, tasks: 0 };
}
