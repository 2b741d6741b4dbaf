/** Tables of the ingest capability (migration 2026-11-22-0200-orders). */
import type { ColumnType, Generated, JSONColumnType } from 'kysely';
import type { DateString, Timestamp } from './core';

export type OrderChannel = 'pos' | 'mini_program' | 'ecommerce' | 'group_buy' | 'other';
export type ImportStatus = 'uploaded' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type ImportPhase = 'reading' | 'merging' | 'reporting';
export type ImportSource = 'upload' | 'cli' | 'demo' | 'api';

/** Progress the engine commits together with the staged rows, so a restarted job resumes without duplicates. */
export interface ImportCheckpoint {
  /** Data lines (not counting the header) committed to staging, and the last source line number among them. */
  linesDone?: number;
  lastLine?: number;
  /** Rejected lines counted so far and the byte length of the error report at that point. */
  rejected?: number;
  /** Lines that passed validation and are in staging (a restarted job checks the staging count against it). */
  goodLines?: number;
  errorBytes?: number;
  bytesRead?: number;
  /** Set once every line is staged. */
  staged?: boolean;
  /** Merge buckets (by hash of order number) and how many are merged. */
  buckets?: number;
  bucketsDone?: number;
  /** Set once rejected orders have been appended to the error report. */
  reported?: boolean;
  /**
   * The tenant's change counter as this import last saw it (`tenant_changes`), or null once something other than
   * the import changed the tenant while it ran (migration 2026-12-07-1960, docs/decisions/0012-identical-reimport.md).
   */
  changes?: number | null;
  /** Set when a line was rejected for a reason that depends on the clock (a paid time in the future). */
  clockDependent?: boolean;
}

export interface ImportsTable {
  tenant_id: string;
  id: Generated<string>;
  kind: Generated<'orders' | 'members'>;
  status: Generated<ImportStatus>;
  phase: ImportPhase | null;
  source: ImportSource;
  file_name: string;
  file_path: string;
  file_size: Generated<number>;
  format: Generated<'csv' | 'xlsx'>;
  compression: 'gzip' | null;
  encoding: string | null;
  delimiter: string | null;
  header: JSONColumnType<string[] | null, string | null, string | null>;
  preview: JSONColumnType<string[][] | null, string | null, string | null>;
  mapping: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  preset_name: string | null;
  created_by_staff_id: string | null;
  created_by_label: string;
  cancel_requested: Generated<boolean>;
  rows_read: Generated<number>;
  rows_rejected: Generated<number>;
  bytes_read: Generated<number>;
  orders_created: Generated<number>;
  orders_updated: Generated<number>;
  orders_unchanged: Generated<number>;
  orders_rejected: Generated<number>;
  customers_created: Generated<number>;
  customers_linked: Generated<number>;
  customers_merged: Generated<number>;
  stores_created: Generated<number>;
  clerks_created: Generated<number>;
  /** Member imports (migration 1300): members whose customer is a WeCom customer, changed, unchanged, rejected. */
  members_linked: Generated<number>;
  members_updated: Generated<number>;
  members_unchanged: Generated<number>;
  members_rejected: Generated<number>;
  /** The store codes and clerk names this import created (migration 2026-12-07-1200). */
  stores_created_codes: JSONColumnType<string[], string | undefined, string>;
  clerks_created_names: JSONColumnType<string[], string | undefined, string>;
  rows_per_second: number | null;
  eta_seconds: number | null;
  checkpoint: JSONColumnType<ImportCheckpoint, string, string>;
  error_report_path: string | null;
  error_message: string | null;
  job_id: string | null;
  attempts: Generated<number>;
  created_at: Generated<Timestamp>;
  started_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** Migration 2026-12-07-1960: sha256 of the file's bytes, kind, mapping and shape; see docs/decisions/0012. */
  fingerprint: string | null;
  /** The tenant's change counter this import ended at, when a re-import of the same file may be completed from it. */
  changes_seen: number | null;
  /** A re-import completed from this earlier import without reading its file again. */
  identical_to: string | null;
}

export interface ImportMappingPresetsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  mapping: JSONColumnType<Record<string, unknown>, string, string>;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface ImportRejectedMembersTable {
  tenant_id: string;
  import_id: string;
  member_no: string;
  reason: string;
  column_name: string | null;
}

export interface ImportRejectedOrdersTable {
  tenant_id: string;
  import_id: string;
  order_no: string;
  reason: string;
  column_name: string | null;
  /** The order's lines when they are exactly first_line..last_line (else null: found in staging). */
  first_line: ColumnType<number | null, number | null | undefined, number | null>;
  last_line: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface OrdersTable {
  tenant_id: string;
  id: Generated<number>;
  order_no: string;
  store_id: string | null;
  clerk_id: string | null;
  channel: Generated<OrderChannel>;
  status: string | null;
  paid_at: Timestamp;
  /** Local calendar day of paid_at in the tenant's time zone. */
  paid_day: DateString;
  /** Signed: refunds are stored as −|total|, so net revenue = sum(amount_fen). */
  amount_fen: number;
  item_count: Generated<number>;
  is_refund: Generated<boolean>;
  refund_of_order_no: string | null;
  /** Null = anonymous (no identity matched yet). */
  customer_id: string | null;
  external_userid: string | null;
  unionid: string | null;
  member_no: string | null;
  mobile_hash: string | null;
  mobile_masked: string | null;
  openid: string | null;
  content_hash: string;
  source: 'import' | 'api';
  import_id: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface OrderItemsTable {
  tenant_id: string;
  order_id: number;
  line_no: number;
  sku: string | null;
  name: string | null;
  category: string | null;
  quantity: number;
  unit_price_fen: number | null;
  amount_fen: number;
}

export interface ApiIdempotencyKeysTable {
  tenant_id: string;
  key: string;
  endpoint: string;
  request_hash: string;
  status_code: number | null;
  response: JSONColumnType<Record<string, unknown> | null, string | null, string | null>;
  created_at: Generated<Timestamp>;
  completed_at: Timestamp | null;
}

/** Migration 2026-12-07-1960: a per-tenant counter bumped by every transaction that wrote what an import depends on. */
export interface TenantChangesTable {
  tenant_id: string;
  n: Generated<number>;
}

export interface TenantChangePendingTable {
  tenant_id: string;
  id: Generated<number>;
}

export interface IngestTables {
  imports: ImportsTable;
  tenant_changes: TenantChangesTable;
  tenant_change_pending: TenantChangePendingTable;
  import_mapping_presets: ImportMappingPresetsTable;
  import_rejected_orders: ImportRejectedOrdersTable;
  import_rejected_members: ImportRejectedMembersTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
}
