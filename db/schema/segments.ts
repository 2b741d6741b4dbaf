/** Tables of the segments capability (migration 2026-12-07-0700-segments). */
import type { Generated, JSONColumnType } from 'kysely';
import type { DateString, Timestamp } from './core';

export type SegmentKind = 'dynamic' | 'static';

export interface SegmentsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  description: string | null;
  kind: SegmentKind;
  rule: JSONColumnType<Record<string, unknown>, string, string>;
  template: string | null;
  source: Generated<'rule' | 'upload'>;
  size: Generated<number>;
  refreshed_at: Timestamp | null;
  refreshed_as_of: DateString | null;
  /** Set while a job owes the segment its membership (a large first fill, or a dynamic rule changed). */
  fill_owed_since: Timestamp | null;
  /** Why the fill job last failed for a reason a re-run cannot fix (the rule refused). */
  fill_error: string | null;
  created_by_staff_id: string | null;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface SegmentMembersTable {
  tenant_id: string;
  segment_id: string;
  customer_id: string;
  entered_on: DateString;
}

export interface SegmentEventsTable {
  tenant_id: string;
  segment_id: string;
  id: Generated<number>;
  customer_id: string;
  kind: 'enter' | 'exit';
  day: DateString;
  at: Generated<Timestamp>;
}

export interface SegmentSizesTable {
  tenant_id: string;
  segment_id: string;
  day: DateString;
  size: number;
  entered: Generated<number>;
  exited: Generated<number>;
}

export type SegmentActionKind = 'tag_add' | 'tag_remove' | 'follow_up';
export type SegmentActionStatus = 'queued' | 'running' | 'done' | 'failed';

export interface SegmentActionsTable {
  tenant_id: string;
  id: Generated<string>;
  /** Null for an action on the customers list's matching customers (its audience is `params.rule`, migration 1400). */
  segment_id: string | null;
  kind: SegmentActionKind;
  params: JSONColumnType<Record<string, unknown>, string, string>;
  status: Generated<SegmentActionStatus>;
  total: Generated<number>;
  done: Generated<number>;
  pending: Generated<number>;
  failed: Generated<number>;
  skipped: Generated<number>;
  error: string | null;
  created_by_staff_id: string | null;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
}

export type FollowUpStatus = 'open' | 'done' | 'dismissed';

/** A customer handed to a serving clerk for follow-up (the clerk workspace reads these). */

/** SKUs and categories a tenant has sold (the builder's type-ahead; migration 2026-12-07-1400-b). */
export interface OrderCatalogueTable {
  tenant_id: string;
  kind: 'sku' | 'category';
  value: string;
  label: string | null;
  lines: Generated<number>;
}

export interface OrderCatalogueStateTable {
  tenant_id: string;
  last_order_id: Generated<number>;
  updated_at: Generated<Timestamp>;
}

export interface SegmentTables {
  segments: SegmentsTable;
  segment_members: SegmentMembersTable;
  segment_events: SegmentEventsTable;
  segment_sizes: SegmentSizesTable;
  segment_actions: SegmentActionsTable;
  order_catalogue: OrderCatalogueTable;
  order_catalogue_state: OrderCatalogueStateTable;
}
