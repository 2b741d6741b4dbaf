/** Campaigns: the list (status filter, sortable, paged in SQL) and the month calendar of runs done and planned. */
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useLocation } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { DeliveryLabel, ScheduleText, StatusBadge } from '~/components/campaigns/labels';
import { DataTable } from '~/components/data-table';
import { EmptyState } from '~/components/empty-state';
import { can } from '~/lib/auth.server';
import { campaignListPage } from '~/lib/campaigns.server';
import { CAMPAIGN_STATUS_LABELS, CAMPAIGN_STATUSES } from '~/lib/contracts/campaign';
import { campaignListParams } from '~/lib/contracts/campaign-report';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import styles from '~/styles/campaigns.css';
import { CampaignCalendar } from './calendar';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.view');
  const p = campaignListParams.parse(Object.fromEntries(new URL(request.url).searchParams));
  const page = await campaignListPage(context.services, actor, p);
  return json({ p, ...page, canManage: can(actor.role, 'campaigns.manage') });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['rows'][number];

export default function Campaigns() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const { search } = useLocation();
  const href = (changes: Record<string, string | undefined>) => {
    const q = new URLSearchParams(search);
    for (const [k, v] of Object.entries(changes)) (v === undefined ? q.delete(k) : q.set(k, v));
    q.delete('page');
    return `?${q.toString()}`;
  };
  const total = Object.values(d.counts).reduce((a, b) => a + b, 0);
  const columns: ColumnDef<Row, unknown>[] = [
    { id: 'name', header: t('活动', 'Campaign'), cell: ({ row }) => <Link to={`/campaigns/${row.original.id}`}>{row.original.name}</Link> },
    { id: 'status', header: t('状态', 'Status'), cell: ({ row }) => <StatusBadge status={row.original.status} /> },
    { id: 'delivery', header: t('方式', 'Delivery'), cell: ({ row }) => <DeliveryLabel delivery={row.original.delivery} /> },
    { id: 'segment', header: t('受众分群', 'Segment'), cell: ({ row }) => row.original.segment_name ?? '—' },
    { id: 'schedule', header: t('计划', 'Schedule'), cell: ({ row }) => <ScheduleText schedule={row.original.schedule} format={f.dateTime} /> },
    { id: 'next_run_at', header: t('下次发送', 'Next run'), cell: ({ row }) => f.dateTime(row.original.next_run_at) },
    { id: 'last_run', header: t('最近一次', 'Last run'), cell: ({ row }) => (row.original.last_run_id ? <Link to={`/campaigns/${row.original.id}/runs/${row.original.last_run_id}`}>{f.dateTime(row.original.last_run_at)}</Link> : '—') },
    { id: 'reached', header: t('已送达 / 计划', 'Reached / planned'), cell: ({ row }) => <span className="num">{`${f.number(row.original.reached)} / ${f.number(row.original.recipients)}`}</span> },
    { id: 'report', header: t('报告', 'Report'), cell: ({ row }) => (row.original.runs > 0 ? <Link to={`/campaigns/${row.original.id}/report`}>{t('增量报告', 'Uplift report')}</Link> : '—') },
    { id: 'created_at', header: t('创建时间', 'Created'), cell: ({ row }) => f.dateTime(row.original.created_at) },
  ];
  return (
    <>
      <div className="dash-title">
        <h1>{t('营销活动', 'Campaigns')}</h1>
        <p className="muted">{t('通过每位客户自己的导购企业微信发送；对照组衡量真实增量。', 'Sent through each customer’s own clerk on WeCom; a holdout measures the real uplift.')}</p>
        {d.canManage ? (
          <Link to="/campaigns/new" className="button" data-testid="new-campaign">
            {t('新建活动', 'New campaign')}
          </Link>
        ) : null}
      </div>
      <div className="tabs" aria-label={t('视图', 'View')}>
        <Link to={href({ view: 'list' })} className={d.p.view === 'list' ? 'active' : undefined}>
          {t('列表', 'List')}
        </Link>
        <Link to={href({ view: 'calendar' })} className={d.p.view === 'calendar' ? 'active' : undefined} data-testid="calendar-tab">
          {t('日历', 'Calendar')}
        </Link>
      </div>
      {d.p.view === 'calendar' ? (
        <CampaignCalendar month={d.month} entries={d.calendar} />
      ) : (
        <>
          <div className="tabs filter-tabs" aria-label={t('状态', 'Status')} data-testid="status-filter">
            <Link to={href({ status: undefined })} className={!d.p.status ? 'active' : undefined}>
              {t('全部', 'All')} ({total})
            </Link>
            {CAMPAIGN_STATUSES.map((s) => (
              <Link key={s} to={href({ status: s })} className={d.p.status === s ? 'active' : undefined} data-status-filter={s}>
                {t(CAMPAIGN_STATUS_LABELS[s].zh, CAMPAIGN_STATUS_LABELS[s].en)} ({d.counts[s] ?? 0})
              </Link>
            ))}
          </div>
          {d.total === 0 ? (
            <EmptyState title={d.p.status ? t('没有该状态的活动', 'No campaigns in this status') : t('还没有营销活动', 'No campaigns yet')}>
              <p>{t('从一个分群开始：选择受众、写好话术，先试算再排期。', 'Start from a segment: pick the audience, write the message, dry-run it, then schedule.')}</p>
            </EmptyState>
          ) : (
            <DataTable columns={columns} data={d.rows} total={d.total} sort={d.p.sort} dir={d.p.dir} page={d.p.page} size={d.size} sortable={['name', 'status', 'next_run_at', 'reached', 'created_at']} rowKey={(r) => r.id} caption={t('营销活动', 'Campaigns')} />
          )}
        </>
      )}
    </>
  );
}
