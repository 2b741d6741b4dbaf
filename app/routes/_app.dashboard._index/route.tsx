/** Overview: KPI cards against the previous period; repurchase-rate, active-customer and revenue trends. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { KpiCard } from '~/components/charts/kpi-card';
import { EmptyState } from '~/components/empty-state';
import { dashboardData, dashboardOverview } from '~/lib/analytics.server';
import { num, pct, pctChange, ppChange, yuan } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { CustomerTrends, RevenueSplit, StagesAndScope } from './charts';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardOverview(s, a, input));
  return json(data);
}

export default function Overview() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const k = d.kpis;
  const pp = t('个百分点', 'pp');
  const prevLabel = t(`对比上一期 ${d.period.prevFrom} ~ ${d.period.prevTo}`, `vs ${d.period.prevFrom} – ${d.period.prevTo}`);
  const noData = d.meta.computedAsOf === null;
  return (
    <>
      {noData ? (
        <EmptyState title={t('还没有分析数据', 'No analytics yet')} action={<Link to="/imports">{t('导入订单', 'Import orders')}</Link>}>
          <p>{t('导入订单或同步企业微信客户后，系统会自动计算复购指标并生成看板。', 'Import orders or sync WeCom customers: repurchase metrics and dashboards are computed automatically.')}</p>
        </EmptyState>
      ) : null}
      <p className="muted period-note">
        {t('统计期', 'Period')} {d.period.from} ~ {d.period.to}（{d.period.days} {t('天', 'days')}）· {prevLabel}
      </p>
      <div className="cards kpis">
        <KpiCard label={t('销售额', 'Revenue')} value={yuan(k.revenueFen.value)} delta={pctChange(k.revenueFen)} hint={t('已支付订单，含匿名', 'Paid orders incl. anonymous')} />
        <KpiCard label={t('订单数', 'Paid orders')} value={num(k.paidOrders.value)} delta={pctChange(k.paidOrders)} />
        <KpiCard label={t('私域销售占比', 'Private-domain share')} value={pct(k.privateShare.value)} delta={ppChange(k.privateShare, pp)} hint={t('已识别客户的销售额 ÷ 总销售额', 'Identified revenue ÷ all revenue')} />
        <KpiCard label={t('新客数', 'New customers')} value={num(k.newCustomers.value)} delta={pctChange(k.newCustomers)} hint={t('期间首次购买', 'First purchase in the period')} />
      </div>
      <div className="cards kpis">
        <KpiCard label={t('累计复购率', 'Repurchase rate')} value={pct(k.repurchaseRate.value)} delta={ppChange(k.repurchaseRate, pp)} hint={t(`截至 ${d.period.to}：购买 ≥2 天的客户 ÷ 购买客户`, `As of ${d.period.to}: ≥2 purchase days ÷ buyers`)} />
        <KpiCard label={t('购买客户', 'Buyers')} value={num(k.buyers.value)} delta={pctChange(k.buyers)} hint={t('至少一个购买日', 'At least one purchase day')} />
        <KpiCard label={t('活跃客户', 'Active customers')} value={num(k.active.value)} delta={pctChange(k.active)} hint={t(`最近 ${d.meta.windowDays ?? '—'} 天内购买`, `Bought within ${d.meta.windowDays ?? '—'} days`)} href={`/customers?stage=active`} />
        <KpiCard label={t('流失预警', 'At risk')} value={num(k.atRisk.value)} delta={pctChange(k.atRisk)} better="down" href={`/customers?stage=at_risk`} />
        <KpiCard label={t('待回访', 'Due for a visit')} value={num(k.due)} hint={t(`已到预计下次购买日，${d.meta.windowDays ?? '—'} 天内`, `Reached their expected next purchase, within ${d.meta.windowDays ?? '—'} days`)} href={`/customers?due=1&sort=priority`} />
      </div>

      <CustomerTrends d={d} />

      <RevenueSplit d={d} />

      <StagesAndScope d={d} />
    </>
  );
}
