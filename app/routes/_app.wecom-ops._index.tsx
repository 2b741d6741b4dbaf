import type { LoaderFunctionArgs } from '@remix-run/node';
import { redirect } from '@remix-run/node';
import { requireActor } from '~/lib/guards.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, 'wecom.ops');
  return redirect('/wecom-ops/welcome');
}
