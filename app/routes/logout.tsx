import type { ActionFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { logout, serializeSessionCookie } from '~/lib/auth.server';
import { getSession, verifyCsrf } from '~/lib/guards.server';

export async function loader() {
  return redirect('/');
}

export async function action({ request, context }: ActionFunctionArgs) {
  const session = await getSession(request, context);
  if (session) await verifyCsrf(request, session.csrfToken);
  await logout(context.services, request.headers.get('Cookie'));
  return redirect('/login', { headers: { 'Set-Cookie': serializeSessionCookie(context.services, null) } });
}
