/** The Overview's charts: the repurchase-rate and active-customer trends, revenue by private domain and anonymous, customers by stage. */
import type { SerializeFrom } from '@remix-run/node';
import { Link, useLocation } from '@remix-run/react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Cell, ComposedChart, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS, STAGE_COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { KpiCard } from '~/components/charts/kpi-card';
import { STAGE_LABELS, label } from '~/lib/analytics-labels';
import { csvRate, csvYuan, num, pct, shortDay, yuan, yuanShort } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function CustomerTrends({ d }: { d: Data }) {
  const t = useT();
  return (
    <div className="grid-2">
      <ChartCard
        id="repurchase-trend"
        title={t('复购率趋势', 'Repurchase rate')}
        subtitle={t('每个快照日的累计复购率（购买 ≥2 天 ÷ 购买客户）', 'Cumulative repurchase rate at each snapshot day')}
        empty={d.customerTrend.length < 2 ? t('快照不足两天：每日任务会逐日记录，趋势随之出现', 'Fewer than two daily snapshots yet: the daily job records one per day') : null}
        data={{
          fileName: `repurchase-trend-${d.period.from}-${d.period.to}`,
          columns: [
            { key: 'day', label: t('日期', 'Day') },
            { key: 'buyers', label: t('购买客户', 'Buyers') },
            { key: 'repeaters', label: t('复购客户', 'Repeaters') },
            { key: 'rate', label: t('复购率', 'Repurchase rate') },
          ],
          rows: d.customerTrend.map((p) => ({ day: p.day, buyers: p.buyers, repeaters: p.repeaters, rate: csvRate(p.repurchaseRate) })),
          format: (key, v) => (key === 'rate' ? pct(typeof v === 'number' ? v : null) : String(v ?? '—')),
        }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={d.customerTrend} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 12, fill: COLORS.axis }} minTickGap={24} />
              <YAxis tickFormatter={(v: number) => pct(v, 1)} tick={{ fontSize: 12, fill: COLORS.axis }} width={52} domain={['auto', 'auto']} />
              <Tooltip content={<ChartTip format={(v) => pct(Number(v))} extra={(row) => [{ name: t('复购 / 购买客户', 'Repeaters / buyers'), value: `${num(Number(row?.repeaters))} / ${num(Number(row?.buyers))}` }]} />} />
              <Line isAnimationActive={false} type="monotone" dataKey="repurchaseRate" name={t('累计复购率', 'Repurchase rate')} stroke={COLORS.rate} strokeWidth={2} dot={false} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </ChartCard>

      <ChartCard
        id="active-trend"
        title={t('活跃客户趋势', 'Active customers')}
        subtitle={t('新客 + 活跃（复购窗口内购买）与流失预警', 'New + active (bought within the window) and at risk')}
        empty={d.customerTrend.length < 2 ? t('快照不足两天：每日任务会逐日记录，趋势随之出现', 'Fewer than two daily snapshots yet: the daily job records one per day') : null}
        data={{
          fileName: `active-trend-${d.period.from}-${d.period.to}`,
          columns: [
            { key: 'day', label: t('日期', 'Day') },
            { key: 'active', label: t('活跃客户', 'Active') },
            { key: 'atRisk', label: t('流失预警', 'At risk') },
            { key: 'lapsed', label: t('已流失', 'Lapsed') },
          ],
          rows: d.customerTrend.map((p) => ({ day: p.day, active: p.active, atRisk: p.atRisk, lapsed: p.lapsed })),
        }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={d.customerTrend} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="day" tickFormatter={shortDay} tick={{ fontSize: 12, fill: COLORS.axis }} minTickGap={24} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={56} tickFormatter={(v: number) => num(v)} />
              <Tooltip content={<ChartTip format={(v) => num(Number(v))} />} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Area isAnimationActive={false} type="monotone" dataKey="active" name={t('活跃客户', 'Active')} stroke={COLORS.active} fill={COLORS.active} fillOpacity={0.25} strokeWidth={2} />
              <Area isAnimationActive={false} type="monotone" dataKey="atRisk" name={t('流失预警', 'At risk')} stroke={COLORS.atRisk} fill={COLORS.atRisk} fillOpacity={0.15} strokeWidth={2} />
            </AreaChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
    </div>
  );
}

export function RevenueSplit({ d }: { d: Data }) {
  const t = useT();
  const locale = t('zh-CN', 'en');
  return (
    <ChartCard
      id="revenue-split"
      title={t('销售额：私域 vs 匿名', 'Revenue: private domain vs anonymous')}
      subtitle={t('私域 = 已识别到客户的订单；折线为私域占比', 'Private domain = orders linked to a known customer; the line is its share')}
      height={300}
      data={{
        fileName: `revenue-split-${d.period.from}-${d.period.to}`,
        columns: [
          { key: 'bucket', label: t('时间', 'Period') },
          { key: 'identified', label: t('私域销售额（元）', 'Private-domain revenue (¥)') },
          { key: 'anonymous', label: t('匿名销售额（元）', 'Anonymous revenue (¥)') },
          { key: 'refund', label: t('退款（元）', 'Refunds (¥)') },
          { key: 'share', label: t('私域占比', 'Private share') },
        ],
        rows: d.revenueTrend.map((p) => ({ bucket: p.bucket, identified: csvYuan(p.identifiedFen), anonymous: csvYuan(p.anonymousFen), refund: csvYuan(p.refundFen), share: csvRate(p.privateShare) })),
        format: (key, v) => (key === 'share' ? pct(typeof v === 'number' ? v : null) : key === 'bucket' ? String(v) : typeof v === 'number' ? `¥${v.toLocaleString()}` : '—'),
      }}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={d.revenueTrend} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis dataKey="bucket" tickFormatter={shortDay} tick={{ fontSize: 12, fill: COLORS.axis }} minTickGap={16} />
            <YAxis yAxisId="m" tickFormatter={(v: number) => yuanShort(v, locale)} tick={{ fontSize: 12, fill: COLORS.axis }} width={64} />
            <YAxis yAxisId="s" orientation="right" tickFormatter={(v: number) => pct(v, 0)} tick={{ fontSize: 12, fill: COLORS.axis }} width={44} domain={[0, 1]} />
            <Tooltip content={<ChartTip format={(v, key) => (key === 'privateShare' ? pct(Number(v)) : yuan(Number(v)))} />} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar isAnimationActive={false} yAxisId="m" dataKey="identifiedFen" stackId="rev" name={t('私域', 'Private domain')} fill={COLORS.identified} />
            <Bar isAnimationActive={false} yAxisId="m" dataKey="anonymousFen" stackId="rev" name={t('匿名', 'Anonymous')} fill={COLORS.anonymous} />
            <Line isAnimationActive={false} yAxisId="s" type="monotone" dataKey="privateShare" name={t('私域占比', 'Private share')} stroke={COLORS.rate} strokeWidth={2} dot={false} />
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}

export function StagesAndScope({ d }: { d: Data }) {
  const t = useT();
  const { search } = useLocation();
  return (
    <div className="grid-2">
      <ChartCard
        id="stages"
        title={t('客户生命周期分布', 'Customers by lifecycle stage')}
        subtitle={
          <Link to={`/dashboard/lifecycle${search}`}>{t('查看流转 →', 'See flows →')}</Link>
        }
        height={220}
        data={{
          fileName: `stages-${d.period.to}`,
          columns: [
            { key: 'stage', label: t('阶段', 'Stage') },
            { key: 'customers', label: t('客户数', 'Customers') },
          ],
          rows: d.stages.map((s) => ({ stage: label(STAGE_LABELS, s.stage, t), customers: s.customers })),
        }}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={d.stages.map((s) => ({ ...s, name: label(STAGE_LABELS, s.stage, t) }))} layout="vertical" margin={{ top: 4, right: 24, left: 8, bottom: 4 }}>
              <CartesianGrid stroke={COLORS.grid} horizontal={false} />
              <XAxis type="number" tick={{ fontSize: 12, fill: COLORS.axis }} tickFormatter={(v: number) => num(v)} />
              <YAxis type="category" dataKey="name" tick={{ fontSize: 12, fill: COLORS.axis }} width={72} />
              <Tooltip content={<ChartTip format={(v) => num(Number(v))} />} />
              <Bar isAnimationActive={false} dataKey="customers" name={t('客户数', 'Customers')}>
                {d.stages.map((s) => (
                  <Cell key={s.stage} fill={STAGE_COLORS[s.stage]} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <div className="card chain">
        <h2>{t('经营范围', 'Scope')}</h2>
        <div className="cards mini">
          <KpiCard label={t('门店', 'Stores')} value={num(d.chain.stores)} />
          <KpiCard label={t('导购', 'Clerks')} value={num(d.chain.clerks)} />
        </div>
        <p className="muted">
          {t(
            `复购窗口 W = ${d.meta.windowDays ?? '—'} 天：W 天内有购买为“活跃”，W~2W 天为“流失预警”，超过 2W 天为“已流失”。`,
            `Repurchase window W = ${d.meta.windowDays ?? '—'} days: bought within W = active, W–2W = at risk, beyond 2W = lapsed.`,
          )}
        </p>
        <p>
          <Link to="/customers?due=1&sort=priority">{t('查看待回访客户 →', 'Customers due for a visit →')}</Link>
        </p>
      </div>
    </div>
  );
}
