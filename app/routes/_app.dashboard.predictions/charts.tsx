/** The distributions (P(alive), expected purchases in 90 days), the value tiers and the backtest. */
import type { SerializeFrom } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { VALUE_TIER_LABELS, label } from '~/lib/analytics-labels';
import { bilingual, csvRate, csvYuan, num, pct, yuan, yuanShort } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function Distributions({ d }: { d: Data }) {
  const t = useT();
  return (
    <div className="grid-2">
      <ChartCard
        id="p-alive"
        title={t('P(活跃) 分布', 'P(alive) distribution')}
        subtitle={t(
          `客户仍在购买（未流失）的概率；仅购买一次的 ${num(d.onePurchase)} 位客户无法估计，不计入`,
          `Probability that a customer is still buying; the ${num(d.onePurchase)} one-purchase customers cannot be estimated and are left out`,
        )}
        data={{ fileName: 'p-alive', columns: [{ key: 'label', label: 'P(alive)' }, { key: 'count', label: t('客户数', 'Customers') }], rows: d.pAlive.map((b) => ({ label: b.label, count: b.count })) }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={d.pAlive} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 11, fill: COLORS.axis }} interval={0} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={56} tickFormatter={(v: number) => num(v)} />
              <Tooltip content={<ChartTip title={(l) => `P(alive) ${l}`} format={(v) => num(Number(v))} />} />
              <Bar isAnimationActive={false} dataKey="count" name={t('客户数', 'Customers')} fill={COLORS.brand} radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <ChartCard
        id="expected-90"
        title={t('未来 90 天预计购买次数', 'Expected purchases in 90 days')}
        subtitle={t('BG/NBD 条件期望（购买日）', 'BG/NBD conditional expectation (purchase days)')}
        data={{ fileName: 'expected-90', columns: [{ key: 'label', label: t('预计次数', 'Expected') }, { key: 'count', label: t('客户数', 'Customers') }], rows: d.expected90.map((b) => ({ label: b.label, count: b.count })) }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={d.expected90} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 12, fill: COLORS.axis }} interval={0} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={56} tickFormatter={(v: number) => num(v)} />
              <Tooltip content={<ChartTip title={(l) => `${l} ${t('次', 'purchases')}`} format={(v) => num(Number(v))} />} />
              <Bar isAnimationActive={false} dataKey="count" name={t('客户数', 'Customers')} fill={COLORS.predicted} radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
    </div>
  );
}

export function ValueTiers({ d }: { d: Data }) {
  const t = useT();
  const locale = t('zh-CN', 'en');
  const tiers = d.tiers.map((x) => ({ ...x, label: label(VALUE_TIER_LABELS, String(x.tier), t) }));
  return (
    <ChartCard
      id="value-tiers"
      title={t('价值分层（未来 12 个月预测价值）', 'Value tiers (predicted 12-month value)')}
      subtitle={t('按预测价值排序的客户分层：预计购买次数 × 预计客单（Gamma-Gamma）', 'Customers ranked by predicted value: expected purchases × expected spend (Gamma-Gamma)')}
      height={260}
      data={{
        fileName: 'value-tiers',
        columns: [
          { key: 'tier', label: t('分层', 'Tier') },
          { key: 'customers', label: t('客户数', 'Customers') },
          { key: 'value', label: t('预测价值（元）', 'Predicted value (¥)') },
          { key: 'min', label: t('门槛（元）', 'Threshold (¥)') },
          { key: 'pAlive', label: t('平均 P(活跃)', 'Avg. P(alive)') },
          { key: 'e90', label: t('平均 90 天预计购买', 'Avg. expected 90d') },
        ],
        rows: tiers.map((x) => ({ tier: x.label, customers: x.customers, value: csvYuan(x.valueFen), min: csvYuan(x.minValueFen), pAlive: csvRate(x.avgPAlive), e90: csvRate(x.avgExpected90) })),
      }}
      actions={<Link to="/customers?sort=value&dir=desc">{t('高价值客户 →', 'Top customers →')}</Link>}
      empty={d.tiers.length === 0 ? t('暂无价值预测（客单模型未拟合）', 'No value predictions (spend model not fitted)') : null}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={tiers} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12, fill: COLORS.axis }} />
            <YAxis tickFormatter={(v: number) => yuanShort(v, locale)} tick={{ fontSize: 12, fill: COLORS.axis }} width={64} />
            <Tooltip
              content={
                <ChartTip
                  format={(v) => yuan(Number(v))}
                  extra={(row) => [
                    { name: t('客户数', 'Customers'), value: num(Number(row?.customers)) },
                    { name: t('平均 P(活跃)', 'Avg. P(alive)'), value: pct(Number(row?.avgPAlive)) },
                  ]}
                />
              }
            />
            <Bar isAnimationActive={false} dataKey="valueFen" name={t('预测价值', 'Predicted value')} fill={COLORS.brand} radius={[4, 4, 0, 0]} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}

export function Backtest({ bt }: { bt: Data['backtest'] }) {
  const t = useT();
  return (
    <ChartCard
      id="backtest"
      title={t('回测：预测 vs 实际', 'Backtest: predicted vs actual')}
      subtitle={
        bt && bt.params
          ? t(
              `用 ${bt.calibrationEnd} 前的数据拟合，预测之后 ${bt.holdoutDays} 天的复购次数：预测 ${num(bt.totalPredicted, 0)}，实际 ${num(bt.totalActual, 0)}（误差 ${pct(bt.relativeError)}）`,
              `Fitted on data up to ${bt.calibrationEnd}, predicting the next ${bt.holdoutDays} days: predicted ${num(bt.totalPredicted, 0)}, actual ${num(bt.totalActual, 0)} (error ${pct(bt.relativeError)})`,
            )
          : bt?.reason
            ? bilingual(bt.reason, t)
            : t('尚未回测', 'Not backtested yet')
      }
      height={280}
      empty={!bt || !bt.params ? t('回测不可用', 'No backtest available') : null}
      data={{
        fileName: 'backtest',
        columns: [
          { key: 'label', label: t('校准期复购次数', 'Calibration repeats') },
          { key: 'customers', label: t('客户数', 'Customers') },
          { key: 'predicted', label: t('预测（次）', 'Predicted') },
          { key: 'actual', label: t('实际（次）', 'Actual') },
        ],
        rows: (bt?.groups ?? []).map((g) => ({ label: g.label, customers: g.customers, predicted: Math.round(g.predicted * 10) / 10, actual: g.actual })),
      }}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={(bt?.groups ?? []).map((g) => ({ ...g, meanPredicted: g.customers ? g.predicted / g.customers : 0, meanActual: g.customers ? g.actual / g.customers : 0 }))} margin={{ top: 8, right: 16, left: 0, bottom: 16 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 12, fill: COLORS.axis }} label={{ value: t('校准期复购次数', 'Repeat purchases in calibration'), position: 'insideBottom', offset: -2, fontSize: 11, fill: COLORS.axis }} />
            <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={48} tickFormatter={(v: number) => num(v, 1)} />
            <Tooltip content={<ChartTip title={(l) => t(`校准期复购 ${l} 次的客户`, `Customers with ${l} repeats`)} format={(v) => num(Number(v), 2)} extra={(row) => [{ name: t('客户数', 'Customers'), value: num(Number(row?.customers)) }]} />} />
            <Legend wrapperStyle={{ fontSize: 12 }} verticalAlign="top" />
            <Bar isAnimationActive={false} dataKey="meanPredicted" name={t('人均预测', 'Predicted per customer')} fill={COLORS.predicted} radius={[4, 4, 0, 0]} />
            <Bar isAnimationActive={false} dataKey="meanActual" name={t('人均实际', 'Actual per customer')} fill={COLORS.actual} radius={[4, 4, 0, 0]} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
