import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { getSession, readForm, verifyCsrf } from '~/lib/guards.server';
import { LANG_COOKIE } from '~/lib/i18n';
import { safeNext } from '~/lib/safe-next';

export async function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await getSession(request, context);
  const form = session ? ((await verifyCsrf(request, session.csrfToken)) ?? new FormData()) : await readForm(request);
  const lang = form.get('lang') === 'en' ? 'en' : 'zh-CN';
  const next = form.get('next');
  const to = safeNext(typeof next === 'string' ? next : null) ?? '/';
  return redirect(to, { headers: { 'Set-Cookie': `${LANG_COOKIE}=${lang}; Path=/; SameSite=Lax; Max-Age=31536000` } });
}
