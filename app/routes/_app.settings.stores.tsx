import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, useActionData, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { z } from 'zod';
import { CsrfInput } from '~/components/csrf';
import { DataTable } from '~/components/data-table';
import { FormResult } from '~/components/form-result';
import { SearchBar } from '~/components/search-bar';
import { can } from '~/lib/auth.server';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { STORE_SORTS } from '~/lib/contracts/settings';
import { createRegion, createStore, setStoreActive, storesPage } from '~/lib/settings.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';


export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'settings.view');
  const p = parseTableParams<(typeof STORE_SORTS)[number]>(request.url, tableParamsSchema(STORE_SORTS, { sort: 'code', dir: 'asc' }));
  const { regions, stores } = await storesPage(context.services, actor, p);
  return json({ regions, stores, p, canEdit: can(actor.role, 'settings.manage') });
}

const intent = z.enum(['create-region', 'create-store', 'toggle-store']);

export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'settings.manage');
  try {
    const i = intent.parse(form.get('intent'));
    if (i === 'create-region') await createRegion(context.services, actor, { code: form.get('code'), name: form.get('name') });
    else if (i === 'create-store') await createStore(context.services, actor, Object.fromEntries(form));
    else await setStoreActive(context.services, actor, String(form.get('storeId')), form.get('active') === 'true');
    return json({ ok: true as const, error: undefined });
  } catch (e) {
    return actionError(e, context);
  }
}

type StoreRow = ReturnType<typeof useLoaderData<typeof loader>>['stores']['rows'][number];

export default function StoresSettings() {
  const { regions, stores, p, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const t = useT();
  const columns: ColumnDef<StoreRow, unknown>[] = [
    { id: 'code', header: t('代码', 'Code'), accessorKey: 'code' },
    { id: 'name', header: t('门店', 'Store'), accessorKey: 'name' },
    { id: 'region', header: t('区域', 'Region'), cell: ({ row }) => row.original.region ?? '—' },
    { id: 'city', header: t('城市', 'City'), cell: ({ row }) => row.original.city ?? '—' },
    { id: 'staff', header: t('在职员工', 'Active staff'), accessorKey: 'staff_count' },
    {
      id: 'status',
      header: t('状态', 'Status'),
      cell: ({ row }) => (
        <>
          <span className={`badge ${row.original.active ? 'good' : ''}`}>{row.original.active ? t('营业中', 'Open') : t('已停用', 'Inactive')}</span>{' '}
          {row.original.imported ? <span className="badge warn">{t('导入创建', 'Imported')}</span> : null}
        </>
      ),
    },
    ...(canEdit
      ? [
          {
            id: 'actions',
            header: '',
            cell: ({ row }: { row: { original: StoreRow } }) => (
              <Form method="post">
                <CsrfInput />
                <input type="hidden" name="intent" value="toggle-store" />
                <input type="hidden" name="storeId" value={row.original.id} />
                <input type="hidden" name="active" value={String(!row.original.active)} />
                <button type="submit" className="secondary">
                  {row.original.active ? t('停用', 'Deactivate') : t('启用', 'Activate')}
                </button>
              </Form>
            ),
          } satisfies ColumnDef<StoreRow, unknown>,
        ]
      : []),
  ];
  return (
    <>
      <FormResult data={result} ok={t('已保存', 'Saved')} />
      <h2>{t('区域', 'Regions')}</h2>
      <div className="cards">
        {regions.map((r) => (
          <div className="card kpi" key={r.id}>
            <div className="label">{r.code}</div>
            <div className="value" style={{ fontSize: '1.1rem' }}>
              {r.name}
            </div>
            <div className="muted">{t(`${r.stores} 家门店`, `${r.stores} stores`)}</div>
          </div>
        ))}
        {canEdit ? (
          <Form method="post" className="card stack">
            <CsrfInput />
            <input type="hidden" name="intent" value="create-region" />
            <input name="code" placeholder={t('区域代码，如 EAST', 'Region code, e.g. EAST')} required />
            <input name="name" placeholder={t('区域名称', 'Region name')} required />
            <button type="submit">{t('新增区域', 'Add region')}</button>
          </Form>
        ) : null}
      </div>
      <h2>{t('门店', 'Stores')}</h2>
      {canEdit ? (
        <Form method="post" className="toolbar card">
          <CsrfInput />
          <input type="hidden" name="intent" value="create-store" />
          <label>
            {t('代码', 'Code')}
            <input name="code" required />
          </label>
          <label>
            {t('名称', 'Name')}
            <input name="name" required />
          </label>
          <label>
            {t('区域', 'Region')}
            <select name="regionId">
              <option value="">—</option>
              {regions.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('城市', 'City')}
            <input name="city" />
          </label>
          <button type="submit">{t('新增门店', 'Add store')}</button>
        </Form>
      ) : null}
      <SearchBar q={p.q} placeholder={t('搜索门店代码或名称', 'Search code or name')} />
      <DataTable
        columns={columns}
        data={stores.rows}
        total={stores.total}
        sort={p.sort}
        dir={p.dir}
        page={p.page}
        size={p.size}
        sortable={['code', 'name', 'region', 'city', 'staff']}
        rowKey={(r) => r.id}
        empty={t('还没有门店：在上方新增门店，或导入订单时自动创建。', 'No stores yet: add one above, or let an order import create them.')}
      />
    </>
  );
}
