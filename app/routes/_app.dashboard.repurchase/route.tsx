/** Repurchase: period figures, the 30/60/90-day curve, cohort retention, intervals and repurchase by category. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { KpiCard } from '~/components/charts/kpi-card';
import { dashboardData, dashboardRepurchase } from '~/lib/analytics.server';
import { num, pct } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { Categories, CurveAndIntervals } from './charts';
import { CohortRetention } from './cohorts';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardRepurchase(s, a, input));
  return json(data);
}

export default function Repurchase() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const s = d.summary;
  return (
    <>
      <p className="muted period-note">
        {t('统计期', 'Period')} {d.meta.from} ~ {d.meta.to}
      </p>
      <div className="cards kpis">
        <KpiCard label={t('期间复购率', 'Repurchase rate (period)')} value={pct(s.repurchaseRate)} hint={t('期间购买 ≥2 天的客户 ÷ 期间购买客户', '≥2 purchase days in the period ÷ buyers in the period')} />
        <KpiCard label={t('期间购买客户', 'Buyers (period)')} value={num(s.customers)} hint={`${t('其中复购', 'repeaters')} ${num(s.repeatCustomers)}`} />
        <KpiCard label={t('30 天复购率', '30-day repurchase')} value={pct(d.rates.d30)} hint={t('近 12 个月新客，首购后 30 天内再次购买', 'Customers of the last 12 months: second purchase within 30 days')} />
        <KpiCard label={t('60 天复购率', '60-day repurchase')} value={pct(d.rates.d60)} hint={t('同上，60 天内', 'Same, within 60 days')} />
        <KpiCard label={t('90 天复购率', '90-day repurchase')} value={pct(d.rates.d90)} hint={t('同上，90 天内', 'Same, within 90 days')} />
        <KpiCard label={t('复购间隔中位数', 'Median interval')} value={d.medianIntervalDays === null ? '—' : `${d.medianIntervalDays} ${t('天', 'days')}`} hint={`${t('复购窗口', 'Window')} W = ${d.meta.windowDays ?? '—'} ${t('天', 'days')}`} />
      </div>

      <CurveAndIntervals d={d} />

      <CohortRetention d={d} />

      <Categories d={d} />
    </>
  );
}
