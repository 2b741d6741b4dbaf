/** JS-SDK signatures for a sidebar page URL (own host only, rate-limited per staff member). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { z } from 'zod';
import { toUserError } from '~/lib/auth.server';
import { requireSidebarActor, sidebarSignatures } from '~/lib/sidebar.server';

const query = z.object({ url: z.string().min(1).max(2000) });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireSidebarActor(request, context);
  const q = query.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!q.success) return json({ message: 'url is required' }, { status: 400 });
  try {
    return json(await sidebarSignatures(context, actor, q.data.url), { headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    const ue = toUserError(e);
    if (!ue) throw e;
    const headers: Record<string, string> = {};
    if (ue.status === 429) headers['Retry-After'] = String((ue as { retryAfterSeconds?: number }).retryAfterSeconds ?? 60);
    return json({ message: ue.message }, { status: ue.status, headers });
  }
}
