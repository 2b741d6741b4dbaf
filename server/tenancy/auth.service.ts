/**
 * Sign-in, sessions and API keys.
 * - Sessions: a random token in an httpOnly cookie (signed, `secure` in production); the database keeps only
 *   its sha256, with the CSRF token that every mutation must echo.
 * - Throttling: after 5 failed attempts for an identifier or an IP within 15 minutes, further attempts wait
 *   (30 s, doubling, at most 15 minutes) and each refusal is logged. Each attempt is counted atomically BEFORE its
 *   password is checked (server/tenancy/login-throttle.repository.ts), so parallel attempts cannot outrun the count.
 * - API keys: `hk_<random>`, stored as sha256, revocable; they act on their tenant as `ops`.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Services } from '../services';
import { TooManyRequestsError, UnauthorizedError, UserError } from '../lib/errors';
import type { Actor } from './actor';
import { asTenantId, withSystem, withTenant, type TenantId, type TenantTxOptions, type Tx } from './context';
import { apiKeyByHash, deletePlatformSession, deleteStaffSession, insertLoginAttempt, insertPlatformSession, insertStaffSession, loginCandidates, managerStoreIds, platformAdminByEmail, platformSessionByHash, staffSessionByHash, touchApiKey } from './auth.repository';
import { clearAttempts, countAttempt, type ThrottlePolicy } from './login-throttle.repository';
import { dummyHash, verifyPassword } from './passwords';
import { normalizeMobile } from './mobile';
import type { Role } from '../../db/schema';
import { isUuid } from '../../app/lib/params';

export const SESSION_COOKIE = 'huike_session';
export const SESSION_DAYS = 14;
const MAX_FAILURES = 5;
const WINDOW_MINUTES = 15;

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const token = (bytes = 32): string => randomBytes(bytes).toString('base64url');

function sign(value: string, secret: string): string {
  return `${value}.${createHmac('sha256', secret).update(value).digest('base64url')}`;
}
function unsign(signed: string, secret: string): string | null {
  const i = signed.lastIndexOf('.');
  if (i < 0) return null;
  const value = signed.slice(0, i);
  const expected = Buffer.from(sign(value, secret));
  const got = Buffer.from(signed);
  return expected.length === got.length && timingSafeEqual(expected, got) ? value : null;
}

export interface SessionCookie {
  value: string;
  maxAgeSeconds: number;
}

export function serializeSessionCookie(services: Services, value: string | null): string {
  const secure = services.config.isProduction ? '; Secure' : '';
  if (value === null) return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0${secure}`;
  return `${SESSION_COOKIE}=${encodeURIComponent(sign(value, services.config.SESSION_SECRET))}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_DAYS * 86400}${secure}`;
}

export function readCookie(header: string | null | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === name) return decodeURIComponent(rest.join('='));
  }
  return null;
}

// ---------------------------------------------------------------------------------------------- throttling

const THROTTLE: ThrottlePolicy = { maxFailures: MAX_FAILURES, windowMinutes: WINDOW_MINUTES, baseLockSeconds: 30, maxLockSeconds: 15 * 60 };

const throttleKeys = (identifier: string, ip: string | null): string[] => (ip ? [`id:${identifier}`, `ip:${ip}`] : [`id:${identifier}`]);

class AttemptRefused extends Error {
  constructor(readonly until: Date) {
    super('attempt refused');
  }
}

/**
 * Counts this attempt for the identifier and the IP before anything is checked; refuses it (429) when either
 * counter is locked, in which case nothing is counted (the transaction rolls back).
 */
export async function claimAttempt(services: Services, identifier: string, ip: string | null): Promise<void> {
  try {
    await withSystem(services.dbs, (db) =>
      db.transaction().execute(async (trx) => {
        const rows = await countAttempt(trx, throttleKeys(identifier, ip), THROTTLE);
        const refused = rows.filter((r) => !r.counted && r.lockedUntil);
        if (refused.length > 0) throw new AttemptRefused(new Date(Math.max(...refused.map((r) => new Date(r.lockedUntil!).getTime()))));
      }),
    );
  } catch (e) {
    if (!(e instanceof AttemptRefused)) throw e;
    const remaining = Math.max(1, Math.ceil((e.until.getTime() - Date.now()) / 1000));
    services.log.warn('login throttled', { identifier, ip, retryAfter: remaining });
    throw new TooManyRequestsError(`登录失败次数过多，请 ${remaining} 秒后再试 / Too many failed sign-ins, try again in ${remaining} s`, remaining);
  }
}

async function recordAttempt(services: Services, identifier: string, ip: string | null, success: boolean): Promise<void> {
  await withSystem(services.dbs, (db) => insertLoginAttempt(db, { identifier, ip, success }));
  if (success) await withSystem(services.dbs, (db) => clearAttempts(db, throttleKeys(identifier, ip)));
  if (!success) services.log.warn('login failed', { identifier, ip });
}

// ------------------------------------------------------------------------------------------------- login

export type LoginResult =
  | { kind: 'staff'; tenantId: TenantId; tenantSlug: string; staffId: string; role: Role; cookie: string }
  | { kind: 'platform'; adminId: string; cookie: string };

export async function login(
  services: Services,
  input: { identifier: string; password: string; tenantSlug?: string | null; ip: string | null; userAgent: string | null },
): Promise<LoginResult> {
  const raw = input.identifier.trim().toLowerCase();
  const mobile = normalizeMobile(raw);
  const identifier = mobile ?? raw;
  await claimAttempt(services, identifier, input.ip);

  const candidates = await withSystem(services.dbs, (db) => loginCandidates(db, mobile ? { mobile } : { email: raw }, input.tenantSlug));
  const matches = [];
  for (const c of candidates) if (await verifyPassword(input.password, c.password_hash)) matches.push(c);

  if (matches.length === 0 && !mobile) {
    const admin = await withSystem(services.dbs, (db) => platformAdminByEmail(db, raw));
    if (admin && (await verifyPassword(input.password, admin.password_hash))) {
      await recordAttempt(services, identifier, input.ip, true);
      const t = token();
      await withSystem(services.dbs, (db) => insertPlatformSession(db, { idHash: sha256(t), adminId: admin.id, csrfToken: token(24), expiresAt: new Date(Date.now() + SESSION_DAYS * 86400_000) }));
      return { kind: 'platform', adminId: admin.id, cookie: serializeSessionCookie(services, `platform:${t}`) };
    }
  }
  if (matches.length === 0) {
    if (candidates.length === 0) await verifyPassword(input.password, await dummyHash());
    await recordAttempt(services, identifier, input.ip, false);
    throw new UnauthorizedError('账号或密码错误 / Wrong account or password');
  }
  if (matches.length > 1) {
    // The password is right (only the company is ambiguous): not a failure.
    await withSystem(services.dbs, (db) => clearAttempts(db, throttleKeys(identifier, input.ip)));
    throw new UserError('该账号属于多个企业，请填写企业代码 / This account belongs to several companies: enter the company code', 400, 'tenant_required');
  }
  const m = matches[0]!;
  await recordAttempt(services, identifier, input.ip, true);
  const tenantId = asTenantId(m.tenant_id);
  const cookie = await createStaffSession(services, tenantId, m.id, input);
  return { kind: 'staff', tenantId, tenantSlug: m.slug, staffId: m.id, role: m.role, cookie };
}

/** Opens a session for a staff member who proved who they are (password, or WeCom OAuth) and returns its cookie. */
export async function createStaffSession(services: Services, tenantId: TenantId, staffId: string, input: { ip: string | null; userAgent: string | null }): Promise<string> {
  const t = token();
  await withTenant(services.dbs, tenantId, (trx) =>
    insertStaffSession(trx, tenantId, { idHash: sha256(t), staffId, csrfToken: token(24), expiresAt: new Date(Date.now() + SESSION_DAYS * 86400_000), ip: input.ip, userAgent: input.userAgent?.slice(0, 300) ?? null }),
  );
  return serializeSessionCookie(services, `${tenantId}:${t}`);
}

// --------------------------------------------------------------------------------------- session lookup

export type SessionInfo =
  | { kind: 'staff'; actor: Actor; csrfToken: string; locale: string | null; tenantName: string; timezone: string; currency: string }
  | { kind: 'platform'; adminId: string; email: string; name: string; csrfToken: string };

function parseCookieValue(services: Services, cookieHeader: string | null): { scope: string; token: string } | null {
  const signed = readCookie(cookieHeader, SESSION_COOKIE);
  if (!signed) return null;
  const value = unsign(signed, services.config.SESSION_SECRET);
  if (!value) return null;
  const i = value.indexOf(':');
  if (i < 0) return null;
  return { scope: value.slice(0, i), token: value.slice(i + 1) };
}

export async function resolveSession(services: Services, cookieHeader: string | null, requestId?: string): Promise<SessionInfo | null> {
  const parsed = parseCookieValue(services, cookieHeader);
  if (!parsed) return null;
  if (parsed.scope === 'platform') {
    const row = await withSystem(services.dbs, (db) => platformSessionByHash(db, sha256(parsed.token)));
    return row ? { kind: 'platform', adminId: row.id, email: row.email, name: row.name, csrfToken: row.csrf_token } : null;
  }
  if (!isUuid(parsed.scope)) return null;
  const tenantId = asTenantId(parsed.scope);
  return withTenant(services.dbs, tenantId, (trx) => staffSessionIn(trx, tenantId, parsed.token, requestId));
}

export type StaffSessionInfo = Extract<SessionInfo, { kind: 'staff' }>;

/**
 * How a page's service comes to its actor, made by the route guard (app/lib/guards.server.ts pageActor). When no other
 * loader of the request has started reading the session, the page reads it in its own tenant transaction (one
 * transaction per request instead of one for the session and one for the page) and shares it with them; otherwise
 * it waits for the session read elsewhere.
 */
export interface ActorSource {
  cookie: string | null;
  requestId?: string;
  /** The page took the request's session lookup over. */
  readsSession: boolean;
  /** Hands the session read here (or the failure to read it) to the request's other loaders. */
  share(session: Promise<SessionInfo | null>): void;
  /** The session's actor, or the guard's answer without one (a redirect or a 403, thrown). */
  check(session: SessionInfo | null): Actor;
  /** The actor of the session read elsewhere, checked the same way. */
  elsewhere(): Promise<Actor>;
}

/** `fn` in the actor's tenant transaction, the actor coming from `src` (see ActorSource). */
export async function withPageActor<T>(services: Services, src: ActorSource, fn: (actor: Actor, trx: Tx) => Promise<T>, opts?: TenantTxOptions): Promise<T> {
  if (src.readsSession) {
    let read = false;
    try {
      const r = await withStaffSession(
        services,
        src.cookie,
        src.requestId,
        async (session, trx) => {
          read = true;
          src.share(Promise.resolve(session));
          return fn(src.check(session), trx);
        },
        opts,
      );
      if (r.staff) return r.value;
      src.share(resolveSession(services, src.cookie, src.requestId));
    } catch (e) {
      if (!read) src.share(Promise.reject(e));
      throw e;
    }
  }
  const actor = await src.elsewhere();
  return withTenant(services.dbs, actor.tenantId, (trx) => fn(actor, trx), opts);
}

/**
 * A staff cookie's session read in its tenant's transaction, which then runs `fn`. `fn` gets null for an unknown or
 * expired session. Returns `{ staff: false }` without opening a transaction when the cookie is not a tenant's
 * (none, badly signed, a platform admin's): resolveSession answers those.
 */
async function withStaffSession<T>(
  services: Services,
  cookieHeader: string | null,
  requestId: string | undefined,
  fn: (session: StaffSessionInfo | null, trx: Tx) => Promise<T>,
  opts?: TenantTxOptions,
): Promise<{ staff: true; value: T } | { staff: false }> {
  const parsed = parseCookieValue(services, cookieHeader);
  if (!parsed || !isUuid(parsed.scope)) return { staff: false };
  const tenantId = asTenantId(parsed.scope);
  const value = await withTenant(services.dbs, tenantId, async (trx) => fn(await staffSessionIn(trx, tenantId, parsed.token, requestId), trx), opts);
  return { staff: true, value };
}

async function staffSessionIn(trx: Tx, tenantId: TenantId, sessionToken: string, requestId: string | undefined): Promise<StaffSessionInfo | null> {
  const row = await staffSessionByHash(trx, tenantId, sha256(sessionToken));
  if (!row) return null;
  let storeScope: string[] | null = null;
  if (row.role === 'manager') {
    storeScope = await managerStoreIds(trx, tenantId, row.id);
  } else if (row.role === 'clerk') {
    storeScope = row.store_id ? [row.store_id] : [];
  }
  const actor: Actor = {
    kind: 'staff',
    tenantId,
    tenantSlug: row.slug,
    staffId: row.id,
    role: row.role,
    name: row.name,
    label: `${row.name} (${row.role})`,
    storeId: row.store_id,
    storeScope,
    requestId,
  };
  return { kind: 'staff', actor, csrfToken: row.csrf_token, locale: row.locale, tenantName: row.tenant_name, timezone: row.timezone, currency: row.currency };
}

export async function logout(services: Services, cookieHeader: string | null): Promise<void> {
  const parsed = parseCookieValue(services, cookieHeader);
  if (!parsed) return;
  if (parsed.scope === 'platform') {
    await withSystem(services.dbs, (db) => deletePlatformSession(db, sha256(parsed.token)));
  } else if (isUuid(parsed.scope)) {
    const tenantId = asTenantId(parsed.scope);
    await withTenant(services.dbs, tenantId, (trx) => deleteStaffSession(trx, tenantId, sha256(parsed.token)));
  }
}

// ----------------------------------------------------------------------------------------------- API keys

export function newApiKey(): { key: string; prefix: string; hash: string } {
  const key = `hk_${token(30)}`;
  return { key, prefix: key.slice(0, 10), hash: sha256(key) };
}

export async function authenticateApiKey(services: Services, authorization: string | null, requestId?: string): Promise<Actor> {
  // The scheme is case-insensitive (RFC 6750 §2.1 via RFC 7235 §2.1): `bearer hk_…` is as good as `Bearer hk_…`.
  const m = /^Bearer\s+(hk_[A-Za-z0-9_-]{20,})$/i.exec(authorization?.trim() ?? '');
  if (!m) throw new UnauthorizedError('Missing or malformed API key: send "Authorization: Bearer hk_…"');
  const hash = sha256(m[1]!);
  const row = await withSystem(services.dbs, (db) => apiKeyByHash(db, hash));
  if (!row) throw new UnauthorizedError('Unknown or revoked API key');
  void withSystem(services.dbs, (db) => touchApiKey(db, row.tenant_id, row.id)).catch(() => undefined);
  return {
    kind: 'apikey',
    tenantId: asTenantId(row.tenant_id),
    tenantSlug: row.slug,
    staffId: null,
    role: 'ops',
    name: row.name,
    label: `api-key:${row.name}`,
    storeId: null,
    storeScope: null,
    requestId,
  };
}
