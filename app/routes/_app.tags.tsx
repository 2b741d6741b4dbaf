/**
 * Tags: WeCom corp tags (synced both ways: created here they are pushed with add_corp_tag) and Huike-internal
 * tags (never pushed). Shows the 3,000 corp-tag quota and how many customers carry each tag.
 */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { createTagFor, loadTagCatalogue } from '~/lib/wecom.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'tags.manage');
  return json(await loadTagCatalogue(context, actor));
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'tags.manage');
  try {
    const groupId = String(form.get('groupId') ?? '');
    await createTagFor(context, actor, {
      name: form.get('name'),
      kind: form.get('kind'),
      groupId: groupId === 'new' ? '' : groupId,
      groupName: groupId === 'new' ? form.get('groupName') : '',
    });
    return json({ ok: true as const, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

const PUSH: Record<string, [string, string, string]> = {
  synced: ['已同步', 'synced', 'good'],
  pending: ['待推送', 'pushing', 'warn'],
  failed: ['推送失败', 'push failed', 'bad'],
};

export default function Tags() {
  const d = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  return (
    <>
      <h1>{t('客户标签', 'Tags')}</h1>
      <div className="card">
        <div className="progress" aria-label={t('企业标签用量', 'Corp tags used')}>
          <div style={{ width: `${Math.min(100, (d.corpTags / d.limit) * 100)}%` }} />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          {t(
            `企业标签 ${f.number(d.corpTags)} / ${f.number(d.limit)}（企业微信上限）。企业标签会同步到企业微信；“仅回客内部”标签只在回客使用，不计入上限，也不会推送。`,
            `${f.number(d.corpTags)} of ${f.number(d.limit)} corp tags (WeCom’s limit). Corp tags are synced with WeCom; Huike-internal tags stay in Huike, do not count and are never pushed.`,
          )}
        </p>
      </div>
      <FormResult data={result} ok={t('标签已创建', 'Tag created')} />
      <Form method="post" className="toolbar card">
        <CsrfInput />
        <label>
          {t('标签名', 'Tag name')}
          <input name="name" required maxLength={30} />
        </label>
        <label>
          {t('类型', 'Kind')}
          <select name="kind" defaultValue="wecom">
            <option value="wecom">{t('企业标签（同步企业微信）', 'Corp tag (synced with WeCom)')}</option>
            <option value="internal">{t('仅回客内部', 'Huike-internal')}</option>
          </select>
        </label>
        <label>
          {t('标签组', 'Group')}
          <select name="groupId" defaultValue="new">
            <option value="new">{t('新建标签组 →', 'New group →')}</option>
            {d.groups.map((g) => (
              <option key={g.id} value={g.id}>
                {g.name} {g.kind === 'internal' ? t('（内部）', '(internal)') : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('新标签组名', 'New group name')}
          <input name="groupName" maxLength={30} />
        </label>
        <button type="submit">{t('新建标签', 'Create tag')}</button>
      </Form>
      {d.groups.length === 0 ? <p className="muted">{t('还没有标签：同步企业微信后会出现企业标签，也可以在这里新建。', 'No tags yet: syncing WeCom brings the corp tags, or create one here.')}</p> : null}
      <div className="cards">
        {d.groups.map((g) => (
          <section key={g.id} className="card" data-testid="tag-group">
            <h2 style={{ marginTop: 0 }}>
              {g.name} <span className={`badge ${g.kind === 'internal' ? 'warn' : ''}`}>{g.kind === 'internal' ? t('内部', 'internal') : t('企业微信', 'WeCom')}</span>
            </h2>
            {g.tags.length === 0 ? <p className="muted">{t('组内没有标签', 'No tags in this group')}</p> : null}
            <ul style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: '.35rem' }}>
              {g.tags.map((tg) => {
                const st = PUSH[tg.pushState] ?? PUSH.synced!;
                return (
                  <li key={tg.id}>
                    <Link to={`/customers?tag=${tg.id}`}>{tg.name}</Link> <span className="muted">· {t(`${f.number(tg.customers)} 位客户`, `${f.number(tg.customers)} customers`)}</span>
                    {g.kind === 'wecom' && tg.pushState !== 'synced' ? <span className={`badge ${st[2]}`}> {t(st[0], st[1])}</span> : null}
                    {tg.pushError && tg.pushState !== 'synced' ? <div className="muted">{tg.pushError}</div> : null}
                  </li>
                );
              })}
            </ul>
          </section>
        ))}
      </div>
    </>
  );
}
