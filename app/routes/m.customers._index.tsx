/** 客户: my customers on the phone — search (remark, name, last 4 mobile digits, member number), filters, attention order. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useLoaderData, useSearchParams } from '@remix-run/react';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { clerkCustomerQuerySchema } from '~/lib/clerk-contract';
import { CLERK_PAGE_SIZE, loadClerkCustomers } from '~/lib/clerk.server';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const q = clerkCustomerQuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams));
  const data = await loadClerkCustomers(context, actor, q);
  return json({ ...data, page: q.page, pageSize: CLERK_PAGE_SIZE });
}

export default function MobileCustomers() {
  const { list, tagOptions, page, pageSize } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const t = useT();
  const pages = Math.max(1, Math.ceil(list.total / pageSize));
  const link = (p: number) => {
    const n = new URLSearchParams(params);
    n.set('page', String(p));
    return `?${n.toString()}`;
  };
  return (
    <>
      <Form method="get" className="m-filters" role="search">
        <input className="wide" type="search" name="q" defaultValue={params.get('q') ?? ''} placeholder={t('备注、姓名、手机后 4 位、会员号', 'Remark, name, last 4 mobile digits, member no.')} aria-label={t('搜索客户', 'Search customers')} />
        <select name="stage" defaultValue={params.get('stage') ?? ''} aria-label={t('阶段', 'Stage')}>
          <option value="">{t('全部阶段', 'All stages')}</option>
          {Object.keys(STAGE_LABELS).map((s) => (
            <option key={s} value={s}>
              {label(STAGE_LABELS, s, t)}
            </option>
          ))}
        </select>
        <select name="due" defaultValue={params.get('due') ?? ''} aria-label={t('是否该回购', 'Due')}>
          <option value="">{t('全部', 'All')}</option>
          <option value="1">{t('该回购了', 'Due')}</option>
        </select>
        <select className="wide" name="tag" defaultValue={params.get('tag') ?? ''} aria-label={t('标签', 'Tag')}>
          <option value="">{t('全部标签', 'All tags')}</option>
          {tagOptions.map((o) => (
            <option key={o.id} value={o.id}>
              {o.groupName} · {o.name}
            </option>
          ))}
        </select>
        <button type="submit" className="wide">
          {t('查找', 'Search')}
        </button>
      </Form>
      <p className="m-muted" data-testid="customer-total">
        {t(`共 ${list.total} 位客户`, `${list.total} customers`)}
      </p>
      <section className="m-card">
        {list.rows.length === 0 ? <p className="m-muted">{t('没有符合条件的客户', 'No customers match')}</p> : null}
        <ul className="m-list" data-testid="customer-list">
          {list.rows.map((c) => (
            <li key={c.id}>
              <Link to={`/m/customers/${c.id}`} className="m-row" data-testid="customer-row">
                <div className="grow">
                  <div>
                    <strong>{c.name ?? t('（未命名）', '(no name)')}</strong> {c.is_due ? <span className="badge warn">{t('该回购了', 'Due')}</span> : null}{' '}
                    {c.open_tasks > 0 ? <span className="badge">{t(`${c.open_tasks} 个待办`, `${c.open_tasks} open`)}</span> : null}
                  </div>
                  <div className="sub">
                    {c.stage ? label(STAGE_LABELS, c.stage, t) : '—'}
                    {c.recency_days !== null ? ` · ${t(`${c.recency_days} 天未购买`, `${c.recency_days} d since purchase`)}` : ''}
                    {c.tags.length ? ` · ${c.tags.slice(0, 3).join('、')}` : ''}
                  </div>
                </div>
                <span aria-hidden>›</span>
              </Link>
            </li>
          ))}
        </ul>
      </section>
      {pages > 1 ? (
        <div className="m-actions">
          {page > 1 ? (
            <Link className="button secondary tap" to={link(page - 1)}>
              {t('上一页', 'Previous')}
            </Link>
          ) : null}
          <span className="m-muted" style={{ alignSelf: 'center', textAlign: 'center' }}>
            {page} / {pages}
          </span>
          {page < pages ? (
            <Link className="button secondary tap" to={link(page + 1)}>
              {t('下一页', 'Next')}
            </Link>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
