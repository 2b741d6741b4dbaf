import type { Generated } from 'kysely';
import type { DateString, Timestamp } from './core';

export type CampaignStatus = 'draft' | 'pending_approval' | 'scheduled' | 'running' | 'done' | 'cancelled' | 'failed';
export type CampaignRunStatus = 'planning' | 'sending' | 'sent' | 'done' | 'cancelled' | 'failed';
export type RecipientStatus = 'planned' | 'excluded' | 'held_out' | 'task_created' | 'invalid' | 'unsent' | 'sent' | 'not_friend' | 'cap_reached';
export type OutboxState = 'pending' | 'calling' | 'done' | 'failed';

export interface CampaignsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  goal: string | null;
  status: Generated<CampaignStatus>;
  delivery: 'mass' | 'one_to_one';
  /** Whom mass tasks go to: customers in single chats, or also the clerks' customer group chats (migration 1830). */
  target: Generated<'customers' | 'customers_and_groups'>;
  audience: unknown;
  content: unknown;
  schedule: unknown;
  guardrails: Generated<unknown>;
  holdout_pct: Generated<string>;
  attribution_days: Generated<number>;
  priority: Generated<number>;
  next_run_at: Timestamp | null;
  approved_by: string | null;
  approved_at: Timestamp | null;
  created_by: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface CampaignRunsTable {
  tenant_id: string;
  id: Generated<string>;
  campaign_id: string;
  status: Generated<CampaignRunStatus>;
  planned_for: Timestamp;
  started_at: Timestamp | null;
  sent_at: Timestamp | null;
  finished_at: Timestamp | null;
  error: string | null;
  /** Migration 2026-12-07-1600: when it may send (past quiet hours) and when its unsent tasks expire. */
  send_after: Timestamp | null;
  expires_at: Timestamp | null;
}

export interface CampaignRecipientsTable {
  tenant_id: string;
  run_id: string;
  customer_id: string;
  arm: 'target' | 'holdout' | 'control';
  excluded: string | null;
  sender_staff_id: string | null;
  external_userid: string | null;
  chunk: number | null;
  status: Generated<RecipientStatus>;
  sent_at: Timestamp | null;
}

export interface CampaignOutboxTable {
  tenant_id: string;
  run_id: string;
  sender_staff_id: string;
  chunk: number;
  state: Generated<OutboxState>;
  recipients: number;
  text_sha256: string;
  attempts: Generated<number>;
  called_at: Timestamp | null;
  msgid: string | null;
  fail_count: number | null;
  reconciled: Generated<boolean>;
  error: string | null;
  completed_at: Timestamp | null;
  /** Send results (migration 2026-12-07-1000): the clerk's confirmation and the poll schedule. */
  confirmed_at: Timestamp | null;
  last_polled_at: Timestamp | null;
  next_poll_at: Timestamp | null;
  poll_failures: Generated<number>;
  reminders: Generated<Timestamp[]>;
  cancelled_at: Timestamp | null;
  /** Migration 2026-12-07-1700: a customer task ('single') or a group-chat task ('group', negative chunks). */
  chat_type: Generated<'single' | 'group'>;
}

/** The ledger of fired entries of triggered campaigns (migration 2026-12-07-1700). */
export interface CampaignTriggerEntriesTable {
  tenant_id: string;
  campaign_id: string;
  customer_id: string;
  entry_key: string;
  entered_on: DateString;
  run_id: string;
  fired_at: Generated<Timestamp>;
}

export interface CampaignTriggerStateTable {
  tenant_id: string;
  campaign_id: string;
  since_on: DateString;
  evaluated_on: DateString | null;
  evaluated_at: Timestamp | null;
}

/** One customer group chat of a run's group-chat task. */
export interface CampaignGroupTargetsTable {
  tenant_id: string;
  run_id: string;
  chat_id: string;
  sender_staff_id: string;
  chunk: number;
  status: Generated<Exclude<RecipientStatus, 'excluded' | 'held_out'>>;
  sent_at: Timestamp | null;
}

/** Media uploaded for attachments, by content hash (WeCom keeps a media_id for 3 days). */
export interface WecomMediaTable {
  tenant_id: string;
  sha256: string;
  kind: 'image' | 'voice' | 'video' | 'file';
  media_id: string;
  uploaded_at: Timestamp;
}

/** The tenant's campaign settings (migration 2026-12-07-1600); no row means the defaults. */
export interface CampaignSettingsTable {
  tenant_id: string;
  quiet_start: string | null;
  quiet_end: string | null;
  frequency_max: Generated<number>;
  frequency_days: Generated<number>;
  receive_cap_rule: Generated<'month_days' | 'week_7' | 'day_1'>;
  approval_required: Generated<boolean>;
  control_pct: Generated<string>;
  updated_by: string | null;
  updated_at: Generated<Timestamp>;
}

export interface CampaignTables {
  campaign_settings: CampaignSettingsTable;
  campaigns: CampaignsTable;
  campaign_runs: CampaignRunsTable;
  campaign_recipients: CampaignRecipientsTable;
  /** A view: campaign_recipients with the state users read (a planned target of a created mass task reads task_created). */
  campaign_recipient_states: CampaignRecipientsTable;
  campaign_outbox: CampaignOutboxTable;
  campaign_trigger_entries: CampaignTriggerEntriesTable;
  campaign_trigger_state: CampaignTriggerStateTable;
  campaign_group_targets: CampaignGroupTargetsTable;
  wecom_media: WecomMediaTable;
}
