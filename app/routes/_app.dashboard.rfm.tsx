/** RFM: the R × FM grid as a heatmap (customers or revenue), click-through to the cell's customers; the groups. */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import { Bar, BarChart, CartesianGrid, Cell, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { ChartCard } from '~/components/charts/chart-card';
import { Heatmap, type HeatCell } from '~/components/charts/heatmap';
import { COLORS, GROUP_COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { TableCard } from '~/components/table-card';
import { GROUP_ADVICE, GROUP_LABELS, label } from '~/lib/analytics-labels';
import { dashboardData, dashboardRfm } from '~/lib/analytics.server';
import { csvRate, csvYuan, num, pct, yuan, yuanShort } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const data = await dashboardData(request, context, actor, (s, a, input) => dashboardRfm(s, a, input));
  return json(data);
}

export default function Rfm() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const locale = t('zh-CN', 'en');
  const { search } = useLocation();
  const params = new URLSearchParams(search);
  const metric = params.get('metric') === 'revenue' ? 'revenue' : 'customers';
  const scopeQs = ['store', 'region'].flatMap((k) => (params.get(k) ? [`${k}=${encodeURIComponent(params.get(k)!)}`] : [])).join('&');
  const listHref = (q: string) => `/customers?${q}${scopeQs ? `&${scopeQs}` : ''}`;
  const metricHref = (m: string) => {
    const q = new URLSearchParams(search);
    q.set('metric', m);
    return `?${q.toString()}`;
  };
  const totalRevenue = d.grid.reduce((s, c) => s + c.revenueFen, 0);
  const cells: HeatCell[] = d.grid.map((c) => {
    const v = metric === 'revenue' ? c.revenueFen : c.customers;
    const g = label(GROUP_LABELS, c.group, t);
    return {
      row: String(c.r),
      col: String(c.fm),
      value: v,
      label: `${metric === 'revenue' ? yuanShort(v, locale) : num(v)}\n${g}`,
      accent: GROUP_COLORS[c.group],
      href: c.customers > 0 ? listHref(`r=${c.r}&fm=${c.fm}`) : undefined,
      tooltip: [
        `R${c.r} · FM${c.fm} · ${g}`,
        `${t('客户', 'Customers')} ${num(c.customers)}（${pct(d.customers ? c.customers / d.customers : null)}）`,
        `${t('销售额', 'Revenue')} ${yuan(c.revenueFen)}（${pct(totalRevenue ? c.revenueFen / totalRevenue : null)}）`,
        c.customers > 0 ? t('点击查看客户名单', 'Click for the customer list') : '',
      ].filter(Boolean),
    };
  });
  const groups = d.groups.filter((g) => g.customers > 0);
  return (
    <>
      <p className="muted period-note">
        {t(`截至 ${d.meta.asOf} 的 ${num(d.customers)} 位购买客户；R = 最近购买，F = 购买天数，M = 净消费；FM = ⌈(F+M)/2⌉`, `${num(d.customers)} buyers as of ${d.meta.asOf}; R = recency, F = purchase days, M = net spend; FM = ⌈(F+M)/2⌉`)}
      </p>
      <ChartCard
        id="rfm-grid"
        title={t('RFM 矩阵', 'RFM grid')}
        subtitle={t('行：R 分（5 = 最近购买）；列：FM 分（5 = 最常买、买得最多）。点击格子查看客户。', 'Rows: R score (5 = most recent); columns: FM score (5 = most frequent and valuable). Click a cell for its customers.')}
        height={330}
        actions={
          <span className="segmented" role="group" aria-label={t('指标', 'Metric')}>
            <Link to={metricHref('customers')} className={metric === 'customers' ? 'active' : undefined} preventScrollReset>
              {t('客户数', 'Customers')}
            </Link>
            <Link to={metricHref('revenue')} className={metric === 'revenue' ? 'active' : undefined} preventScrollReset>
              {t('销售额', 'Revenue')}
            </Link>
          </span>
        }
        data={{
          fileName: `rfm-grid-${d.meta.asOf}`,
          columns: [
            { key: 'r', label: 'R' },
            { key: 'fm', label: 'FM' },
            { key: 'group', label: t('分组', 'Group') },
            { key: 'customers', label: t('客户数', 'Customers') },
            { key: 'revenue', label: t('销售额（元）', 'Revenue (¥)') },
          ],
          rows: d.grid.map((c) => ({ r: c.r, fm: c.fm, group: label(GROUP_LABELS, c.group, t), customers: c.customers, revenue: csvYuan(c.revenueFen) })),
        }}
        empty={d.customers === 0 ? t('还没有购买客户', 'No buyers yet') : null}
      >
        {() => (
          <>
            <Heatmap
              rows={[5, 4, 3, 2, 1].map((r) => ({ key: String(r), label: `R${r}${r === 5 ? t(' 最近', ' recent') : r === 1 ? t(' 最久', ' oldest') : ''}` }))}
              cols={[1, 2, 3, 4, 5].map((fm) => ({ key: String(fm), label: `FM${fm}` }))}
              cells={cells}
              corner={t('R \\ FM', 'R \\ FM')}
              colTitle={t('FM 分：购买频次与金额 →', 'FM score: frequency and spend →')}
              minCellWidth={96}
              caption={t('RFM 热力图', 'RFM heatmap')}
            />
            <div className="rfm-legend">
              {groups.map((g) => (
                <span key={g.group} style={{ ['--c' as string]: GROUP_COLORS[g.group] }}>
                  {label(GROUP_LABELS, g.group, t)}
                </span>
              ))}
            </div>
          </>
        )}
      </ChartCard>

      <ChartCard
        id="rfm-groups-chart"
        title={t('分组规模与贡献', 'Group size and revenue')}
        height={280}
        data={{
          fileName: `rfm-groups-${d.meta.asOf}`,
          columns: [
            { key: 'group', label: t('分组', 'Group') },
            { key: 'customers', label: t('客户数', 'Customers') },
            { key: 'share', label: t('客户占比', 'Share') },
            { key: 'revenue', label: t('销售额（元）', 'Revenue (¥)') },
          ],
          rows: d.groups.map((g) => ({ group: label(GROUP_LABELS, g.group, t), customers: g.customers, share: csvRate(g.share), revenue: csvYuan(g.revenueFen) })),
        }}
        empty={d.customers === 0 ? t('还没有购买客户', 'No buyers yet') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={groups.map((g) => ({ ...g, name: label(GROUP_LABELS, g.group, t), revenueShare: totalRevenue ? g.revenueFen / totalRevenue : 0 }))} margin={{ top: 8, right: 16, left: 0, bottom: 0 }}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis dataKey="name" tick={{ fontSize: 12, fill: COLORS.axis }} interval={0} />
              <YAxis tickFormatter={(v: number) => pct(v, 0)} tick={{ fontSize: 12, fill: COLORS.axis }} width={44} />
              <Tooltip
                content={
                  <ChartTip
                    format={(v) => pct(Number(v))}
                    extra={(row) => [
                      { name: t('客户数', 'Customers'), value: num(Number(row?.customers)) },
                      { name: t('销售额', 'Revenue'), value: yuan(Number(row?.revenueFen)) },
                    ]}
                  />
                }
              />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar isAnimationActive={false} dataKey="share" name={t('客户占比', 'Share of customers')} fill={COLORS.brand} radius={[4, 4, 0, 0]}>
                {groups.map((g) => (
                  <Cell key={g.group} fill={GROUP_COLORS[g.group]} />
                ))}
              </Bar>
              <Bar isAnimationActive={false} dataKey="revenueShare" name={t('销售额占比', 'Share of revenue')} fill="#cbd5e1" radius={[4, 4, 0, 0]} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>

      <TableCard
        title={t('分组明细', 'Groups')}
        head={
          <>
            <th>{t('分组', 'Group')}</th>
            <th className="num">{t('客户数', 'Customers')}</th>
            <th className="num">{t('占比', 'Share')}</th>
            <th className="num">{t('销售额', 'Revenue')}</th>
            <th className="num">{t('平均购买天数', 'Avg. purchase days')}</th>
            <th className="num">{t('平均距今天数', 'Avg. days since last')}</th>
            <th className="num">{t('客均消费', 'Avg. spend')}</th>
            <th>{t('运营建议', 'What to do')}</th>
          </>
        }
      >
        {d.groups.map((g) => (
          <tr key={g.group}>
            <td>
              <span className="badge group" style={{ boxShadow: `inset 3px 0 0 ${GROUP_COLORS[g.group]}` }}>
                {label(GROUP_LABELS, g.group, t)}
              </span>
            </td>
            <td className="num">{g.customers > 0 ? <Link to={listHref(`group=${g.group}`)}>{num(g.customers)}</Link> : '0'}</td>
            <td className="num">{pct(g.share)}</td>
            <td className="num">{yuan(g.revenueFen)}</td>
            <td className="num">{num(g.avgFrequency, 1)}</td>
            <td className="num">{num(g.avgRecencyDays, 0)}</td>
            <td className="num">{yuan(g.avgMonetaryFen)}</td>
            <td className="muted" style={{ whiteSpace: 'normal' }}>
              {label(GROUP_ADVICE, g.group, t)}
            </td>
          </tr>
        ))}
      </TableCard>
    </>
  );
}
