/**
 * The audit log's before/after as a readable list of changed fields: field label, old → new (client-safe, pure).
 * The rows come from server/tenancy/audit.ts as JSON objects; only the top-level fields that differ are listed.
 */
import type { Pair } from './analytics-labels';
import { isUuid } from './params';

type T = (zh: string, en: string) => string;

export const AUDIT_FIELD_LABELS: Record<string, Pair> = {
  name: ['名称', 'Name'],
  code: ['代码', 'Code'],
  timezone: ['时区', 'Time zone'],
  currency: ['币种', 'Currency'],
  locale: ['语言', 'Language'],
  active: ['启用', 'Active'],
  role: ['角色', 'Role'],
  email: ['邮箱', 'Email'],
  mobile: ['手机', 'Mobile'],
  store_id: ['门店', 'Store'],
  region_id: ['区域', 'Region'],
  regionIds: ['管辖区域', 'Regions'],
  city: ['城市', 'City'],
  passwordChanged: ['已修改密码', 'Password changed'],
  prefix: ['密钥前缀', 'Key prefix'],
  revoked_at: ['吊销时间', 'Revoked at'],
  repurchase_window_days: ['复购窗口（天）', 'Repurchase window (days)'],
  corp_id: ['企业 ID', 'Corp ID'],
  agent_id: ['应用 ID', 'Agent ID'],
  mode: ['模式', 'Mode'],
  base_url: ['接口地址', 'API base URL'],
  secret_changed: ['已更换 Secret', 'Secret changed'],
  aes_key_changed: ['已更换 EncodingAESKey', 'AES key changed'],
  file: ['文件', 'File'],
  mapping: ['字段映射', 'Column mapping'],
  customers: ['客户数', 'Customers'],
  add: ['添加标签', 'Tags added'],
  remove: ['移除标签', 'Tags removed'],
  group: ['标签组', 'Tag group'],
  kind: ['类型', 'Kind'],
  source: ['来源', 'Source'],
  reason: ['原因', 'Reason'],
  survivor_id: ['保留客户', 'Kept customer'],
  merged: ['合并的客户', 'Merged customers'],
  orders_moved: ['转移订单数', 'Orders moved'],
  state: ['渠道参数', 'Channel state'],
  slug: ['标识', 'Slug'],
  users: ['成员', 'Members'],
  campaign: ['活动', 'Campaign'],
  batch_id: ['批次', 'Batch'],
  applied: ['已生效', 'Applied'],
  pending: ['待同步', 'Pending'],
  failed: ['失败', 'Failed'],
  staff: ['员工', 'Staff'],
  stores: ['门店', 'Stores'],
  regions: ['区域', 'Regions'],
};

/** Fields the table shows elsewhere (the object column has the id). */
const HIDDEN = new Set(['id']);

export interface FieldChange {
  key: string;
  label: string;
  before: string;
  after: string;
  /** added: only in after (a creation); removed: only in before. */
  kind: 'changed' | 'added' | 'removed';
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A value as a person reads it: 是/否, lists joined, nested objects as "field: value", ids shortened. */
export function auditValue(v: unknown, t: T, formatTime: (iso: string) => string = (s) => s): string {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? t('是', 'yes') : t('否', 'no');
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    if (ISO_TIME.test(v)) return formatTime(v);
    if (isUuid(v)) return `#${v.slice(0, 8)}`;
    return v;
  }
  if (Array.isArray(v)) return v.length === 0 ? '—' : v.map((x) => auditValue(x, t, formatTime)).join('、');
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== undefined && x !== '');
    return entries.length === 0 ? '—' : entries.map(([k, x]) => `${fieldLabel(k, t)}: ${auditValue(x, t, formatTime)}`).join('; ');
  }
  return String(v);
}

export function fieldLabel(key: string, t: T): string {
  const p = AUDIT_FIELD_LABELS[key];
  return p ? t(p[0], p[1]) : key.replace(/_/g, ' ');
}

/** The top-level fields whose value differs between before and after (in after's field order, then before's). */
export function auditChanges(before: unknown, after: unknown, t: T, formatTime?: (iso: string) => string): FieldChange[] {
  const obj = (x: unknown) => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
  const b = obj(before);
  const a = obj(after);
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])];
  return keys
    .filter((k) => !HIDDEN.has(k) && JSON.stringify(b?.[k] ?? null) !== JSON.stringify(a?.[k] ?? null))
    .map((k) => ({
      key: k,
      label: fieldLabel(k, t),
      before: auditValue(b?.[k], t, formatTime),
      after: auditValue(a?.[k], t, formatTime),
      kind: b === null || !(k in b) ? 'added' : a === null || !(k in a) ? 'removed' : 'changed',
    }));
}
