/** The simulated WeCom client's signature check for wx.config / wx.agentConfig (simulator-mode tenants only). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { requireSidebarActor, simVerify } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  return json(await simVerify(context, actor, new URL(request.url).searchParams));
}
