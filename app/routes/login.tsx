import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json, redirect } from '@remix-run/node';
import { Form, useActionData, useNavigation, useSearchParams } from '@remix-run/react';
import { z } from 'zod';
import { LangSwitch } from '~/components/lang-switch';
import { login, toUserError } from '~/lib/auth.server';
import { getSession, readForm } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { text } from '~/lib/params';
import { safeNext } from '~/lib/safe-next';

export const meta: MetaFunction = () => [{ title: '登录 · 回客 Huike' }];

const schema = z.object({
  identifier: text().trim().min(1, '请输入邮箱或手机号 / Enter your email or mobile').max(200),
  password: z.string().min(1, '请输入密码 / Enter your password').max(1000),
  tenant: text().trim().max(100).optional(),
  next: z.string().optional(),
});

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await getSession(request, context);
  if (session?.kind === 'platform') throw redirect('/platform');
  if (session?.kind === 'staff') throw redirect('/');
  return json({});
}

export async function action({ request, context }: ActionFunctionArgs) {
  // Login CSRF is covered by the same-origin check in the express host (there is no session token yet).
  const form = await readForm(request);
  const parsed = schema.safeParse(Object.fromEntries(form));
  if (!parsed.success) return json({ error: parsed.error.issues[0]?.message ?? 'invalid', needTenant: false }, { status: 400 });
  try {
    const r = await login(context.services, {
      identifier: parsed.data.identifier,
      password: parsed.data.password,
      tenantSlug: parsed.data.tenant || null,
      ip: context.clientIp,
      userAgent: request.headers.get('User-Agent'),
    });
    const next = safeNext(parsed.data.next);
    const to = r.kind === 'platform' ? '/platform' : (next ?? (r.role === 'clerk' ? '/m' : '/dashboard'));
    return redirect(to, { headers: { 'Set-Cookie': r.cookie } });
  } catch (e) {
    const ue = toUserError(e);
    if (!ue) throw e;
    const headers: Record<string, string> = {};
    if (ue.status === 429) headers['Retry-After'] = String((ue as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60);
    return json({ error: ue.message, needTenant: ue.code === 'tenant_required' }, { status: ue.status, headers });
  }
}

export default function Login() {
  const t = useT();
  const data = useActionData<typeof action>();
  const nav = useNavigation();
  const [params] = useSearchParams();
  return (
    <div className="login-page">
      <div className="login-card">
        <h1>回客 Huike</h1>
        <p className="sub">{t('私域复购运营平台', 'Private-domain repurchase CRM')}</p>
        {data?.error ? (
          <div className="alert error" role="alert">
            {data.error}
          </div>
        ) : null}
        <Form method="post" className="stack">
          <input type="hidden" name="next" value={params.get('next') ?? ''} />
          <label>
            {t('邮箱或手机号', 'Email or mobile')}
            <input name="identifier" autoComplete="username" required autoFocus />
          </label>
          <label>
            {t('密码', 'Password')}
            <input name="password" type="password" autoComplete="current-password" required />
          </label>
          {data?.needTenant ? (
            <label>
              {t('企业代码', 'Company code')}
              <input name="tenant" required />
            </label>
          ) : null}
          <button type="submit" disabled={nav.state !== 'idle'}>
            {nav.state !== 'idle' ? t('登录中…', 'Signing in…') : t('登录', 'Sign in')}
          </button>
        </Form>
        {/* A div, not a p: the switch is a form, and a form inside a p breaks hydration (React #418/#423). */}
        <div className="muted" style={{ marginTop: '1rem' }}>
          <LangSwitch />
        </div>
      </div>
    </div>
  );
}
