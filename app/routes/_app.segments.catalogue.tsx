/** The builder's SKU / category type-ahead (GET ?kind=sku|category&q=…): the tenant's sold values, most sold first. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { actionError, requireActor } from '~/lib/guards.server';
import { segmentCatalogue } from '~/lib/segments.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'segments.view');
  const u = new URL(request.url).searchParams;
  try {
    const items = await segmentCatalogue(context.services, actor, { kind: u.get('kind'), q: u.get('q') ?? '' });
    return json({ ok: true as const, items });
  } catch (e) {
    return actionError(e, context);
  }
}
