/**
 * A campaign's uplift report (all runs, or one): reached vs holdout conversion and revenue per recipient, the
 * uplift with its 95% interval and whether it is significant, incremental orders and revenue; cumulative conversion
 * over the attribution window and conversion by store as charts; sortable store and clerk tables.
 */
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import { idOr404, or404, reportPage } from '~/lib/campaigns.server';
import { reportParams } from '~/lib/contracts/campaign-report';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import dashboardStyles from '~/styles/dashboard.css';
import styles from '~/styles/campaigns.css';
import { ReportCharts } from './charts';
import { ReportKpis } from './kpis';
import { GroupTable } from './tables';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: dashboardStyles },
  { rel: 'stylesheet', href: styles },
];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.view');
  const p = reportParams.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await or404(reportPage(context.services, actor, idOr404(params.id), p));
  return json({ ...page, p });
}

export default function CampaignReport() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const { pathname, search } = useLocation();
  const r = d.report;
  const withRun = (run: string | null) => {
    const q = new URLSearchParams(search);
    if (run) q.set('run', run);
    else q.delete('run');
    return `${pathname}?${q.toString()}`;
  };
  return (
    <>
      <p>
        <Link to={`/campaigns/${d.campaign.id}`}>← {d.campaign.name}</Link>
      </p>
      <div className="dash-title">
        <h1>{t(`增量报告 · ${d.campaign.name}`, `Uplift report · ${d.campaign.name}`)}</h1>
        <p className="muted">
          {t(
            `转化 = 发送后 ${r.attribution_days} 天内有付款订单（对照组从本批开始发送时起算）。`,
            `Converted = a paid order within ${r.attribution_days} days after the send (the holdout: after the run started sending).`,
          )}{' '}
          {r.window.starts_at ? (r.window.complete ? t('归因窗口已结束，数字为最终结果。', 'Every window has closed: the numbers are final.') : t(`归因窗口至 ${f.dateTime(r.window.ends_at)} 结束，数字仍会变化。`, `The window closes ${f.dateTime(r.window.ends_at)}; the numbers still move.`)) : null}
        </p>
      </div>
      {d.runs.length > 1 ? (
        <div className="tabs" aria-label={t('发送批次', 'Runs')}>
          <Link to={withRun(null)} className={!d.p.run ? 'active' : undefined}>
            {t('全部批次', 'All runs')}
          </Link>
          {d.runs.map((run) => (
            <Link key={run.id} to={withRun(run.id)} className={d.p.run === run.id ? 'active' : undefined}>
              {f.dateTime(run.planned_for)}
            </Link>
          ))}
        </div>
      ) : null}
      <ReportKpis r={r} />
      <ReportCharts r={r} />
      <GroupTable title={t('门店', 'Stores')} rows={r.by_store.map((s) => ({ ...s, key: s.store_id ?? 'none', name: s.store_name ?? t('未分配门店', 'No store') }))} sort={d.p.sort} dir={d.p.dir} testId="report-stores" />
      <GroupTable title={t('导购', 'Clerks')} rows={r.by_clerk.map((c) => ({ ...c, key: `${c.store_id}-${c.staff_id}`, name: c.clerk_name ?? t('无导购', 'No clerk'), store: c.store_name ?? '—' }))} sort={d.p.sort} dir={d.p.dir} testId="report-clerks" />
    </>
  );
}
