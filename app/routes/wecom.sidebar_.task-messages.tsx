/**
 * The messages of one of the clerk's open 1:1 campaign tasks, for the sidebar to put into the chat one by one:
 * the script, then its images (by a live WeCom media_id, uploaded on the way when needed) and links. A POST with
 * the CSRF token in the X-CSRF-Token header: it may upload an image to WeCom.
 */
import type { ActionFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { actionError, verifyCsrf } from '~/lib/guards.server';
import { loadTaskChatMessages, requireSidebarActor } from '~/lib/sidebar.server';

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, csrfToken } = await requireSidebarActor(request, context);
  const form = (await verifyCsrf(request, csrfToken)) ?? new FormData();
  try {
    const r = await loadTaskChatMessages(context, actor, String(form.get('taskId') ?? ''));
    return json({ ok: true as const, error: undefined, ...r });
  } catch (e) {
    return actionError(e, context);
  }
}
