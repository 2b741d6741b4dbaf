/** The report's charts: cumulative conversion of reached vs holdout over the window, and conversion by store. */
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS } from '~/components/charts/palette';
import type { CampaignReportJson } from '~/lib/contracts/campaign-report';
import { useT } from '~/lib/i18n';

const pct = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 100);

export function ReportCharts({ r }: { r: CampaignReportJson }) {
  const t = useT();
  const days = r.daily.map((d) => ({ day: d.day, reached: pct(d.conversion_rate), holdout: pct(d.holdout_conversion_rate) }));
  const stores = r.by_store.filter((s) => s.reached > 0 || s.holdout > 0).map((s) => ({ name: s.store_name ?? t('未分配门店', 'No store'), reached: pct(s.conversion_rate), holdout: pct(s.holdout_conversion_rate) }));
  const fmt = (v: unknown) => (v === null || v === undefined ? '—' : `${String(v)}%`);
  return (
    <div className="cards" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))' }}>
      <ChartCard
        id="report-daily"
        title={t('累计转化率：触达 vs 对照组', 'Cumulative conversion: reached vs holdout')}
        subtitle={t('发送后第 N 天（含）之前有付款订单的比例', 'Share with a paid order by day N after the send')}
        data={{ fileName: `campaign-${r.campaign_id}-daily`, columns: [{ key: 'day', label: t('天', 'Day') }, { key: 'reached', label: t('触达 %', 'Reached %') }, { key: 'holdout', label: t('对照组 %', 'Holdout %') }], rows: days }}
        empty={r.reached === 0 ? t('还没有送达的客户', 'Nobody reached yet') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={days} margin={{ top: 8, right: 16, left: 0, bottom: 4 }}>
              <CartesianGrid stroke={COLORS.grid} />
              <XAxis dataKey="day" tick={{ fontSize: 12, fill: COLORS.axis }} tickFormatter={(d: number) => t(`第${d}天`, `D${d}`)} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} unit="%" />
              <Tooltip formatter={fmt} labelFormatter={(d) => t(`第 ${String(d)} 天`, `Day ${String(d)}`)} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Line isAnimationActive={false} type="monotone" dataKey="reached" name={t('触达', 'Reached')} stroke={COLORS.brand} strokeWidth={2} dot={false} />
              <Line isAnimationActive={false} type="monotone" dataKey="holdout" name={t('对照组', 'Holdout')} stroke={COLORS.anonymous} strokeWidth={2} strokeDasharray="5 4" dot={false} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <ChartCard
        id="report-stores"
        title={t('各门店转化率', 'Conversion by store')}
        subtitle={t('触达客户 vs 该门店的对照组', 'Reached customers vs the store’s holdout')}
        height={Math.max(240, 36 * stores.length + 60)}
        data={{ fileName: `campaign-${r.campaign_id}-stores`, columns: [{ key: 'name', label: t('门店', 'Store') }, { key: 'reached', label: t('触达 %', 'Reached %') }, { key: 'holdout', label: t('对照组 %', 'Holdout %') }], rows: stores }}
        empty={stores.length === 0 ? t('暂无门店数据', 'No stores yet') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={stores} layout="vertical" margin={{ top: 4, right: 24, left: 8, bottom: 4 }}>
              <CartesianGrid stroke={COLORS.grid} horizontal={false} />
              <XAxis type="number" tick={{ fontSize: 12, fill: COLORS.axis }} unit="%" />
              <YAxis type="category" dataKey="name" tick={{ fontSize: 12, fill: COLORS.axis }} width={120} />
              <Tooltip formatter={fmt} />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar isAnimationActive={false} dataKey="reached" name={t('触达', 'Reached')} fill={COLORS.brand} />
              <Bar isAnimationActive={false} dataKey="holdout" name={t('对照组', 'Holdout')} fill={COLORS.anonymous} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
    </div>
  );
}
