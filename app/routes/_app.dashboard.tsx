/**
 * The dashboards' frame: title, data date, the filter bar (URL state) and the tabs. Each tab is its own route
 * whose loader checks 'dashboard.view' itself (Remix runs loaders in parallel).
 */
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { NavLink, Outlet, useLoaderData, useLocation } from '@remix-run/react';
import { FilterBar } from '~/components/dashboard/filter-bar';
import { pageContext, parseFiltersLenient } from '~/lib/analytics.server';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import dashboardStyles from '~/styles/dashboard.css';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: dashboardStyles }];

const TABS = [
  { to: '/dashboard', end: true, zh: '总览', en: 'Overview' },
  { to: '/dashboard/repurchase', zh: '复购分析', en: 'Repurchase' },
  { to: '/dashboard/rfm', zh: 'RFM 分层', en: 'RFM' },
  { to: '/dashboard/lifecycle', zh: '生命周期', en: 'Lifecycle' },
  { to: '/dashboard/stores', zh: '门店与导购', en: 'Stores & clerks' },
  { to: '/dashboard/predictions', zh: '预测', en: 'Predictions' },
  { to: '/dashboard/execution', zh: '导购执行', en: 'Clerk execution' },
] as const;

function minusDays(iso: string, days: number): string {
  return new Date(Date.parse(`${iso}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'dashboard.view');
  const input = parseFiltersLenient(new URL(request.url).searchParams);
  const { options, state } = await pageContext(context.services, actor);
  const asOf = state?.as_of ?? new Date().toISOString().slice(0, 10);
  const to = input.to && input.to < asOf ? input.to : asOf;
  const last = state ? (state.last_incremental_at && state.last_incremental_at > state.last_full_at ? state.last_incremental_at : state.last_full_at) : null;
  return json({
    options: { regions: options.regions, stores: options.stores.map((s) => ({ code: s.code, name: s.name, regionCode: s.regionCode })) },
    filters: {
      from: input.from ?? minusDays(to, 89),
      to,
      region: input.region && options.regions.some((r) => r.code === input.region) ? input.region : null,
      store: input.store && options.stores.some((s) => s.code === input.store) ? input.store : null,
      channel: input.channel ?? null,
    },
    asOf,
    computed: !!state,
    lastRefresh: last?.toISOString() ?? null,
    scoped: actor.storeScope !== null,
  });
}

const FILTER_KEYS = ['from', 'to', 'region', 'store', 'channel'];

export default function DashboardLayout() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const location = useLocation();
  const q = new URLSearchParams(location.search);
  const keep = new URLSearchParams([...q].filter(([k]) => FILTER_KEYS.includes(k)));
  const suffix = keep.toString() ? `?${keep.toString()}` : '';
  const scopeName = d.filters.store
    ? d.options.stores.find((s) => s.code === d.filters.store)?.name
    : d.filters.region
      ? d.options.regions.find((r) => r.code === d.filters.region)?.name
      : d.scoped
        ? d.options.regions.map((r) => r.name).join('、') || t('我的门店', 'My stores')
        : t('全部门店', 'All stores');
  return (
    <>
      <div className="dash-title">
        <h1>{t('数据看板', 'Dashboard')}</h1>
        <p className="muted">
          {scopeName} · {t('数据截至', 'Data as of')} {d.asOf}
          {d.lastRefresh ? ` · ${t('最近刷新', 'refreshed')} ${f.dateTime(d.lastRefresh)}` : ` · ${t('尚未计算', 'not computed yet')}`}
        </p>
      </div>
      <nav className="tabs" aria-label={t('看板', 'Dashboards')}>
        {TABS.map((tab) => (
          <NavLink key={tab.to} to={tab.to + suffix} end={'end' in tab} className={({ isActive }) => (isActive ? 'active' : undefined)}>
            {t(tab.zh, tab.en)}
          </NavLink>
        ))}
      </nav>
      <FilterBar {...d.filters} regions={d.options.regions} stores={d.options.stores} asOf={d.asOf} />
      <Outlet />
    </>
  );
}
