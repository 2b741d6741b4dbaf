import type { LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { CUSTOMER_SORTS, listCustomers, withTenant } from '~/lib/customers.server';
import { useFormat } from '~/lib/format';
import { requireActor } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';

const params = tableParamsSchema(CUSTOMER_SORTS, { sort: 'created_at', dir: 'desc' });

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const p = parseTableParams(request.url, params);
  const data = await withTenant(context.services.dbs, actor.tenantId, (trx) => listCustomers(trx, actor, p));
  return json({ ...data, p, isClerk: actor.role === 'clerk' });
}

type Row = ReturnType<typeof useLoaderData<typeof loader>>['rows'][number];
const SOURCE: Record<string, [string, string]> = { wecom: ['企业微信', 'WeCom'], import: ['订单导入', 'Import'], api: ['API', 'API'], manual: ['手动', 'Manual'], demo: ['演示', 'Demo'] };

export default function Customers() {
  const { rows, total, p, isClerk } = useLoaderData<typeof loader>();
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<Row, unknown>[] = [
    { id: 'name', header: t('客户', 'Customer'), cell: ({ row }) => <Link to={`/customers/${row.original.id}`}>{row.original.display_name ?? t('（未命名）', '(no name)')}</Link> },
    { id: 'mobile', header: t('手机', 'Mobile'), cell: ({ row }) => row.original.mobile_masked ?? '—' },
    { id: 'store', header: t('门店', 'Store'), cell: ({ row }) => row.original.store ?? '—' },
    { id: 'clerks', header: t('服务导购', 'Served by'), cell: ({ row }) => row.original.clerks ?? '—' },
    { id: 'source', header: t('来源', 'Source'), cell: ({ row }) => t(...(SOURCE[row.original.source] ?? [row.original.source, row.original.source])) },
    { id: 'created_at', header: t('建档时间', 'Since'), cell: ({ row }) => f.date(row.original.created_at) },
  ];
  return (
    <>
      <h1>{isClerk ? t('我的客户', 'My customers') : t('客户', 'Customers')}</h1>
      <Form method="get" className="toolbar">
        <input name="q" defaultValue={p.q ?? ''} placeholder={t('姓名或手机号后四位', 'Name or last digits of mobile')} />
        <button type="submit" className="secondary">
          {t('搜索', 'Search')}
        </button>
      </Form>
      <DataTable
        columns={columns}
        data={rows}
        total={total}
        sort={p.sort}
        dir={p.dir}
        page={p.page}
        size={p.size}
        sortable={['name', 'created_at', 'store']}
        rowKey={(r) => r.id}
        empty={isClerk ? t('你还没有客户：在企业微信添加客户后会自动出现在这里。', 'No customers yet: customers you add on WeCom appear here automatically.') : t('还没有客户：连接企业微信同步客户，或导入订单。', 'No customers yet: connect WeCom to sync customers, or import orders.')}
      />
    </>
  );
}
