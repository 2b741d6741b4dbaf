/**
 * The segment rule: its wire format (the API's public contract, issue #14 point 7), the field catalogue (type,
 * operators and labels of every field the builder offers), and the checks that refuse a bad rule with a message
 * naming the condition. Client-safe: imports nothing from server/, so the builder in the browser and the compiler
 * (server/customers/rule-compiler.ts) parse the same rules with the same messages.
 *
 * Rule = AND over `all`'s groups, OR inside each group, and none of `none`:
 *   {"all": [{"any": [COND, …]}, …], "none": [COND, …]}
 *   COND = {"field": F, "op": OP, "value": V, "window": {"last_days": N} | {"days_ago": [N, M]} | {"since": "YYYY-MM-DD"}}
 * Relative days count back from the reference day D of the tenant's metrics: "the last N days" are the N local
 * calendar days ending with D, both ends included; "the next N days" the N days starting with D.
 *
 * Member fields (level, points, birthday, register store and date, marketing opt-out) read the member profile on
 * the customer (migration 2026-12-07-1050); a birthday is a month and day: "in the next N days" ignores the year,
 * and a 29 February birthday falls on 28 February in a common year.
 */
import { z } from 'zod';

export const OPS = [
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'in', 'not_in', 'contains', 'not_contains', 'empty', 'not_empty',
  'has_any', 'has_all', 'has_none', 'in_last_days', 'more_than_days_ago', 'between_days_ago', 'in_next_days',
] as const;
export type Op = (typeof OPS)[number];

export type Pair = [zh: string, en: string];

export const OP_LABELS: Record<Op, Pair> = {
  eq: ['等于', 'is'],
  neq: ['不等于', 'is not'],
  gt: ['大于', '>'],
  gte: ['大于等于', '≥'],
  lt: ['小于', '<'],
  lte: ['小于等于', '≤'],
  between: ['介于', 'between'],
  in: ['属于', 'is any of'],
  not_in: ['不属于', 'is none of'],
  contains: ['包含', 'contains'],
  not_contains: ['不包含', 'does not contain'],
  empty: ['为空', 'is empty'],
  not_empty: ['不为空', 'is not empty'],
  has_any: ['含任一', 'has any of'],
  has_all: ['含全部', 'has all of'],
  has_none: ['都不含', 'has none of'],
  in_last_days: ['最近 N 天内', 'in the last N days'],
  more_than_days_ago: ['N 天以前', 'more than N days ago'],
  between_days_ago: ['N 到 M 天前', 'between N and M days ago'],
  in_next_days: ['未来 N 天内', 'in the next N days'],
};

/** How a field's value is typed; each type has its operators. */
export type FieldType = 'number' | 'money' | 'probability' | 'date' | 'birthday' | 'enum' | 'bool' | 'text' | 'store' | 'region' | 'clerk' | 'tags' | 'groups' | 'segment' | 'sku' | 'category';

const NUM_OPS: Op[] = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'between', 'empty', 'not_empty'];
const DATE_OPS: Op[] = ['eq', 'gt', 'gte', 'lt', 'lte', 'between', 'in_last_days', 'more_than_days_ago', 'between_days_ago', 'in_next_days', 'empty', 'not_empty'];
export const TYPE_OPS: Record<FieldType, Op[]> = {
  number: NUM_OPS,
  money: NUM_OPS,
  probability: NUM_OPS,
  date: DATE_OPS,
  birthday: ['in_next_days', 'empty', 'not_empty'],
  enum: ['eq', 'neq', 'in', 'not_in', 'empty', 'not_empty'],
  bool: ['eq'],
  text: ['eq', 'neq', 'in', 'not_in', 'contains', 'not_contains', 'empty', 'not_empty'],
  store: ['in', 'not_in', 'empty', 'not_empty'],
  region: ['in', 'not_in', 'empty', 'not_empty'],
  clerk: ['in', 'not_in', 'empty', 'not_empty'],
  tags: ['has_any', 'has_all', 'has_none', 'empty', 'not_empty'],
  groups: ['has_any', 'has_none', 'empty', 'not_empty'],
  segment: ['in', 'not_in'],
  sku: ['in', 'not_in'],
  category: ['in', 'not_in'],
};

export type Category = 'profile' | 'member' | 'wecom' | 'metrics' | 'orders' | 'segments';
export const CATEGORY_LABELS: Record<Category, Pair> = {
  profile: ['客户资料', 'Profile'],
  member: ['会员资料', 'Member data'],
  wecom: ['企业微信', 'WeCom'],
  metrics: ['复购指标', 'Repurchase metrics'],
  orders: ['购买行为', 'Order behaviour'],
  segments: ['分群', 'Segments'],
};

export interface FieldDef {
  key: string;
  category: Category;
  type: FieldType;
  label: Pair;
  /** Allowed values of an enum field, with labels. */
  options?: { value: string; label: Pair }[];
  /** Order-behaviour fields: the condition may carry a window (all history up to D without one). */
  window?: boolean;
  /** Integer values only (counts, days, scores). */
  integer?: boolean;
  min?: number;
  max?: number;
  hint?: Pair;
}

const STAGE_OPTIONS: FieldDef['options'] = [
  { value: 'prospect', label: ['潜在客户', 'Prospect'] },
  { value: 'new', label: ['新客', 'New'] },
  { value: 'active', label: ['活跃', 'Active'] },
  { value: 'at_risk', label: ['流失预警', 'At risk'] },
  { value: 'lapsed', label: ['已流失', 'Lapsed'] },
];
const GROUP_OPTIONS: FieldDef['options'] = [
  { value: 'champions', label: ['重要价值', 'Champions'] },
  { value: 'loyal', label: ['忠诚客户', 'Loyal'] },
  { value: 'potential_loyalist', label: ['潜力客户', 'Potential loyalists'] },
  { value: 'new', label: ['新客户', 'New'] },
  { value: 'promising', label: ['有望客户', 'Promising'] },
  { value: 'need_attention', label: ['需要关注', 'Need attention'] },
  { value: 'about_to_sleep', label: ['即将沉睡', 'About to sleep'] },
  { value: 'at_risk', label: ['流失风险', 'At risk'] },
  { value: 'cant_lose', label: ['不能失去', "Can't lose"] },
  { value: 'hibernating', label: ['沉睡客户', 'Hibernating'] },
  { value: 'lost', label: ['已流失', 'Lost'] },
];
export const RELATION_STATES = ['active', 'deleted_by_customer', 'clerk_left', 'ended', 'none'] as const;
export type RelationState = (typeof RELATION_STATES)[number];
const RELATION_LABELS: Record<RelationState, [string, string]> = {
  active: ['正常', 'Active'],
  deleted_by_customer: ['被客户删除', 'Deleted by the customer'],
  clerk_left: ['导购已离职', 'Clerk left'],
  ended: ['导购已删除', 'Ended by the clerk'],
  none: ['无好友关系', 'No relation'],
};
const score = { integer: true, min: 1, max: 5 } as const;

export const FIELDS: readonly FieldDef[] = [
  // profile
  { key: 'store', category: 'profile', type: 'store', label: ['所属门店', 'Store'], hint: ['客户的归属门店', 'The customer’s home store'] },
  { key: 'region', category: 'profile', type: 'region', label: ['所属区域', 'Region'] },
  { key: 'clerk', category: 'profile', type: 'clerk', label: ['服务导购', 'Serving clerk'], hint: ['有未结束的企业微信好友关系', 'An open WeCom relation'] },
  { key: 'channel', category: 'profile', type: 'text', label: ['渠道码', 'Channel code'], hint: ['联系我的 state 参数', 'The contact way’s state'] },
  { key: 'wecom_added_at', category: 'profile', type: 'date', label: ['添加企微时间', 'Added on WeCom'], hint: ['任一好友关系的添加日期', 'The add date of any of the relations'] },
  { key: 'gender', category: 'profile', type: 'enum', label: ['性别', 'Gender'], options: [{ value: '0', label: ['未知', 'Unknown'] }, { value: '1', label: ['男', 'Male'] }, { value: '2', label: ['女', 'Female'] }] },
  { key: 'has_mobile', category: 'profile', type: 'bool', label: ['有手机号', 'Has a mobile'] },
  { key: 'member_no', category: 'profile', type: 'text', label: ['会员号', 'Member number'] },
  { key: 'remark', category: 'profile', type: 'text', label: ['备注', 'Remark'], hint: ['任一导购的备注', 'Any clerk’s remark'] },
  // member data (the member import)
  { key: 'member_level', category: 'member', type: 'text', label: ['会员等级', 'Member level'] },
  { key: 'member_points', category: 'member', type: 'number', label: ['会员积分', 'Member points'], integer: true },
  { key: 'birthday', category: 'member', type: 'birthday', label: ['生日', 'Birthday'], hint: ['按月日计算，不论年份；2 月 29 日生日在平年按 2 月 28 日', 'Month and day, any year; 29 February counts as 28 February in a common year'] },
  { key: 'registered_store', category: 'member', type: 'store', label: ['开卡门店', 'Registered at store'] },
  { key: 'registered_on', category: 'member', type: 'date', label: ['开卡日期', 'Registered on'] },
  { key: 'marketing_opt_out', category: 'member', type: 'bool', label: ['拒收营销', 'Opted out of marketing'] },
  // WeCom
  { key: 'tags', category: 'wecom', type: 'tags', label: ['标签', 'Tags'], hint: ['按客户合并所有导购打的标签与内部标签', 'Per customer: tags from every clerk plus internal tags'] },
  { key: 'groups', category: 'wecom', type: 'groups', label: ['客户群', 'Group chats'] },
  {
    key: 'relation',
    category: 'wecom',
    type: 'enum',
    label: ['好友关系', 'Relation'],
    options: RELATION_STATES.map((value) => ({ value, label: RELATION_LABELS[value] })),
  },
  { key: 'serving_clerk', category: 'wecom', type: 'clerk', label: ['主服务导购', 'Main serving clerk'], hint: ['指标中的服务导购（门店与导购看板按此统计）', 'The serving clerk of the metrics (as the Stores & clerks dashboard counts)'] },
  { key: 'clerk_count', category: 'wecom', type: 'number', label: ['服务导购数', 'Serving clerks'], integer: true, min: 0 },
  // metrics
  { key: 'frequency', category: 'metrics', type: 'number', label: ['购买天数 F', 'Purchase days (F)'], integer: true, min: 0 },
  { key: 'monetary_fen', category: 'metrics', type: 'money', label: ['累计净消费 M', 'Net spend (M)'] },
  { key: 'recency_days', category: 'metrics', type: 'number', label: ['距上次购买天数 R', 'Days since last purchase (R)'], integer: true, min: 0 },
  { key: 'aov_fen', category: 'metrics', type: 'money', label: ['客单价', 'Average spend per purchase day'], hint: ['净消费 ÷ 购买天数', 'Net spend ÷ purchase days'] },
  { key: 'first_purchase_day', category: 'metrics', type: 'date', label: ['首次购买日', 'First purchase day'] },
  { key: 'last_purchase_day', category: 'metrics', type: 'date', label: ['最近购买日', 'Last purchase day'] },
  { key: 'median_interval_days', category: 'metrics', type: 'number', label: ['复购间隔中位数（天）', 'Median interval (days)'], min: 0 },
  { key: 'r_score', category: 'metrics', type: 'number', label: ['R 分', 'R score'], ...score },
  { key: 'f_score', category: 'metrics', type: 'number', label: ['F 分', 'F score'], ...score },
  { key: 'm_score', category: 'metrics', type: 'number', label: ['M 分', 'M score'], ...score },
  { key: 'fm_score', category: 'metrics', type: 'number', label: ['FM 分', 'FM score'], ...score, hint: ['RFM 格的列：(F 分 + M 分) / 2 向上取整', 'The RFM grid column: ceil((F + M) / 2)'] },
  { key: 'rfm_group', category: 'metrics', type: 'enum', label: ['RFM 分组', 'RFM group'], options: GROUP_OPTIONS },
  { key: 'stage', category: 'metrics', type: 'enum', label: ['生命周期', 'Lifecycle stage'], options: STAGE_OPTIONS },
  { key: 'due', category: 'metrics', type: 'bool', label: ['待回购', 'Due'] },
  { key: 'days_overdue', category: 'metrics', type: 'number', label: ['逾期天数', 'Days overdue'], integer: true, min: 0, hint: ['仅待回购客户', 'Due customers only'] },
  { key: 'next_purchase_day', category: 'metrics', type: 'date', label: ['预计下次购买日', 'Expected next purchase'] },
  { key: 'p_alive', category: 'metrics', type: 'probability', label: ['活跃概率 P(alive)', 'P(alive)'], min: 0, max: 1, hint: ['仅复购客户（一次购买无此值）', 'Repeaters only (none for one purchase)'] },
  { key: 'expected_purchases_90', category: 'metrics', type: 'number', label: ['未来 90 天预计购买', 'Expected purchases in 90 days'], min: 0 },
  { key: 'predicted_value_fen', category: 'metrics', type: 'money', label: ['预测 12 个月价值', 'Predicted 12-month value'] },
  // order behaviour (window: all history up to D without one)
  { key: 'orders', category: 'orders', type: 'number', label: ['订单数', 'Paid orders'], integer: true, min: 0, window: true },
  { key: 'spend_fen', category: 'orders', type: 'money', label: ['消费金额', 'Paid amount'], window: true },
  { key: 'bought_sku', category: 'orders', type: 'sku', label: ['购买过商品 (SKU)', 'Bought SKU'], window: true },
  { key: 'bought_category', category: 'orders', type: 'category', label: ['购买过品类', 'Bought category'], window: true },
  { key: 'bought_store', category: 'orders', type: 'store', label: ['在门店购买过', 'Bought in store'], window: true },
  // segments
  { key: 'segment', category: 'segments', type: 'segment', label: ['所在分群', 'In segment'] },
];

const BY_KEY = new Map(FIELDS.map((f) => [f.key, f]));
export function fieldDef(key: string): FieldDef | undefined {
  return BY_KEY.get(key);
}
/** Operators a field accepts (bought_store: only in / not in, like the other order lists). */
export function opsFor(f: FieldDef): Op[] {
  if (f.key === 'bought_store') return ['in', 'not_in'];
  if (f.key === 'relation') return ['in', 'not_in'];
  if (f.key === 'p_alive') return NUM_OPS;
  return TYPE_OPS[f.type];
}

// --------------------------------------------------------------------------------------------- wire format

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'not a calendar date');
const days = z.number().int().min(0).max(36500);

export const windowSchema = z.union([
  z.object({ last_days: days.min(1) }).strict(),
  z.object({ days_ago: z.tuple([days, days]) }).strict(),
  z.object({ since: isoDate }).strict(),
]);
export type RuleWindow = z.infer<typeof windowSchema>;

export const conditionSchema = z
  .object({
    field: z.string().min(1).max(64),
    op: z.enum(OPS),
    value: z.unknown().optional(),
    window: windowSchema.optional(),
  })
  .strict();
export type Condition = z.infer<typeof conditionSchema>;

export const MAX_CONDITIONS = 60;
export const ruleSchema = z
  .object({
    all: z.array(z.object({ any: z.array(conditionSchema).min(1, 'a group needs at least one condition').max(30) }).strict()).max(20).default([]),
    none: z.array(conditionSchema).max(30).default([]),
  })
  .strict();
export type Rule = z.infer<typeof ruleSchema>;

export const EMPTY_RULE: Rule = { all: [], none: [] };

export interface RuleIssue {
  /** e.g. "all[1].any[0]" or "none[2]". */
  path: string;
  message: string;
}

/** "all[1].any[0] (recency_days gt)": names the condition in messages. */
export function conditionName(path: string, c: { field?: unknown; op?: unknown }): string {
  return `${path} (${String(c.field ?? '?')} ${String(c.op ?? '?')})`;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrList = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.length <= 500 && v.every((x) => typeof x === 'string' && x.trim() !== '' && x.length <= 200);

/** Checks a condition's value against its field and operator. Returns a message, or null when fine. */
export function checkCondition(c: Condition): string | null {
  const f = fieldDef(c.field);
  if (!f) return `unknown field "${c.field}"`;
  if (!opsFor(f).includes(c.op)) return `operator ${c.op} does not apply to ${c.field} (use ${opsFor(f).join(', ')})`;
  if (c.window && !f.window) return `${c.field} takes no window (only order behaviour does)`;
  if (c.window && 'days_ago' in c.window && c.window.days_ago[0] > c.window.days_ago[1]) return 'window.days_ago: N must not exceed M';
  const v = c.value;
  if (c.op === 'empty' || c.op === 'not_empty') return v === undefined || v === null ? null : `${c.op} takes no value`;
  if (c.op === 'in_last_days' || c.op === 'more_than_days_ago' || c.op === 'in_next_days') return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 36500 ? null : 'value must be a whole number of days';
  if (c.op === 'between_days_ago') {
    return Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x) && x >= 0) && v[0] <= v[1] ? null : 'value must be [N, M] days with N ≤ M';
  }
  switch (f.type) {
    case 'number':
    case 'money':
    case 'probability':
      return checkNumber(f, c.op, v);
    case 'date':
      if (c.op === 'between') return Array.isArray(v) && v.length === 2 && v.every((x) => isoDate.safeParse(x).success) && v[0] <= v[1] ? null : 'value must be [from, to] dates YYYY-MM-DD';
      return isoDate.safeParse(v).success ? null : 'value must be a date YYYY-MM-DD';
    case 'bool':
      return typeof v === 'boolean' ? null : 'value must be true or false';
    case 'enum': {
      const allowed = f.options!.map((o) => o.value);
      const list = c.op === 'in' || c.op === 'not_in' ? v : [v];
      if (!Array.isArray(list) || list.length === 0) return 'value must be a list of values';
      const bad = list.filter((x) => !allowed.includes(String(x)));
      return bad.length === 0 ? null : `unknown value ${bad.map((x) => JSON.stringify(x)).join(', ')} (allowed: ${allowed.join(', ')})`;
    }
    case 'text':
      if (c.op === 'in' || c.op === 'not_in') return isStrList(v) ? null : 'value must be a list of texts';
      return typeof v === 'string' && v.trim() !== '' && v.length <= 200 ? null : 'value must be a text';
    case 'groups':
    case 'tags':
      return isStrList(v) ? null : 'value must be a list of ids or names';
    default:
      return isStrList(v) ? null : 'value must be a list of ids';
  }
}

function checkNumber(f: FieldDef, op: Op, v: unknown): string | null {
  const one = (x: unknown): string | null => {
    if (!isNum(x)) return 'value must be a number';
    if (f.integer && !Number.isInteger(x)) return 'value must be a whole number';
    if ((f.type === 'money') && !Number.isInteger(x)) return 'value must be whole fen';
    if (f.min !== undefined && x < f.min) return `value must be ≥ ${f.min}`;
    if (f.max !== undefined && x > f.max) return `value must be ≤ ${f.max}`;
    return null;
  };
  if (op === 'between') {
    if (!Array.isArray(v) || v.length !== 2) return 'value must be [low, high]';
    const e = one(v[0]) ?? one(v[1]);
    if (e) return e;
    return v[0] <= v[1] ? null : 'value must be [low, high] with low ≤ high';
  }
  return one(v);
}

/** Parses a rule and checks every condition; issues name the condition. */
export function parseRule(input: unknown): { ok: true; rule: Rule } | { ok: false; issues: RuleIssue[] } {
  const r = ruleSchema.safeParse(input);
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.map((issue) => {
        const i = { ...issue, path: issue.path.filter((x): x is string | number => typeof x !== 'symbol') };
        const path = formatPath(i.path);
        const cond = conditionAt(input, i.path);
        return { path, message: cond ? `${conditionName(condPath(i.path), cond)}: ${i.message}` : `${path || 'rule'}: ${i.message}` };
      }),
    };
  }
  const issues: RuleIssue[] = [];
  for (const { path, cond } of conditionsOf(r.data)) {
    const e = checkCondition(cond);
    if (e) issues.push({ path, message: `${conditionName(path, cond)}: ${e}` });
  }
  const n = countConditions(r.data);
  if (n > MAX_CONDITIONS) issues.push({ path: 'rule', message: `rule: at most ${MAX_CONDITIONS} conditions (got ${n})` });
  return issues.length ? { ok: false, issues } : { ok: true, rule: r.data };
}

export function conditionsOf(rule: Rule): { path: string; cond: Condition }[] {
  return [
    ...rule.all.flatMap((g, i) => g.any.map((cond, j) => ({ path: `all[${i}].any[${j}]`, cond }))),
    ...rule.none.map((cond, j) => ({ path: `none[${j}]`, cond })),
  ];
}

export function countConditions(rule: Rule): number {
  return rule.all.reduce((n, g) => n + g.any.length, 0) + rule.none.length;
}

function formatPath(p: (string | number)[]): string {
  return p.map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join('');
}
function condPath(p: (string | number)[]): string {
  const end = p[0] === 'none' ? 2 : 4;
  return formatPath(p.slice(0, end));
}
function conditionAt(input: unknown, p: (string | number)[]): { field?: unknown; op?: unknown } | null {
  const end = p[0] === 'none' ? 2 : p[0] === 'all' ? 4 : 0;
  if (end === 0 || p.length < end) return null;
  let cur: unknown = input;
  for (const k of p.slice(0, end)) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur && typeof cur === 'object' ? (cur as { field?: unknown; op?: unknown }) : null;
}

/** A customer matching a rule, as the preview, the segment page and the API list it (serialised dates as text). */
export interface MatchingCustomerRow {
  id: string;
  display_name: string | null;
  mobile_masked: string | null;
  store: string | null;
  stage: string | null;
  rfm_group: string | null;
  frequency: number | null;
  monetary_fen: number | null;
  last_purchase: string | null;
  is_due: boolean | null;
  predicted_value_12m_fen: number | null;
}
