/**
 * Customers with their repurchase metrics: server-side sorting, filtering (stage, RFM group or cell, store,
 * due, search) and paging over `customer_metrics`, scoped to what the actor may see (a clerk: the customers they
 * serve). The RFM heatmap links here with ?r=&fm=. Before the first analytics run the plain list is shown.
 */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { useActionData, useLoaderData, useLocation } from '@remix-run/react';
import { BulkTagBar } from '~/components/customer-tags';
import { DataTable } from '~/components/data-table';
import type { MetricSort } from '~/lib/analytics.server';
import { METRIC_SORTS, parseCustomerFiltersLenient } from '~/lib/analytics.server';
import { customersPage } from '~/lib/customer-list.server';
import { actionError, pageActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
// Bulk tags on "all N matching customers" (#13.12): the segment action machinery (queued, progress per chunk).
import { bulkTagMatchingAction } from '~/lib/segments.server';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';
// WeCom: bulk tagging of the selected customers (server/wecom).
import { bulkTagAction } from '~/lib/wecom.server';
import dashboardStyles from '~/styles/dashboard.css';
import { useCustomerColumns } from './columns';
import { CustomerFilters, FilterChips } from './filters';
import { ListActions } from './list-actions';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: dashboardStyles }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const url = new URL(request.url);
  const filters = parseCustomerFiltersLenient(url.searchParams);
  // Built here, not at module level: METRIC_SORTS comes from the server bridge, which the browser bundle lacks.
  // A due list is a worklist: by default in priority order (docs/metrics.md "Priority of a due list").
  const p = parseTableParams<MetricSort>(url, tableParamsSchema(METRIC_SORTS, { sort: filters.due ? 'priority' : 'last_purchase', dir: 'desc' }));
  if (p.q) filters.q = p.q;
  // The guard and the page in one go: the session is read in the page's tenant transaction (pageActor).
  const data = await customersPage(context.services, pageActor(request, context, 'customers.view'), p, filters);
  return json({ ...data, options: { stores: data.options.stores.map((s) => ({ code: s.code, name: s.name })), regions: data.options.regions }, p, filters });
}

/**
 * Bulk tagging of the selected customers, or of all customers matching the list's filters (a queued action whose
 * progress the list shows); WeCom tags are written back by the queue.
 */
export async function action({ request, context }: ActionFunctionArgs) {
  const { actor, form } = await requireMutation(request, context, 'customers.tag');
  try {
    if (form.get('target') === 'all') return json(await bulkTagMatchingAction(context, actor, form));
    return json(await bulkTagAction(context, actor, form));
  } catch (e) {
    return actionError(e, context);
  }
}

export type CustomersData = ReturnType<typeof useLoaderData<typeof loader>>;

export default function Customers() {
  const d = useLoaderData<typeof loader>();
  const bulk = useActionData<typeof action>();
  const t = useT();
  const { search } = useLocation();
  const { columns, legacyColumns, csvColumns, csvRows } = useCustomerColumns(d);
  return (
    <>
      <div className="dash-title">
        <h1>{d.isClerk ? t('我的客户', 'My customers') : t('客户', 'Customers')}</h1>
        {d.asOf ? <p className="muted">{t(`指标截至 ${d.asOf}`, `Metrics as of ${d.asOf}`)}</p> : null}
      </div>
      <CustomerFilters d={d} csv={{ columns: csvColumns, rows: csvRows }} />
      <FilterChips d={d} />
      {d.computed && d.p.sort === 'priority' ? (
        <p className="muted" data-testid="priority-note">
          {t('按优先级排序：12 个月预测价值从高到低（无预测时按累计消费），同值时最近到期的在前。', 'In priority order: predicted 12-month value, highest first (net spend where there is no prediction); then the most recently due first.')}
        </p>
      ) : null}
      {d.canTag ? <BulkTagBar options={d.wecom.tagOptions} result={bulk ? { ok: bulk.ok, error: 'error' in bulk ? bulk.error : undefined, tagResult: 'tagResult' in bulk ? bulk.tagResult : null } : null} matching={d.computed ? { total: d.total, query: search.replace(/^\?/, '') } : undefined} /> : null}
      {d.listActions.length ? <ListActions actions={d.listActions} /> : null}
      {d.computed ? (
        <DataTable
          columns={columns}
          data={d.rows}
          total={d.total}
          sort={d.p.sort}
          dir={d.p.dir}
          page={d.p.page}
          size={d.p.size}
          sortable={['name', 'frequency', 'last_purchase', 'monetary', 'expected_next', 'p_alive', 'value']}
          rowKey={(r) => r.id}
          empty={d.isClerk ? t('你还没有客户：在企业微信添加客户后会自动出现在这里。', 'No customers yet: customers you add on WeCom appear here automatically.') : t('没有符合条件的客户', 'No customers match')}
        />
      ) : (
        <DataTable
          columns={legacyColumns}
          data={d.legacy}
          total={d.total}
          sort={d.p.sort}
          dir={d.p.dir}
          page={d.p.page}
          size={d.p.size}
          sortable={['name', 'first_purchase']}
          rowKey={(r) => r.id}
          empty={d.isClerk ? t('你还没有客户：在企业微信添加客户后会自动出现在这里。', 'No customers yet: customers you add on WeCom appear here automatically.') : t('还没有客户：连接企业微信同步客户，或导入订单。', 'No customers yet: connect WeCom to sync customers, or import orders.')}
        />
      )}
    </>
  );
}
