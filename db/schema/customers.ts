import type { Generated } from 'kysely';
import type { Timestamp } from './core';

export type CustomerSource = 'wecom' | 'import' | 'api' | 'manual' | 'demo';
export type IdentityKind = 'external_userid' | 'unionid' | 'member_no' | 'mobile' | 'openid';

export interface CustomersTable {
  tenant_id: string;
  id: Generated<string>;
  display_name: string | null;
  gender: Generated<number>;
  avatar: string | null;
  source: CustomerSource;
  primary_store_id: string | null;
  mobile_masked: string | null;
  merged_into: string | null;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export interface CustomerIdentitiesTable {
  tenant_id: string;
  kind: IdentityKind;
  value: string;
  customer_id: string;
  source: string;
  created_at: Generated<Timestamp>;
}

export interface CustomerFollowsTable {
  tenant_id: string;
  customer_id: string;
  staff_id: string;
  remark: string | null;
  description: string | null;
  remark_mobiles: Generated<string[]>;
  added_at: Timestamp | null;
  add_way: number | null;
  state: string | null;
  channel_id: string | null;
  oper_userid: string | null;
  ended_at: Timestamp | null;
  end_reason: string | null;
  updated_at: Generated<Timestamp>;
  /** The relation's WeCom corp tags, sorted (migration 0304). */
  tag_ids: Generated<string[]>;
  /** When Huike last wrote tag_ids (write-back); a sync page read earlier does not overwrite them. */
  tags_changed_at: Timestamp | null;
}

export interface CustomerRefreshQueueTable {
  tenant_id: string;
  customer_id: string;
  queued_at: Generated<Timestamp>;
  reason: string;
}

export interface CustomerTables {
  customers: CustomersTable;
  customer_identities: CustomerIdentitiesTable;
  customer_follows: CustomerFollowsTable;
  customer_refresh_queue: CustomerRefreshQueueTable;
}
