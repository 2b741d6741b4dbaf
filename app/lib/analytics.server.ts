/** Bridge from routes to the analytics capability (server-only). */
export { dashboardOverview } from '../../server/analytics/queries/overview';
export { dashboardRepurchase } from '../../server/analytics/queries/repurchase';
export { dashboardRfm } from '../../server/analytics/queries/rfm';
export { dashboardLifecycle } from '../../server/analytics/queries/lifecycle';
export { dashboardStores } from '../../server/analytics/queries/stores';
export { dashboardPredictions } from '../../server/analytics/queries/predictions';
export { listContext, pageContext } from '../../server/analytics/queries/read';
export { parseFiltersLenient, filterOptions } from '../../server/analytics/filters';
export { listCustomerMetrics, parseCustomerFiltersLenient, METRIC_SORTS } from '../../server/customers/customer-list.service';
export type { MetricSort, CustomerRow } from '../../server/customers/customer-list.service';
export { getCustomerProfile } from '../../server/customers/profile.service';
export { changeRepurchaseWindow } from '../../server/analytics/window.service';
export { listCustomers } from '../../server/customers/customers.repository';
export { can } from '../../server/tenancy/permissions';

import { json, type AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import type { Services } from '../../server/services';
import type { FilterInput } from '../../server/analytics/filters';
import { parseFiltersLenient as parseLenient } from '../../server/analytics/filters';
import { toUserError } from '../../server/lib/errors';

/**
 * Runs a dashboard read model for an actor the loader has already guarded (requireActor(…, 'dashboard.view')):
 * parses the URL filters leniently and turns user errors (e.g. an unknown store code) into a 4xx response.
 */
export async function dashboardData<T>(request: Request, context: AppLoadContext, actor: Actor, fn: (services: Services, actor: Actor, input: FilterInput, url: URL) => Promise<T>): Promise<T> {
  const url = new URL(request.url);
  try {
    return await fn(context.services, actor, parseLenient(url.searchParams), url);
  } catch (e) {
    const ue = toUserError(e);
    if (ue) throw json({ message: ue.message }, { status: ue.status });
    throw e;
  }
}
