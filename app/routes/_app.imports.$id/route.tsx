/** An import's page: live progress while it runs, then the result, the first rejected lines and the error report. */
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { cancelImport, getImportForActor, readRejectedLines } from '~/lib/ingest.server';
import { StatusBadge } from '~/components/import-status';
import { ImportProgressCard } from './progress';
import { RejectedLines } from './rejected-lines';
import { ImportResult } from './result';

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
      membersLinked: r.members_linked,
      membersUpdated: r.members_updated,
      membersUnchanged: r.members_unchanged,
      membersRejected: r.members_rejected,
    },
    kind: r.kind,
    storesCreated: r.stores_created_codes ?? [],
    clerksCreated: r.clerks_created_names ?? [],
    rejected,
    hasErrors: r.error_report_path !== null && Number(r.rows_rejected) > 0,
    error: r.status === 'failed' || r.status === 'running' ? r.error_message : null,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    by: r.created_by_label,
    presetName: r.preset_name,
    identicalTo: r.identical_to,
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
  return (
    <div>
      <div className="topbar">
        <h1>
          {d.fileName} <StatusBadge status={d.status} phase={d.phase} />
        </h1>
        <Link to="/imports">{t('导入历史', 'Import history')}</Link>
      </div>
      <ImportProgressCard d={d} live={live} />
      {d.status === 'done' || d.status === 'cancelled' ? <ImportResult d={d} /> : null}
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
