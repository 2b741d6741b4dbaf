import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { CsrfInput } from '~/components/csrf';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { cancelImport, getImportForActor, readRejectedLines } from '~/lib/ingest.server';
import { StatusBadge } from '~/components/import-status';

export const meta: MetaFunction = () => [{ title: '导入进度 Import · 回客 Huike' }];

/** Rejected lines shown on the result page (the error report has them all). */
const REJECTED_SHOWN = 20;

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'imports.manage');
  const r = await getImportForActor(context.services, actor, params.id ?? '').catch(() => {
    throw new Response('未找到 / Not found', { status: 404 });
  });
  const total = Number(r.file_size);
  const done = Number(r.bytes_read);
  const reading = r.status === 'running' && (r.phase === 'reading' || r.phase === null);
  const finished = r.status === 'done' || r.status === 'cancelled';
  const rejected = finished && Number(r.rows_rejected) > 0 ? await readRejectedLines(r.error_report_path, REJECTED_SHOWN) : null;
  return json({
    id: r.id,
    fileName: r.file_name,
    fileSize: total,
    status: r.status,
    phase: r.phase,
    cancelRequested: r.cancel_requested,
    percent: r.status === 'done' ? 100 : reading ? (total > 0 ? Math.min(99, (done / total) * 100) : 0) : r.phase === 'merging' || r.phase === 'reporting' ? 99 : 0,
    rowsRead: Number(r.rows_read),
    rowsRejected: Number(r.rows_rejected),
    rowsPerSecond: r.rows_per_second === null ? null : Number(r.rows_per_second),
    etaSeconds: reading ? r.eta_seconds : null,
    counts: {
      created: r.orders_created,
      updated: r.orders_updated,
      unchanged: r.orders_unchanged,
      rejectedOrders: r.orders_rejected,
      customersCreated: r.customers_created,
      linked: r.customers_linked,
      merged: r.customers_merged,
      stores: r.stores_created,
      clerks: r.clerks_created,
    },
    storesCreated: r.stores_created_codes ?? [],
    clerksCreated: r.clerks_created_names ?? [],
    rejected,
    hasErrors: r.error_report_path !== null && Number(r.rows_rejected) > 0,
    error: r.status === 'failed' || r.status === 'running' ? r.error_message : null,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    by: r.created_by_label,
    presetName: r.preset_name,
  });
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  try {
    const { actor } = await requireMutation(request, context, 'imports.manage');
    await cancelImport(context.services, actor, params.id ?? '');
    return json({ ok: true as const });
  } catch (e) {
    return actionError(e, context);
  }
}

function duration(s: number | null, t: (zh: string, en: string) => string): string {
  if (s === null) return '—';
  if (s < 60) return t(`${Math.max(1, Math.round(s))} 秒`, `${Math.max(1, Math.round(s))} s`);
  const m = Math.floor(s / 60);
  return t(`${m} 分 ${Math.round(s % 60)} 秒`, `${m} min ${Math.round(s % 60)} s`);
}

type Rejected = NonNullable<ReturnType<typeof useLoaderData<typeof loader>>['rejected']>;

/** The first rejected lines with their reasons, in the file's line order, the row under the file's own headers. */
function RejectedLines({ rejected, total }: { rejected: Rejected; total: number }) {
  const t = useT();
  const f = useFormat();
  const shown = rejected.rows.length;
  return (
    <div className="card">
      <h2>{t('被拒绝的行', 'Rejected rows')}</h2>
      <p className="muted">
        {shown < total
          ? t(`前 ${shown} 行（共 ${f.number(total)} 行，完整列表见错误报告）`, `The first ${shown} of ${f.number(total)} (the error report lists them all)`)
          : t(`共 ${shown} 行`, `${shown} in all`)}
      </p>
      <div className="data-table">
        <table aria-label={t('被拒绝的行', 'Rejected rows')}>
          <thead>
            <tr>
              <th>{t('行号', 'Line')}</th>
              <th>{t('列', 'Column')}</th>
              <th>{t('原因', 'Reason')}</th>
              {rejected.header.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rejected.rows.map((r) => (
              <tr key={`${r.line}:${r.reason}`} data-line={r.line}>
                <td>{r.line}</td>
                <td>{r.column || '—'}</td>
                <td>{r.message}</td>
                {rejected.header.map((_, i) => (
                  <td key={i}>{r.values[i] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

export default function ImportProgress() {
  const d = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const { revalidate, state } = useRevalidator();
  const live = d.status === 'queued' || d.status === 'running';
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (state === 'idle' && document.visibilityState === 'visible') revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [live, revalidate, state]);
  const c = d.counts;
  return (
    <div>
      <div className="topbar">
        <h1>
          {d.fileName} <StatusBadge status={d.status} phase={d.phase} />
        </h1>
        <Link to="/imports">{t('导入历史', 'Import history')}</Link>
      </div>
      <div className="card">
        <div className="progress" role="progressbar" aria-valuenow={Math.round(d.percent)} aria-valuemin={0} aria-valuemax={100} aria-label={t('导入进度', 'Import progress')}>
          <div style={{ width: `${d.percent}%` }} />
        </div>
        <p className="muted">
          <strong>{Math.floor(d.percent)}%</strong>
          {' · '}
          {d.status === 'done'
            ? t('导入完成', 'Import finished')
            : d.status === 'cancelled'
              ? t('已取消', 'Cancelled')
              : d.status === 'failed'
                ? t('导入失败', 'Import failed')
                : d.status === 'queued'
            ? t('排队中，即将开始…', 'Queued, starting shortly…')
            : d.phase === 'merging'
              ? t('正在合并订单与客户…', 'Merging orders and customers…')
              : d.phase === 'reporting'
                ? t('正在生成错误报告…', 'Writing the error report…')
                : t('正在读取并校验文件…', 'Reading and checking the file…')}
        </p>
        <div className="cards">
          <div className="kpi">
            <div className="label">{t('已读取行数', 'Rows done')}</div>
            <div className="value">{f.number(d.rowsRead)}</div>
          </div>
          <div className="kpi">
            <div className="label">{t('速度', 'Speed')}</div>
            <div className="value">{d.rowsPerSecond === null ? '—' : t(`${f.number(d.rowsPerSecond)} 行/秒`, `${f.number(d.rowsPerSecond)} rows/s`)}</div>
          </div>
          <div className="kpi">
            <div className="label">{t('剩余时间', 'Time left')}</div>
            <div className="value">{live ? duration(d.etaSeconds, t) : '—'}</div>
          </div>
          <div className="kpi">
            <div className="label">{t('拒绝行数', 'Rows rejected')}</div>
            <div className="value">{f.number(d.rowsRejected)}</div>
          </div>
        </div>
        {live ? (
          <Form method="post">
            <CsrfInput />
            <button type="submit" className="danger" disabled={d.cancelRequested}>
              {d.cancelRequested ? t('正在取消…', 'Cancelling…') : t('取消导入', 'Cancel import')}
            </button>
          </Form>
        ) : null}
        {d.error ? <div className="alert error">{d.error}</div> : null}
      </div>
      {d.status === 'done' || d.status === 'cancelled' ? (
        <div className="card">
          <h2>{t('结果', 'Result')}</h2>
          <div className="cards">
            <div className="kpi"><div className="label">{t('新建订单', 'Orders created')}</div><div className="value">{f.number(c.created)}</div></div>
            <div className="kpi"><div className="label">{t('更新订单', 'Orders updated')}</div><div className="value">{f.number(c.updated)}</div></div>
            <div className="kpi"><div className="label">{t('未变化订单', 'Orders unchanged')}</div><div className="value">{f.number(c.unchanged)}</div></div>
            <div className="kpi"><div className="label">{t('被拒订单', 'Orders rejected')}</div><div className="value">{f.number(c.rejectedOrders)}</div></div>
            <div className="kpi"><div className="label">{t('新建客户', 'Customers created')}</div><div className="value">{f.number(c.customersCreated)}</div></div>
            <div className="kpi"><div className="label">{t('补关联的匿名订单', 'Anonymous orders linked')}</div><div className="value">{f.number(c.linked)}</div></div>
            <div className="kpi"><div className="label">{t('合并的客户', 'Customers merged')}</div><div className="value">{f.number(c.merged)}</div></div>
            <div className="kpi"><div className="label">{t('新建门店 / 导购', 'Stores / clerks created')}</div><div className="value">{f.number(c.stores)} / {f.number(c.clerks)}</div></div>
          </div>
          {d.storesCreated.length || d.clerksCreated.length ? (
            <div className="alert" data-testid="created-entities">
              {d.storesCreated.length ? (
                <p>
                  {t(`按你的选择新建了 ${d.storesCreated.length} 个门店（标记为导入，请在“设置 › 门店”中补充区域）：`, `Created ${d.storesCreated.length} store(s) as you chose (marked as imported; add their region in Settings › Stores): `)}
                  <strong>{d.storesCreated.join('、')}</strong>
                </p>
              ) : null}
              {d.clerksCreated.length ? (
                <p>
                  {t(`按你的选择新建了 ${d.clerksCreated.length} 名导购（标记为导入）：`, `Created ${d.clerksCreated.length} clerk(s) as you chose (marked as imported): `)}
                  <strong>{d.clerksCreated.join('、')}</strong>
                </p>
              ) : null}
            </div>
          ) : null}
          <p className="muted">
            {t('用时', 'Took')} {d.startedAt && d.finishedAt ? duration((new Date(d.finishedAt).getTime() - new Date(d.startedAt).getTime()) / 1000, t) : '—'} · {d.by}
            {d.presetName ? ` · ${t('预设', 'preset')} ${d.presetName}` : ''}
          </p>
        </div>
      ) : null}
      {d.rejected && d.rejected.rows.length ? <RejectedLines rejected={d.rejected} total={d.rowsRejected} /> : null}
      {d.hasErrors ? (
        <p>
          <a className="button secondary" href={`/imports/${d.id}/errors.csv`} download>
            {t(`下载错误报告（${f.number(d.rowsRejected)} 行）`, `Download the error report (${f.number(d.rowsRejected)} rows)`)}
          </a>
        </p>
      ) : null}
    </div>
  );
}
