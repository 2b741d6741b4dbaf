/** The Repurchase page's charts: the N-day curve, the intervals between purchases and repurchase by category. */
import type { SerializeFrom } from '@remix-run/node';
import { Bar, BarChart, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { csvRate, csvYuan, num, pct, yuan, yuanShort } from '~/lib/dashboard-format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Data = SerializeFrom<typeof loader>;

export function CurveAndIntervals({ d }: { d: Data }) {
  const t = useT();
  const curve30 = d.curve.find((p) => p.day === 30);
  return (
    <div className="grid-2">
      <ChartCard
        id="repurchase-curve"
        title={t('N 天复购率曲线', 'N-day repurchase curve')}
        subtitle={t('近 12 个月首购的客户中，首购后 N 天内再次购买的比例（仅统计首购已满 N 天的客户）', 'Of customers acquired in the last 12 months, share with a second purchase within N days (customers at least N days old)')}
        data={{
          fileName: 'repurchase-curve',
          columns: [
            { key: 'day', label: t('天数 N', 'Days N') },
            { key: 'eligible', label: t('满 N 天的客户', 'Customers ≥ N days old') },
            { key: 'repeated', label: t('N 天内复购', 'Repeated within N') },
            { key: 'rate', label: t('复购率', 'Rate') },
          ],
          rows: d.curve.map((p) => ({ day: p.day, eligible: p.eligible, repeated: p.repeated, rate: csvRate(p.rate) })),
          format: (k, v) => (k === 'rate' ? pct(typeof v === 'number' ? v : null) : String(v ?? '—')),
        }}
        empty={curve30 && curve30.eligible === 0 ? t('暂无满 30 天的新客', 'No customers old enough yet') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={d.curve} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="day" type="number" domain={[0, 180]} ticks={[0, 30, 60, 90, 120, 150, 180]} tick={{ fontSize: 12, fill: COLORS.axis }} tickFormatter={(v: number) => `${v}${t('天', 'd')}`} />
              <YAxis tickFormatter={(v: number) => pct(v, 0)} tick={{ fontSize: 12, fill: COLORS.axis }} width={48} />
              <Tooltip
                content={
                  <ChartTip
                    title={(l) => t(`首购后 ${l} 天内`, `Within ${l} days`)}
                    format={(v) => pct(Number(v))}
                    extra={(row) => [{ name: t('复购 / 客户', 'Repeated / customers'), value: `${num(Number(row?.repeated))} / ${num(Number(row?.eligible))}` }]}
                  />
                }
              />
              {[30, 60, 90].map((x) => (
                <ReferenceLine key={x} x={x} stroke="#cbd5e1" strokeDasharray="4 4" label={{ value: `${x}${t('天', 'd')}`, position: 'insideTopRight', fontSize: 11, fill: COLORS.axis }} />
              ))}
              <Line isAnimationActive={false} type="monotone" dataKey="rate" name={t('复购率', 'Repurchase rate')} stroke={COLORS.rate} strokeWidth={2} dot={false} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </ChartCard>

      <ChartCard
        id="intervals"
        title={t('复购间隔分布', 'Inter-purchase intervals')}
        subtitle={t('期间内相邻两次购买日之间的天数', 'Days between consecutive purchase days, in the period')}
        data={{
          fileName: `intervals-${d.meta.from}-${d.meta.to}`,
          columns: [
            { key: 'label', label: t('间隔（天）', 'Interval (days)') },
            { key: 'count', label: t('次数', 'Count') },
          ],
          rows: d.intervals.map((b) => ({ label: b.label, count: b.count })),
        }}
        empty={d.intervals.every((b) => b.count === 0) ? t('期间内没有复购', 'No repeat purchases in the period') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={d.intervals} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="label" tick={{ fontSize: 12, fill: COLORS.axis }} />
              <YAxis tick={{ fontSize: 12, fill: COLORS.axis }} width={48} tickFormatter={(v: number) => num(v)} />
              <Tooltip content={<ChartTip title={(l) => `${l} ${t('天', 'days')}`} format={(v) => num(Number(v))} />} />
              <Bar isAnimationActive={false} dataKey="count" name={t('复购次数', 'Repeat purchases')} fill={COLORS.brand} radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
    </div>
  );
}

export function Categories({ d }: { d: Data }) {
  const t = useT();
  const locale = t('zh-CN', 'en');
  return (
    <ChartCard
      id="categories"
      title={t('品类复购', 'Repurchase by category')}
      subtitle={t('期间内购买该品类的客户中，在 ≥2 个不同日期购买该品类的比例（柱：销售额）', 'Of customers who bought the category in the period, share who bought it on ≥2 days (bars: revenue)')}
      height={300}
      data={{
        fileName: `categories-${d.meta.from}-${d.meta.to}`,
        columns: [
          { key: 'category', label: t('品类', 'Category') },
          { key: 'buyers', label: t('购买客户', 'Buyers') },
          { key: 'repeaters', label: t('复购客户', 'Repeaters') },
          { key: 'rate', label: t('品类复购率', 'Repurchase rate') },
          { key: 'revenue', label: t('销售额（元）', 'Revenue (¥)') },
        ],
        rows: d.categories.map((c) => ({ category: c.category, buyers: c.buyers, repeaters: c.repeaters, rate: csvRate(c.rate), revenue: csvYuan(c.revenueFen) })),
        format: (k, v) => (k === 'rate' ? pct(typeof v === 'number' ? v : null) : k === 'revenue' && typeof v === 'number' ? `¥${v.toLocaleString()}` : String(v ?? '—')),
      }}
      empty={d.categories.length === 0 ? t('期间内没有带品类的订单明细', 'No order lines with a category in the period') : null}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <ComposedChart data={d.categories} margin={{ top: 8, right: 8, left: 0, bottom: 0 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis dataKey="category" tick={{ fontSize: 12, fill: COLORS.axis }} interval={0} />
            <YAxis yAxisId="m" tickFormatter={(v: number) => yuanShort(v, locale)} tick={{ fontSize: 12, fill: COLORS.axis }} width={64} />
            <YAxis yAxisId="r" orientation="right" tickFormatter={(v: number) => pct(v, 0)} tick={{ fontSize: 12, fill: COLORS.axis }} width={44} />
            <Tooltip
              content={
                <ChartTip
                  format={(v, key) => (key === 'rate' ? pct(Number(v)) : yuan(Number(v)))}
                  extra={(row) => [{ name: t('复购 / 购买客户', 'Repeaters / buyers'), value: `${num(Number(row?.repeaters))} / ${num(Number(row?.buyers))}` }]}
                />
              }
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar isAnimationActive={false} yAxisId="m" dataKey="revenueFen" name={t('销售额', 'Revenue')} fill={COLORS.brandLight} radius={[4, 4, 0, 0]} />
            <Line isAnimationActive={false} yAxisId="r" type="monotone" dataKey="rate" name={t('品类复购率', 'Category repurchase rate')} stroke={COLORS.rate} strokeWidth={2} />
          </ComposedChart>
        </ResponsiveContainer>
      )}
    </ChartCard>
  );
}
