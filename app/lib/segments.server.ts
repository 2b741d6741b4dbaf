/** Server bridge of the segment pages (loaders and actions only). */
export {
  builderOptions,
  createSegment,
  deleteSegment,
  listSegmentsFor,
  previewRule,
  segmentCount,
  segmentCustomers,
  segmentFor,
  updateSegment,
} from '../../server/segments/segments.service';
export { segmentSizes } from '../../server/segments/segments.repository';
export { exportMembers, handToClerks, queueSegmentAction, startBulkTag } from '../../server/segments/actions.service';
export { recentActions } from '../../server/segments/actions.repository';
export { withTenant } from '../../server/tenancy/context';
export { createStaticFromUpload } from '../../server/segments/upload.service';
export { mobileHashKey } from '../../server/customers/mobile-identity';
