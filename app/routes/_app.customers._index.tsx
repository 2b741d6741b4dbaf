/**
 * Customers with their repurchase metrics: server-side sorting, filtering (stage, RFM group or cell, store,
 * due, search) and paging over `customer_metrics`, scoped to what the actor may see (a clerk: the customers they
 * serve). The RFM heatmap links here with ?r=&fm=. Before the first analytics run the plain list is shown.
 */
import type { ActionFunctionArgs, LinksFunction, LoaderFunctionArgs } from '@remix-run/node';
import { json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useLocation, useRevalidator, useSubmit } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { useEffect, useRef } from 'react';
import { CsvButton } from '~/components/charts/csv-button';
import { DataTable } from '~/components/data-table';
import { GROUP_LABELS, GROUP_ORDER, P_ALIVE_ONE_PURCHASE, STAGE_LABELS, STAGE_ORDER, label, pAliveOnePurchase } from '~/lib/analytics-labels';
import type { MetricSort } from '~/lib/analytics.server';
import { METRIC_SORTS, parseCustomerFiltersLenient } from '~/lib/analytics.server';
import { csvRate, csvYuan, num, pct, yuan } from '~/lib/dashboard-format';
import { useFormat } from '~/lib/format';
import { actionError, requireActor, requireMutation } from '~/lib/guards.server';
import { useT } from '~/lib/i18n';
import { parseTableParams, tableParamsSchema } from '~/lib/table-params';
import dashboardStyles from '~/styles/dashboard.css';
// WeCom: tags column, tag filter, bulk tagging, how the customer came (server/wecom).
import { BulkTagBar, SelectAll, SelectCell, TagChips, TagFilter, type CustomerTagJson } from '~/components/customer-tags';
import { can } from '~/lib/auth.server';
import { bulkTagAction } from '~/lib/wecom.server';
// Segments: "save as segment" from the current filters (app/lib/segments/from-filters.ts).
import { newSegmentHref, ruleFromCustomerFilters } from '~/lib/segments/from-filters';
// Bulk tags on "all N matching customers" (#13.12): the segment action machinery (queued, progress per chunk).
import { bulkTagMatchingAction } from '~/lib/segments.server';
import { customersPage } from '~/lib/customer-list.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: dashboardStyles }];


export async function loader({ request, context }: LoaderFunctionArgs) {
  const { actor } = await requireActor(request, context, 'customers.view');
  const url = new URL(request.url);
  const filters = parseCustomerFiltersLenient(url.searchParams);
  // Built here, not at module level: METRIC_SORTS comes from the server bridge, which the browser bundle lacks.
  // A due list is a worklist: by default in priority order (docs/metrics.md "Priority of a due list").
  const p = parseTableParams<MetricSort>(url, tableParamsSchema(METRIC_SORTS, { sort: filters.due ? 'priority' : 'last_purchase', dir: 'desc' }));
  if (p.q) filters.q = p.q;
  const canTag = can(actor.role, 'customers.tag');
  const data = await customersPage(context.services, actor, p, filters, { withActions: canTag });
  return json({
    ...data,
    canTag,
    options: { stores: data.options.stores.map((s) => ({ code: s.code, name: s.name })), regions: data.options.regions },
    p,
    filters,
    isClerk: actor.role === 'clerk',
    canSegment: can(actor.role, 'segments.manage'),
  });
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

type Data = ReturnType<typeof useLoaderData<typeof loader>>;
type Row = Data['rows'][number];
type LegacyRow = Data['legacy'][number];

export default function Customers() {
  const d = useLoaderData<typeof loader>();
  const bulk = useActionData<typeof action>();
  const t = useT();
  const f = useFormat();
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  const { search, pathname } = useLocation();
  const without = (...keys: string[]) => {
    const q = new URLSearchParams(search);
    for (const k of [...keys, 'page']) q.delete(k);
    const s = q.toString();
    return s ? `${pathname}?${s}` : pathname;
  };
  const fl = d.filters;
  const wc = (id: string) => d.wecom.columns[id];
  const selectCol = { id: 'select', header: () => <SelectAll />, cell: ({ row }: { row: { original: { id: string } } }) => <SelectCell id={row.original.id} /> };
  const wecomCols = [
    { id: 'tags', header: t('标签', 'Tags'), cell: ({ row }: { row: { original: { id: string } } }) => <TagChips tags={(wc(row.original.id)?.tags ?? []) as CustomerTagJson[]} max={3} /> },
    {
      id: 'came',
      header: t('来源 / 添加时间', 'How they came / since'),
      cell: ({ row }: { row: { original: { id: string } } }) => {
        const w = wc(row.original.id);
        if (!w?.firstAddedAt) return '—';
        return (
          <>
            {w.channel ?? (w.addWayLabel ? t(...w.addWayLabel) : '—')}
            <div className="muted">{f.date(w.firstAddedAt)}</div>
          </>
        );
      },
    },
  ];
  const columns: ColumnDef<Row, unknown>[] = [
    ...(d.canTag ? [selectCol] : []),
    {
      id: 'name',
      header: t('客户', 'Customer'),
      cell: ({ row }) => (
        <Link to={`/customers/${row.original.id}`}>
          {row.original.display_name ?? t('（未命名）', '(no name)')}
          {row.original.mobile_masked ? <span className="muted"> {row.original.mobile_masked}</span> : null}
        </Link>
      ),
    },
    { id: 'store', header: t('门店', 'Store'), cell: ({ row }) => row.original.store ?? '—' },
    { id: 'clerks', header: t('服务导购', 'Served by'), cell: ({ row }) => row.original.clerks ?? '—' },
    ...wecomCols,
    { id: 'stage', header: t('阶段', 'Stage'), cell: ({ row }) => <span className={`badge stage-${row.original.stage}`}>{label(STAGE_LABELS, row.original.stage, t)}</span> },
    {
      id: 'group',
      header: t('RFM 分组', 'RFM group'),
      cell: ({ row }) => (row.original.rfm_group ? <span title={`R${row.original.r_score} · FM${row.original.fm_score}`}>{label(GROUP_LABELS, row.original.rfm_group, t)}</span> : '—'),
    },
    { id: 'frequency', header: t('购买天数', 'Purchase days'), cell: ({ row }) => <span className="num">{num(row.original.frequency)}</span> },
    {
      id: 'last_purchase',
      header: t('最近购买', 'Last purchase'),
      cell: ({ row }) => (row.original.last_purchase ? `${row.original.last_purchase}（${t(`${row.original.recency_days} 天前`, `${row.original.recency_days} d ago`)}）` : '—'),
    },
    { id: 'monetary', header: t('累计消费', 'Net spend'), cell: ({ row }) => <span className="num">{yuan(row.original.monetary_fen)}</span> },
    {
      id: 'expected_next',
      header: t('预计下次购买', 'Expected next'),
      cell: ({ row }) => (
        <>
          {row.original.expected_next_purchase ?? '—'} {row.original.is_due ? <span className="badge due">{t('待回访', 'due')}</span> : null}
          {row.original.days_overdue !== null ? <div className="muted">{t(`已到期 ${row.original.days_overdue} 天`, `due for ${row.original.days_overdue} d`)}</div> : null}
        </>
      ),
    },
    {
      id: 'p_alive',
      header: t('P(活跃)', 'P(alive)'),
      cell: ({ row }) => (
        <span className="num" title={pAliveOnePurchase(row.original) ? t(...P_ALIVE_ONE_PURCHASE) : undefined}>
          {pct(row.original.p_alive, 0)}
        </span>
      ),
    },
    { id: 'value', header: t('12个月预测价值', '12-month value'), cell: ({ row }) => <span className="num">{yuan(row.original.predicted_value_12m_fen)}</span> },
  ];
  const legacyColumns: ColumnDef<LegacyRow, unknown>[] = [
    ...(d.canTag ? [selectCol] : []),
    { id: 'name', header: t('客户', 'Customer'), cell: ({ row }) => <Link to={`/customers/${row.original.id}`}>{row.original.display_name ?? t('（未命名）', '(no name)')}</Link> },
    { id: 'mobile', header: t('手机', 'Mobile'), cell: ({ row }) => row.original.mobile_masked ?? '—' },
    { id: 'store', header: t('门店', 'Store'), cell: ({ row }) => row.original.store ?? '—' },
    { id: 'clerks', header: t('服务导购', 'Served by'), cell: ({ row }) => row.original.clerks ?? '—' },
    ...wecomCols,
    { id: 'first_purchase', header: t('建档时间', 'Since'), cell: ({ row }) => f.date(row.original.created_at) },
  ];
  const csvColumns = [
    { key: 'name', label: t('客户', 'Customer') },
    { key: 'store', label: t('门店', 'Store') },
    { key: 'stage', label: t('阶段', 'Stage') },
    { key: 'group', label: t('RFM 分组', 'RFM group') },
    { key: 'r', label: 'R' },
    { key: 'fm', label: 'FM' },
    { key: 'frequency', label: 'F' },
    { key: 'recency', label: t('距今天数', 'Recency (days)') },
    { key: 'monetary', label: t('累计消费（元）', 'Net spend (¥)') },
    { key: 'next', label: t('预计下次购买', 'Expected next') },
    { key: 'due', label: t('待回访', 'Due') },
    { key: 'p_alive', label: 'P(alive)' },
    { key: 'value', label: t('12个月预测价值（元）', '12-month value (¥)') },
  ];
  const csvRows = d.rows.map((r) => ({
    name: r.display_name,
    store: r.store,
    stage: label(STAGE_LABELS, r.stage, t),
    group: r.rfm_group ? label(GROUP_LABELS, r.rfm_group, t) : null,
    r: r.r_score,
    fm: r.fm_score,
    frequency: r.frequency,
    recency: r.recency_days,
    monetary: csvYuan(r.monetary_fen),
    next: r.expected_next_purchase,
    due: r.is_due ? 1 : 0,
    p_alive: csvRate(r.p_alive),
    value: csvYuan(r.predicted_value_12m_fen),
  }));
  const apply = () => form.current && submit(form.current);
  return (
    <>
      <div className="dash-title">
        <h1>{d.isClerk ? t('我的客户', 'My customers') : t('客户', 'Customers')}</h1>
        {d.asOf ? <p className="muted">{t(`指标截至 ${d.asOf}`, `Metrics as of ${d.asOf}`)}</p> : null}
      </div>
      <Form method="get" ref={form} className="toolbar customer-filters">
        <input name="q" defaultValue={d.p.q ?? ''} placeholder={t('姓名或手机号后四位', 'Name or last digits of mobile')} />
        {d.computed ? (
          <>
            <select name="stage" defaultValue={fl.stage ?? ''} onChange={apply} aria-label={t('阶段', 'Stage')}>
              <option value="">{t('全部阶段', 'All stages')}</option>
              {STAGE_ORDER.map((s) => (
                <option key={s} value={s}>
                  {label(STAGE_LABELS, s, t)}
                </option>
              ))}
            </select>
            <select name="group" defaultValue={fl.group ?? ''} onChange={apply} aria-label={t('RFM 分组', 'RFM group')}>
              <option value="">{t('全部 RFM 分组', 'All RFM groups')}</option>
              {GROUP_ORDER.map((g) => (
                <option key={g} value={g}>
                  {label(GROUP_LABELS, g, t)}
                </option>
              ))}
            </select>
            {!d.isClerk && d.options.stores.length > 1 ? (
              <select name="store" defaultValue={fl.store ?? ''} onChange={apply} aria-label={t('门店', 'Store')}>
                <option value="">{t('全部门店', 'All stores')}</option>
                {d.options.stores.map((s) => (
                  <option key={s.code} value={s.code}>
                    {s.name}
                  </option>
                ))}
              </select>
            ) : null}
            <label className="inline-check">
              <input type="checkbox" name="due" value="1" defaultChecked={fl.due === true} onChange={apply} /> {t('只看待回访', 'Due only')}
            </label>
            <select name="birthday" defaultValue={fl.birthday ?? ''} onChange={apply} aria-label={t('生日', 'Birthday')}>
              <option value="">{t('生日不限', 'Any birthday')}</option>
              <option value="7">{t('未来 7 天生日', 'Birthday in 7 days')}</option>
              <option value="30">{t('未来 30 天生日', 'Birthday in 30 days')}</option>
            </select>
            <input name="level" defaultValue={fl.level ?? ''} placeholder={t('会员等级', 'Member level')} aria-label={t('会员等级', 'Member level')} size={8} />
            <select name="opt_out" defaultValue={fl.opt_out === undefined ? '' : fl.opt_out ? '1' : '0'} onChange={apply} aria-label={t('营销', 'Marketing')}>
              <option value="">{t('营销不限', 'Any marketing consent')}</option>
              <option value="0">{t('可营销', 'May be marketed to')}</option>
              <option value="1">{t('拒收营销', 'Opted out')}</option>
            </select>
            {fl.r ? <input type="hidden" name="r" value={fl.r} /> : null}
            {fl.fm ? <input type="hidden" name="fm" value={fl.fm} /> : null}
            {fl.region ? <input type="hidden" name="region" value={fl.region} /> : null}
            {fl.clerk ? <input type="hidden" name="clerk" value={fl.clerk} /> : null}
            {fl.first_from ? <input type="hidden" name="first_from" value={fl.first_from} /> : null}
            {fl.first_to ? <input type="hidden" name="first_to" value={fl.first_to} /> : null}
            {fl.points_min !== undefined ? <input type="hidden" name="points_min" value={fl.points_min} /> : null}
            {fl.reg_store ? <input type="hidden" name="reg_store" value={fl.reg_store} /> : null}
            {/* Without an explicit sort the due filter brings the priority order. */}
            {new URLSearchParams(search).has('sort') ? (
              <>
                <input type="hidden" name="sort" value={d.p.sort} />
                <input type="hidden" name="dir" value={d.p.dir} />
              </>
            ) : null}
          </>
        ) : null}
        <TagFilter options={d.wecom.tagOptions} value={fl.tag} onChange={apply} />
        <button type="submit" className="secondary">
          {t('搜索', 'Search')}
        </button>
        {d.computed ? <CsvButton fileName={`customers-p${d.p.page}`} columns={csvColumns} rows={csvRows} /> : null}
        {d.computed && d.canSegment ? (
          <Link className="button secondary" to={newSegmentHref(ruleFromCustomerFilters(fl))}>
            {t('保存为分群', 'Save as segment')}
          </Link>
        ) : null}
      </Form>
      {fl.r || fl.fm || fl.region ? (
        <div className="filters-inline">
          {fl.r || fl.fm ? (
            <span className="chip" data-chip="rfm-cell">
              {t('RFM 格', 'RFM cell')} R{fl.r ?? '*'} · FM{fl.fm ?? '*'}
              <Link to={without('r', 'fm')} aria-label={t('移除', 'Remove')}>
                ×
              </Link>
            </span>
          ) : null}
          {fl.region ? (
            <span className="chip">
              {t('区域', 'Region')} {d.options.regions.find((r) => r.code === fl.region)?.name ?? fl.region}
              <Link to={without('region')} aria-label={t('移除', 'Remove')}>
                ×
              </Link>
            </span>
          ) : null}
        </div>
      ) : null}
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

const ACTION_LABELS: Record<string, [string, string]> = { tag_add: ['批量打标签', 'Add tag'], tag_remove: ['批量移除标签', 'Remove tag'] };

/** Progress of the user's "all matching customers" actions; the list re-reads it while one is running. */
function ListActions({ actions }: { actions: Data['listActions'] }) {
  const t = useT();
  const revalidator = useRevalidator();
  const running = actions.some((a) => a.status === 'queued' || a.status === 'running');
  useEffect(() => {
    if (!running) return;
    const h = setInterval(() => revalidator.state === 'idle' && revalidator.revalidate(), 2000);
    return () => clearInterval(h);
  }, [running, revalidator]);
  return (
    <table className="plain" data-testid="list-actions">
      <tbody>
        {actions.map((a) => (
          <tr key={a.id} data-status={a.status}>
            <td>
              {t(...(ACTION_LABELS[a.kind] ?? [a.kind, a.kind]))} {a.tagName}
            </td>
            <td>
              <progress max={Math.max(a.total, 1)} value={a.done} /> {a.done.toLocaleString('en-US')} / {a.total.toLocaleString('en-US')}
            </td>
            <td className="muted">
              {a.status === 'done' ? t('完成', 'done') : a.status === 'failed' ? t('失败', 'failed') : t('进行中', 'running')}
              {` · ${t(`待写回企微 ${a.pending}，失败 ${a.failed}，无需变更 ${a.skipped}`, `write-back pending ${a.pending}, failed ${a.failed}, unchanged ${a.skipped}`)}`}
              {a.error ? ` · ${a.error}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
