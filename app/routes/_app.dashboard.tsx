import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { EmptyState } from '~/components/empty-state';
import { requireActor } from '~/lib/guards.server';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import { chainOverview } from '~/lib/overview.server';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  return json(await chainOverview(context.services, actor));
}

export default function Dashboard() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  return (
    <>
      <h1>{t('数据看板', 'Dashboard')}</h1>
      <div className="cards">
        <div className="card kpi">
          <div className="label">{t('门店', 'Stores')}</div>
          <div className="value">{f.number(d.stores)}</div>
        </div>
        <div className="card kpi">
          <div className="label">{t('导购', 'Clerks')}</div>
          <div className="value">{f.number(d.clerks)}</div>
        </div>
        <div className="card kpi">
          <div className="label">{t('客户', 'Customers')}</div>
          <div className="value">{f.number(d.customers)}</div>
        </div>
      </div>
      {d.customers === 0 ? (
        <EmptyState title={t('还没有客户数据', 'No customer data yet')} action={<Link to="/settings/wecom">{t('连接企业微信', 'Connect WeCom')}</Link>}>
          <p>{t('连接企业微信同步导购的客户，或在「数据导入」中导入订单，复购看板会自动生成。', 'Connect WeCom to sync your clerks’ customers, or import orders under Imports: the repurchase dashboards build themselves.')}</p>
        </EmptyState>
      ) : null}
    </>
  );
}
