/** The customers list's columns (metrics, or the plain list before the first analytics run) and its CSV export. */
import { Link } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { expandTags, SelectAll, SelectCell, TagChips, type CustomerTagJson } from '~/components/customer-tags';
import { GROUP_LABELS, P_ALIVE_ONE_PURCHASE, STAGE_LABELS, label, pAliveOnePurchase } from '~/lib/analytics-labels';
import { csvRate, csvYuan, num, pct, yuan } from '~/lib/dashboard-format';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { CustomersData } from './route';

type Row = CustomersData['rows'][number];
type LegacyRow = CustomersData['legacy'][number];

export function useCustomerColumns(d: CustomersData) {
  const t = useT();
  const f = useFormat();
  const wc = (id: string) => d.wecom.columns[id];
  const tagsOf = (id: string): CustomerTagJson[] => {
    const tags = wc(id)?.tags;
    return tags ? expandTags(tags, d.wecom.tagNames) : [];
  };
  const selectCol = { id: 'select', header: () => <SelectAll />, cell: ({ row }: { row: { original: { id: string } } }) => <SelectCell id={row.original.id} /> };
  const wecomCols = [
    { id: 'tags', header: t('标签', 'Tags'), cell: ({ row }: { row: { original: { id: string } } }) => <TagChips tags={tagsOf(row.original.id)} max={3} /> },
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
  return { columns, legacyColumns, csvColumns, csvRows };
}
