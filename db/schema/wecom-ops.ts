/** Tables of WeCom operations (migrations 2026-12-07-0600-a/b/c: welcome messages, handovers, moments; issue 18). */
import type { Generated, JSONColumnType } from 'kysely';
import type { Timestamp } from './core';

export interface WecomWelcomeMessagesTable {
  tenant_id: string;
  id: Generated<string>;
  scope: 'default' | 'channel' | 'store' | 'clerk';
  channel_id: string | null;
  store_id: string | null;
  staff_id: string | null;
  text: string;
  attachments: JSONColumnType<unknown[], string, string>;
  active: Generated<boolean>;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface WecomWelcomeSendsTable {
  tenant_id: string;
  id: Generated<number>;
  welcome_code: string;
  userid: string;
  external_userid: string;
  state: string | null;
  channel_id: string | null;
  staff_id: string | null;
  message_id: string | null;
  status: Generated<'sending' | 'sent' | 'rejected' | 'expired' | 'failed' | 'no_message'>;
  errcode: number | null;
  error: string | null;
  text: string | null;
  event_at: Timestamp;
  received_at: Generated<Timestamp>;
  sent_at: Timestamp | null;
}

export interface WecomHandoversTable {
  tenant_id: string;
  id: Generated<string>;
  kind: 'resigned' | 'on_job';
  from_staff_id: string;
  to_staff_id: string;
  from_userid: string;
  to_userid: string;
  message: string | null;
  status: Generated<'collecting' | 'transferring' | 'waiting' | 'done' | 'failed'>;
  error: string | null;
  created_by_staff_id: string | null;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  finished_at: Timestamp | null;
}

export interface WecomHandoverCustomersTable {
  tenant_id: string;
  handover_id: string;
  external_userid: string;
  customer_id: string | null;
  status: Generated<'pending' | 'waiting' | 'kept' | 'refused' | 'limit_reached' | 'failed' | 'skipped'>;
  errcode: number | null;
  reason: string | null;
  takeover_at: Timestamp | null;
  updated_at: Generated<Timestamp>;
}

export interface WecomMomentsTable {
  tenant_id: string;
  id: Generated<string>;
  text: Generated<string>;
  attachments: JSONColumnType<unknown[], string, string>;
  sender_userids: Generated<string[]>;
  tag_ids: Generated<string[]>;
  wecom_tag_ids: Generated<string[]>;
  jobid: string | null;
  moment_id: string | null;
  status: Generated<'creating' | 'active' | 'cancelled' | 'failed'>;
  invalid_senders: Generated<string[]>;
  invalid_tags: Generated<string[]>;
  error: string | null;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  synced_at: Timestamp | null;
}

export interface WecomMomentClerksTable {
  tenant_id: string;
  moment_id: string;
  userid: string;
  staff_id: string | null;
  posted: Generated<boolean>;
  posted_seen_at: Timestamp | null;
  likes: Generated<number>;
  comments: Generated<number>;
}

export interface WecomMomentReachTable {
  tenant_id: string;
  moment_id: string;
  userid: string;
  external_userid: string;
  customer_id: string | null;
  shown: Generated<boolean>;
}

export interface WecomOpsTables {
  wecom_welcome_messages: WecomWelcomeMessagesTable;
  wecom_welcome_sends: WecomWelcomeSendsTable;
  wecom_handovers: WecomHandoversTable;
  wecom_handover_customers: WecomHandoverCustomersTable;
  wecom_moments: WecomMomentsTable;
  wecom_moment_clerks: WecomMomentClerksTable;
  wecom_moment_reach: WecomMomentReachTable;
}
