/**
 * The WeCom chat sidebar (聊天工具栏, wecom-api.md section 11): who the clerk is (OAuth code → userid → staff
 * member → a Huike session in a cookie), what the chat is about (the customer of getCurExternalContact, or the
 * group of getCurExternalChat), fetching a customer that is not synced yet, and recording a message the clerk put
 * into the chat (sendChatMessage). Scope as everywhere: a clerk sees the customers they serve; for a customer
 * served by another clerk the tenant decides what shows (server/clerk/settings.ts).
 */
import { sql } from 'kysely';
import { touchSchema } from '../../app/lib/clerk-contract';
import { closeScriptTask, openScriptTasks } from '../campaigns/one-to-one.repository';
import { clerkSettings } from '../clerk/settings';
import { completeCustomerTasks } from '../clerk/tasks.repository';
import { assertServes } from '../clerk/workspace.service';
import { customerScopeSql } from '../customers/scope';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { createStaffSession } from '../tenancy/auth.service';
import { withActorTenant, withTenant, type TenantId, type Tx } from '../tenancy/context';
import { loadOpenConnection } from './connection.service';
import { processEvent } from './inbox.service';
import { isWecomErrcode } from './messages';
import { wecomClientFor } from './runtime';
import { wecomStaffForHarness } from './staff.repository';

/** Where to send a clerk without a session: WeCom's OAuth page (the simulator's stand-in for simulator-mode tenants). */
export async function oauthAuthorizeUrl(services: Services, tenantId: TenantId, redirectUri: string, state: string): Promise<string> {
  const conn = await loadOpenConnection(services, tenantId);
  const q = new URLSearchParams({ appid: conn.corpId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state });
  if (conn.agentId !== null) q.set('agentid', String(conn.agentId));
  if (conn.mode === 'simulator') return `${services.config.publicUrl.replace(/\/+$/, '')}/wecom/sim/authorize?${q.toString()}`;
  return `https://open.weixin.qq.com/connect/oauth2/authorize?${q.toString()}#wechat_redirect`;
}

/** Exchanges a one-time OAuth code for a Huike session of the staff member with that WeCom userid. */
export async function loginWithOauthCode(services: Services, tenantId: TenantId, code: string, req: { ip: string | null; userAgent: string | null }): Promise<{ cookie: string; staffId: string }> {
  const client = await wecomClientFor(services, tenantId);
  let who: { userid: string | null; openid: string | null };
  try {
    who = await client.getUserInfo(code);
  } catch (e) {
    if (isWecomErrcode(e, 40029, 42003)) throw new UnauthorizedError('登录码无效或已过期，请从企业微信重新打开 / The sign-in code is invalid or expired: open the page from WeCom again');
    throw e;
  }
  if (!who.userid) throw new ForbiddenError('仅企业成员可用 / Only members of the company can sign in');
  const staff = await withTenant(services.dbs, tenantId, (trx) =>
    trx.selectFrom('staff').select(['id']).where('tenant_id', '=', tenantId).where('wecom_userid', '=', who.userid).where('active', '=', true).executeTakeFirst(),
  );
  if (!staff) throw new ForbiddenError('你的企业微信账号还没有开通回客，请联系管理员 / Your WeCom account has no Huike access yet: ask your administrator');
  return { cookie: await createStaffSession(services, tenantId, staff.id, req), staffId: staff.id };
}

export type ContactResolution =
  | { state: 'mine'; customerId: string }
  | { state: 'other'; name: string | null; servedBy: string[] }
  | { state: 'hidden' }
  | { state: 'unknown' };

/** The customer behind an external_userid, as far as the actor may see them. */
export async function resolveContact(trx: Tx, actor: Actor, externalUserid: string): Promise<ContactResolution> {
  const r = await sql<{ id: string; display_name: string | null; visible: boolean }>`
    select c.id, c.display_name, ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')} as visible
    from customer_identities i join customers c on c.tenant_id = i.tenant_id and c.id = i.customer_id
    where i.tenant_id = ${actor.tenantId}::uuid and i.kind = 'external_userid' and i.value = ${externalUserid} and c.merged_into is null limit 1`.execute(trx);
  const c = r.rows[0];
  if (!c) return { state: 'unknown' };
  if (c.visible) return { state: 'mine', customerId: c.id };
  const settings = await clerkSettings(trx, actor.tenantId);
  if (settings.otherClerkCustomer === 'none') return { state: 'hidden' };
  const served = await sql<{ name: string }>`select s.name from customer_follows f join staff s on s.tenant_id = f.tenant_id and s.id = f.staff_id
    where f.tenant_id = ${actor.tenantId}::uuid and f.customer_id = ${c.id}::uuid and f.ended_at is null order by f.added_at`.execute(trx);
  return { state: 'other', name: c.display_name, servedBy: served.rows.map((x) => x.name) };
}

/** Reads a customer from WeCom now (the same path as an add/edit callback), for a chat whose customer is not synced yet. */
export async function fetchContactNow(services: Services, actor: Actor, externalUserid: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(externalUserid)) throw new ValidationError('external_userid 无效 / Invalid external_userid');
  const me = await withTenant(services.dbs, actor.tenantId, (trx) => trx.selectFrom('staff').select('wecom_userid').where('tenant_id', '=', actor.tenantId).where('id', '=', actor.staffId ?? '00000000-0000-0000-0000-000000000000').executeTakeFirst());
  const now = Math.floor(Date.now() / 1000);
  const result = await processEvent(services, actor.tenantId, {
    event: 'change_external_contact',
    changeType: 'edit_external_contact',
    userId: me?.wecom_userid ?? '',
    externalUserId: externalUserid,
    toUserName: '',
    fromUserName: 'sidebar',
    createTime: now,
    dedupeKey: `sidebar:${externalUserid}:${now}`,
  });
  await withTenant(services.dbs, actor.tenantId, (trx) => audit(trx, actor, { action: 'wecom.contact.fetch_now', entityType: 'wecom_contact', entityId: null, after: { result } }));
  return result;
}

/** The group of a group chat: name, members, and the lifecycle stage mix of its customers. */
export async function groupView(trx: Tx, actor: Actor, chatId: string) {
  const g = await trx.selectFrom('wecom_group_chats').select(['chat_id', 'name', 'member_count', 'customer_count', 'dismissed_at']).where('tenant_id', '=', actor.tenantId).where('chat_id', '=', chatId).executeTakeFirst();
  if (!g) return null;
  const stages = await sql<{ stage: string; n: number }>`
    select coalesce(cm.stage, 'unknown') as stage, count(*)::int as n
    from wecom_group_members m left join customer_metrics cm on cm.tenant_id = m.tenant_id and cm.customer_id = m.customer_id
    where m.tenant_id = ${actor.tenantId}::uuid and m.chat_id = ${chatId} and m.left_at is null and m.member_type = 2
    group by 1 order by 2 desc`.execute(trx);
  const members = await sql<{ id: string; name: string | null; stage: string | null; is_due: boolean | null }>`
    select c.id, c.display_name as name, cm.stage, cm.is_due
    from wecom_group_members m join customers c on c.tenant_id = m.tenant_id and c.id = m.customer_id
    left join customer_metrics cm on cm.tenant_id = c.tenant_id and cm.customer_id = c.id
    where m.tenant_id = ${actor.tenantId}::uuid and m.chat_id = ${chatId} and m.left_at is null and ${customerScopeSql(actor, 'c.id', 'c.primary_store_id')}
    order by cm.is_due desc nulls last, c.display_name limit 100`.execute(trx);
  return { chatId: g.chat_id, name: g.name, members: g.member_count, customers: g.customer_count, dismissed: g.dismissed_at !== null, stages: stages.rows, mine: members.rows };
}

/** Records a message the clerk put into a chat from the sidebar; it completes the customer's due task. */
export async function recordTouch(trx: Tx, actor: Actor, input: unknown) {
  if (!actor.staffId) throw new ForbiddenError();
  const p = touchSchema.safeParse(input);
  if (!p.success) throw new ValidationError(p.error.issues.map((i) => i.message).join('; '));
  const v = p.data;
  if (!v.customerId && !v.chatId) throw new ValidationError('customerId or chatId is required');
  if (v.customerId) await assertServes(trx, actor, v.customerId);
  if (v.scriptId) {
    const s = await trx.selectFrom('clerk_scripts').select('id').where('tenant_id', '=', actor.tenantId).where('id', '=', v.scriptId).executeTakeFirst();
    if (!s) throw new NotFoundError('话术不存在 / Script not found');
  }
  const row = await trx
    .insertInto('customer_touches')
    .values({ tenant_id: actor.tenantId, customer_id: v.customerId ?? null, chat_id: v.chatId ?? null, staff_id: actor.staffId, kind: v.scriptId ? 'script' : 'message', script_id: v.scriptId ?? null, content: v.content })
    .returning(['id', 'created_at'])
    .executeTakeFirstOrThrow();
  if (v.customerId) {
    await completeCustomerTasks(trx, actor.tenantId, actor.staffId, v.customerId, ['due'], 'message_sent');
    // The script of a 1:1 campaign task put into the chat: its recipient counts as sent.
    const match = v.taskId ? { taskId: v.taskId } : { customerId: v.customerId, text: v.content };
    await closeScriptTask(trx, actor.tenantId, actor.staffId, match, { outcome: 'sent', reason: 'campaign_sent', at: row.created_at });
  }
  await audit(trx, actor, { action: 'touch.create', entityType: v.customerId ? 'customer' : 'group_chat', entityId: v.customerId ?? null, after: { id: row.id, scriptId: v.scriptId ?? null, chatId: v.chatId ?? null } });
  return row;
}

export async function listTouches(trx: Tx, actor: Actor, customerId: string, limit = 10) {
  return trx
    .selectFrom('customer_touches as t')
    .innerJoin('staff as s', (j) => j.onRef('s.tenant_id', '=', 't.tenant_id').onRef('s.id', '=', 't.staff_id'))
    .leftJoin('clerk_scripts as k', (j) => j.onRef('k.tenant_id', '=', 't.tenant_id').onRef('k.id', '=', 't.script_id'))
    .select(['t.id', 't.content', 't.created_at', 's.name as clerk', 'k.title as script'])
    .where('t.tenant_id', '=', actor.tenantId)
    .where('t.customer_id', '=', customerId)
    .orderBy('t.created_at', 'desc')
    .limit(limit)
    .execute();
}

// ---- the sidebar pages' entry points, each in its own tenant transaction -------------------------------------------

export const sidebarContact = (services: Services, actor: Actor, eid: string) => withActorTenant(services, actor, (trx) => resolveContact(trx, actor, eid));
export const sidebarGroup = (services: Services, actor: Actor, chatId: string) => withActorTenant(services, actor, (trx) => groupView(trx, actor, chatId));
export const saveSidebarTouch = (services: Services, actor: Actor, input: unknown) => withActorTenant(services, actor, (trx) => recordTouch(trx, actor, input));
export const sidebarTouches = (services: Services, actor: Actor, customerId: string) => withActorTenant(services, actor, (trx) => listTouches(trx, actor, customerId));
/** The campaign scripts waiting for this clerk to send to the customer (none for a non-staff actor). */
export const sidebarCampaignScripts = (services: Services, actor: Actor, customerId: string) =>
  actor.staffId ? withActorTenant(services, actor, (trx) => openScriptTasks(trx, actor.tenantId, actor.staffId!, customerId)) : Promise.resolve([]);
/** The simulator harness's users: the tenant's active staff with a WeCom account. */
export const harnessStaff = (services: Services, tenantId: TenantId) => withTenant(services.dbs, tenantId, (trx) => wecomStaffForHarness(trx, tenantId));
