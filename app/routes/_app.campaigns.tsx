import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { EmptyState } from '~/components/empty-state';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireActor(request, context, 'campaigns.view');
  return json({});
}

export default function Campaigns() {
  const t = useT();
  return (
    <>
      <h1>{t('营销活动', 'Campaigns')}</h1>
      <EmptyState title={t('营销活动尚未开放', 'Campaigns are not available yet')}>
        <p>{t('通过导购企业微信群发的一次性、周期与触发式复购活动（含免打扰时段、频次上限、对照组与增量报告）将在分群功能之后提供。', 'One-off, recurring and triggered retention campaigns sent through each clerk’s WeCom (quiet hours, frequency caps, holdout and uplift reports) follow the segments release.')}</p>
      </EmptyState>
    </>
  );
}
