/**
 * 1:1 follow-up delivery (issue #15 point 3): instead of a WeCom mass message, each recipient becomes a task for
 * their serving clerk (the same sender rule as mass delivery) in the clerk workspace's 今日, carrying a script
 * personalised with the customer's variables ({客户称呼}, {上次购买商品}, {距上次购买天数}, {累计消费}, {会员等级})
 * and the clerk's. The recipient counts as sent — toward the report and the frequency cap — when the clerk sends
 * it: from the sidebar (sendChatMessage, then the touch names the task) or by marking it sent on the phone.
 *
 * Idempotent: tasks are keyed by run and customer, and only recipients still 'planned' are rendered, so a
 * crashed or repeated call creates each task once.
 */
import { campaignAttachment, type CampaignContent } from '../../app/lib/contracts/campaign';
import type { ChatMessage } from '../../app/lib/clerk-contract';
import { formatMoney } from '../../app/lib/format';
import { ForbiddenError, NotFoundError } from '../lib/errors';
import type { Services } from '../services';
import type { Actor } from '../tenancy/actor';
import { withActorTenant, withTenant, type TenantId } from '../tenancy/context';
import { wecomClientFor } from '../wecom/runtime';
import { renderMessage } from './content';
import { assignSenders } from './delivery.repository';
import { resolveAttachments, type Attachment, type ImageFetcher } from './media.service';
import * as repo from './one-to-one.repository';
import { isUuid } from '../../app/lib/params';

/** Recipients rendered and written per transaction. */
const PAGE = 5_000;

export function scriptFor(text: string, v: repo.ScriptValues): string {
  return renderMessage(text, {
    客户称呼: v.salutation,
    上次购买商品: v.last_item,
    距上次购买天数: v.days_since === null ? null : String(v.days_since),
    累计消费: v.spent_fen === null ? null : formatMoney(v.spent_fen),
    会员等级: v.member_level,
    导购: v.clerk,
    门店: v.store,
    门店地址: v.store_address,
  });
}

/** Assigns senders, then creates every recipient's clerk task, a page per transaction. Returns tasks created. */
export async function createOneToOneTasks(services: Services, tenantId: TenantId, runId: string, content: CampaignContent): Promise<number> {
  const header = await withTenant(services.dbs, tenantId, async (trx) => {
    await assignSenders(trx, tenantId, runId);
    return repo.runHeader(trx, tenantId, runId);
  });
  const run = { runId, campaignId: header.campaign_id, title: header.name, dueOn: header.due_on, attachments: content.attachments };
  let created = 0;
  let after: string | null = null;
  for (;;) {
    const page = await withTenant(services.dbs, tenantId, async (trx) => {
      const rows = await repo.scriptValuesPage(trx, tenantId, runId, after, PAGE);
      const tasks = rows.map((v) => ({ customerId: v.customer_id, staffId: v.staff_id, text: scriptFor(content.text, v) }));
      return { rows: rows.length, last: rows.at(-1)?.customer_id ?? null, inserted: await repo.insertScriptTasks(trx, tenantId, run, tasks) };
    });
    created += page.inserted;
    if (page.rows < PAGE) return created;
    after = page.last;
  }
}

/**
 * What the sidebar puts into the chat for one of the clerk's open 1:1 campaign tasks (sendChatMessage, one message
 * each): the script, then each attachment — an image by a live WeCom media_id (fetched and uploaded once, or the
 * cached id: media.service.ts), a link as a news card. A mini-program attachment has no cover URL the JS-SDK could
 * show (campaigns keep its cover as a media_id), so it is counted in `skipped` and the clerk is told to send it
 * from the phone.
 */
export async function taskChatMessages(services: Services, actor: Actor, taskId: string, opts: { fetchImage?: ImageFetcher } = {}): Promise<{ messages: ChatMessage[]; skipped: number }> {
  if (!actor.staffId) throw new ForbiddenError();
  if (!isUuid(taskId)) throw new NotFoundError('任务不存在或已完成 / The task is not open');
  const task = await withActorTenant(services, actor, (trx) => repo.openScriptTask(trx, actor.tenantId, actor.staffId!, taskId));
  if (!task) throw new NotFoundError('任务不存在或已完成 / The task is not open');
  const attachments = task.attachments.map((a) => campaignAttachment.parse(a));
  const resolved = attachments.some((a) => a.msgtype === 'image' && !a.image.media_id)
    ? await resolveAttachments(services, await wecomClientFor(services, actor.tenantId), actor.tenantId, attachments, { fetchImage: opts.fetchImage })
    : attachments;
  const messages: ChatMessage[] = [{ msgtype: 'text', enterChat: true, text: { content: task.text } }];
  for (const a of resolved) {
    const m = chatMessageOf(a);
    if (m) messages.push(m);
  }
  return { messages, skipped: resolved.length + 1 - messages.length };
}

function chatMessageOf(a: Attachment): ChatMessage | null {
  if (a.msgtype === 'image') return a.image.media_id ? { msgtype: 'image', enterChat: true, image: { mediaid: a.image.media_id } } : null;
  if (a.msgtype === 'link') return { msgtype: 'news', enterChat: true, news: { link: a.link.url, title: a.link.title, desc: a.link.desc ?? '', imgUrl: a.link.picurl ?? '' } };
  return null;
}
