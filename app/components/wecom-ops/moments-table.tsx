/** Enterprise moments with who posted, whom they reached, likes and comments, and orders within 7 days. */
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { RowAction } from '~/components/wecom-ops/demo-action';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const STATUS: Record<string, [string, string, string]> = {
  creating: ['创建中', 'creating', 'warn'],
  active: ['进行中', 'active', 'good'],
  cancelled: ['已取消', 'cancelled', ''],
  failed: ['失败', 'failed', 'bad'],
};

export interface MomentJson {
  id: string;
  created_at: string;
  created_by_label: string;
  text: string;
  status: string;
  error: string | null;
  invalid_senders: string[];
  invalid_tags: string[];
  clerks: number;
  posted: number;
  reached: number;
  unreached: number;
  likes: number;
  comments: number;
  orders_7d: number;
  reached_buyers_7d: number;
  unreached_buyers_7d: number;
}

export function MomentsTable({ rows }: { rows: MomentJson[] }) {
  const t = useT();
  const f = useFormat();
  const pct = (n: number, d: number) => (d > 0 ? f.percent(n / d) : '—');
  const columns: ColumnDef<MomentJson, unknown>[] = [
    { id: 'created_at', header: t('创建', 'Created'), cell: ({ row: { original: m } }) => (<>{f.dateTime(m.created_at)}<div className="muted">{m.created_by_label}</div></>) },
    { id: 'text', header: t('内容', 'Text'), cell: ({ row }) => <div style={{ whiteSpace: 'normal', minWidth: 240, maxWidth: 380 }}>{row.original.text || '—'}</div> },
    {
      id: 'status',
      header: t('状态', 'Status'),
      cell: ({ row: { original: m } }) => (
        <>
          <span className={`badge ${STATUS[m.status]?.[2] ?? ''}`}>{t(STATUS[m.status]?.[0] ?? m.status, STATUS[m.status]?.[1] ?? m.status)}</span>
          {m.error ? <div className="muted">{m.error}</div> : null}
          {m.invalid_senders.length ? <div className="muted">{t(`无效导购 ${m.invalid_senders.length} 位`, `${m.invalid_senders.length} invalid senders`)}</div> : null}
          {m.invalid_tags.length ? <div className="muted">{t(`无效标签 ${m.invalid_tags.length} 个`, `${m.invalid_tags.length} invalid tags`)}</div> : null}
        </>
      ),
    },
    { id: 'posted', header: t('已发表 / 导购', 'Posted / clerks'), meta: { className: 'num' }, cell: ({ row: { original: m } }) => <span data-testid="posted">{f.number(m.posted)} / {f.number(m.clerks)}</span> },
    { id: 'reached', header: t('触达客户', 'Reached'), meta: { className: 'num' }, cell: ({ row }) => <span data-testid="reached">{f.number(row.original.reached)}</span> },
    { id: 'likes', header: t('点赞 / 评论', 'Likes / comments'), meta: { className: 'num' }, cell: ({ row: { original: m } }) => `${f.number(m.likes)} / ${f.number(m.comments)}` },
    { id: 'orders_7d', header: t('7 天订单', 'Orders in 7 days'), meta: { className: 'num' }, cell: ({ row }) => <span data-testid="orders-7d">{f.number(row.original.orders_7d)}</span> },
    { id: 'buyers', header: t('7 天购买率：触达 vs 未触达', '7-day buyers: reached vs not'), meta: { className: 'num' }, cell: ({ row: { original: m } }) => `${pct(m.reached_buyers_7d, m.reached)} vs ${pct(m.unreached_buyers_7d, m.unreached)}` },
    {
      id: 'actions',
      header: '',
      cell: ({ row: { original: m } }) =>
        m.status === 'active' ? (
          <div style={{ display: 'flex', gap: '.25rem' }}>
            <RowAction intent="sync" id={m.id}>{t('同步', 'Sync')}</RowAction>
            <RowAction intent="cancel" id={m.id}>{t('取消未发表', 'Cancel the rest')}</RowAction>
          </div>
        ) : null,
    },
  ];
  return (
    <div data-testid="moments">
      <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => r.id} rowProps={() => ({ 'data-testid': 'moment-row' })} empty={t('还没有朋友圈任务。', 'No moments yet.')} />
    </div>
  );
}
