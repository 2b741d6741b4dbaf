/**
 * Route guards. Remix runs loaders in parallel, so every loader and action calls one of these itself:
 *   const { actor } = await requireActor(request, context, 'customers.view');
 *   const { actor, form } = await requireMutation(request, context, 'settings.manage');
 * requireMutation also checks the session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
 */
import { json, redirect, type AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { assertCan } from '../../server/tenancy/actor';
import { resolveSession, type ActorSource, type SessionInfo } from '../../server/tenancy/auth.service';
import type { Permission } from '../../server/tenancy/permissions';
import { ForbiddenError, toUserError } from '../../server/lib/errors';
import { timingSafeEqual } from 'node:crypto';
import { hasNoNul, NUL_MESSAGE } from './params';
import './load-context';

export type StaffSession = Extract<SessionInfo, { kind: 'staff' }>;

/**
 * Sessions resolved for the request being served: a page's GET runs the root, layout and route loaders, each of
 * which checks the session itself; they share one lookup. Only for GET, so an action that changes the session
 * (language, sign-out) is followed by loaders that read it afresh. The lookup starts a microtask after the first
 * loader asks: Remix calls a page's loaders one after the other in the same tick, so a route loader that reads its
 * page in a tenant transaction (pageActor) can take the lookup over and read the session in that transaction.
 */
interface Lookup {
  promise: Promise<SessionInfo | null>;
  settle: (s: Promise<SessionInfo | null>) => void;
  /** Taken over by a page (pageActor), or started on its own. */
  taken: boolean;
}

const resolved = new WeakMap<AppLoadContext, Map<string, Lookup>>();

function lookupOf(context: AppLoadContext, cookie: string): Lookup {
  let byCookie = resolved.get(context);
  if (!byCookie) resolved.set(context, (byCookie = new Map()));
  let l = byCookie.get(cookie);
  if (!l) {
    let settle!: Lookup['settle'];
    const promise = new Promise<SessionInfo | null>((resolve) => (settle = resolve));
    promise.catch(() => undefined); // a failure reaches the loaders that await it; none awaiting is not a crash
    byCookie.set(cookie, (l = { promise, settle, taken: false }));
  }
  return l;
}

export async function getSession(request: Request, context: AppLoadContext): Promise<SessionInfo | null> {
  const cookie = request.headers.get('Cookie');
  if (request.method !== 'GET') return resolveSession(context.services, cookie, context.requestId);
  const l = lookupOf(context, cookie ?? '');
  queueMicrotask(() => {
    if (l.taken) return;
    l.taken = true;
    l.settle(resolveSession(context.services, cookie, context.requestId));
  });
  return l.promise;
}

/** The staff session's actor, or the redirect / 403 a page answers without one. */
function actorOf(request: Request, session: SessionInfo | null, permission?: Permission): { actor: Actor; session: StaffSession } {
  if (!session) {
    const url = new URL(request.url);
    throw redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  if (session.kind !== 'staff') throw redirect('/platform');
  if (permission) {
    try {
      assertCan(session.actor, permission);
    } catch {
      throw json({ message: '没有权限访问此页面 / You do not have access to this page' }, { status: 403 });
    }
  }
  return { actor: session.actor, session };
}

export async function requireActor(request: Request, context: AppLoadContext, permission?: Permission): Promise<{ actor: Actor; session: StaffSession }> {
  return actorOf(request, await getSession(request, context), permission);
}

/**
 * The actor of a page whose service reads the page in a tenant transaction (server/tenancy/auth.service.ts
 * ActorSource): on a GET whose session no loader has started reading yet, the service reads the session in that
 * transaction and shares it with the page's other loaders. The permission is checked as requireActor checks it. Call
 * it before the loader's first await, so it can take the request's session lookup over, and hand it to the service
 * at once (`service(services, pageActor(…), …)`): the page's other loaders wait for the session it reads.
 */
export function pageActor(request: Request, context: AppLoadContext, permission: Permission): ActorSource {
  const cookie = request.headers.get('Cookie');
  const l = request.method === 'GET' ? lookupOf(context, cookie ?? '') : null;
  const readsSession = !!l && !l.taken;
  if (l) l.taken = true;
  return {
    cookie,
    requestId: context.requestId,
    readsSession,
    share: (session) => l?.settle(session),
    check: (session) => actorOf(request, session, permission).actor,
    elsewhere: async () => (await requireActor(request, context, permission)).actor,
  };
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Reads a form body; a body that is not a readable form is the client's error (400), never a 500. So is a NUL
 * character in any field: PostgreSQL cannot store it (app/lib/params.ts has the same rule for the schemas).
 */
export async function readForm(request: Request): Promise<FormData> {
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw json({ message: '无法读取表单 / The form could not be read' }, { status: 400 });
  }
  for (const [field, value] of form) {
    if (typeof value === 'string' && !hasNoNul(value)) throw json({ message: `${field}: ${NUL_MESSAGE}` }, { status: 400 });
  }
  return form;
}

export async function verifyCsrf(request: Request, expected: string): Promise<FormData | null> {
  const header = request.headers.get('X-CSRF-Token');
  const type = request.headers.get('Content-Type') ?? '';
  const multipart = type.includes('multipart/form-data');
  if (header) {
    if (!sameToken(header, expected)) throw json({ message: 'CSRF token mismatch' }, { status: 403 });
    // Multipart bodies (uploads of several GB) are left unread for the route to stream.
    return type.includes('application/x-www-form-urlencoded') ? await readForm(request) : null;
  }
  if (multipart) {
    // Multipart bodies (uploads) must send the token in the header so the body can be streamed.
    throw json({ message: 'CSRF token missing' }, { status: 403 });
  }
  const form = await readForm(request);
  const token = form.get('_csrf');
  if (typeof token !== 'string' || !sameToken(token, expected)) throw json({ message: 'CSRF token missing or wrong: reload the page' }, { status: 403 });
  return form;
}

export async function requireMutation(request: Request, context: AppLoadContext, permission: Permission): Promise<{ actor: Actor; session: StaffSession; form: FormData }> {
  const { actor, session } = await requireActor(request, context, permission);
  const form = (await verifyCsrf(request, session.csrfToken)) ?? new FormData();
  return { actor, session, form };
}

/** Turns typed domain errors into a JSON response the form can show; rethrows anything else. */
export function actionError(e: unknown, context: AppLoadContext) {
  const ue = toUserError(e);
  if (ue) return json({ ok: false as const, error: ue.message, details: ue.details ?? null }, { status: ue.status });
  if (e instanceof Response) throw e;
  context.services.log.error('action failed', { requestId: context.requestId, error: e });
  return json({ ok: false as const, error: `出错了，请稍后重试（请求号 ${context.requestId}）/ Something went wrong (request ${context.requestId})`, details: null }, { status: 500 });
}

export { ForbiddenError };

export type PlatformSession = Extract<SessionInfo, { kind: 'platform' }>;

export async function requirePlatformAdmin(request: Request, context: AppLoadContext): Promise<PlatformSession> {
  const session = await getSession(request, context);
  if (!session) throw redirect('/login?next=/platform');
  if (session.kind !== 'platform') throw json({ message: '仅平台管理员 / Platform administrators only' }, { status: 403 });
  return session;
}
