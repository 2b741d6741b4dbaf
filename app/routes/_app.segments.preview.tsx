/** Live count and preview of an unsaved rule (GET ?rule=<json>[&exact=1]), for the builder's debounced count (≈ when estimated). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { actionError, pageActor } from '~/lib/guards.server';
import { previewSegmentRule } from '~/lib/segments.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Taken before any await: the count's transaction reads the session too (pageActor).
  const src = pageActor(request, context, 'segments.view');
  const params = new URL(request.url).searchParams;
  try {
    const out = await previewSegmentRule(context.services, src, params.get('rule') ?? '{}', { exact: params.get('exact') === '1' });
    return json({ ok: true as const, count: out.count, exact: out.exact, as_of: out.as_of, rows: out.rows ?? [] });
  } catch (e) {
    return actionError(e, context);
  }
}
