/** OAuth callback of the sidebar: code → userid → staff member → session cookie (server/wecom/sidebar.service.ts). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { toUserError } from '~/lib/auth.server';
import { completeOauth } from '~/lib/sidebar.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  try {
    return await completeOauth(request, context);
  } catch (e) {
    const ue = toUserError(e);
    if (ue) throw json({ message: ue.message }, { status: ue.status });
    throw e;
  }
}
