/**
 * The campaign contract shared by the editor in the browser and the server (imports nothing from server/):
 * schedules, content within WeCom's limits (wecom-api.md 5.1), guardrails, and the message variables each
 * delivery mode may use.
 */
import { z } from 'zod';
import { variablesIn } from './message-template';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM / Time must be HH:MM');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD / Date must be YYYY-MM-DD');
const whole = (what: string, min: number, max: number) =>
  z.number({ error: `${what}必须是数字 / must be a number` }).int(`${what}必须是整数 / must be a whole number`).min(min, `${what}最小为 ${min} / at least ${min}`).max(max, `${what}最大为 ${max} / at most ${max}`);
const days = whole('天数', 0, 3650);

export const onceSchedule = z.object({ kind: z.literal('once'), at: z.iso.datetime({ offset: true, error: '发送时间无效 / Invalid send time' }).nullable() });

export const recurringSchedule = z
  .object({
    kind: z.literal('recurring'),
    frequency: z.enum(['daily', 'weekly', 'monthly']),
    time: clock,
    /** ISO weekdays, 1 = Monday … 7 = Sunday (weekly). */
    weekdays: z.array(whole('星期', 1, 7)).min(1, '请至少选择一天 / Choose at least one weekday').max(7).optional(),
    /** Day of the month, 1–31; a shorter month runs on its last day (monthly). */
    month_day: whole('每月日期', 1, 31).optional(),
    starts_on: isoDay.optional(),
    ends_on: isoDay.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === 'weekly' && !s.weekdays) ctx.addIssue({ code: 'custom', path: ['weekdays'], message: '每周发送需要选择星期几 / A weekly schedule needs its weekdays' });
    if (s.frequency === 'monthly' && !s.month_day) ctx.addIssue({ code: 'custom', path: ['month_day'], message: '每月发送需要选择日期 / A monthly schedule needs its day of the month' });
    if (s.starts_on && s.ends_on && s.ends_on < s.starts_on) ctx.addIssue({ code: 'custom', path: ['ends_on'], message: '结束日期早于开始日期 / The last day is before the first day' });
  });

export const TRIGGER_TYPES = ['entered_segment', 'days_after_first_purchase', 'days_after_last_purchase', 'ordered_sku', 'ordered_category', 'days_after_wecom_add', 'birthday'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
/** The triggers in words (the editor, the campaign page). */
export const TRIGGER_LABELS: Record<TriggerType, { zh: string; en: string }> = {
  entered_segment: { zh: '进入分群', en: 'Entering a segment' },
  days_after_first_purchase: { zh: '首次购买后 N 天', en: 'N days after the first purchase' },
  days_after_last_purchase: { zh: '最后一次购买后 N 天', en: 'N days after the last purchase' },
  ordered_sku: { zh: '购买指定商品（SKU）后', en: 'After an order with a SKU' },
  ordered_category: { zh: '购买指定品类后', en: 'After an order in a category' },
  days_after_wecom_add: { zh: '添加企业微信后 N 天', en: 'N days after the WeCom add' },
  birthday: { zh: '生日（可提前 N 天）', en: 'Birthday (optionally N days before)' },
};

export const campaignTrigger = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('entered_segment'), segment_id: z.uuid('请选择触发分群 / Choose the segment to watch') }),
    z.object({ type: z.literal('days_after_first_purchase'), days }),
    z.object({ type: z.literal('days_after_last_purchase'), days }),
    z.object({ type: z.literal('ordered_sku'), sku: z.string().trim().min(1, '请填写商品编码 / Enter the SKU').max(128, '商品编码最多 128 个字符 / SKU: at most 128 characters') }),
    z.object({ type: z.literal('ordered_category'), category: z.string().trim().min(1, '请填写品类 / Enter the category').max(128, '品类最多 128 个字符 / Category: at most 128 characters') }),
    z.object({ type: z.literal('days_after_wecom_add'), days }),
    z.object({ type: z.literal('birthday'), days_before: whole('提前天数', 0, 30).default(0) }),
  ],
  { error: '未知的触发条件 / Unknown trigger' },
);

export type CampaignTrigger = z.infer<typeof campaignTrigger>;

export const triggeredSchedule = z.object({
  kind: z.literal('triggered'),
  trigger: campaignTrigger,
  /**
   * A customer may fire again after this many days since their last firing (with a new entry: a new segment
   * entry, order, add or birthday); null: once per customer. Each entry fires at most once either way.
   */
  reentry_days: whole('重新触发间隔', 1, 3650).nullable().default(null),
  /** Local time of day the evaluated entries are sent (quiet hours still apply). */
  time: clock.default('10:00'),
});

export const campaignSchedule = z.union([onceSchedule, recurringSchedule, triggeredSchedule]);
export type CampaignSchedule = z.infer<typeof campaignSchedule>;
export type RecurringSchedule = z.infer<typeof recurringSchedule>;
export type TriggeredSchedule = z.infer<typeof triggeredSchedule>;

/** Message variables. A mass task's text is the same for all its recipients: only the clerk's variables. */
export const CLERK_VARIABLES = ['导购', '门店', '门店地址'] as const;
export const CUSTOMER_VARIABLES = ['客户称呼', '上次购买商品', '距上次购买天数', '累计消费', '会员等级'] as const;
export type MessageVariable = (typeof CLERK_VARIABLES)[number] | (typeof CUSTOMER_VARIABLES)[number];
export type DeliveryMode = 'mass' | 'one_to_one';
/** Whom a mass campaign's tasks go to: the customers (single chats), or also the clerks' customer group chats. */
export const CAMPAIGN_TARGETS = ['customers', 'customers_and_groups'] as const;
export type CampaignTarget = (typeof CAMPAIGN_TARGETS)[number];

export function variablesFor(mode: DeliveryMode): readonly MessageVariable[] {
  return mode === 'mass' ? CLERK_VARIABLES : [...CLERK_VARIABLES, ...CUSTOMER_VARIABLES];
}

/** WeCom's limits on a message (wecom-api.md 5.1), in UTF-8 bytes. */
export const MESSAGE_LIMITS = { textBytes: 4000, attachments: 9, linkTitleBytes: 128, linkDescBytes: 512, urlBytes: 2048, miniprogramTitleBytes: 64 } as const;

const bytes = (max: number, label: string, en: string) => z.string().refine((v) => new TextEncoder().encode(v).length <= max, `${label}不能超过 ${max} 字节 / ${en}: at most ${max} bytes`);

export const campaignAttachment = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('image'), image: z.object({ media_id: z.string().min(1).optional(), pic_url: bytes(MESSAGE_LIMITS.urlBytes, '图片地址', 'Image URL').pipe(z.url('图片地址无效 / Invalid image URL')).optional() }).refine((i) => i.media_id || i.pic_url, '图片需要 media_id 或 pic_url / An image needs a media_id or a pic_url') }),
  z.object({
    msgtype: z.literal('link'),
    link: z.object({ title: bytes(MESSAGE_LIMITS.linkTitleBytes, '链接标题', 'Link title').pipe(z.string().min(1, '链接需要标题 / A link needs a title')), url: bytes(MESSAGE_LIMITS.urlBytes, '链接地址', 'Link URL').pipe(z.url('链接地址无效 / Invalid link URL')), desc: bytes(MESSAGE_LIMITS.linkDescBytes, '链接描述', 'Link description').optional(), picurl: bytes(MESSAGE_LIMITS.urlBytes, '封面地址', 'Cover URL').optional() }),
  }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: z.object({ title: bytes(MESSAGE_LIMITS.miniprogramTitleBytes, '小程序标题', 'Mini-program title').pipe(z.string().min(1)), pic_media_id: z.string().min(1), appid: z.string().min(1), page: z.string().min(1) }) }),
]);

export type CampaignAttachment = z.infer<typeof campaignAttachment>;

export const campaignContent = z.object({
  text: bytes(MESSAGE_LIMITS.textBytes, '消息正文', 'Message').pipe(z.string().trim().min(1, '消息正文不能为空 / The message is empty')),
  attachments: z.array(campaignAttachment).max(MESSAGE_LIMITS.attachments, `附件最多 ${MESSAGE_LIMITS.attachments} 个 / At most ${MESSAGE_LIMITS.attachments} attachments`).default([]),
});
export type CampaignContent = z.infer<typeof campaignContent>;

export const quietHours = z.object({ start: clock, end: clock });
export type QuietHours = z.infer<typeof quietHours>;
export const DEFAULT_QUIET_HOURS: QuietHours = { start: '21:00', end: '09:00' };

/** WeCom's per-corp receive cap (a setting in 群发助手): as many per month as the month has days, 7 a week, or 1 a day. */
export const receiveCapRule = z.enum(['month_days', 'week_7', 'day_1']);
export type ReceiveCapRule = z.infer<typeof receiveCapRule>;

export const frequencyCap = z.object({ max: z.number().int().min(1).max(100), days: z.number().int().min(1).max(90) });
export type FrequencyCap = z.infer<typeof frequencyCap>;
export const DEFAULT_FREQUENCY_CAP: FrequencyCap = { max: 2, days: 7 };

// ------------------------------------------------------------------------------------------- message variables

// Finding and filling variables: app/lib/contracts/message-template.ts (one pattern for the editor and the server).

/** Problems with a text's variables for a delivery mode, in Chinese then English; empty when it is fine. */
export function checkVariables(text: string, mode: DeliveryMode): string[] {
  const allowed = new Set<string>(variablesFor(mode));
  const problems: string[] = [];
  for (const v of variablesIn(text)) {
    if (!allowed.has(v.name)) {
      problems.push(mode === 'mass' && variablesFor('one_to_one').includes(v.name as MessageVariable)
        ? `群发消息对同一导购的所有客户内容相同，不能使用客户变量 {${v.name}}；请改用 1 对 1 跟进 / A mass message is the same for all of a clerk’s customers: no customer variable {${v.name}}; use a 1:1 follow-up`
        : `未知变量 {${v.name}} / Unknown variable {${v.name}}`);
    } else if (mode === 'mass' && v.fallback === null) {
      problems.push(`变量 {${v.name}} 需要一个备用值，例如 {${v.name}|我们} / {${v.name}} needs a fallback, e.g. {${v.name}|us}`);
    }
  }
  return problems;
}

// ------------------------------------------------------------------------------------------ campaign lifecycle

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'scheduled', 'running', 'done', 'cancelled', 'failed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_STATUS_LABELS: Record<CampaignStatus, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  pending_approval: { zh: '待审批', en: 'Pending approval' },
  scheduled: { zh: '已排期', en: 'Scheduled' },
  running: { zh: '进行中', en: 'Running' },
  done: { zh: '已完成', en: 'Done' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  failed: { zh: '失败', en: 'Failed' },
};
export type CampaignRunStatus = 'planning' | 'sending' | 'sent' | 'done' | 'cancelled' | 'failed';

/** A run in the campaign calendar (server/campaigns/pages.service.ts, app/routes/_app.campaigns._index/calendar.tsx). */
export interface CalendarEntry {
  campaign_id: string;
  name: string;
  run_id: string | null;
  /** done: the run happened (or is happening); planned: the schedule will run then. */
  kind: 'done' | 'running' | 'planned' | 'cancelled';
  at: string;
  day: string;
}

/**
 * Why a customer of the audience gets no message in a run, in the order they are applied (the first that holds is
 * the one reported). The holdout is drawn afterwards from the customers none of these excluded.
 */
export const EXCLUSION_REASONS = ['exclusion_segment', 'opt_out', 'control', 'no_relation', 'no_wecom_id', 'overlap', 'frequency_cap', 'receive_cap'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];
export const EXCLUSION_LABELS: Record<ExclusionReason | 'holdout', { zh: string; en: string }> = {
  exclusion_segment: { zh: '在排除分群中', en: 'In an exclusion segment' },
  opt_out: { zh: '已退订营销消息', en: 'Opted out of marketing' },
  control: { zh: '全局对照组', en: 'Global control group' },
  no_relation: { zh: '没有有效的导购好友关系', en: 'No active clerk relation' },
  no_wecom_id: { zh: '没有企业微信客户 ID', en: 'No WeCom customer id' },
  overlap: { zh: '同期有更高优先级的活动', en: 'A higher-priority campaign overlaps' },
  frequency_cap: { zh: '超过频次上限', en: 'Frequency cap reached' },
  receive_cap: { zh: '企业微信接收上限（会被跳过）', en: 'WeCom receive cap (would be skipped)' },
  holdout: { zh: '活动对照组（不发送）', en: 'Campaign holdout (not sent)' },
};

export const campaignAudience = z
  .object({
    segment_id: z.uuid('请选择分群 / Choose a segment'),
    /** Customers in any of these segments at send time get nothing. */
    exclude_segment_ids: z.array(z.uuid('排除分群无效 / Invalid exclusion segment')).max(10, '最多 10 个排除分群 / At most 10 exclusion segments').default([]),
  })
  .strict();
export type CampaignAudience = z.infer<typeof campaignAudience>;

/** POST /api/v1/campaigns and the editor: one schema for both. Unknown keys are refused. */
export const campaignInput = z
  .object({
    name: z.string().trim().min(1, '请填写活动名称 / Name is required').max(200, '名称最多 200 个字 / Name: at most 200 characters'),
    goal: z.string().trim().max(500, '目标最多 500 个字 / Goal: at most 500 characters').nullish().transform((v) => v || null),
    audience: campaignAudience,
    delivery: z.enum(['mass', 'one_to_one'], '请选择发送方式 / Choose a delivery mode'),
    /** Mass only: also the serving clerks' customer group chats (one chat_type=group task per clerk and chunk). */
    target: z.enum(CAMPAIGN_TARGETS, '发送对象无效 / Invalid target').default('customers'),
    content: campaignContent,
    schedule: campaignSchedule,
    holdout_pct: z.number({ error: '对照组比例必须是数字 / Holdout must be a number' }).min(0, '对照组比例不能为负 / Holdout cannot be negative').max(50, '对照组比例最多 50% / Holdout: at most 50%').default(10),
    attribution_days: whole('归因窗口', 1, 90).default(7),
    /** Overlapping campaigns: the higher priority gets the customer. */
    priority: whole('优先级', -100, 100).default(0),
    /** false: may send inside the tenant's quiet hours (urgent service messages; audited). */
    quiet_hours: z.boolean().default(true),
    /** Tasks the clerks have not sent this many hours after the run started are cancelled. */
    expire_hours: whole('任务有效期（小时）', 1, 168).default(72),
  })
  .strict()
  .superRefine((c, ctx) => {
    for (const message of checkVariables(c.content.text, c.delivery)) ctx.addIssue({ code: 'custom', path: ['content', 'text'], message });
    if (c.target !== 'customers' && c.delivery !== 'mass') ctx.addIssue({ code: 'custom', path: ['target'], message: '只有群发可以发到客户群；1 对 1 跟进只发给客户本人 / Only a mass message can go to group chats; a 1:1 follow-up goes to each customer' });
  });
export type CampaignInput = z.infer<typeof campaignInput>;
export type CampaignInputRaw = z.input<typeof campaignInput>;

/** The tenant's campaign settings (Settings → 活动). */
export const campaignSettings = z
  .object({
    /** null: no quiet hours. */
    quiet_hours: quietHours.nullable(),
    frequency_cap: frequencyCap,
    receive_cap_rule: receiveCapRule,
    approval_required: z.boolean(),
    /** Share of customers (0–20%) who never receive campaigns: the tenant-wide control group. */
    control_pct: z.number().min(0).max(20),
  })
  .strict();
export type CampaignSettings = z.infer<typeof campaignSettings>;
export const DEFAULT_CAMPAIGN_SETTINGS: CampaignSettings = { quiet_hours: DEFAULT_QUIET_HOURS, frequency_cap: DEFAULT_FREQUENCY_CAP, receive_cap_rule: 'month_days', approval_required: false, control_pct: 0 };

// --------------------------------------------------------------------------------------- what the API returns

export interface CampaignRunSummary {
  id: string;
  status: CampaignRunStatus;
  planned_for: string;
  /** When it may send: planned_for, or the end of the quiet hours it fell in. */
  send_after: string | null;
  started_at: string | null;
  sent_at: string | null;
  finished_at: string | null;
  expires_at: string | null;
  error: string | null;
  recipients: number;
  tasks_created: number;
  tasks_confirmed: number;
  sent: number;
}

export interface CampaignSummary {
  id: string;
  name: string;
  goal: string | null;
  status: CampaignStatus;
  delivery: DeliveryMode;
  target: CampaignTarget;
  audience: CampaignAudience;
  content: CampaignContent;
  schedule: CampaignSchedule;
  holdout_pct: number;
  attribution_days: number;
  priority: number;
  quiet_hours: boolean;
  expire_hours: number;
  next_run_at: string | null;
  approved_by: string | null;
  approved_at: string | null;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface CampaignDetail extends CampaignSummary {
  runs: CampaignRunSummary[];
}

export interface DryRunResult {
  /** When the run would send (now or the next planned time, moved past quiet hours). */
  send_at: string;
  /** It was planned inside quiet hours and waits for their end. */
  deferred_by_quiet_hours: boolean;
  /** Segment members now. */
  audience: number;
  recipients: number;
  holdout: number;
  /** Exclusions by reason (every reason present, 0 when none). */
  exclusions: Record<ExclusionReason, number>;
  by_store: { store_id: string | null; store_name: string | null; recipients: number; clerks: number }[];
  by_clerk: { staff_id: string; name: string; store_id: string | null; store_name: string | null; recipients: number; tasks: number }[];
  /** Tasks the run would create (mass: one per clerk and chunk of at most 10,000). */
  tasks: number;
  /** Target customers_and_groups: the senders' live customer group chats, and the group tasks for them (else 0). */
  group_chats: number;
  group_tasks: number;
}
