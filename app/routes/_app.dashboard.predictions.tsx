/**
 * Predictions, for a manager first: expected repurchases in the next 90 days, customers likely to lapse and the
 * value at stake, per store; then the distributions, value tiers and the backtest. The BG/NBD and Gamma-Gamma
 * parameters are for analysts, in a collapsed "model details" section.
 */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { KpiCard } from '~/components/charts/kpi-card';
import { COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { dashboardData, dashboardPredictions } from '~/lib/analytics.server';
import { bilingual, csvRate, csvYuan, num, pct, yuan, yuanShort } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { VALUE_TIER_LABELS, label } from '~/lib/analytics-labels';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardPredictions(s, a, input));
  return json(data);
}

const fmt = (v: number | null | undefined, d = 3) => (v === null || v === undefined ? '—' : v.toFixed(d));

export default function Predictions() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = t('zh-CN', 'en');
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
  const bt = d.backtest;
  const tiers = d.tiers.map((x) => ({ ...x, label: label(VALUE_TIER_LABELS, String(x.tier), t) }));
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

      <section className="card" data-testid="prediction-stores">
        <h2 style={{ marginTop: 0 }}>{t('按门店', 'By store')}</h2>
        <div className="data-table">
          <table>
            <thead>
              <tr>
                <th>{t('门店', 'Store')}</th>
                <th className="num">{t('购买客户', 'Buyers')}</th>
                <th className="num">{t('未来 90 天预计复购', 'Expected repurchases, 90 days')}</th>
                <th className="num">{t('可能流失', 'Likely to lapse')}</th>
                <th className="num">{t('流失风险金额', 'Value at stake')}</th>
                <th className="num">{t('12 个月预测价值', '12-month value')}</th>
              </tr>
            </thead>
            <tbody>
              {d.stores.map((r) => (
                <tr key={r.storeId ?? 'none'}>
                  <td>{r.storeId === 'other' ? t('其他门店（本区域导购服务的客户）', 'Other stores (customers served by your clerks)') : (r.store ?? t('无门店', 'No store'))}</td>
                  <td className="num">{num(r.buyers)}</td>
                  <td className="num">{num(r.expected90, 0)}</td>
                  <td className="num">{num(r.likelyToLapse)}</td>
                  <td className="num">{yuan(r.valueAtStakeFen)}</td>
                  <td className="num">{yuan(r.valueFen)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

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

      <details className="card model-details" data-testid="model-details">
        <summary>
          <h2>{t('模型详情（供分析人员参考）', 'Model details (for analysts)')}</h2>
        </summary>
        <div className="model-params">
          <div>
            <span>BG/NBD r</span>
            <b>{fmt(m.bgnbd.r)}</b>
          </div>
          <div>
            <span>α（{t('天', 'days')}）</span>
            <b>{fmt(m.bgnbd.alpha, 2)}</b>
          </div>
          <div>
            <span>a</span>
            <b>{fmt(m.bgnbd.a)}</b>
          </div>
          <div>
            <span>b</span>
            <b>{fmt(m.bgnbd.b)}</b>
          </div>
          <div>
            <span>{t('对数似然', 'Log-likelihood')}</span>
            <b>{num(m.bgnbd.log_likelihood, 1)}</b>
          </div>
          <div>
            <span>{t('收敛', 'Converged')}</span>
            <b>{m.bgnbd.converged ? t('是', 'yes') : t('否', 'no')}</b>
          </div>
          {m.gamma_gamma ? (
            <>
              <div>
                <span>Gamma-Gamma p</span>
                <b>{fmt(m.gamma_gamma.p)}</b>
              </div>
              <div>
                <span>q</span>
                <b>{fmt(m.gamma_gamma.q)}</b>
              </div>
              <div>
                <span>v（{t('分', 'fen')}）</span>
                <b>{fmt(m.gamma_gamma.v, 1)}</b>
              </div>
            </>
          ) : null}
          <div>
            <span>{t('客户 / 复购客户', 'Customers / repeaters')}</span>
            <b>
              {num(m.customers)} / {num(m.repeaters)}
            </b>
          </div>
          <div>
            <span>{t('拟合耗时', 'Fit time')}</span>
            <b>{d.fitMs === null ? '—' : `${num(d.fitMs)} ms`}</b>
          </div>
        </div>
        {m.reason ? <p className="muted">{bilingual(m.reason, t)}</p> : null}
        <p className="muted">{t(`模型按租户整体拟合（截至 ${m.as_of}），门店筛选只影响上方分布。`, `The model is fitted per tenant (as of ${m.as_of}); store filters only change the distributions above.`)}</p>
      </details>
    </>
  );
}
