import type { ColumnType, Generated, JSONColumnType } from 'kysely';

export type Timestamp = Date;
export type DateString = ColumnType<string, string, string>;
export type Json<T extends object | null = Record<string, unknown>> = JSONColumnType<T, T, T>;

export interface TenantsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  timezone: Generated<string>;
  currency: Generated<string>;
  locale: Generated<string>;
  settings: Generated<Record<string, unknown>>;
  active: Generated<boolean>;
  is_demo: Generated<boolean>;
  created_at: Generated<Timestamp>;
}

export interface RegionsTable {
  tenant_id: string;
  id: Generated<string>;
  code: string;
  name: string;
  created_at: Generated<Timestamp>;
}

export interface StoresTable {
  tenant_id: string;
  id: Generated<string>;
  region_id: string | null;
  code: string;
  name: string;
  city: string | null;
  address: string | null;
  opened_on: DateString | null;
  imported: Generated<boolean>;
  active: Generated<boolean>;
  created_at: Generated<Timestamp>;
}

export type Role = 'admin' | 'ops' | 'manager' | 'clerk';

export interface StaffTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  email: string | null;
  mobile: string | null;
  role: Role;
  password_hash: string | null;
  store_id: string | null;
  wecom_userid: string | null;
  imported: Generated<boolean>;
  active: Generated<boolean>;
  locale: string | null;
  created_at: Generated<Timestamp>;
  last_login_at: Timestamp | null;
}

export interface StaffScopesTable {
  tenant_id: string;
  staff_id: string;
  region_id: string | null;
  store_id: string | null;
  id: Generated<string>;
}

export interface SessionsTable {
  tenant_id: string;
  id_hash: string;
  staff_id: string;
  csrf_token: string;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditLogTable {
  tenant_id: string;
  id: Generated<number>;
  at: Generated<Timestamp>;
  actor_staff_id: string | null;
  actor_label: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export interface ApiKeysTable {
  tenant_id: string;
  id: Generated<string>;
  name: string;
  prefix: string;
  key_hash: string;
  created_by: string;
  created_at: Generated<Timestamp>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export interface PlatformAdminsTable {
  id: Generated<string>;
  email: string;
  name: string;
  password_hash: string;
  created_at: Generated<Timestamp>;
}

export interface PlatformSessionsTable {
  id_hash: string;
  admin_id: string;
  csrf_token: string;
  expires_at: Timestamp;
  created_at: Generated<Timestamp>;
}

export interface LoginAttemptsTable {
  id: Generated<number>;
  identifier: string;
  ip: string | null;
  success: boolean;
  at: Generated<Timestamp>;
}

/** Sign-in throttling counter per `id:<identifier>` / `ip:<address>` (migration 2026-12-07-0300). */
export interface LoginThrottleTable {
  key: string;
  attempts: number;
  last_at: Timestamp;
  locked_until: Timestamp | null;
  last_attempt: string;
}

export interface CoreTables {
  tenants: TenantsTable;
  regions: RegionsTable;
  stores: StoresTable;
  staff: StaffTable;
  staff_scopes: StaffScopesTable;
  sessions: SessionsTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  platform_admins: PlatformAdminsTable;
  platform_sessions: PlatformSessionsTable;
  login_attempts: LoginAttemptsTable;
  login_throttle: LoginThrottleTable;
}
