/** Tables of the wecom capability (migration 2026-11-22-0100-wecom). */
import type { Generated, JSONColumnType } from 'kysely';
import type { Timestamp } from './core';

export type WecomMode = 'live' | 'simulator';

/** How the in-process simulator of a simulator-mode connection is built (demo and tests). */
export interface WecomSimConfig {
  seed: number;
  customers: number;
  /** The demo chain's size: the simulator's staff are the chain's clerks. */
  chain?: { regions: number; stores: number; clerks: number };
  /** Generated staff when there is no chain. */
  staff?: number;
  latencyMs?: number;
  /** "Now" of the generated history (epoch ms), fixed at seeding so every process builds the same world. */
  anchorMs?: number;
}

export interface WecomConnectionsTable {
  tenant_id: string;
  corp_id: string;
  agent_id: number | null;
  secret_sealed: string;
  callback_token: string;
  aes_key_sealed: string;
  mode: Generated<WecomMode>;
  base_url: string | null;
  sim_config: JSONColumnType<WecomSimConfig | null, string | null, string | null>;
  last_test_at: Timestamp | null;
  last_test_ok: boolean | null;
  last_test_message: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  updated_by_label: string;
}

export interface WecomAccessTokensTable {
  tenant_id: string;
  corp_id: string;
  app_key: string;
  token_sealed: string;
  expires_at: Timestamp;
  updated_at: Generated<Timestamp>;
}

export type SyncRunStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
export type SyncPhase = 'staff' | 'tags' | 'contacts' | 'groups' | 'finalize' | 'done';
export type SyncSource = 'ui' | 'cli' | 'demo' | 'schedule';

/** One cursor chain of batch/get_by_user: ≤100 userids, the cursor after the last applied page. */
export interface SyncLane {
  userids: string[];
  cursor: string;
  done: boolean;
  pages: number;
  /** Relations applied from this lane. */
  items: number;
  /** Index (in `userids`) of the last clerk whose relations were applied: progress inside the lane. */
  lastUser: number;
}

export interface SyncCheckpoint {
  /** Follow users (staff with customer contact), in the order the lanes were planned. */
  followUsers?: number;
  lanes?: SyncLane[];
  /** Group chats: the owner chunks already listed. */
  groupListDone?: boolean;
}

export interface SyncError {
  at: string;
  phase: SyncPhase;
  message: string;
}

export interface WecomSyncRunsTable {
  tenant_id: string;
  id: Generated<string>;
  kind: Generated<'full'>;
  status: Generated<SyncRunStatus>;
  phase: Generated<SyncPhase>;
  source: SyncSource;
  created_by_label: string;
  checkpoint: JSONColumnType<SyncCheckpoint, string, string>;
  pages: Generated<number>;
  api_calls: Generated<number>;
  staff_seen: Generated<number>;
  staff_created: Generated<number>;
  tags_seen: Generated<number>;
  tags_changed: Generated<number>;
  relations_seen: Generated<number>;
  customers_seen: Generated<number>;
  customers_created: Generated<number>;
  customers_updated: Generated<number>;
  relations_created: Generated<number>;
  relations_updated: Generated<number>;
  relations_ended: Generated<number>;
  follow_tags_changed: Generated<number>;
  groups_seen: Generated<number>;
  groups_changed: Generated<number>;
  groups_dismissed: Generated<number>;
  orders_linked: Generated<number>;
  estimate_relations: number | null;
  errors: JSONColumnType<SyncError[], string, string>;
  error_message: string | null;
  attempts: Generated<number>;
  job_id: string | null;
  created_at: Generated<Timestamp>;
  started_at: Timestamp | null;
  heartbeat_at: Timestamp | null;
  finished_at: Timestamp | null;
}

export interface WecomSyncSeenTable {
  tenant_id: string;
  run_id: string;
  id: Generated<number>;
  customer_ids: string[];
  staff_ids: string[];
}

export interface WecomSyncChatsTable {
  tenant_id: string;
  run_id: string;
  chat_id: string;
  status: Generated<number>;
  done: Generated<boolean>;
}

export type TagKind = 'wecom' | 'internal';
export type TagPushState = 'synced' | 'pending' | 'failed';

export interface TagGroupsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  kind: TagKind;
  wecom_group_id: string | null;
  sort_order: Generated<number>;
  deleted_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface TagsTable {
  tenant_id: string;
  id: Generated<string>;
  group_id: string;
  name: string;
  wecom_tag_id: string | null;
  sort_order: Generated<number>;
  push_state: Generated<TagPushState>;
  push_error: string | null;
  created_by_label: string | null;
  deleted_at: Timestamp | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

/** A read-only view over customer_follows.tag_ids (migration 0304): one row per (relation, tag). */
export interface CustomerFollowTagsTable {
  tenant_id: string;
  customer_id: string;
  staff_id: string;
  tag_id: string;
  created_at: Timestamp;
}

export interface CustomerInternalTagsTable {
  tenant_id: string;
  customer_id: string;
  tag_id: string;
  added_by_label: string;
  added_at: Generated<Timestamp>;
}

export type TagChangeOp = 'add' | 'remove';
export type TagChangeState = 'pending' | 'synced' | 'failed' | 'internal';

export interface TagChangesTable {
  tenant_id: string;
  id: Generated<number>;
  batch_id: string;
  customer_id: string;
  tag_id: string;
  op: TagChangeOp;
  state: Generated<TagChangeState>;
  reason: string | null;
  attempts: Generated<number>;
  actor_staff_id: string | null;
  actor_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
  synced_at: Timestamp | null;
}

export interface WecomGroupChatsTable {
  tenant_id: string;
  chat_id: string;
  name: Generated<string>;
  owner_userid: Generated<string>;
  owner_staff_id: string | null;
  notice: string | null;
  member_version: string | null;
  status: Generated<number>;
  member_count: Generated<number>;
  customer_count: Generated<number>;
  wecom_created_at: Timestamp | null;
  dismissed_at: Timestamp | null;
  synced_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface WecomGroupMembersTable {
  tenant_id: string;
  chat_id: string;
  member_id: string;
  member_type: number;
  customer_id: string | null;
  staff_id: string | null;
  unionid: string | null;
  name: string | null;
  group_nickname: string | null;
  join_time: Timestamp | null;
  join_scene: number | null;
  invitor_userid: string | null;
  state: string | null;
  left_at: Timestamp | null;
  updated_at: Generated<Timestamp>;
}

export type ChannelStatus = 'pending' | 'active' | 'failed';

export interface WecomChannelsTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  state: string;
  store_id: string | null;
  staff_id: string | null;
  campaign: string | null;
  userids: Generated<string[]>;
  skip_verify: Generated<boolean>;
  config_id: string | null;
  qr_code: string | null;
  status: Generated<ChannelStatus>;
  error: string | null;
  created_by_label: string;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export type InboxStatus = 'pending' | 'done' | 'failed' | 'ignored';

export interface WecomInboxTable {
  tenant_id: string;
  id: Generated<number>;
  dedupe_key: string;
  event: string;
  change_type: string | null;
  subject: string | null;
  payload: JSONColumnType<Record<string, unknown>, string, string>;
  status: Generated<InboxStatus>;
  attempts: Generated<number>;
  result: string | null;
  error: string | null;
  received_at: Generated<Timestamp>;
  processed_at: Timestamp | null;
}

export interface WecomTables {
  wecom_connections: WecomConnectionsTable;
  wecom_access_tokens: WecomAccessTokensTable;
  wecom_sync_runs: WecomSyncRunsTable;
  wecom_sync_seen: WecomSyncSeenTable;
  wecom_sync_chats: WecomSyncChatsTable;
  tag_groups: TagGroupsTable;
  tags: TagsTable;
  customer_follow_tags: CustomerFollowTagsTable;
  customer_internal_tags: CustomerInternalTagsTable;
  tag_changes: TagChangesTable;
  wecom_group_chats: WecomGroupChatsTable;
  wecom_group_members: WecomGroupMembersTable;
  wecom_channels: WecomChannelsTable;
  wecom_inbox: WecomInboxTable;
}
