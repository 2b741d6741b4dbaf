/** Live count and preview of an unsaved rule (GET ?rule=<json>[&exact=1]), for the builder's debounced count (≈ when estimated). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { actionError, requireActor } from '~/lib/guards.server';
import { previewSegmentRule } from '~/lib/segments.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.view');
  const params = new URL(request.url).searchParams;
  const raw = params.get('rule') ?? '{}';
  let rule: unknown;
  try {
    rule = JSON.parse(raw);
  } catch {
    return json({ ok: false as const, error: 'rule: not valid JSON' }, { status: 400 });
  }
  try {
    const out = await previewSegmentRule(context.services, actor, rule, { exact: params.get('exact') === '1' });
    return json({ ok: true as const, count: out.count, exact: out.exact, as_of: out.as_of, rows: out.rows ?? [] });
  } catch (e) {
    return actionError(e, context);
  }
}
