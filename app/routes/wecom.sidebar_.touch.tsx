/** Records a message the clerk put into the chat with sendChatMessage (CSRF token in the X-CSRF-Token header). */
import type { ActionFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { actionError, verifyCsrf } from '~/lib/guards.server';
import { requireSidebarActor, saveTouch } from '~/lib/sidebar.server';

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, csrfToken } = await requireSidebarActor(request, context);
  const form = (await verifyCsrf(request, csrfToken)) ?? new FormData();
  try {
    const r = await saveTouch(context, actor, Object.fromEntries(form));
    return json({ ok: true as const, error: undefined, id: r.id });
  } catch (e) {
    return actionError(e, context);
  }
}
