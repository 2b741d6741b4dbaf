/**
 * The campaign contract shared by the editor in the browser and the server (imports nothing from server/):
 * schedules, content within WeCom's limits (wecom-api.md 5.1), guardrails, and the message variables each
 * delivery mode may use.
 */
import { z } from 'zod';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间格式应为 HH:MM');
const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD');

export const onceSchedule = z.object({ kind: z.literal('once'), at: z.iso.datetime({ offset: true }).nullable() });

export const recurringSchedule = z
  .object({
    kind: z.literal('recurring'),
    frequency: z.enum(['daily', 'weekly', 'monthly']),
    time: clock,
    /** ISO weekdays, 1 = Monday … 7 = Sunday (weekly). */
    weekdays: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
    /** Day of the month, 1–31; a shorter month runs on its last day (monthly). */
    month_day: z.number().int().min(1).max(31).optional(),
    starts_on: isoDay.optional(),
    ends_on: isoDay.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.frequency === 'weekly' && !s.weekdays) ctx.addIssue({ code: 'custom', path: ['weekdays'], message: '每周发送需要选择星期几' });
    if (s.frequency === 'monthly' && !s.month_day) ctx.addIssue({ code: 'custom', path: ['month_day'], message: '每月发送需要选择日期' });
    if (s.starts_on && s.ends_on && s.ends_on < s.starts_on) ctx.addIssue({ code: 'custom', path: ['ends_on'], message: '结束日期早于开始日期' });
  });

export const campaignTrigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('entered_segment'), segment_id: z.uuid() }),
  z.object({ type: z.literal('days_after_first_purchase'), days: z.number().int().min(0).max(3650) }),
  z.object({ type: z.literal('days_after_last_purchase'), days: z.number().int().min(0).max(3650) }),
  z.object({ type: z.literal('ordered_sku'), sku: z.string().min(1).max(128) }),
  z.object({ type: z.literal('ordered_category'), category: z.string().min(1).max(128) }),
  z.object({ type: z.literal('days_after_wecom_add'), days: z.number().int().min(0).max(3650) }),
  z.object({ type: z.literal('birthday'), days_before: z.number().int().min(0).max(30).default(0) }),
]);

export type CampaignTrigger = z.infer<typeof campaignTrigger>;

export const triggeredSchedule = z.object({
  kind: z.literal('triggered'),
  trigger: campaignTrigger,
  /**
   * A customer may fire again after this many days since their last firing (with a new entry: a new segment
   * entry, order, add or birthday); null: once per customer. Each entry fires at most once either way.
   */
  reentry_days: z.number().int().min(1).max(3650).nullable().default(null),
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

export function variablesFor(mode: DeliveryMode): readonly MessageVariable[] {
  return mode === 'mass' ? CLERK_VARIABLES : [...CLERK_VARIABLES, ...CUSTOMER_VARIABLES];
}

/** WeCom's limits on a message (wecom-api.md 5.1), in UTF-8 bytes. */
export const MESSAGE_LIMITS = { textBytes: 4000, attachments: 9, linkTitleBytes: 128, linkDescBytes: 512, urlBytes: 2048, miniprogramTitleBytes: 64 } as const;

const bytes = (max: number, label: string) => z.string().refine((v) => new TextEncoder().encode(v).length <= max, `${label}不能超过 ${max} 字节`);

export const campaignAttachment = z.discriminatedUnion('msgtype', [
  z.object({ msgtype: z.literal('image'), image: z.object({ media_id: z.string().min(1).optional(), pic_url: bytes(MESSAGE_LIMITS.urlBytes, '图片地址').optional() }).refine((i) => i.media_id || i.pic_url, '图片需要 media_id 或 pic_url') }),
  z.object({
    msgtype: z.literal('link'),
    link: z.object({ title: bytes(MESSAGE_LIMITS.linkTitleBytes, '链接标题').pipe(z.string().min(1, '链接需要标题')), url: bytes(MESSAGE_LIMITS.urlBytes, '链接地址').pipe(z.url('链接地址无效')), desc: bytes(MESSAGE_LIMITS.linkDescBytes, '链接描述').optional(), picurl: bytes(MESSAGE_LIMITS.urlBytes, '封面地址').optional() }),
  }),
  z.object({ msgtype: z.literal('miniprogram'), miniprogram: z.object({ title: bytes(MESSAGE_LIMITS.miniprogramTitleBytes, '小程序标题').pipe(z.string().min(1)), pic_media_id: z.string().min(1), appid: z.string().min(1), page: z.string().min(1) }) }),
]);

export const campaignContent = z.object({
  text: bytes(MESSAGE_LIMITS.textBytes, '消息正文').pipe(z.string().trim().min(1, '消息正文不能为空')),
  attachments: z.array(campaignAttachment).max(MESSAGE_LIMITS.attachments, `附件最多 ${MESSAGE_LIMITS.attachments} 个`).default([]),
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
