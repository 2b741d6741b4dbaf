/** Tables of the clerk's workspace (migration 2026-12-07-0800-clerk-workspace). */
import type { Generated, JSONColumnType } from 'kysely';
import type { DateString, Timestamp } from './core';

export type ClerkTaskStatus = 'open' | 'done' | 'skipped' | 'expired';
export type FollowUpChannel = 'chat' | 'call' | 'visit';
export type ScriptKind = 'text' | 'image' | 'link';

/** Anything a clerk should do for a customer; system, segments and campaigns insert rows (see the migration). */
export interface ClerkTasksTable {
  tenant_id: string;
  id: Generated<string>;
  kind: string;
  customer_id: string | null;
  staff_id: string;
  due_on: DateString;
  status: Generated<ClerkTaskStatus>;
  reason: string | null;
  source: Generated<string>;
  dedupe_key: string;
  title: string | null;
  payload: JSONColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: Generated<Timestamp>;
  closed_at: Timestamp | null;
  closed_by: string | null;
}

export interface CustomerFollowUpsTable {
  tenant_id: string;
  id: Generated<string>;
  customer_id: string;
  staff_id: string;
  channel: FollowUpChannel;
  note: Generated<string>;
  next_follow_up_on: DateString | null;
  created_at: Generated<Timestamp>;
}

export interface ClerkScriptsTable {
  tenant_id: string;
  id: Generated<string>;
  category: string;
  stage: string | null;
  kind: Generated<ScriptKind>;
  title: string;
  body: Generated<string>;
  url: string | null;
  image_url: string | null;
  active: Generated<boolean>;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface CustomerTouchesTable {
  tenant_id: string;
  id: Generated<string>;
  customer_id: string | null;
  chat_id: string | null;
  staff_id: string;
  kind: string;
  script_id: string | null;
  content: string;
  via: Generated<string>;
  created_at: Generated<Timestamp>;
}

/** One row per tenant and local day whose tasks the daily job generated (migration 2026-12-07-1100). */
export interface ClerkTaskRunsTable {
  tenant_id: string;
  day: DateString;
  tasks_created: Generated<number>;
  finished_at: Generated<Timestamp>;
}

/** One row per clerk and local day whose tasks 今日 generated before the tenant's daily run (migration 2026-12-07-1860). */
export interface ClerkTaskStaffRunsTable {
  tenant_id: string;
  staff_id: string;
  day: DateString;
  tasks_created: Generated<number>;
  finished_at: Generated<Timestamp>;
}

export interface ClerkTables {
  clerk_tasks: ClerkTasksTable;
  clerk_task_runs: ClerkTaskRunsTable;
  clerk_task_staff_runs: ClerkTaskStaffRunsTable;
  customer_follow_ups: CustomerFollowUpsTable;
  clerk_scripts: ClerkScriptsTable;
  customer_touches: CustomerTouchesTable;
}
