import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useSubmit } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { StatusBadge } from '~/components/import-status';
import { IMPORT_STATUSES, IMPORT_STATUS_LABELS, importStatusFilter } from '~/lib/contracts/imports';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { discardImport, IMPORT_SORTABLE, listImportsForActor } from '~/lib/ingest.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';

export const meta: MetaFunction = () => [{ title: '数据导入 Imports · 回客 Huike' }];

const SORTABLE = ['created_at', 'file_name', 'status', 'rows_read', 'rows_rejected', 'orders_created', 'orders_updated'] as const;
const paramsSchema = tableParamsSchema(SORTABLE, { sort: 'created_at', dir: 'desc', size: 25 });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'imports.manage');
  const url = new URL(request.url);
  const p = parseTableParams(url, paramsSchema);
  const status = importStatusFilter.parse(url.searchParams.get('status') ?? undefined);
  const sort = (IMPORT_SORTABLE as readonly string[]).includes(p.sort) ? p.sort : 'created_at';
  const { rows, total } = await listImportsForActor(context.services, actor, { ...p, sort, status });
  return json({
    rows: rows.map((r) => ({ ...r, has_errors: r.error_report_path !== null && Number(r.rows_rejected) > 0, error_report_path: undefined })),
    total,
    params: p,
    status: status ?? null,
  });
}

const deleteForm = z.object({ intent: z.literal('delete'), id: z.string().uuid() });

/** Deletes a draft import (one left at the mapping step) and its stored upload. */
export async function action({ request, context }: ActionFunctionArgs) {
  try {
    const { actor, form } = await requireMutation(request, context, 'imports.manage');
    const f = deleteForm.parse(Object.fromEntries(form));
    await discardImport(context.services, actor, f.id);
    return json({ ok: true as const });
  } catch (e) {
    return actionError(e, context);
  }
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['rows'][number];

export default function ImportsIndex() {
  const { rows, total, params, status } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const submit = useSubmit();
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<Row, unknown>[] = [
    { id: 'file_name', header: t('文件', 'File'), cell: ({ row }) => <Link to={row.original.status === 'uploaded' ? `/imports/new?id=${row.original.id}` : `/imports/${row.original.id}`}>{row.original.file_name}</Link> },
    { id: 'status', header: t('状态', 'Status'), cell: ({ row }) => <StatusBadge status={row.original.status} phase={row.original.phase} /> },
    { id: 'rows_read', header: t('读取行数', 'Rows read'), cell: ({ row }) => f.number(Number(row.original.rows_read)) },
    {
      id: 'rows_rejected',
      header: t('拒绝行数', 'Rejected'),
      cell: ({ row }) =>
        row.original.has_errors ? (
          <a href={`/imports/${row.original.id}/errors.csv`} download>
            {f.number(Number(row.original.rows_rejected))} ⬇
          </a>
        ) : (
          f.number(Number(row.original.rows_rejected))
        ),
    },
    { id: 'orders_created', header: t('新建订单', 'Created'), cell: ({ row }) => f.number(row.original.orders_created) },
    { id: 'orders_updated', header: t('更新订单', 'Updated'), cell: ({ row }) => f.number(row.original.orders_updated) },
    { id: 'orders_unchanged', header: t('未变化', 'Unchanged'), cell: ({ row }) => f.number(row.original.orders_unchanged) },
    { id: 'created_at', header: t('时间', 'When'), cell: ({ row }) => f.dateTime(row.original.created_at) },
    { id: 'created_by_label', header: t('操作人', 'By'), cell: ({ row }) => row.original.created_by_label },
    {
      id: 'actions',
      header: '',
      cell: ({ row }) =>
        row.original.status === 'uploaded' ? (
          <Form method="post">
            <CsrfInput />
            <input type="hidden" name="id" value={row.original.id} />
            <button type="submit" name="intent" value="delete" className="secondary">
              {t('删除草稿', 'Delete draft')}
            </button>
          </Form>
        ) : null,
    },
  ];
  return (
    <div>
      <div className="topbar">
        <h1>{t('数据导入', 'Imports')}</h1>
        <Link className="button" to="/imports/new">
          {t('导入订单', 'Import orders')}
        </Link>
      </div>
      <Form method="get" className="toolbar" onChange={(e) => submit(e.currentTarget)}>
        <label>
          {t('状态', 'Status')}
          <select name="status" defaultValue={status ?? ''}>
            <option value="">{t('全部', 'All')}</option>
            {IMPORT_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(IMPORT_STATUS_LABELS[s][0], IMPORT_STATUS_LABELS[s][1])}
              </option>
            ))}
          </select>
        </label>
        {params.sort !== 'created_at' ? <input type="hidden" name="sort" value={params.sort} /> : null}
        {params.dir !== 'desc' ? <input type="hidden" name="dir" value={params.dir} /> : null}
        <noscript>
          <button type="submit" className="secondary">
            {t('筛选', 'Filter')}
          </button>
        </noscript>
      </Form>
      {actionData && 'error' in actionData ? <div className="alert error">{actionData.error}</div> : null}
      <DataTable
        columns={columns}
        data={rows}
        total={total}
        sort={params.sort}
        dir={params.dir}
        page={params.page}
        size={params.size}
        sortable={[...SORTABLE]}
        rowKey={(r) => r.id}
        caption={t('导入历史', 'Import history')}
        empty={
          status ? (
            t('没有该状态的导入。', 'No imports with this status.')
          ) : (
            <>
              {t('还没有导入。', 'No imports yet.')} <Link to="/imports/new">{t('导入第一个订单文件', 'Import your first order file')}</Link>
            </>
          )
        }
      />
    </div>
  );
}
