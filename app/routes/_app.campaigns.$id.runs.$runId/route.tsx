/**
 * A run's live page: progress bars (tasks the clerks confirmed, recipients reached), execution per store and per
 * clerk, exclusions by reason. While tasks are still open it refreshes itself every 15 seconds.
 */
import type { LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useState } from 'react';
import { Progress, StatusBadge } from '~/components/campaigns/labels';
import { idOr404, or404, runPage } from '~/lib/campaigns.server';
import { EXCLUSION_LABELS } from '~/lib/contracts/campaign';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { useRevalidateWhile } from '~/lib/use-revalidate-while';
import styles from '~/styles/campaigns.css';
import { ProgressTable } from './progress-table';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: styles }];

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'campaigns.view');
  const page = await or404(runPage(context.services, actor, idOr404(params.id), idOr404(params.runId)));
  return json({ ...page, loadedAt: new Date().toISOString() });
}

const REFRESH_MS = 15_000;

export default function CampaignRun() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const { state } = useRevalidator();
  const r = d.run;
  const open = ['planning', 'sending'].includes(r.status) || r.tasks_confirmed < r.tasks_created;
  const [auto, setAuto] = useState(true);
  useRevalidateWhile(auto && open, REFRESH_MS);
  const sums = d.byStore.reduce((a, s) => ({ sent: a.sent + s.sent, pending: a.pending + s.pending, notFriend: a.notFriend + s.not_friend, cap: a.cap + s.cap_reached, invalid: a.invalid + s.invalid, unsent: a.unsent + s.unsent }), { sent: 0, pending: 0, notFriend: 0, cap: 0, invalid: 0, unsent: 0 });
  return (
    <>
      <p>
        <Link to={`/campaigns/${d.campaign.id}`}>← {d.campaign.name}</Link>
      </p>
      <div className="campaign-head">
        <h1>{t(`发送批次 · ${f.dateTime(r.planned_for)}`, `Run · ${f.dateTime(r.planned_for)}`)}</h1>
        <StatusBadge status={r.status} run />
        <Link to={`/campaigns/${d.campaign.id}/report?run=${r.id}`} className="button">
          {t('本批报告', 'Run report')}
        </Link>
      </div>
      <p className="muted" data-testid="refresh-note">
        {open ? (
          <label style={{ display: 'inline-flex' }}>
            <input type="checkbox" checked={auto} onChange={(e) => setAuto(e.target.checked)} data-testid="auto-refresh" /> {t('每 15 秒自动刷新', 'Refresh every 15 seconds')}
          </label>
        ) : (
          t('所有任务已结束，不再自动刷新。', 'Every task is settled; no more refreshes.')
        )}{' '}
        · {t(`更新于 ${f.dateTime(d.loadedAt)}`, `Updated ${f.dateTime(d.loadedAt)}`)}
        {state === 'loading' ? ` · ${t('刷新中…', 'Refreshing…')}` : null}
        {r.error ? <span className="badge bad">{r.error}</span> : null}
      </p>
      <section className="card">
        <Progress label={t('导购已确认发送的任务', 'Tasks the clerks confirmed')} value={r.tasks_confirmed} total={r.tasks_created} testId="progress-tasks" />
        <Progress label={t('已送达客户', 'Customers reached')} value={r.reached} total={r.recipients} testId="progress-reached" />
        <div className="cards kpis">
          <div className="card kpi">
            <div className="label">{t('受众', 'Audience')}</div>
            <div className="value">{f.number(r.audience)}</div>
            <div className="hint muted">{t(`其中对照组 ${f.number(r.holdout)}，排除 ${f.number(r.excluded)}`, `Holdout ${f.number(r.holdout)}, excluded ${f.number(r.excluded)}`)}</div>
          </div>
          <div className="card kpi">
            <div className="label">{t('待导购发送', 'Waiting for the clerk')}</div>
            <div className="value">{f.number(sums.pending)}</div>
          </div>
          <div className="card kpi">
            <div className="label">{t('非好友 / 已达接收上限', 'Not a friend / receive cap')}</div>
            <div className="value">{`${f.number(sums.notFriend)} / ${f.number(sums.cap)}`}</div>
          </div>
          <div className="card kpi">
            <div className="label">{t('创建失败 / 过期未发', 'Refused / expired unsent')}</div>
            <div className="value">{`${f.number(sums.invalid)} / ${f.number(sums.unsent)}`}</div>
          </div>
        </div>
      </section>
      <ProgressTable title={t('门店执行', 'Stores')} rows={d.byStore.map((s) => ({ ...s, key: s.store_id ?? 'none', name: s.store_name ?? t('未分配门店', 'No store') }))} testId="run-stores" />
      <ProgressTable title={t('导购执行', 'Clerks')} rows={d.byClerk.map((c) => ({ ...c, key: c.staff_id, name: c.clerk_name, store: c.store_name ?? '—' }))} testId="run-clerks" />
      {d.exclusions.length > 0 ? (
        <section className="card">
          <h2 style={{ marginTop: 0 }}>{t('排除原因', 'Exclusions by reason')}</h2>
          <ul>
            {d.exclusions.map((x) => (
              <li key={x.reason}>
                {x.reason in EXCLUSION_LABELS ? t(EXCLUSION_LABELS[x.reason as keyof typeof EXCLUSION_LABELS].zh, EXCLUSION_LABELS[x.reason as keyof typeof EXCLUSION_LABELS].en) : x.reason}: {f.number(x.n)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
    </>
  );
}
