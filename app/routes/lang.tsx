import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { getSession, verifyCsrf } from '~/lib/guards.server';
import { LANG_COOKIE } from '~/lib/i18n';

export async function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await getSession(request, context);
  const form = session ? ((await verifyCsrf(request, session.csrfToken)) ?? new FormData()) : await request.formData();
  const lang = form.get('lang') === 'en' ? 'en' : 'zh-CN';
  const next = String(form.get('next') ?? '/');
  const to = next.startsWith('/') && !next.startsWith('//') ? next : '/';
  return redirect(to, { headers: { 'Set-Cookie': `${LANG_COOKIE}=${lang}; Path=/; SameSite=Lax; Max-Age=31536000` } });
}
