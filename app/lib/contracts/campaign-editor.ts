/**
 * The campaign editor's form, both ways (client-safe): `editorInput` turns the posted form into the campaign
 * contract's input (campaign.ts, which validates it), `editorValues` a saved draft back into the form's values.
 * Local times are converted by the caller (the server knows the tenant's zone).
 */
import { campaignContent, type CampaignSummary, type CampaignTarget, type DeliveryMode, type TriggerType } from './campaign';

/** The form's values (what the editor shows). */
export interface EditorValues {
  name: string;
  goal: string;
  segment_id: string;
  exclude_segment_ids: string[];
  delivery: DeliveryMode;
  target: CampaignTarget;
  text: string;
  /** One a line: "title | url" (a link) or an image url. */
  attachments: string;
  schedule_kind: 'once' | 'recurring' | 'triggered';
  /** Local "YYYY-MM-DDTHH:mm" in the tenant's zone; empty: right after scheduling. */
  at: string;
  frequency: 'daily' | 'weekly' | 'monthly';
  weekdays: number[];
  month_day: number;
  starts_on: string;
  ends_on: string;
  time: string;
  trigger: TriggerType;
  trigger_days: number;
  /** entered_segment: the segment to watch (empty: the audience segment). */
  trigger_segment_id: string;
  sku: string;
  category: string;
  days_before: number;
  /** Empty: once per customer. */
  reentry_days: string;
  holdout_pct: number;
  attribution_days: number;
  priority: number;
  expire_hours: number;
  quiet_hours_off: boolean;
}

export const NEW_CAMPAIGN_VALUES: EditorValues = {
  name: '', goal: '', segment_id: '', exclude_segment_ids: [], delivery: 'mass', target: 'customers',
  text: '您好，我是{门店|我们门店}的{导购|您的专属导购}，本周会员日全场 9 折，欢迎到店～', attachments: '',
  schedule_kind: 'once', at: '', frequency: 'weekly', weekdays: [5], month_day: 1, starts_on: '', ends_on: '', time: '10:00',
  trigger: 'days_after_last_purchase', trigger_days: 30, trigger_segment_id: '', sku: '', category: '', days_before: 0, reentry_days: '',
  holdout_pct: 10, attribution_days: 7, priority: 0, expire_hours: 72, quiet_hours_off: false,
};

/** The server's validation issues ("content.text" → messages). */
export type FieldIssues = Record<string, string[]>;


/** Zod issues as the editor shows them: "content.text" → its messages. */
export function issuesByField(details: unknown): FieldIssues {
  const out: FieldIssues = {};
  if (!Array.isArray(details)) return out;
  for (const i of details as { path?: (string | number)[]; message?: string }[]) {
    const key = (i.path ?? []).join('.') || 'body';
    (out[key] ??= []).push(String(i.message ?? ''));
  }
  return out;
}

type FormLike = { get(k: string): FormDataEntryValue | null; getAll(k: string): FormDataEntryValue[] };

/** A number field: empty is absent (the contract's default applies), anything else is checked by the contract. */
const num = (v: string) => (v === '' ? undefined : Number(v));

function triggerOf(s: (k: string) => string): Record<string, unknown> {
  const type = s('trigger') || 'days_after_last_purchase';
  switch (type) {
    case 'entered_segment':
      return { type, segment_id: s('trigger_segment_id') || s('segment_id') };
    case 'ordered_sku':
      return { type, sku: s('sku') };
    case 'ordered_category':
      return { type, category: s('category') };
    case 'birthday':
      return { type, days_before: num(s('days_before')) ?? 0 };
    default:
      return { type, days: num(s('trigger_days')) };
  }
}

function scheduleOf(form: FormLike, s: (k: string) => string, atToIso: (local: string) => string | null): Record<string, unknown> {
  const kind = s('schedule_kind') || 'once';
  if (kind === 'recurring') {
    const frequency = s('frequency') || 'weekly';
    return {
      kind, frequency, time: s('time') || '10:00',
      ...(frequency === 'weekly' ? { weekdays: form.getAll('weekdays').map(Number) } : {}),
      ...(frequency === 'monthly' ? { month_day: num(s('month_day')) } : {}),
      ...(s('starts_on') ? { starts_on: s('starts_on') } : {}),
      ...(s('ends_on') ? { ends_on: s('ends_on') } : {}),
    };
  }
  if (kind === 'triggered') return { kind, time: s('time') || '10:00', trigger: triggerOf(s), reentry_days: num(s('reentry_days')) ?? null };
  // An unreadable local time stays as typed, so the contract names it.
  return { kind: 'once', at: s('at') ? (atToIso(s('at')) ?? s('at')) : null };
}

/** The attachment lines: "title | url" is a link, a lone url an image. */
export function attachmentsOf(lines: string): LineAttachment[] {
  return lines.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).map(attachmentOfLine);
}

/** An attachment as one line of a form (campaigns, welcome messages): a link or an image, its values unchecked. */
export type LineAttachment = { msgtype: 'link'; link: { title: string; url: string } } | { msgtype: 'image'; image: { pic_url: string } };

/**
 * One attachment line, the one syntax of every attachment field: “标题 | https://…” is a link, a bare address is an
 * image; a leading “link”/“链接” or “image”/“图片” word is optional (the welcome form's earlier syntax).
 */
export function attachmentOfLine(line: string): LineAttachment {
  const m = /^(link|链接|image|图片)(?:\s+|[:：]\s*)(.*)$/i.exec(line.trim());
  const kind = m ? (/^(link|链接)$/i.test(m[1]!) ? 'link' : 'image') : null;
  const body = (m ? m[2]! : line).trim();
  const [title = '', url] = body.split('|').map((x) => x.trim());
  if (kind === 'link' || (kind === null && url !== undefined)) return { msgtype: 'link', link: { title, url: url ?? '' } };
  return { msgtype: 'image', image: { pic_url: body } };
}

/** Attachments back as form lines, in that syntax. */
export function attachmentLinesOf(atts: readonly LineAttachment[]): string {
  return atts.map((a) => (a.msgtype === 'image' ? a.image.pic_url : `${a.link.title} | ${a.link.url}`)).join('\n');
}

/**
 * The message's problems as the server would report them, while it is typed: the text and the attachment lines
 * through the campaigns contract (its byte limits, at most 9 attachments, URLs), keyed like the server's issues
 * ("content.text", "content.attachments.0.link.url" → messages). Empty when the content would be accepted.
 */
export function contentIssues(text: string, attachmentLines: string): FieldIssues {
  const r = campaignContent.safeParse({ text, attachments: attachmentsOf(attachmentLines) });
  return r.success ? {} : issuesByField(r.error.issues.map((i) => ({ path: ['content', ...i.path.map((x) => (typeof x === 'symbol' ? String(x) : x))], message: i.message })));
}

/** The posted editor form as the campaigns contract's input (the service validates it). */
export function editorInput(form: FormLike, atToIso: (local: string) => string | null): Record<string, unknown> {
  const s = (k: string) => String(form.get(k) ?? '').trim();
  return {
    name: s('name'),
    goal: s('goal') || null,
    audience: { segment_id: s('segment_id'), exclude_segment_ids: form.getAll('exclude_segment_ids').map(String).filter(Boolean) },
    delivery: s('delivery') || 'mass',
    target: s('target') || 'customers',
    content: { text: String(form.get('text') ?? ''), attachments: attachmentsOf(s('attachments')) },
    schedule: scheduleOf(form, s, atToIso),
    holdout_pct: num(s('holdout_pct')),
    attribution_days: num(s('attribution_days')),
    priority: num(s('priority')),
    expire_hours: num(s('expire_hours')),
    quiet_hours: form.get('quiet_hours_off') !== 'on',
  };
}

/** A saved campaign's link and image-by-address attachments as form lines (others have no line syntax). */
function attachmentLines(c: CampaignSummary): string {
  return attachmentLinesOf(
    c.content.attachments.flatMap((a): LineAttachment[] =>
      a.msgtype === 'link' ? [{ msgtype: 'link', link: { title: a.link.title, url: a.link.url } }] : a.msgtype === 'image' && a.image.pic_url ? [{ msgtype: 'image', image: { pic_url: a.image.pic_url } }] : [],
    ),
  );
}

/** A saved campaign as the editor's values (`isoToLocal`: an instant as "YYYY-MM-DDTHH:mm" in the tenant's zone). */
export function editorValues(c: CampaignSummary, isoToLocal: (iso: string) => string): EditorValues {
  const v: EditorValues = {
    ...NEW_CAMPAIGN_VALUES,
    name: c.name, goal: c.goal ?? '', segment_id: c.audience.segment_id, exclude_segment_ids: c.audience.exclude_segment_ids,
    delivery: c.delivery, target: c.target, text: c.content.text, attachments: attachmentLines(c), schedule_kind: c.schedule.kind,
    holdout_pct: c.holdout_pct, attribution_days: c.attribution_days, priority: c.priority, expire_hours: c.expire_hours, quiet_hours_off: !c.quiet_hours,
  };
  const s = c.schedule;
  if (s.kind === 'once') return { ...v, at: s.at ? isoToLocal(s.at) : '' };
  if (s.kind === 'recurring') return { ...v, frequency: s.frequency, weekdays: s.weekdays ?? [], month_day: s.month_day ?? 1, starts_on: s.starts_on ?? '', ends_on: s.ends_on ?? '', time: s.time };
  const tr = s.trigger;
  return {
    ...v, time: s.time, trigger: tr.type, reentry_days: s.reentry_days === null ? '' : String(s.reentry_days),
    ...('days' in tr ? { trigger_days: tr.days } : {}),
    ...(tr.type === 'entered_segment' ? { trigger_segment_id: tr.segment_id === c.audience.segment_id ? '' : tr.segment_id } : {}),
    ...(tr.type === 'ordered_sku' ? { sku: tr.sku } : {}),
    ...(tr.type === 'ordered_category' ? { category: tr.category } : {}),
    ...(tr.type === 'birthday' ? { days_before: tr.days_before } : {}),
  };
}
