import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { EmptyState } from '~/components/empty-state';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, 'segments.view');
  return json({});
}

export default function Segments() {
  const t = useT();
  return (
    <>
      <h1>{t('客户分群', 'Segments')}</h1>
      <EmptyState title={t('分群功能尚未开放', 'Segments are not available yet')} action={<Link to="/dashboard">{t('查看 RFM 与生命周期看板', 'See the RFM and lifecycle dashboards')}</Link>}>
        <p>{t('按 RFM、生命周期、复购间隔与预测复购圈选客户的规则分群将在下一版本提供。', 'Rule-based segments over RFM, lifecycle, repurchase interval and predicted repurchase come in the next release.')}</p>
        <p>{t('现在可以先同步企业微信客户并导入订单，复购指标会自动计算。', 'Meanwhile, sync your WeCom customers and import orders: repurchase metrics are computed automatically.')}</p>
      </EmptyState>
    </>
  );
}
