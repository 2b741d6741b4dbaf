/** Server bridge of the campaign pages (loaders and actions only). */
import { json } from '@remix-run/node';
import { NotFoundError } from '../../server/lib/errors';

export { campaignListPage, campaignPage, reportPage, runPage } from '../../server/campaigns/pages.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => json({ message: '活动不存在 / Campaign not found' }, { status: 404 });

/** A route's id parameter, or a 404 page when it cannot be an id. */
export function idOr404(v: string | undefined): string {
  if (!v || !UUID.test(v)) throw notFound();
  return v;
}

/** The page's data, or a 404 page when the campaign (or run) is not this tenant's. */
export async function or404<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof NotFoundError) throw notFound();
    throw e;
  }
}
