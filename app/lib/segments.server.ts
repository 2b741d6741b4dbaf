/**
 * Server bridge of the segment pages (loaders and actions only): re-exports server/segments/pages.service.ts, whose
 * functions open the tenant transaction themselves.
 */
import type { AppLoadContext } from '@remix-run/node';
import type { Actor } from '../../server/tenancy/actor';
import { bulkTagMatching } from '../../server/segments/pages.service';

export {
  bulkTagMatching,
  previewSegmentRule,
  removeSegment,
  saveNewSegment,
  saveSegment,
  saveUploadedSegment,
  segmentBuilderOptions,
  segmentBulkTag,
  segmentCatalogue,
  segmentFollowUp,
  segmentMembersExport,
  segmentPage,
  segmentsList,
} from '../../server/segments/pages.service';

/** The customers list's "all N matching customers" form: its query string (sent with the form), the operation and the tag. */
export async function bulkTagMatchingAction(context: AppLoadContext, actor: Actor, form: FormData) {
  const queued = await bulkTagMatching(context.services, actor, String(form.get('query') ?? ''), { op: form.get('op'), tagId: form.get('tagId') });
  return { ok: true as const, error: undefined, queued };
}
