/**
 * Predictions, for a manager first: expected repurchases in the next 90 days, customers likely to lapse and the
 * value at stake, per store; then the distributions, value tiers and the backtest. The BG/NBD and Gamma-Gamma
 * parameters are for analysts, in a collapsed "model details" section.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { KpiCard } from '~/components/charts/kpi-card';
import { dashboardData, dashboardPredictions } from '~/lib/analytics.server';
import { bilingual, num, yuan } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { Backtest, Distributions, ValueTiers } from './charts';
import { ModelDetails } from './model-details';
import { PredictionStores } from './stores-table';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardPredictions(s, a, input));
  return json(data);
}

export default function Predictions() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const m = d.model;
  if (m.status !== 'fitted' || !m.bgnbd) {
    return (
      <div className="card empty">
        <h2>{t('暂无预测', 'No predictions yet')}</h2>
        <p>{bilingual(m.reason, t)}</p>
        <p className="muted">
          {t(`需要至少 200 位购买客户且至少 50 位复购客户（当前 ${num(m.customers)} / ${num(m.repeaters)}）。`, `Needs at least 200 buyers and 50 repeat customers (now ${num(m.customers)} / ${num(m.repeaters)}).`)}
        </p>
      </div>
    );
  }
  return (
    <>
      <div className="cards kpis">
        <KpiCard
          label={t('未来 90 天预计复购', 'Expected repurchases, next 90 days')}
          value={num(d.totals.expected90, 0)}
          hint={t(`购买日数，${num(d.totals.customers)} 位购买客户合计（30 天：${num(d.totals.expected30, 0)}）`, `Purchase days by ${num(d.totals.customers)} buyers (30 days: ${num(d.totals.expected30, 0)})`)}
        />
        <KpiCard label={t('可能流失的复购客户', 'Repeat customers likely to lapse')} value={num(d.totals.likelyInactive)} hint={t('P(仍活跃) < 50%', 'P(alive) < 50%')} href="/customers?sort=p_alive&dir=asc" />
        <KpiCard label={t('流失风险金额', 'Value at stake')} value={yuan(d.totals.valueAtStakeFen)} hint={t('这些客户近 12 个月的消费', 'What they spent in the last 12 months')} />
        <KpiCard label={t('未来 12 个月预测价值', 'Predicted 12-month value')} value={yuan(d.totals.valueFen)} href="/customers?sort=value&dir=desc" />
      </div>

      <PredictionStores stores={d.stores} />

      <Distributions d={d} />

      <ValueTiers d={d} />

      <Backtest bt={d.backtest} />

      <ModelDetails m={m} fitMs={d.fitMs} />
    </>
  );
}
