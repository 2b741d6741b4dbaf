/** 话术: scripts and materials by category and lifecycle stage; variables filled for ?customer=<id> (else the clerk's own, customer ones falling back; ops who manage them see the templates); ops add and archive them. */
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSearchParams } from '@remix-run/react';
import { ScriptItem } from '~/components/clerk/script-list';
import { CsrfInput } from '~/components/csrf';
import { FormResult } from '~/components/form-result';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { can } from '~/lib/auth.server';
import { SCRIPT_KINDS, SCRIPT_PLACEHOLDERS } from '~/lib/clerk-contract';
import { loadCard, loadScripts, removeScript, saveScript } from '~/lib/clerk.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { isUuid } from '~/lib/params';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const url = new URL(request.url);
  const customer = url.searchParams.get('customer');
  const card = customer && isUuid(customer) ? await loadCard(context, actor, customer).catch(() => null) : null;
  const category = url.searchParams.get('category')?.slice(0, 30) || undefined;
  const stage = url.searchParams.get('stage')?.slice(0, 20) || card?.stage || undefined;
  const data = await loadScripts(context, actor, { category, stage });
  return json({ ...data, customer: card ? { id: card.id, name: card.name, vars: card.vars } : null, stage: stage ?? null, canManage: can(actor.role, 'scripts.manage') });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'scripts.manage');
  try {
    if (form.get('intent') === 'archive') {
      await removeScript(context, actor, String(form.get('id') ?? ''));
      return json({ ok: true as const, error: undefined });
    }
    await saveScript(context, actor, Object.fromEntries(form));
    return json({ ok: true as const, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

function NewScript() {
  const t = useT();
  const data = useActionData<typeof action>();
  return (
    <details className="m-card">
      <summary className="tap" style={{ display: 'flex', alignItems: 'center' }}>
        {t('新建话术（运营）', 'New script (ops)')}
      </summary>
      <FormResult data={data} ok={t('已保存', 'Saved')} />
      <Form method="post" style={{ display: 'grid', gap: '.5rem', marginTop: '.5rem' }}>
        <CsrfInput />
        <input name="title" placeholder={t('标题', 'Title')} required />
        <input name="category" placeholder={t('分类，例如：回购提醒', 'Category, e.g. Repurchase')} required />
        <select name="stage" defaultValue="" aria-label={t('适用阶段', 'Stage')}>
          <option value="">{t('全部阶段', 'Every stage')}</option>
          {Object.keys(STAGE_LABELS).map((s) => (
            <option key={s} value={s}>
              {label(STAGE_LABELS, s, t)}
            </option>
          ))}
        </select>
        <select name="kind" defaultValue="text" aria-label={t('类型', 'Kind')}>
          {SCRIPT_KINDS.map((k) => (
            <option key={k} value={k}>
              {{ text: t('文字', 'Text'), image: t('图片', 'Image'), link: t('链接', 'Link') }[k]}
            </option>
          ))}
        </select>
        <textarea name="body" rows={4} placeholder={t('内容，可用变量：', 'Text; variables: ') + Object.keys(SCRIPT_PLACEHOLDERS).map((v) => `{${v}}`).join(' ') + t('（可写 {客户称呼|您} 给出缺省值）', ' ({客户称呼|您} gives a fallback)')} />
        <input name="url" type="url" placeholder={t('链接（链接类）', 'Link URL (link scripts)')} />
        <input name="imageUrl" type="url" placeholder={t('图片链接（图片类）', 'Image URL (image scripts)')} />
        <button type="submit">{t('保存', 'Save')}</button>
      </Form>
    </details>
  );
}

export default function Scripts() {
  const { scripts, categories, customer, stage, canManage, ownVars } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = useT();
  const withParam = (k: string, v: string | null) => {
    const n = new URLSearchParams(params);
    if (v) n.set(k, v);
    else n.delete(k);
    return `?${n.toString()}`;
  };
  return (
    <>
      {customer ? (
        <p className="m-muted">
          {t('为客户填好变量：', 'Filled in for ')}
          <Link to={`/m/customers/${customer.id}`}>{customer.name ?? '—'}</Link>
        </p>
      ) : null}
      <div className="m-chips" style={{ marginBottom: '.75rem' }}>
        <Link className="m-chip" aria-pressed={!params.get('category')} to={withParam('category', null)}>
          {t('全部', 'All')}
        </Link>
        {categories.map((c) => (
          <Link key={c} className="m-chip" aria-pressed={params.get('category') === c} to={withParam('category', c)}>
            {c}
          </Link>
        ))}
      </div>
      {stage ? <p className="m-muted">{t(`适用阶段：${label(STAGE_LABELS, stage, t)}（及通用）`, `For stage ${label(STAGE_LABELS, stage, t)} (and general)`)}</p> : null}
      {canManage ? <NewScript /> : null}
      <section className="m-card">
        {scripts.length === 0 ? <p className="m-muted">{t('还没有话术', 'No scripts yet')}</p> : null}
        <ul className="m-list" data-testid="script-list">
          {scripts.map((s) => (
            <ScriptItem
              key={s.id}
              s={s}
              vars={customer?.vars ?? (canManage ? null : ownVars)}
              extra={
                canManage ? (
                  <Form method="post">
                    <CsrfInput />
                    <input type="hidden" name="id" value={s.id} />
                    <button type="submit" name="intent" value="archive" className="danger">
                      {t('下架', 'Archive')}
                    </button>
                  </Form>
                ) : null
              }
            />
          ))}
        </ul>
      </section>
    </>
  );
}
