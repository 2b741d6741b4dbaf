/** The API's customer list and profile with their metrics at D (GET /api/v1/customers[/<id>]). */
import type { Services } from '../../services';
import type { Actor } from '../../tenancy/actor';
import { withTenant } from '../../tenancy/context';
import { listCustomerMetrics, type CustomerFilters, type MetricSort } from '../../customers/customer-list.service';
import { customerProfile } from '../../customers/profile.repository';
import { filterOptions, resolveFilters, type FilterInput } from '../filters';
import { computedMetricsRow, tenantToday } from '../metrics.repository';
import { getState, metricsAt } from '../refresh.service';

export interface CustomerListParams {
  page: number;
  size: number;
  sort: MetricSort;
  dir: 'asc' | 'desc';
  filters: CustomerFilters;
}

/** A page of the actor's customers with their metrics at `f.as_of` (the stored metrics, or computed for another D). */
export async function customersAt(services: Services, actor: Actor, f: FilterInput, p: CustomerListParams) {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const options = await filterOptions(trx, actor);
    const state = await getState(trx, actor.tenantId);
    const rf = resolveFilters(f, options, state?.as_of ?? (await tenantToday(trx, actor.tenantId)), null);
    const at = await metricsAt(trx, actor.tenantId, f.as_of);
    const list = await listCustomerMetrics(trx, actor, { sort: p.sort, dir: p.dir, page: p.page, size: p.size, filters: p.filters }, options, at.relation);
    return { list, asOf: rf.asOf };
  });
}

/** One customer's profile with their metrics at `f.as_of`. */
export async function customerAt(services: Services, actor: Actor, id: string, f: FilterInput) {
  return withTenant(services.dbs, actor.tenantId, async (trx) => {
    const p = await customerProfile(trx, actor, id);
    const at = await metricsAt(trx, actor.tenantId, f.as_of);
    const metrics = at.relation === '_an_cm' ? await computedMetricsRow(trx, id) : (p.metrics as Record<string, unknown> | null);
    return { p, metrics };
  });
}
