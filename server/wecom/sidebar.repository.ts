/**
 * The SQL of the WeCom sidebar (sidebar.service.ts): who a WeCom user or chat contact is in Huike, a group chat's
 * members and stage mix, and the touches (messages put into a chat) clerks record.
 */
import { sql } from 'kysely';
import { customerScopeSql } from '../customers/scope';
import type { Actor } from '../tenancy/actor';
import type { TenantId, Tx } from '../tenancy/context';

/** The active staff member behind a WeCom userid. */
export async function activeStaffByWecomUserid(trx: Tx, tenantId: TenantId, userid: string) {
  return trx.selectFrom('staff').select(['id']).where('tenant_id', '=', tenantId).where('wecom_userid', '=', userid).where('active', '=', true).executeTakeFirst();
}

/** A staff member's WeCom userid (null without one or for no staff member). */
export async function wecomUseridOf(trx: Tx, tenantId: TenantId, staffId: string | null): Promise<string | null> {
  const row = await trx.selectFrom('staff').select('wecom_userid').where('tenant_id', '=', tenantId).where('id', '=', staffId ?? '00000000-0000-0000-0000-000000000000').executeTakeFirst();
  return row?.wecom_userid ?? null;
}

/** The (unmerged) customer with this external_userid, and whether the actor's scope includes them. */
export async function customerByExternalUserid(trx: Tx, actor: Actor, externalUserid: string) {
  const r = await sql<{ id: string; display_name: string | null; visible: boolean }>`
    select c.id, c.display_name, ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')} as visible
    from customer_identities i join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id
    where i.tenant_id = ${actor.tenantId}::uuid and i.kind = 'external_userid' and i.value = ${externalUserid} and c.merged_into is null limit 1`.execute(trx);
  return r.rows[0];
}

/** Names of the clerks serving a customer now, first added first. */
export async function servingClerkNames(trx: Tx, tenantId: TenantId, customerId: string): Promise<string[]> {
  const r = await sql<{ name: string }>`select s.name from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
    where f.tenant_id = ${tenantId}::uuid and f.customer_id = ${customerId}::uuid and f.ended_at is null order by f.added_at`.execute(trx);
  return r.rows.map((x) => x.name);
}

export async function findGroupChat(trx: Tx, tenantId: TenantId, chatId: string) {
  return trx.selectFrom('wecom_group_chats').select(['chat_id', 'name', 'member_count', 'customer_count', 'dismissed_at']).where('tenant_id', '=', tenantId).where('chat_id', '=', chatId).executeTakeFirst();
}

/** How many of the chat's present customers are in each lifecycle stage ('unknown' without metrics). */
export async function groupStageMix(trx: Tx, tenantId: TenantId, chatId: string): Promise<{ stage: string; n: number }[]> {
  const r = await sql<{ stage: string; n: number }>`
    select coalesce(cm.stage, 'unknown') as stage, count(*)::int as n
    from wecom_group_members m left join customer_metrics cm on cm.tenant_id = m.tenant_id and cm.customer_id = m.customer_id
    where m.tenant_id = ${tenantId}::uuid and m.chat_id = ${chatId} and m.left_at is null and m.member_type = 2
    group by 1 order by 2 desc`.execute(trx);
  return r.rows;
}

/** The chat's present customers in the actor's scope, due first (at most 100). */
export async function groupMembersInScope(trx: Tx, actor: Actor, chatId: string) {
  const r = await sql<{ id: string; name: string | null; stage: string | null; is_due: boolean | null }>`
    select c.id, c.display_name as name, cm.stage, cm.is_due
    from wecom_group_members m join customers c on c.tenant_id = m.tenant_id and c.id = m.customer_id
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
    where m.tenant_id = ${actor.tenantId}::uuid and m.chat_id = ${chatId} and m.left_at is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}
    order by cm.is_due desc nulls last, c.display_name limit 100`.execute(trx);
  return r.rows;
}

export async function insertTouch(trx: Tx, tenantId: TenantId, t: { customerId: string | null; chatId: string | null; staffId: string; scriptId: string | null; content: string }) {
  return trx
    .insertInto('customer_touches')
    .values({ tenant_id: tenantId, customer_id: t.customerId, chat_id: t.chatId, staff_id: t.staffId, kind: t.scriptId ? 'script' : 'message', script_id: t.scriptId, content: t.content })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
}

/** A customer's latest touches with who made them and the script used. */
export async function touchesOf(trx: Tx, tenantId: TenantId, customerId: string, limit: number) {
  return trx
    .selectFrom('customer_touches as t')
    .innerJoin('staff as s', (j) => j.onRef('s.tenant_id', '=', 't.tenant_id').onRef('s.id', '=', 't.staff_id'))
    .leftJoin('clerk_scripts as k', (j) => j.onRef('k.tenant_id', '=', 't.tenant_id').onRef('k.id', '=', 't.script_id'))
    .select(['t.id', 't.content', 't.created_at', 's.name as clerk', 'k.title as script'])
    .where('t.tenant_id', '=', tenantId)
    .where('t.customer_id', '=', customerId)
    .orderBy('t.created_at', 'desc')
    .limit(limit)
    .execute();
}
