/**
 * Bridge from the WeCom sidebar routes (/wecom/sidebar/*) and the simulator's stand-ins (/wecom/sim/*,
 * /wecom/harness) to server/wecom/sidebar.service.ts and server/wecom/jsapi.service.ts (server-only).
 *
 * Sidebar pages require the OAuth session: without one, a page opened with `?t=<tenant>` (the toolbar URL) is sent
 * to WeCom's OAuth page with a one-time state kept in a cookie; the OAuth callback checks it and opens the session.
 */
import { json, redirect, type AppLoadContext } from '@remix-run/node';
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../server/tenancy/actor';
import type { TenantId } from '../../server/tenancy/context';
import { readCookie } from '../../server/tenancy/auth.service';
import { loadOpenConnection, tenantIdBySlug, type OpenConnection } from '../../server/wecom/connection.service';
import { SIGNATURE_LIMIT, signSidebarUrl, WindowLimiter, jsapiSignature } from '../../server/wecom/jsapi.service';
import { wecomRuntime } from '../../server/wecom/runtime';
import { taskChatMessages } from '../../server/campaigns/one-to-one.service';
import { fetchContactNow, harnessStaff, loginWithOauthCode, oauthAuthorizeUrl, saveSidebarTouch, sidebarCampaignScripts, sidebarContact, sidebarGroup, sidebarTouches } from '../../server/wecom/sidebar.service';
import { getSession } from './guards.server';
import './load-context';

export const STATE_COOKIE = 'huike_wecom_oauth';
export const TENANT_COOKIE = 'huike_sidebar_t';
/** The harness's "signed-in WeCom user" (simulator only). */
export const SIM_USER_COOKIE = 'huike_wecom_sim_user';

export function sidebarUrl(publicUrl: string, slug: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/wecom/sidebar?t=${encodeURIComponent(slug)}`;
}

/** The signed-in staff member of a sidebar page; without a session, off to OAuth (or 401 outside WeCom). */
export async function requireSidebarActor(request: Request, context: AppLoadContext): Promise<{ actor: Actor; csrfToken: string }> {
  const session = await getSession(request, context);
  if (session?.kind === 'staff') return { actor: session.actor, csrfToken: session.csrfToken };
  const url = new URL(request.url);
  const slug = url.searchParams.get('t') ?? readCookie(request.headers.get('Cookie'), TENANT_COOKIE);
  const tenantId = slug ? await tenantIdBySlug(context.services, slug) : null;
  if (!slug || !tenantId) throw json({ message: '请从企业微信聊天工具栏打开 / Open this page from the WeCom chat toolbar' }, { status: 401 });
  const nonce = randomBytes(12).toString('base64url');
  const back = `${context.services.config.publicUrl.replace(/\/+$/, '')}/wecom/sidebar/oauth`;
  const to = await oauthAuthorizeUrl(context.services, tenantId, back, `${slug}.${nonce}`);
  const secure = context.services.config.isProduction ? '; Secure' : '';
  throw redirect(to, { headers: { 'Set-Cookie': `${STATE_COOKIE}=${nonce}; Path=/wecom/sidebar; HttpOnly; SameSite=Lax; Max-Age=300${secure}` } });
}

/** The OAuth callback: checks the state against its cookie, exchanges the code, opens the session. */
export async function completeOauth(request: Request, context: AppLoadContext): Promise<Response> {
  const url = new URL(request.url);
  const code = url.searchParams.get('code') ?? '';
  const [slug, nonce] = (url.searchParams.get('state') ?? '').split('.');
  const expected = readCookie(request.headers.get('Cookie'), STATE_COOKIE);
  if (!code || !slug || !nonce || nonce !== expected) throw json({ message: '登录已过期，请重新打开侧边栏 / Sign-in expired: reopen the sidebar' }, { status: 400 });
  const tenantId = await tenantIdBySlug(context.services, slug);
  if (!tenantId) throw json({ message: 'Not found' }, { status: 404 });
  const r = await loginWithOauthCode(context.services, tenantId, code, { ip: context.clientIp, userAgent: request.headers.get('User-Agent') });
  const headers = new Headers();
  headers.append('Set-Cookie', r.cookie);
  headers.append('Set-Cookie', `${STATE_COOKIE}=; Path=/wecom/sidebar; HttpOnly; SameSite=Lax; Max-Age=0`);
  headers.append('Set-Cookie', `${TENANT_COOKIE}=${encodeURIComponent(slug)}; Path=/wecom; HttpOnly; SameSite=Lax; Max-Age=${14 * 86400}`);
  return redirect(`/wecom/sidebar?t=${encodeURIComponent(slug)}`, { headers });
}

const limiter = new WindowLimiter(SIGNATURE_LIMIT.perWindow, SIGNATURE_LIMIT.windowMs);

export async function sidebarSignatures(context: AppLoadContext, actor: Actor, url: string) {
  limiter.take(`${actor.tenantId}:${actor.staffId}`);
  return signSidebarUrl(context.services, actor.tenantId, url);
}

/** Which JS-SDK the page loads: the simulator's stand-in for simulator-mode connections, WeCom's otherwise. */
export async function sidebarSdk(context: AppLoadContext, actor: Actor): Promise<'sim' | 'wecom'> {
  const conn = await loadOpenConnection(context.services, actor.tenantId);
  return conn.mode === 'simulator' ? 'sim' : 'wecom';
}

export const resolveSidebarContact = (context: AppLoadContext, actor: Actor, eid: string) => sidebarContact(context.services, actor, eid);
export const fetchSidebarContact = (context: AppLoadContext, actor: Actor, eid: string) => fetchContactNow(context.services, actor, eid);
export const loadSidebarGroup = (context: AppLoadContext, actor: Actor, chatId: string) => sidebarGroup(context.services, actor, chatId);
export const saveTouch = (context: AppLoadContext, actor: Actor, input: unknown) => saveSidebarTouch(context.services, actor, input);
export const loadTouches = (context: AppLoadContext, actor: Actor, customerId: string) => sidebarTouches(context.services, actor, customerId);
export const loadCampaignScripts = (context: AppLoadContext, actor: Actor, customerId: string) => sidebarCampaignScripts(context.services, actor, customerId);
export const loadTaskChatMessages = (context: AppLoadContext, actor: Actor, taskId: string) => taskChatMessages(context.services, actor, taskId);

// ---- simulator stand-ins (non-production, simulator-mode tenants only) ----------------------------------------

export async function simulatorFor(context: AppLoadContext, slug: string | null): Promise<{ tenantId: TenantId; conn: OpenConnection; sim: Awaited<ReturnType<ReturnType<typeof wecomRuntime>['hub']['forConnection']>> }> {
  if (context.services.config.isProduction) throw json({ message: 'Not found' }, { status: 404 });
  const tenantId = slug ? await tenantIdBySlug(context.services, slug) : null;
  if (!tenantId) throw json({ message: 'Not found' }, { status: 404 });
  const conn = await loadOpenConnection(context.services, tenantId).catch(() => null);
  if (!conn || conn.mode !== 'simulator') throw json({ message: 'Not found' }, { status: 404 });
  return { tenantId, conn, sim: await wecomRuntime(context.services).hub.forConnection(conn) };
}

/** The simulator's OAuth page: issues a code for the harness's signed-in user and redirects back (80001 off-host). */
export async function simAuthorize(request: Request, context: AppLoadContext): Promise<Response> {
  const url = new URL(request.url);
  const state = url.searchParams.get('state') ?? '';
  const { sim, conn } = await simulatorFor(context, state.split('.')[0] ?? null);
  if (url.searchParams.get('appid') !== conn.corpId) throw json({ errcode: 40013, errmsg: 'invalid corpid' }, { status: 400 });
  const back = new URL(url.searchParams.get('redirect_uri') ?? '', 'http://invalid');
  if (back.host !== new URL(context.services.config.publicUrl).host) throw json({ errcode: 80001, errmsg: 'redirect_uri is not the trusted domain' }, { status: 400 });
  const userid = readCookie(request.headers.get('Cookie'), SIM_USER_COOKIE);
  if (!userid || !sim.state.staff.has(userid)) throw json({ message: 'harness: no WeCom user signed in' }, { status: 401 });
  back.searchParams.set('code', sim.issueOauthCode(userid));
  back.searchParams.set('state', state);
  return redirect(back.toString());
}

/** The simulated client's check of a wx.config / wx.agentConfig signature against the tickets the simulator issued. */
export async function simVerify(context: AppLoadContext, actor: Actor, q: URLSearchParams): Promise<{ ok: boolean; error?: string }> {
  const { sim, conn } = await simulatorFor(context, actor.tenantSlug);
  const kind = q.get('kind') === 'agent' ? 'agent' : 'corp';
  if (q.get('corpId') !== conn.corpId) return { ok: false, error: 'invalid corpid' };
  if (kind === 'agent' && q.get('agentId') !== String(conn.agentId)) return { ok: false, error: 'invalid agentid' };
  const ticket = sim.currentJsapiTicket(conn.secret, kind);
  if (!ticket) return { ok: false, error: '40093 no ticket issued' };
  const expected = jsapiSignature({ ticket, nonceStr: q.get('nonceStr') ?? '', timestamp: Number(q.get('timestamp')), url: q.get('url') ?? '' });
  return expected === q.get('signature') ? { ok: true } : { ok: false, error: '40093 invalid signature' };
}

/** The harness's world: WeCom users with a Huike account, their customers and groups (simulator only). */
export async function harnessData(context: AppLoadContext, slug: string | null) {
  const { sim, tenantId } = await simulatorFor(context, slug);
  const staff = await harnessStaff(context.services, tenantId);
  const users = staff
    .filter((s) => s.wecom_userid && sim.state.staff.has(s.wecom_userid))
    .sort((a, b) => Number(Boolean(b.email)) - Number(Boolean(a.email)))
    .map((s) => {
      const uid = s.wecom_userid!;
      const contacts = (sim.state.followsByUser.get(uid) ?? []).slice(0, 500).map((f) => ({ eid: f.external_userid, name: sim.state.customers.get(f.external_userid)?.name ?? f.external_userid }));
      const groups = [...sim.state.groupChats.values()].filter((g) => g.owner === uid && !g.dismissed).slice(0, 10).map((g) => ({ chatId: g.chat_id, name: g.name }));
      return { userid: uid, name: s.name, email: s.email, contacts, groups };
    });
  return { slug: slug!, users };
}
