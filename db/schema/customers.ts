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
  /** Member profile (migration 1050, #13.11). */
  member_level: string | null;
  member_points: number | null;
  birth_year: number | null;
  birth_month: number | null;
  birth_day: number | null;
  registered_store_id: string | null;
  registered_on: string | null;
  /** Excluded from every campaign while true. */
  marketing_opt_out: Generated<boolean>;
  marketing_opt_out_at: Timestamp | null;
  /** Full mobile sealed with SecretBox, for tap-to-call where the tenant allows it. */
  mobile_sealed: string | null;
  member_updated_at: Timestamp | null;
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
