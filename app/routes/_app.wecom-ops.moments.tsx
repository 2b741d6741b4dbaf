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
import { DemoAction } from '~/components/wecom-ops/demo-action';
import { MomentsTable } from '~/components/wecom-ops/moments-table';
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

export default function MomentsPage() {
  const { moments, clerks, tags, simulator } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
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
      <DemoAction simulator={simulator} intent="simulate" testId="simulate-posts">
        {t('演示：导购发表（约三分之二）', 'Demo: clerks post (about two thirds)')}
      </DemoAction>
      <MomentsTable rows={moments} />
    </>
  );
}
