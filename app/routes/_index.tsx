import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { getSession } from '~/lib/guards.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await getSession(request, context);
  if (!session) throw redirect('/login');
  if (session.kind === 'platform') throw redirect('/platform');
  throw redirect(session.actor.role === 'clerk' ? '/m' : '/dashboard');
}
