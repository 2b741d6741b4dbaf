/** Server bridge of the segment pages (loaders and actions only). */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { withTenant as inTenant } from '../../server/tenancy/context';
import { parseCustomerFiltersLenient } from '../../server/customers/customer-list.service';
import { queueSegmentAction as queueAction, startBulkTagMatching } from '../../server/segments/actions.service';

export {
  builderOptions,
  createSegment,
  deleteSegment,
  listSegmentsFor,
  previewRule,
  segmentCount,
  segmentCustomers,
  segmentFor,
  searchOrderCatalogue,
  updateSegment,
} from '../../server/segments/segments.service';
export { segmentSizes } from '../../server/segments/segments.repository';
export { exportMembers, handToClerks, queueSegmentAction, startBulkTag } from '../../server/segments/actions.service';
export { recentActions } from '../../server/segments/actions.repository';
export { withTenant } from '../../server/tenancy/context';
export { createStaticFromUpload } from '../../server/segments/upload.service';
export { mobileHashKey } from '../../server/customers/mobile-identity';

/**
 * The customers list's "all N matching customers": the list's filters (its query string, sent with the form) and the
 * tag; records the action, then queues its job after commit.
 */
export async function bulkTagMatchingAction(context: AppLoadContext, actor: Actor, form: FormData) {
  const filters = parseCustomerFiltersLenient(new URLSearchParams(String(form.get('query') ?? '')));
  const r = await inTenant(context.services.dbs, actor.tenantId, (trx) => startBulkTagMatching(trx, actor, filters, { op: form.get('op'), tagId: form.get('tagId') }));
  await queueAction(context.services, actor.tenantId, r.actionId);
  return { ok: true as const, error: undefined, queued: r };
}

