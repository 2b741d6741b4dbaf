/**
 * Client-safe contract of the import history: the statuses (the history's filter and the status badge share
 * their labels) and the history's filter schema, parsed the same way in the loader and the component.
 */
import { z } from 'zod';

export const IMPORT_STATUSES = ['uploaded', 'queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type ImportStatusId = (typeof IMPORT_STATUSES)[number];

export const IMPORT_STATUS_LABELS: Record<ImportStatusId, readonly [string, string]> = {
  uploaded: ['草稿（待映射）', 'Draft (needs mapping)'],
  queued: ['排队中', 'Queued'],
  running: ['导入中', 'Running'],
  done: ['已完成', 'Done'],
  failed: ['失败', 'Failed'],
  cancelled: ['已取消', 'Cancelled'],
};

/** `?status=` of the history: one status, or none for all. */
export const importStatusFilter = z.enum(IMPORT_STATUSES).optional().catch(undefined);
