/**
 * JS-SDK signatures for the chat sidebar (wecom-api.md section 11).
 *
 * - Two tickets, each valid 7,200 s: the corp ticket (get_jsapi_ticket, for wx.config) and the app ticket
 *   (ticket/get?type=agent_config, for wx.agentConfig). Fetches are limited (about 400 an hour per corp, 100 per
 *   app), so they are cached in the database — the same sealed `wecom_access_tokens` rows and advisory lock as
 *   access tokens (PgTokenStore), under the app keys `jsapi:corp` and `jsapi:agent:<agentid>` — and every process
 *   of the tenant fetches each ticket once per validity period.
 * - signature = sha1("jsapi_ticket=T&noncestr=N&timestamp=TS&url=U"), U the page URL without its fragment.
 * - Only URLs on the app's own host (PUBLIC_URL) are signed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { TooManyRequestsError, ValidationError } from '../lib/errors';
import type { Services } from '../services';
import type { TenantId } from '../tenancy/context';
import { loadOpenConnection } from './connection.service';
import { PgTokenStore } from './pg-token-store';
import { wecomClientFor } from './runtime';

/** Refetch a ticket this long before it expires. */
const MARGIN_MS = 5 * 60_000;

export function jsapiSignature(p: { ticket: string; nonceStr: string; timestamp: number; url: string }): string {
  return createHash('sha1').update(`jsapi_ticket=${p.ticket}&noncestr=${p.nonceStr}&timestamp=${p.timestamp}&url=${p.url}`).digest('hex');
}

/** The URL to sign: the page URL without `#…`; only on the app's own origin. */
export function signableUrl(raw: string, publicUrl: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ValidationError('url 无效 / Invalid url');
  }
  const own = new URL(publicUrl);
  if (u.protocol !== own.protocol || u.host !== own.host) throw new ValidationError('只签名本应用的页面 / Only pages of this app are signed');
  const i = raw.indexOf('#');
  return i < 0 ? raw : raw.slice(0, i);
}

/** In-process single flight: one cache lookup (and at most one lock waiter) per tenant and ticket in a process. */
const inflight = new Map<string, Promise<string>>();

/** A JS-SDK ticket from the shared cache, fetched from WeCom only when missing or about to expire. */
export function jsapiTicket(services: Services, tenantId: TenantId, kind: 'corp' | 'agent'): Promise<string> {
  const key = `${tenantId}:${kind}`;
  let p = inflight.get(key);
  if (!p) {
    p = cachedTicket(services, tenantId, kind).finally(() => inflight.delete(key));
    inflight.set(key, p);
  }
  return p;
}

async function cachedTicket(services: Services, tenantId: TenantId, kind: 'corp' | 'agent'): Promise<string> {
  const conn = await loadOpenConnection(services, tenantId);
  const appKey = kind === 'corp' ? 'jsapi:corp' : `jsapi:agent:${conn.agentId ?? 'none'}`;
  const store = new PgTokenStore(services.dbs, tenantId, services.config.APP_ENCRYPTION_KEY);
  const fresh = (r: { token: string; expiresAt: number } | null) => (r && r.expiresAt - MARGIN_MS > Date.now() ? r.token : null);
  const cached = fresh(await store.get(conn.corpId, appKey));
  if (cached) return cached;
  return store.withRefreshLock(conn.corpId, appKey, async () => {
    // Another process may have fetched it while this one waited for the lock.
    const again = fresh(await store.get(conn.corpId, appKey));
    if (again) return again;
    const client = await wecomClientFor(services, tenantId);
    // Note: the lock's transaction holds one connection while the token and ticket are fetched on others.
    const r = kind === 'corp' ? await client.getCorpJsapiTicket() : await client.getAgentJsapiTicket();
    await store.set(conn.corpId, appKey, { token: r.ticket, expiresAt: Date.now() + r.expires_in * 1000 });
    return r.ticket;
  });
}

export interface SidebarSignatures {
  corpId: string;
  agentId: number | null;
  timestamp: number;
  nonceStr: string;
  /** wx.config / getConfigSignature. */
  signature: string;
  /** wx.agentConfig / getAgentConfigSignature. */
  agentSignature: string;
}

/** Both signatures for one page URL. */
export async function signSidebarUrl(services: Services, tenantId: TenantId, url: string): Promise<SidebarSignatures> {
  const u = signableUrl(url, services.config.publicUrl);
  const conn = await loadOpenConnection(services, tenantId);
  const timestamp = Math.floor(Date.now() / 1000);
  const nonceStr = randomBytes(12).toString('base64url');
  const corpTicket = await jsapiTicket(services, tenantId, 'corp');
  const agentTicket = await jsapiTicket(services, tenantId, 'agent');
  return {
    corpId: conn.corpId,
    agentId: conn.agentId,
    timestamp,
    nonceStr,
    signature: jsapiSignature({ ticket: corpTicket, nonceStr, timestamp, url: u }),
    agentSignature: jsapiSignature({ ticket: agentTicket, nonceStr, timestamp, url: u }),
  };
}

/** A fixed-window limit per key (staff member) in this process: the signature endpoint is not a ticket oracle. */
export class WindowLimiter {
  private readonly hits = new Map<string, { window: number; n: number }>();
  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): void {
    const w = Math.floor(this.now() / this.windowMs);
    const cur = this.hits.get(key);
    const n = cur && cur.window === w ? cur.n + 1 : 1;
    this.hits.set(key, { window: w, n });
    if (this.hits.size > 10_000) for (const [k, v] of this.hits) if (v.window !== w) this.hits.delete(k);
    if (n > this.perWindow) {
      const retry = Math.ceil(((w + 1) * this.windowMs - this.now()) / 1000);
      throw new TooManyRequestsError(`签名请求过于频繁，请 ${retry} 秒后再试 / Too many signature requests, retry in ${retry} s`, retry);
    }
  }
}

/** 30 signature requests a minute per staff member and process. */
export const SIGNATURE_LIMIT = { perWindow: 30, windowMs: 60_000 };
