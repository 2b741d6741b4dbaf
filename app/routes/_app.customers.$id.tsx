import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getCustomer, withTenant } from '~/lib/customers.server';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const id = params.id ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw json({ message: 'Not found' }, { status: 404 });
  try {
    return json({ customer: await withTenant(context.services.dbs, actor.tenantId, (trx) => getCustomer(trx, actor, id)) });
  } catch (e) {
    if ((e as { status?: number }).status === 404) throw json({ message: (e as Error).message }, { status: 404 });
    throw e;
  }
}

export default function CustomerProfile() {
  const { customer: c } = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  return (
    <>
      <p>
        <Link to="/customers">← {t('客户', 'Customers')}</Link>
      </p>
      <h1>{c.display_name ?? t('（未命名）', '(no name)')}</h1>
      <div className="grid-2">
        <div className="card">
          <h2 style={{ marginTop: 0 }}>{t('基本信息', 'Profile')}</h2>
          <p>
            {t('手机', 'Mobile')}: {c.mobile_masked ?? '—'}
          </p>
          <p>
            {t('门店', 'Store')}: {c.store ?? '—'}
          </p>
          <p>
            {t('建档时间', 'Customer since')}: {f.date(c.created_at)}
          </p>
          <p>
            {t('身份标识', 'Identities')}:{' '}
            {c.identities.map((i) => (
              <span key={i.kind + i.value} className="badge" style={{ marginRight: '.25rem' }}>
                {i.kind}: {i.value}
              </span>
            ))}
          </p>
        </div>
        <div className="card">
          <h2 style={{ marginTop: 0 }}>{t('服务导购', 'Served by')}</h2>
          {c.follows.length === 0 ? <p className="muted">{t('暂无导购添加该客户', 'No clerk has added this customer')}</p> : null}
          {c.follows.map((fl, i) => (
            <p key={i}>
              <strong>{fl.clerk}</strong> · {fl.store ?? '—'} · {t('添加于', 'since')} {f.date(fl.added_at)}
              {fl.ended_at ? <span className="badge bad"> {t('已解除', 'ended')}</span> : null}
              {fl.remark ? <span className="muted"> · {fl.remark}</span> : null}
            </p>
          ))}
        </div>
      </div>
    </>
  );
}
