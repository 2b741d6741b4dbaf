/**
 * Customer groups (客户群) in the database: chats and their members from groupchat/get, written set-based and
 * idempotently (rows change only when WeCom's values differ). Members who left keep their row with `left_at`;
 * a chat that is dismissed keeps its row with `dismissed_at`.
 */
import { sql } from 'kysely';
import { jsonb } from '../lib/sql';
import type { TenantId, Tx } from '../tenancy/context';
import type { GroupChat } from './types';


export interface GroupApplyResult {
  chatsChanged: number;
  membersChanged: number;
}

type ChatBatch = readonly { chat: GroupChat; status?: number }[];

/** Upserts the chats of a batch (owner linked to the clerk); returns how many rows changed. */
async function upsertGroupChats(trx: Tx, t: TenantId, chats: ChatBatch): Promise<number> {
  const chatRows = chats.map(({ chat, status }) => ({
    chat_id: chat.chat_id,
    name: chat.name,
    owner: chat.owner,
    notice: chat.notice ?? null,
    member_version: chat.member_version ?? null,
    status: status ?? 0,
    create_time: chat.create_time ?? null,
    member_count: chat.member_list.length,
    customer_count: chat.member_list.filter((m) => m.type === 2).length,
  }));
  const c = await sql<{ n: number }>`
    with c as (select * from jsonb_to_recordset(${jsonb(chatRows)}) as x(chat_id text, name text, owner text, notice text, member_version text, status int, create_time bigint, member_count int, customer_count int)),
    up as (
      insert into wecom_group_chats as g (tenant_id, chat_id, name, owner_userid, owner_staff_id, notice, member_version, status, member_count, customer_count, wecom_created_at, dismissed_at, synced_at, updated_at)
      select ${t}::uuid, c.chat_id, coalesce(c.name, ''), coalesce(c.owner, ''), s.id, nullif(c.notice, ''), c.member_version, c.status, c.member_count, c.customer_count,
        case when c.create_time is null then null else to_timestamp(c.create_time) end, null, now(), now()
      from c left join staff s on s.tenant_id = ${t}::uuid and s.wecom_userid = c.owner
      on conflict (tenant_id, chat_id) do update set
        name = excluded.name, owner_userid = excluded.owner_userid, owner_staff_id = excluded.owner_staff_id, notice = excluded.notice,
        member_version = excluded.member_version, status = excluded.status, member_count = excluded.member_count, customer_count = excluded.customer_count,
        wecom_created_at = excluded.wecom_created_at, dismissed_at = null, synced_at = now(), updated_at = now()
      where (g.name, g.owner_userid, g.owner_staff_id, g.notice, g.member_version, g.status, g.member_count, g.customer_count, g.wecom_created_at, g.dismissed_at)
        is distinct from (excluded.name, excluded.owner_userid, excluded.owner_staff_id, excluded.notice, excluded.member_version, excluded.status, excluded.member_count, excluded.customer_count, excluded.wecom_created_at, null::timestamptz)
      returning 1
    )
    select count(*)::int as n from up`.execute(trx);
  return c.rows[0]?.n ?? 0;
}

/**
 * Upserts the members of a batch's chats (linked to customers and clerks) and marks those no longer listed as
 * left; returns how many rows changed.
 */
async function upsertGroupMembers(trx: Tx, t: TenantId, chats: ChatBatch): Promise<number> {
  const memberRows = chats.flatMap(({ chat }) =>
    chat.member_list.map((m) => ({
      chat_id: chat.chat_id,
      member_id: m.userid,
      member_type: m.type,
      unionid: m.unionid ?? null,
      name: m.name ?? null,
      group_nickname: m.group_nickname || null,
      join_time: m.join_time ?? null,
      join_scene: m.join_scene ?? null,
      invitor: m.invitor?.userid ?? null,
      state: m.state ?? null,
    })),
  );
  const chatIds = chats.map((x) => x.chat.chat_id);
  const m = await sql<{ n: number }>`
    with m as (
      select distinct on (x.chat_id, x.member_id) x.* from jsonb_to_recordset(${jsonb(memberRows)}) as x(chat_id text, member_id text, member_type int, unionid text, name text, group_nickname text, join_time bigint, join_scene int, invitor text, state text)
      order by x.chat_id, x.member_id
    ),
    r as (
      select m.*, coalesce(ce.customer_id, cu.customer_id) as customer_id, s.id as staff_id
      from m
      -- primary-key probes (a lateral LIMIT cannot turn into a hash join over every identity of the tenant)
      left join lateral (select ci.customer_id from customer_identities ci
        where m.member_type = 2 and ci.tenant_id = ${t}::uuid and ci.kind = 'external_userid' and ci.value = m.member_id limit 1) ce on true
      left join lateral (select ci.customer_id from customer_identities ci
        where m.member_type = 2 and m.unionid is not null and ci.tenant_id = ${t}::uuid and ci.kind = 'unionid' and ci.value = m.unionid limit 1) cu on true
      left join lateral (select s.id from staff s where m.member_type = 1 and s.tenant_id = ${t}::uuid and s.wecom_userid = m.member_id limit 1) s on true
    ),
    up as (
      insert into wecom_group_members as gm (tenant_id, chat_id, member_id, member_type, customer_id, staff_id, unionid, name, group_nickname, join_time, join_scene, invitor_userid, state, left_at, updated_at)
      select ${t}::uuid, r.chat_id, r.member_id, r.member_type, r.customer_id, r.staff_id, r.unionid, r.name, r.group_nickname,
        case when r.join_time is null then null else to_timestamp(r.join_time) end, r.join_scene, r.invitor, r.state, null, now()
      from r
      on conflict (tenant_id, chat_id, member_id) do update set
        member_type = excluded.member_type, customer_id = excluded.customer_id, staff_id = excluded.staff_id, unionid = excluded.unionid, name = excluded.name,
        group_nickname = excluded.group_nickname, join_time = excluded.join_time, join_scene = excluded.join_scene, invitor_userid = excluded.invitor_userid,
        state = excluded.state, left_at = null, updated_at = now()
      where (gm.member_type, gm.customer_id, gm.staff_id, gm.unionid, gm.name, gm.group_nickname, gm.join_time, gm.join_scene, gm.invitor_userid, gm.state, gm.left_at)
        is distinct from (excluded.member_type, excluded.customer_id, excluded.staff_id, excluded.unionid, excluded.name, excluded.group_nickname, excluded.join_time, excluded.join_scene, excluded.invitor_userid, excluded.state, null::timestamptz)
      returning 1
    ),
    gone as (
      update wecom_group_members gm set left_at = now(), updated_at = now()
      where gm.tenant_id = ${t}::uuid and gm.chat_id = any(${chatIds}::text[]) and gm.left_at is null
        -- NOT IN over a hashed subplan: NOT EXISTS against the CTE rescanned it per member (quadratic per batch).
        and (gm.chat_id, gm.member_id) not in (select m.chat_id, m.member_id from m where m.chat_id is not null and m.member_id is not null)
      returning 1
    )
    select (select count(*)::int from up) + (select count(*)::int from gone) as n`.execute(trx);
  return m.rows[0]?.n ?? 0;
}

/** Writes a batch of chats from groupchat/get with their members (chats first, then members). */
export async function applyGroupChats(trx: Tx, tenantId: TenantId, chats: ChatBatch): Promise<GroupApplyResult> {
  if (chats.length === 0) return { chatsChanged: 0, membersChanged: 0 };
  const chatsChanged = await upsertGroupChats(trx, tenantId, chats);
  const membersChanged = await upsertGroupMembers(trx, tenantId, chats);
  return { chatsChanged, membersChanged };
}

/** Marks chats dismissed (kept, never deleted). */
export async function markChatsDismissed(trx: Tx, tenantId: TenantId, chatIds: readonly string[]): Promise<number> {
  if (chatIds.length === 0) return 0;
  const r = await sql`update wecom_group_chats set dismissed_at = now(), updated_at = now()
    where tenant_id = ${tenantId}::uuid and chat_id = any(${[...chatIds]}::text[]) and dismissed_at is null`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

export async function storedMemberVersion(trx: Tx, tenantId: TenantId, chatId: string): Promise<{ version: string | null; dismissed: boolean } | null> {
  const r = await trx.selectFrom('wecom_group_chats').select(['member_version', 'dismissed_at']).where('tenant_id', '=', tenantId).where('chat_id', '=', chatId).executeTakeFirst();
  return r ? { version: r.member_version, dismissed: r.dismissed_at !== null } : null;
}

/** Links group members to customers that appeared later (after a sync created their identities). */
export async function linkGroupMembers(trx: Tx, tenantId: TenantId): Promise<number> {
  const open = await sql<{ member_id: string }>`select distinct member_id from wecom_group_members
    where tenant_id = ${tenantId}::uuid and member_type = 2 and customer_id is null`.execute(trx);
  if (open.rows.length === 0) return 0;
  const ids = open.rows.map((r) => r.member_id);
  const found = await sql<{ value: string; customer_id: string }>`select value, customer_id from customer_identities
    where tenant_id = ${tenantId}::uuid and kind = 'external_userid' and value = any(${ids}::text[])`.execute(trx);
  if (found.rows.length === 0) return 0;
  const r = await sql`update wecom_group_members gm set customer_id = u.customer_id, updated_at = now()
    from unnest(${found.rows.map((x) => x.value)}::text[], ${found.rows.map((x) => x.customer_id)}::uuid[]) as u(member_id, customer_id)
    where gm.tenant_id = ${tenantId}::uuid and gm.member_type = 2 and gm.member_id = any(${found.rows.map((x) => x.value)}::text[])
      and gm.member_id = u.member_id and gm.customer_id is null`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}
