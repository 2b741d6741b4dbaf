/**
 * Enterprise moments (客户朋友圈, wecom-api.md 12). Ops create a post (text with 9 images, or 1 video, or 1 link) for
 * chosen clerks and, optionally, customers with given corp tags. The `wecom.moment` job:
 *
 *  1. calls add_moment_task once (the jobid is stored at once, so a retry follows the same job);
 *  2. follows get_moment_task_result until done: moment_id, invalid senders and tags are recorded;
 *  3. syncs each clerk's posted / not-posted state (get_moment_task), the customers in range and those it was
 *     shown to (get_moment_customer_list, get_moment_send_result), likes and comments (get_moment_comments);
 *     while clerks have not posted it syncs again later. Clerks see their pending posts in their workspace.
 * Cancel stops the clerks who have not posted (cancel_moment_task). Create, post and cancel are audited.
 */
import { z } from 'zod';
import { NotFoundError, ValidationError } from '../lib/errors';
import { parseOrThrow } from '../lib/validation';
import type { Services } from '../services';
import { assertCan, systemActor, type Actor } from '../tenancy/actor';
import { audit } from '../tenancy/audit';
import { withTenant, type TenantId } from '../tenancy/context';
import { describeWecomError, isTransientWecomError } from './messages';
import { activateMoment, getMoment, insertMoment, setMomentJob, setMomentStatus, upsertMomentClerks, upsertMomentReach, type MomentRow } from './moments.repository';
import { wecomClientFor } from './runtime';
import { wecomUseridsOf } from './staff.repository';
import { liveTagsWecomIds } from './tags.repository';
import { WECOM_LIMITS, type MomentAttachment } from './types';

export const momentInput = z.object({
  text: z.string().trim().max(WECOM_LIMITS.momentTextChars, '文案最多 2000 字 / At most 2,000 characters').default(''),
  attachments: z.string().default(''),
  staffIds: z.array(z.string().uuid()).min(1, '请选择导购 / Choose the clerks').max(5000),
  tagIds: z.array(z.string().uuid()).max(100).default([]),
});

/** `image <media_id>` (≤9), `video <media_id>` (1) or `link 标题 | https://… [| cover media_id]` (1); one kind only. */
export function parseMomentAttachments(text: string): MomentAttachment[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const out: MomentAttachment[] = lines.map((line, i) => {
    const [kind, ...rest] = line.split(/\s+/);
    const body = rest.join(' ').trim();
    if ((kind === 'image' || kind === 'video') && body) return kind === 'image' ? { msgtype: 'image', image: { media_id: body } } : { msgtype: 'video', video: { media_id: body } };
    const [title, url, cover] = body.split('|').map((x) => x.trim());
    if (kind === 'link' && title && url && /^https?:\/\//.test(url)) return { msgtype: 'link', link: { title, url, ...(cover ? { media_id: cover } : {}) } };
    throw new ValidationError(`第 ${i + 1} 行：image <media_id>、video <media_id> 或 link 标题 | https://… / Line ${i + 1}: image <media_id>, video <media_id> or link title | https://…`);
  });
  const kinds = new Set(out.map((a) => a.msgtype));
  if (kinds.size > 1) throw new ValidationError('附件只能是图片、一个视频或一个链接之一 / Attachments: images, or one video, or one link');
  if (kinds.has('image') && out.length > WECOM_LIMITS.momentImages) throw new ValidationError('最多 9 张图片 / At most 9 images');
  if ((kinds.has('video') || kinds.has('link')) && out.length > 1) throw new ValidationError('只能有一个视频或一个链接 / Only one video or one link');
  return out;
}

export async function createMoment(services: Services, actor: Actor, input: unknown): Promise<{ id: string }> {
  assertCan(actor, 'wecom.ops');
  const v = parseOrThrow(momentInput, input, { details: 'issues' });
  const attachments = parseMomentAttachments(v.attachments);
  if (!v.text && attachments.length === 0) throw new ValidationError('请填写文案或附件 / Write a text or add attachments');
  const t = actor.tenantId;
  const id = await withTenant(services.dbs, t, async (trx) => {
    const staff = await wecomUseridsOf(trx, t, v.staffIds);
    if (staff.length === 0) throw new ValidationError('所选导购都没有企业微信账号 / None of the chosen clerks is on WeCom');
    const tags = await liveTagsWecomIds(trx, t, v.tagIds);
    if (tags.some((x) => !x.wecom_tag_id)) throw new ValidationError('只能用企业微信标签（内部标签不能用于朋友圈可见范围）/ Only WeCom corp tags can limit who sees a moment');
    const senders = staff.map((s) => s.wecom_userid!);
    const id = await insertMoment(trx, t, { text: v.text, attachments, senders, tagIds: tags.map((x) => x.id), wecomTagIds: tags.map((x) => x.wecom_tag_id!), label: actor.label });
    await audit(trx, actor, { action: 'moment.create', entityType: 'wecom_moment', entityId: id, after: { text: v.text, attachments, senders, tags: tags.map((x) => x.wecom_tag_id) } });
    return id;
  });
  await enqueueMoment(services, t, id);
  return { id };
}

export async function enqueueMoment(services: Services, tenantId: TenantId, momentId: string, afterSeconds = 0): Promise<void> {
  if (!services.queue.started) return;
  try {
    await services.queue.send('wecom.moment', { tenantId, momentId }, { singletonKey: `${momentId}:${afterSeconds}`, ...(afterSeconds > 0 ? { startAfter: afterSeconds } : {}), retryLimit: 5, retryDelay: 15, retryBackoff: true });
  } catch (e) {
    services.log.warn('moment stored but not enqueued', { tenantId, momentId, error: e });
  }
}

/** Creates the WeCom task, follows its job and syncs the moment. Idempotent; returns the moment's status. */
export async function runMoment(services: Services, tenantId: TenantId, id: string): Promise<MomentRow['status']> {
  const m = await withTenant(services.dbs, tenantId, (trx) => getMoment(trx, tenantId, id));
  if (!m) throw new NotFoundError('moment not found');
  if (m.status === 'failed') return m.status;
  const client = await wecomClientFor(services, tenantId);
  try {
    if (m.status === 'creating' && !m.jobid) {
      const req = {
        ...(m.text ? { text: { content: m.text } } : {}),
        ...(m.attachments.length ? { attachments: m.attachments } : {}),
        visible_range: { sender_list: { user_list: m.sender_userids }, ...(m.wecom_tag_ids.length ? { external_contact_list: { tag_list: m.wecom_tag_ids } } : {}) },
      };
      m.jobid = await client.addMomentTask(req);
      await withTenant(services.dbs, tenantId, async (trx) => {
        await setMomentJob(trx, tenantId, id, m.jobid!);
        await audit(trx, systemActor(tenantId, '', 'wecom-moment'), { action: 'moment.post', entityType: 'wecom_moment', entityId: id, after: { jobid: m.jobid, senders: m.sender_userids.length } });
      });
    }
    if (m.status === 'creating') {
      const r = await client.getMomentTaskResult(m.jobid!);
      if (r.status !== 3) {
        await enqueueMoment(services, tenantId, id, 5);
        return 'creating';
      }
      if (!r.result?.moment_id) {
        await withTenant(services.dbs, tenantId, (trx) => setMomentStatus(trx, tenantId, id, 'failed', `企业微信未创建朋友圈（${r.result?.errcode ?? '?'}）/ WeCom did not create the moment (${r.result?.errcode ?? '?'})`));
        return 'failed';
      }
      const invalidSenders = r.result.invalid_sender_list?.user_list ?? [];
      await withTenant(services.dbs, tenantId, (trx) => activateMoment(trx, tenantId, id, { momentId: r.result!.moment_id!, invalidSenders, invalidTags: r.result!.invalid_external_contact_list?.tag_list ?? [] }));
      m.moment_id = r.result.moment_id;
      m.status = 'active';
    }
    await syncMoment(services, tenantId, id, m.moment_id!);
    return m.status;
  } catch (e) {
    if (isTransientWecomError(e)) throw e;
    await withTenant(services.dbs, tenantId, (trx) => setMomentStatus(trx, tenantId, id, 'failed', describeWecomError(e)));
    return 'failed';
  }
}

async function allPages<T>(fetchPage: (cursor: string) => Promise<{ items: T[]; next_cursor: string }>): Promise<T[]> {
  const out: T[] = [];
  let cursor = '';
  do {
    const p = await fetchPage(cursor);
    out.push(...p.items);
    cursor = p.next_cursor;
  } while (cursor);
  return out;
}

/** Clerks' posted state, the customers in range and shown, likes and comments; again later while some have not posted. */
export async function syncMoment(services: Services, tenantId: TenantId, id: string, momentId: string): Promise<{ posted: number; pending: number }> {
  const client = await wecomClientFor(services, tenantId);
  const tasks = await allPages((cursor) => client.getMomentTask({ moment_id: momentId, cursor }).then((r) => ({ items: r.task_list, next_cursor: r.next_cursor })));
  const clerks: { userid: string; posted: boolean; likes: number; comments: number }[] = [];
  for (const t of tasks) {
    const posted = t.publish_status === 1;
    const inRange = await allPages((cursor) => client.getMomentCustomerList({ moment_id: momentId, userid: t.userid, cursor }).then((r) => ({ items: r.customer_list.map((c) => c.external_userid), next_cursor: r.next_cursor })));
    const shown = posted ? await allPages((cursor) => client.getMomentSendResult({ moment_id: momentId, userid: t.userid, cursor }).then((r) => ({ items: r.customer_list.map((c) => c.external_userid), next_cursor: r.next_cursor }))) : [];
    const ic = posted ? await client.getMomentComments({ moment_id: momentId, userid: t.userid }) : { like_list: [], comment_list: [] };
    clerks.push({ userid: t.userid, posted, likes: ic.like_list.length, comments: ic.comment_list.length });
    await withTenant(services.dbs, tenantId, (trx) => upsertMomentReach(trx, tenantId, id, t.userid, inRange, shown));
  }
  await withTenant(services.dbs, tenantId, (trx) => upsertMomentClerks(trx, tenantId, id, clerks));
  const pending = clerks.filter((c) => !c.posted).length;
  if (pending > 0) await enqueueMoment(services, tenantId, id, 3600);
  return { posted: clerks.length - pending, pending };
}

/** Stops the clerks who have not posted yet; published posts stay. */
export async function cancelMoment(services: Services, actor: Actor, id: string): Promise<void> {
  assertCan(actor, 'wecom.ops');
  const t = actor.tenantId;
  const m = await withTenant(services.dbs, t, (trx) => getMoment(trx, t, id));
  if (!m) throw new NotFoundError('朋友圈不存在 / Moment not found');
  if (m.status !== 'active' || !m.moment_id) throw new ValidationError('只能取消已创建的朋友圈 / Only a created moment can be cancelled');
  const client = await wecomClientFor(services, t);
  await client.cancelMomentTask(m.moment_id);
  await withTenant(services.dbs, t, async (trx) => {
    await setMomentStatus(trx, t, id, 'cancelled');
    await audit(trx, actor, { action: 'moment.cancel', entityType: 'wecom_moment', entityId: id, before: { status: m.status } });
  });
}
