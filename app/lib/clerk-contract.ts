/**
 * Client-safe contract of the clerk's workspace (/m and the WeCom sidebar): the zod schemas shared by the forms
 * and the actions, and the enums the browser needs. Imports nothing from server/.
 */
import { z } from 'zod';
import { campaignAttachment, type CampaignAttachment } from './contracts/campaign';
import { fillVariables } from './contracts/message-template';

export const FOLLOW_UP_CHANNELS = ['chat', 'call', 'visit'] as const;
export const SKIP_REASONS = ['not_reachable', 'not_interested', 'already_contacted', 'wrong_customer', 'other'] as const;
export const SCRIPT_KINDS = ['text', 'image', 'link'] as const;
export const SCRIPT_VARIABLES = ['name', 'clerk', 'store', 'days_since', 'interval_days', 'last_purchase'] as const;

/** A task as the workspace shows it (app/components/clerk/task-item.tsx); server/clerk/tasks.repository.ts TaskRow adds its state. */
export interface TaskView {
  id: string;
  kind: string;
  title: string | null;
  payload: Record<string, unknown>;
  customer_id: string | null;
  customer_name: string | null;
  stage: string | null;
  recency_days: number | null;
  median_interval_days: number | null;
  in_scope: boolean;
}

export const KIND_LABELS: Record<string, [string, string]> = {
  follow_up: ['待跟进', 'Follow-up due'],
  due: ['该回购了', 'Due to repurchase'],
  new_untagged: ['新客户待打标签', 'New customer to tag'],
  relation_ended: ['关系已解除', 'Relation ended'],
  birthday: ['生日', 'Birthday'],
  segment: ['分群任务', 'Segment task'],
  campaign: ['活动任务', 'Campaign task'],
};
export const CHANNEL_LABELS: Record<string, [string, string]> = { chat: ['聊天', 'Chat'], call: ['电话', 'Call'], visit: ['到店/拜访', 'Visit'] };
export const SKIP_LABELS: Record<string, [string, string]> = {
  not_reachable: ['联系不上', 'Not reachable'],
  not_interested: ['客户无意向', 'Not interested'],
  already_contacted: ['近期已联系', 'Contacted recently'],
  wrong_customer: ['不是我的客户', 'Not my customer'],
  other: ['其他', 'Other'],
};

export const taskCloseSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('done'), taskId: z.string().uuid() }),
  z.object({ intent: z.literal('skip'), taskId: z.string().uuid(), reason: z.enum(SKIP_REASONS, { message: '请选择跳过原因 / Choose a reason' }), note: z.string().trim().max(200).optional() }),
]);

const isoDay = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式 YYYY-MM-DD / Date as YYYY-MM-DD');
export const followUpSchema = z.object({
  channel: z.enum(FOLLOW_UP_CHANNELS, { message: '请选择跟进方式 / Choose how' }),
  note: z.string().trim().min(1, '请写下跟进内容 / Write what happened').max(1000, '最多 1,000 字 / At most 1,000 characters'),
  nextOn: z.preprocess((v) => (v === '' ? undefined : v), isoDay.optional()),
});

export const clerkCustomerQuerySchema = z.object({
  q: z.string().trim().max(50).optional().catch(undefined),
  stage: z.string().trim().max(20).optional().catch(undefined),
  due: z.enum(['1']).optional().catch(undefined),
  tag: z.string().uuid().optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1000).default(1).catch(1),
});
export type ClerkCustomerQuery = z.infer<typeof clerkCustomerQuerySchema>;

export const scriptSchema = z.object({
  category: z.string().trim().min(1, '请填写分类 / Category is required').max(30),
  stage: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(20).optional()),
  kind: z.enum(SCRIPT_KINDS),
  title: z.string().trim().min(1, '请填写标题 / Title is required').max(60),
  body: z.string().trim().max(2000).default(''),
  url: z.preprocess((v) => (v === '' ? undefined : v), z.string().url('链接格式不对 / Not a URL').max(500).optional()),
  imageUrl: z.preprocess((v) => (v === '' ? undefined : v), z.string().url('图片链接格式不对 / Not a URL').max(500).optional()),
});

export const touchSchema = z.object({
  customerId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid().optional()),
  chatId: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(100).optional()),
  scriptId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid().optional()),
  /** The 1:1 campaign task whose script this is (it then counts as sent). */
  taskId: z.preprocess((v) => (v === '' ? undefined : v), z.string().uuid().optional()),
  content: z.string().min(1).max(4000),
});

/**
 * A script's placeholders in the syntax of every message Huike sends (campaigns, welcome messages): `{客户称呼}`, or
 * `{客户称呼|您}` with a fallback for a missing value. Each names one of SCRIPT_VARIABLES.
 */
export const SCRIPT_PLACEHOLDERS: Record<string, (typeof SCRIPT_VARIABLES)[number]> = {
  客户称呼: 'name',
  导购: 'clerk',
  门店: 'store',
  距上次购买天数: 'days_since',
  回购间隔天数: 'interval_days',
  上次购买日期: 'last_purchase',
};

/**
 * Fills a script's placeholders: `{客户称呼}` / `{客户称呼|fallback}` (SCRIPT_PLACEHOLDERS), and the older
 * `{{name}}` form scripts were first written in. A variable given as null or '' is missing: its fallback, or
 * nothing. A variable not given at all is not known here (the library without a customer): its fallback, or the
 * placeholder stays as written, so the clerk sees what to fill. Unknown names are left as they are.
 */
export function fillScript(body: string, vars: Partial<Record<(typeof SCRIPT_VARIABLES)[number], string | number | null>>): string {
  type Key = (typeof SCRIPT_VARIABLES)[number];
  // The older {{name}} form (no fallbacks): the value, nothing when missing, as written when not known here.
  const legacy = body.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, k: string) => {
    if (!(SCRIPT_VARIABLES as readonly string[]).includes(k)) return m;
    const v = vars[k as Key];
    return v === undefined ? m : v === null ? '' : String(v);
  });
  return fillVariables(
    legacy,
    (name) => {
      const k = SCRIPT_PLACEHOLDERS[name];
      if (!k) return undefined;
      const v = vars[k];
      return v === null || v === undefined ? null : String(v);
    },
    (name, placeholder) => (vars[SCRIPT_PLACEHOLDERS[name]!] === undefined ? placeholder : ''),
  );
}

/** The personalised script a task's source put in its payload (a 1:1 campaign send: `script`, or `text`), if any. */
export function taskScript(payload: Record<string, unknown> | null | undefined): string | null {
  const v = payload?.script ?? payload?.text;
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/** The attachments a 1:1 campaign task carries (images, links, mini-programs), those that parse. */
export function taskAttachments(payload: Record<string, unknown> | null | undefined): CampaignAttachment[] {
  const list = Array.isArray(payload?.attachments) ? (payload.attachments as unknown[]) : [];
  return list.flatMap((a) => {
    const p = campaignAttachment.safeParse(a);
    return p.success ? [p.data] : [];
  });
}

/** A message for the JS-SDK's sendChatMessage (wecom-api.md §11): the sidebar puts it into the current chat. */
export type ChatMessage =
  | { msgtype: 'text'; enterChat: boolean; text: { content: string } }
  | { msgtype: 'image'; enterChat: boolean; image: { mediaid: string } }
  | { msgtype: 'news'; enterChat: boolean; news: { link: string; title: string; desc: string; imgUrl: string } };
