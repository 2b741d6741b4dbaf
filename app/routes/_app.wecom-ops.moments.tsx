/**
 * Enterprise moments (客户朋友圈): ops create a post for chosen clerks and, optionally, customers with given corp
 * tags; each moment shows its clerks, who posted, the customers it reached, likes and comments, and the orders
 * within 7 days from customers it reached next to the like-for-like group it did not reach.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { cancelWecomMoment, createWecomMoment, loadMomentsPage, simulateWecomMomentPosts, syncWecomMoment } from '~/lib/wecom-ops.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'wecom.ops');
  return json(await loadMomentsPage(context, actor));
}

const intent = z.enum(['create', 'cancel', 'sync', 'simulate']);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'wecom.ops');
  try {
    const i = intent.parse(form.get('intent') ?? 'create');
    if (i === 'cancel') await cancelWecomMoment(context, actor, z.string().uuid().parse(form.get('id')));
    else if (i === 'sync') await syncWecomMoment(context, z.string().uuid().parse(form.get('id')), actor);
    else if (i === 'simulate') await simulateWecomMomentPosts(context, actor);
    else await createWecomMoment(context, actor, { text: form.get('text') ?? '', attachments: form.get('attachments') ?? '', staffIds: form.getAll('staffIds'), tagIds: form.getAll('tagIds') });
    return json({ ok: true, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

const STATUS: Record<string, [string, string, string]> = {
  creating: ['创建中', 'creating', 'warn'],
  active: ['进行中', 'active', 'good'],
  cancelled: ['已取消', 'cancelled', ''],
  failed: ['失败', 'failed', 'bad'],
};

export default function MomentsPage() {
  const { moments, clerks, tags, simulator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const pct = (n: number, d: number) => (d > 0 ? f.percent(n / d) : '—');
  return (
    <>
      <p className="muted">
        {t(
          '企业朋友圈由导购在企业微信里确认发表；没有发表的导购会在工作台看到任务。取消只会停止尚未发表的导购。',
          'Clerks publish enterprise moments from WeCom; clerks who have not posted see the task in their workspace. Cancel stops only the clerks who have not posted.',
        )}
      </p>
      <FormResult data={result} ok={t('已完成', 'Done')} />
      <Form method="post" className="card stack" data-testid="moment-form">
        <CsrfInput />
        <input type="hidden" name="intent" value="create" />
        <label>
          {t('文案（≤2000 字）', 'Text (≤2,000 characters)')}
          <textarea name="text" rows={3} maxLength={2000} placeholder={t('秋季新品到店，欢迎来试～', 'New arrivals in store this week')} />
        </label>
        <label>
          {t('附件：最多 9 张图片，或 1 个视频，或 1 个链接（每行：image media_id / video media_id / link 标题 | https://…）', 'Attachments: up to 9 images, or 1 video, or 1 link (one a line: image media_id / video media_id / link title | https://…)')}
          <textarea name="attachments" rows={2} />
        </label>
        <fieldset>
          <legend>{t('发表的导购', 'Clerks who post it')}</legend>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: '.25rem 1rem', maxHeight: 160, overflow: 'auto' }}>
            {clerks.map((c) => (
              <label key={c.id} style={{ display: 'inline-flex', flexDirection: 'row', alignItems: 'center', gap: '.25rem', fontWeight: 'normal' }}>
                <input type="checkbox" name="staffIds" value={c.id} style={{ width: 'auto' }} /> {c.name}
              </label>
            ))}
          </div>
        </fieldset>
        <label>
          {t('只给带这些企业标签的客户看（可选）', 'Only customers with these corp tags (optional)')}
          <select name="tagIds" multiple size={4}>
            {tags.map((tag) => (
              <option key={tag.id} value={tag.id}>
                {tag.group} · {tag.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">{t('创建朋友圈任务', 'Create moment')}</button>
      </Form>
      {simulator ? (
        <Form method="post" className="toolbar">
          <CsrfInput />
          <input type="hidden" name="intent" value="simulate" />
          <button type="submit" className="secondary" data-testid="simulate-posts">
            {t('演示：导购发表（约三分之二）', 'Demo: clerks post (about two thirds)')}
          </button>
        </Form>
      ) : null}
      <table className="data-table" data-testid="moments">
        <thead>
          <tr>
            <th>{t('创建', 'Created')}</th>
            <th>{t('内容', 'Text')}</th>
            <th>{t('状态', 'Status')}</th>
            <th className="num">{t('已发表 / 导购', 'Posted / clerks')}</th>
            <th className="num">{t('触达客户', 'Reached')}</th>
            <th className="num">{t('点赞 / 评论', 'Likes / comments')}</th>
            <th className="num">{t('7 天订单', 'Orders in 7 days')}</th>
            <th className="num">{t('7 天购买率：触达 vs 未触达', '7-day buyers: reached vs not')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {moments.length === 0 ? (
            <tr>
              <td colSpan={9} className="muted">
                {t('还没有朋友圈任务。', 'No moments yet.')}
              </td>
            </tr>
          ) : (
            moments.map((m) => (
              <tr key={m.id} data-testid="moment-row">
                <td>
                  {f.dateTime(m.created_at)}
                  <div className="muted">{m.created_by_label}</div>
                </td>
                <td style={{ whiteSpace: 'normal', minWidth: 240, maxWidth: 380 }}>{m.text || '—'}</td>
                <td>
                  <span className={`badge ${STATUS[m.status]?.[2] ?? ''}`}>{t(STATUS[m.status]?.[0] ?? m.status, STATUS[m.status]?.[1] ?? m.status)}</span>
                  {m.error ? <div className="muted">{m.error}</div> : null}
                  {m.invalid_senders.length ? <div className="muted">{t(`无效导购 ${m.invalid_senders.length} 位`, `${m.invalid_senders.length} invalid senders`)}</div> : null}
                  {m.invalid_tags.length ? <div className="muted">{t(`无效标签 ${m.invalid_tags.length} 个`, `${m.invalid_tags.length} invalid tags`)}</div> : null}
                </td>
                <td className="num" data-testid="posted">
                  {f.number(m.posted)} / {f.number(m.clerks)}
                </td>
                <td className="num" data-testid="reached">{f.number(m.reached)}</td>
                <td className="num">
                  {f.number(m.likes)} / {f.number(m.comments)}
                </td>
                <td className="num" data-testid="orders-7d">{f.number(m.orders_7d)}</td>
                <td className="num">
                  {pct(m.reached_buyers_7d, m.reached)} vs {pct(m.unreached_buyers_7d, m.unreached)}
                </td>
                <td>
                  {m.status === 'active' ? (
                    <div style={{ display: 'flex', gap: '.25rem' }}>
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="sync" />
                        <input type="hidden" name="id" value={m.id} />
                        <button type="submit" className="secondary">
                          {t('同步', 'Sync')}
                        </button>
                      </Form>
                      <Form method="post">
                        <CsrfInput />
                        <input type="hidden" name="intent" value="cancel" />
                        <input type="hidden" name="id" value={m.id} />
                        <button type="submit" className="secondary">
                          {t('取消未发表', 'Cancel the rest')}
                        </button>
                      </Form>
                    </div>
                  ) : null}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </>
  );
}
