/**
 * The campaign report (issue #15 point 7) as the API returns it and the report page draws it (client-safe:
 * types, the sort allow-list of its tables and the statuses the list filters by). Definitions in
 * docs/campaigns.md ("Attribution"): reached = WeCom reported the message sent; converted = a paid order within
 * the attribution window after the send time (the holdout: after the time the run started sending).
 */
import { z } from 'zod';

export interface UpliftJson {
  /** Conversion rate of reached recipients − conversion rate of the holdout (a fraction, not points). */
  absolute: number | null;
  /** Bounds of its 95% interval (two-proportion normal approximation). */
  low: number | null;
  high: number | null;
  significant: boolean;
  /** absolute ÷ the holdout's conversion rate (null when the holdout never converted). */
  relative: number | null;
}

/** One group of the report: the whole campaign, a store or a clerk. */
export interface ReportGroupJson {
  audience: number;
  holdout: number;
  recipients: number;
  tasks: { created: number; confirmed: number };
  reached: number;
  converted: number;
  conversion_rate: number | null;
  holdout_converted: number;
  holdout_conversion_rate: number | null;
  uplift: UpliftJson;
  revenue_per_recipient_fen: number | null;
  holdout_revenue_per_recipient_fen: number | null;
  /** Paid orders and their amount in the window, reached recipients and holdout. */
  orders: number;
  revenue_fen: number;
  holdout_orders: number;
  holdout_revenue_fen: number;
  /** What the message added over the holdout, for the reached recipients (null without a holdout). */
  incremental: { conversions: number | null; orders: number | null; revenue_fen: number | null };
  /** Confirmed tasks ÷ created tasks. */
  execution_rate: number | null;
}

export interface StoreReportJson extends ReportGroupJson {
  store_id: string | null;
  store_name: string | null;
}

export interface ClerkReportJson extends StoreReportJson {
  staff_id: string | null;
  clerk_name: string | null;
}

/** Day k of the window (1…attribution days): cumulative conversion of each group by the end of that day. */
export interface ReportDayJson {
  day: number;
  conversions: number;
  holdout_conversions: number;
  conversion_rate: number | null;
  holdout_conversion_rate: number | null;
}

export interface CampaignReportJson extends Omit<ReportGroupJson, 'execution_rate'> {
  campaign_id: string;
  run_id: string | null;
  attribution_days: number;
  window: { starts_at: string | null; ends_at: string | null; complete: boolean };
  by_store: StoreReportJson[];
  by_clerk: ClerkReportJson[];
  daily: ReportDayJson[];
}

/** Columns the report's store and clerk tables sort by (the rows are few: sorted after aggregation). */
export const REPORT_SORTS = ['name', 'recipients', 'reached', 'converted', 'conversion_rate', 'uplift', 'revenue_per_recipient_fen', 'execution_rate'] as const;
export type ReportSort = (typeof REPORT_SORTS)[number];

export const reportParams = z.object({
  run: z.uuid().optional().catch(undefined),
  sort: z.enum(REPORT_SORTS).catch('reached'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
});
export type ReportParams = z.infer<typeof reportParams>;

export const CAMPAIGN_STATUSES = ['draft', 'pending_approval', 'scheduled', 'running', 'done', 'cancelled', 'failed'] as const;
export type CampaignStatusName = (typeof CAMPAIGN_STATUSES)[number];
export const CAMPAIGN_STATUS_LABELS: Record<CampaignStatusName, { zh: string; en: string }> = {
  draft: { zh: '草稿', en: 'Draft' },
  pending_approval: { zh: '待审批', en: 'Awaiting approval' },
  scheduled: { zh: '已排期', en: 'Scheduled' },
  running: { zh: '发送中', en: 'Running' },
  done: { zh: '已完成', en: 'Done' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  failed: { zh: '失败', en: 'Failed' },
};
export const RUN_STATUS_LABELS: Record<string, { zh: string; en: string }> = {
  planning: { zh: '准备中', en: 'Planning' },
  sending: { zh: '创建任务中', en: 'Creating tasks' },
  sent: { zh: '已下发', en: 'Tasks created' },
  done: { zh: '已完成', en: 'Done' },
  cancelled: { zh: '已取消', en: 'Cancelled' },
  failed: { zh: '失败', en: 'Failed' },
};

/** The campaign list: status filter, sort allow-list, paging, and the list / calendar view with its month. */
export const CAMPAIGN_LIST_SORTS = ['created_at', 'name', 'next_run_at', 'status', 'reached'] as const;
export type CampaignListSort = (typeof CAMPAIGN_LIST_SORTS)[number];
export const campaignListParams = z.object({
  status: z.enum(CAMPAIGN_STATUSES).optional().catch(undefined),
  view: z.enum(['list', 'calendar']).catch('list'),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).optional().catch(undefined),
  sort: z.enum(CAMPAIGN_LIST_SORTS).catch('created_at'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  page: z.coerce.number().int().min(1).catch(1),
});
export type CampaignListParams = z.infer<typeof campaignListParams>;

export const DELIVERY_LABELS = { mass: { zh: '群发', en: 'Mass message' }, one_to_one: { zh: '1 对 1 跟进', en: '1:1 follow-up' } } as const;
export const EXCLUSION_LABELS: Record<string, { zh: string; en: string }> = {
  no_relation: { zh: '无在职导购服务', en: 'No active clerk serves them' },
  no_wecom_id: { zh: '无企业微信 ID', en: 'No WeCom id' },
  ended_relation: { zh: '好友关系已结束', en: 'Relation ended' },
  frequency_cap: { zh: '超出频次上限', en: 'Frequency cap' },
  receive_cap: { zh: '企业微信接收上限', en: 'WeCom receive cap' },
  opted_out: { zh: '客户已退订', en: 'Opted out' },
  global_control: { zh: '全局对照组', en: 'Global control group' },
  excluded_segment: { zh: '排除分群', en: 'Excluded segment' },
  overlap: { zh: '与更高优先级活动重叠', en: 'Overlapping higher-priority campaign' },
};
