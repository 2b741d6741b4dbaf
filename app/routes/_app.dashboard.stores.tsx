/** Stores and clerks: sortable tables (customers, repurchase rate, revenue, due customers, private-domain share). */
import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { z } from 'zod';
import { ChartCard } from '~/components/charts/chart-card';
import { CsvButton } from '~/components/charts/csv-button';
import { COLORS } from '~/components/charts/palette';
import { ChartTip } from '~/components/charts/tooltip';
import { dashboardData, dashboardStores } from '~/lib/analytics.server';
import { CLERK_SORTS, STORE_SORTS } from '~/lib/contracts/dashboard';
import { csvRate, csvYuan, num, pct, yuan } from '~/lib/dashboard-format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { SortHead } from '~/components/sort-head';

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  // Built here, not at module level: the sort lists come from the server bridge, which the browser bundle lacks.
  const paramsSchema = z.object({
    ss: z.enum(STORE_SORTS).catch('revenue'),
    sd: z.enum(['asc', 'desc']).catch('desc'),
    cs: z.enum(CLERK_SORTS).catch('revenue'),
    cd: z.enum(['asc', 'desc']).catch('desc'),
    cp: z.coerce.number().int().min(1).catch(1),
  });
  const data = await dashboardData(request, context, actor, (s, a, input, url) => {
    const p = paramsSchema.parse(Object.fromEntries(['ss', 'sd', 'cs', 'cd', 'cp'].map((k) => [k, url.searchParams.get(k) ?? undefined])));
    return dashboardStores(s, a, input, { storeSort: p.ss, storeDir: p.sd, clerkSort: p.cs, clerkDir: p.cd, clerkPage: p.cp, clerkSize: 50 }).then((r) => ({ ...r, p }));
  });
  return json(data);
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['stores'][number];

export default function StoresAndClerks() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const { search, pathname } = useLocation();
  const maxRevenue = Math.max(1, ...d.stores.map((s) => s.revenueFen));
  const cols = (kind: 'store' | 'clerk') => [
    { key: 'name', label: kind === 'store' ? t('门店', 'Store') : t('导购', 'Clerk') },
    ...(kind === 'clerk' ? [{ key: 'store', label: t('门店', 'Store') }] : [{ key: 'region', label: t('区域', 'Region') }]),
    { key: 'buyers', label: t('购买客户', 'Buyers') },
    { key: 'repurchase_rate', label: t('累计复购率', 'Repurchase rate') },
    { key: 'active', label: t('活跃客户', 'Active') },
    { key: 'due', label: t('待回访', 'Due') },
    { key: 'revenue', label: t('期间销售额（元）', 'Revenue (¥)') },
    { key: 'private_share', label: t('私域占比', 'Private share') },
  ];
  const csvRows = (rows: Row[]) =>
    rows.map((r) => ({ name: r.name, store: r.store, region: r.region, buyers: r.buyers, repurchase_rate: csvRate(r.repurchaseRate), active: r.active, due: r.due, revenue: csvYuan(r.revenueFen), private_share: csvRate(r.privateShare) }));
  const pages = Math.max(1, Math.ceil(d.clerkTotal / 50));
  const pageHref = (n: number) => {
    const q = new URLSearchParams(search);
    q.set('cp', String(n));
    return `${pathname}?${q.toString()}`;
  };
  const table = (rows: Row[], kind: 'store' | 'clerk') => (
    <div className="data-table">
      <table>
        <thead>
          <tr>
            <SortHead id="name" label={kind === 'store' ? t('门店', 'Store') : t('导购', 'Clerk')} sortKey={kind === 'store' ? 'ss' : 'cs'} dirKey={kind === 'store' ? 'sd' : 'cd'} resetKey={kind === 'store' ? undefined : 'cp'} current={kind === 'store' ? d.p.ss : d.p.cs} dir={kind === 'store' ? d.p.sd : d.p.cd} />
            <th>{kind === 'store' ? t('区域', 'Region') : t('门店', 'Store')}</th>
            {(
              [
                ['buyers', t('购买客户', 'Buyers')],
                ['repurchase_rate', t('累计复购率', 'Repurchase rate')],
                ...(kind === 'store' ? [['active', t('活跃客户', 'Active')]] : []),
                ['due', t('待回访', 'Due')],
                ['revenue', t('期间销售额', 'Revenue')],
                ['private_share', t('私域占比', 'Private share')],
              ] as [string, string][]
            ).map(([id, lbl]) => (
              <SortHead key={id} id={id} label={lbl} sortKey={kind === 'store' ? 'ss' : 'cs'} dirKey={kind === 'store' ? 'sd' : 'cd'} resetKey={kind === 'store' ? undefined : 'cp'} current={kind === 'store' ? d.p.ss : d.p.cs} dir={kind === 'store' ? d.p.sd : d.p.cd} numeric />
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.length === 0 ? (
            <tr>
              <td colSpan={8} className="empty-cell">
                {t('暂无数据', 'Nothing here yet')}
              </td>
            </tr>
          ) : (
            rows.map((r) => (
              <tr key={r.id}>
                <td>{kind === 'store' && r.code ? <Link to={`?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(search)), store: r.code }).toString()}`}>{r.name}</Link> : r.name}</td>
                <td>{kind === 'store' ? (r.region ?? '—') : (r.store ?? '—')}</td>
                <td className="num">{num(r.buyers)}</td>
                <td className="num">{pct(r.repurchaseRate)}</td>
                {kind === 'store' ? <td className="num">{num(r.active)}</td> : null}
                <td className="num">{r.due > 0 ? <Link to={`/customers?due=1&sort=priority${kind === 'store' && r.code ? `&store=${encodeURIComponent(r.code)}` : `&clerk=${r.id}`}`}>{num(r.due)}</Link> : '0'}</td>
                <td className="num">
                  {kind === 'store' ? (
                    <span className="bar-cell" style={{ justifyContent: 'flex-end' }}>
                      <span className="bar" style={{ width: `${Math.round((r.revenueFen / maxRevenue) * 60)}px` }} />
                      {yuan(r.revenueFen)}
                    </span>
                  ) : (
                    yuan(r.revenueFen)
                  )}
                </td>
                <td className="num">{pct(r.privateShare)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      {kind === 'clerk' && d.clerkTotal > 50 ? (
        <nav className="pager" aria-label={t('分页', 'Pagination')}>
          <span>
            {t(`共 ${d.clerkTotal} 位导购`, `${d.clerkTotal} clerks`)} · {t(`第 ${d.p.cp}/${pages} 页`, `page ${d.p.cp} of ${pages}`)}
          </span>
          {d.p.cp > 1 ? <Link to={pageHref(d.p.cp - 1)} preventScrollReset>{t('上一页', 'Previous')}</Link> : <span className="disabled">{t('上一页', 'Previous')}</span>}
          {d.p.cp < pages ? <Link to={pageHref(d.p.cp + 1)} preventScrollReset>{t('下一页', 'Next')}</Link> : <span className="disabled">{t('下一页', 'Next')}</span>}
        </nav>
      ) : null}
    </div>
  );
  return (
    <>
      <p className="muted period-note">
        {t(`销售额与私域占比：${d.meta.from} ~ ${d.meta.to}；客户数、复购率与待回访：截至 ${d.meta.to}（按客户归属门店 / 服务导购）`, `Revenue and private share: ${d.meta.from} – ${d.meta.to}; customers, repurchase and due: as of ${d.meta.to} (by home store / serving clerk)`)}
      </p>
      <ChartCard
        id="stores-chart"
        title={t('门店对比', 'Stores compared')}
        height={Math.max(220, 28 * d.stores.length + 60)}
        data={{ fileName: `stores-${d.meta.from}-${d.meta.to}`, columns: cols('store').filter((c) => c.key !== 'store'), rows: csvRows(d.stores) }}
        empty={d.stores.length === 0 ? t('暂无门店', 'No stores') : null}
      >
        {() => (
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={d.stores} layout="vertical" margin={{ top: 4, right: 24, left: 8, bottom: 4 }}>
              <CartesianGrid stroke={COLORS.grid} horizontal={false} />
              <XAxis type="number" tickFormatter={(v: number) => pct(v, 0)} tick={{ fontSize: 12, fill: COLORS.axis }} domain={[0, 1]} />
              <YAxis type="category" dataKey="name" tick={{ fontSize: 12, fill: COLORS.axis }} width={150} />
              <Tooltip
                content={
                  <ChartTip
                    format={(v) => pct(Number(v))}
                    extra={(row) => [
                      { name: t('购买客户', 'Buyers'), value: num(Number(row?.buyers)) },
                      { name: t('期间销售额', 'Revenue'), value: yuan(Number(row?.revenueFen)) },
                    ]}
                  />
                }
              />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Bar isAnimationActive={false} dataKey="repurchaseRate" name={t('累计复购率', 'Repurchase rate')} fill={COLORS.rate} radius={[0, 4, 4, 0]} />
              <Bar isAnimationActive={false} dataKey="privateShare" name={t('私域占比', 'Private share')} fill={COLORS.brandLight} radius={[0, 4, 4, 0]} />
            </BarChart>
          </ResponsiveContainer>
        )}
      </ChartCard>
      <section className="card" data-table-id="stores">
        <div className="chart-head">
          <h2>{t('门店', 'Stores')}</h2>
          <CsvButton fileName={`stores-${d.meta.from}-${d.meta.to}`} columns={cols('store')} rows={csvRows(d.stores)} />
        </div>
        {table(d.stores, 'store')}
      </section>
      <section className="card" data-table-id="clerks">
        <div className="chart-head">
          <h2>{t('导购', 'Clerks')}</h2>
          <span className="muted">{t('客户按服务导购（企业微信添加关系）；销售额按订单导购', 'Customers by serving clerk (WeCom relation); revenue by the order’s clerk')}</span>
          <CsvButton fileName={`clerks-${d.meta.from}-${d.meta.to}-p${d.p.cp}`} columns={cols('clerk')} rows={csvRows(d.clerks)} />
        </div>
        {table(d.clerks, 'clerk')}
      </section>
    </>
  );
}
