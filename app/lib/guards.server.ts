/**
 * Route guards. Remix runs loaders in parallel, so every loader and action calls one of these itself:
 *   const { actor } = await requireActor(request, context, 'customers.view');
 *   const { actor, form } = await requireMutation(request, context, 'settings.manage');
 * requireMutation also checks the session's CSRF token (form field `_csrf` or header `X-CSRF-Token`).
 */
import { json, redirect, type AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { assertCan } from '../../server/tenancy/actor';
import { resolveSession, type SessionInfo } from '../../server/tenancy/auth.service';
import type { Permission } from '../../server/tenancy/permissions';
import { ForbiddenError, toUserError } from '../../server/lib/errors';
import { timingSafeEqual } from 'node:crypto';
import { hasNoNul, NUL_MESSAGE } from './params';
import './load-context';

export type StaffSession = Extract<SessionInfo, { kind: 'staff' }>;

/**
 * Sessions resolved for the request being served: a page's GET runs the root, layout and route loaders, each of
 * which checks the session itself; they share one lookup (one transaction instead of three). Only for GET, so an
 * action that changes the session (language, sign-out) is followed by loaders that read it afresh.
 */
const resolved = new WeakMap<AppLoadContext, Map<string, Promise<SessionInfo | null>>>();

export async function getSession(request: Request, context: AppLoadContext): Promise<SessionInfo | null> {
  const cookie = request.headers.get('Cookie');
  if (request.method !== 'GET') return resolveSession(context.services, cookie, context.requestId);
  let byCookie = resolved.get(context);
  if (!byCookie) resolved.set(context, (byCookie = new Map()));
  let p = byCookie.get(cookie ?? '');
  if (!p) {
    p = resolveSession(context.services, cookie, context.requestId);
    byCookie.set(cookie ?? '', p);
  }
  return p;
}

export async function requireActor(request: Request, context: AppLoadContext, permission?: Permission): Promise<{ actor: Actor; session: StaffSession }> {
  const session = await getSession(request, context);
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
