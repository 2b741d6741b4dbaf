/**
 * The WeCom chat sidebar (聊天工具栏, wecom-api.md section 11): who the clerk is (OAuth code → userid → staff
 * member → a Huike session in a cookie), what the chat is about (the customer of getCurExternalContact, or the
 * group of getCurExternalChat), fetching a customer that is not synced yet, and recording a message the clerk put
 * into the chat (sendChatMessage). Scope as everywhere: a clerk sees the customers they serve; for a customer
 * served by another clerk the tenant decides what shows (server/clerk/settings.ts).
 */
import { touchSchema } from '../../app/lib/clerk-contract';
import { closeScriptTask, openScriptTasks } from '../campaigns/one-to-one.repository';
import { clerkSettings } from '../clerk/settings';
import { scriptExists } from '../clerk/scripts.repository';
import { completeCustomerTasks } from '../clerk/tasks.repository';
import { assertCustomerInScope } from '../customers/customers.repository';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { createStaffSession } from '../tenancy/auth.service';
import { withActorTenant, withTenant, type TenantId, type Tx } from '../tenancy/context';
import { loadOpenConnection } from './connection.service';
import { processEvent } from './inbox.service';
import { isWecomErrcode } from './messages';
import { wecomClientFor } from './runtime';
import { activeStaffByWecomUserid, customerByExternalUserid, findGroupChat, groupMembersInScope, groupStageMix, insertTouch, servingClerkNames, touchesOf, wecomUseridOf } from './sidebar.repository';
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
  const userid = who.userid;
  const staff = await withTenant(services.dbs, tenantId, (trx) => activeStaffByWecomUserid(trx, tenantId, userid));
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
  const c = await customerByExternalUserid(trx, actor, externalUserid);
  if (!c) return { state: 'unknown' };
  if (c.visible) return { state: 'mine', customerId: c.id };
  const settings = await clerkSettings(trx, actor.tenantId);
  if (settings.otherClerkCustomer === 'none') return { state: 'hidden' };
  return { state: 'other', name: c.display_name, servedBy: await servingClerkNames(trx, actor.tenantId, c.id) };
}

/** Reads a customer from WeCom now (the same path as an add/edit callback), for a chat whose customer is not synced yet. */
export async function fetchContactNow(services: Services, actor: Actor, externalUserid: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(externalUserid)) throw new ValidationError('external_userid 无效 / Invalid external_userid');
  const me = await withTenant(services.dbs, actor.tenantId, (trx) => wecomUseridOf(trx, actor.tenantId, actor.staffId));
  const now = Math.floor(Date.now() / 1000);
  const result = await processEvent(services, actor.tenantId, {
    event: 'change_external_contact',
    changeType: 'edit_external_contact',
    userId: me ?? '',
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
  const g = await findGroupChat(trx, actor.tenantId, chatId);
  if (!g) return null;
  const stages = await groupStageMix(trx, actor.tenantId, chatId);
  const members = await groupMembersInScope(trx, actor, chatId);
  return { chatId: g.chat_id, name: g.name, members: g.member_count, customers: g.customer_count, dismissed: g.dismissed_at !== null, stages, mine: members };
}

/** Records a message the clerk put into a chat from the sidebar; it completes the customer's due task. */
export async function recordTouch(trx: Tx, actor: Actor, input: unknown) {
  if (!actor.staffId) throw new ForbiddenError();
  const v = parseOrThrow(touchSchema, input);
  if (!v.customerId && !v.chatId) throw new ValidationError('customerId or chatId is required');
  if (v.customerId) await assertCustomerInScope(trx, actor, v.customerId);
  if (v.scriptId) {
    if (!(await scriptExists(trx, actor.tenantId, v.scriptId))) throw new NotFoundError('话术不存在 / Script not found');
  }
  const row = await insertTouch(trx, actor.tenantId, { customerId: v.customerId ?? null, chatId: v.chatId ?? null, staffId: actor.staffId, scriptId: v.scriptId ?? null, content: v.content });
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
  return touchesOf(trx, actor.tenantId, customerId, limit);
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
