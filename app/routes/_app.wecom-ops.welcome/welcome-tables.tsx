/** The welcome messages in force, the report per channel code, and the recent sends. */
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import { RowAction } from '~/components/wecom-ops/demo-action';
import type { WelcomeReportRow } from '~/lib/contracts/wecom-ops';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const STATUS: Record<string, [string, string, string]> = {
  sent: ['已发送', 'sent', 'good'],
  rejected: ['欢迎码已用或过期（41051）', 'code used or expired (41051)', 'warn'],
  expired: ['超过 20 秒未发送', 'older than 20 s, not sent', 'warn'],
  failed: ['发送失败', 'failed', 'bad'],
  no_message: ['未配置欢迎语', 'no message configured', ''],
  sending: ['发送中', 'sending', ''],
};
export const SCOPE: Record<string, [string, string]> = { default: ['默认', 'Default'], channel: ['渠道码', 'Channel code'], store: ['门店', 'Store'], clerk: ['导购', 'Clerk'] };

export interface MessageJson {
  id: string;
  scope: string;
  target: string | null;
  text: string;
  attachmentLines: string;
  sent: number;
}

export function MessagesTable({ rows }: { rows: MessageJson[] }) {
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<MessageJson, unknown>[] = [
    { id: 'scope', header: t('适用于', 'Applies to'), cell: ({ row: { original: m } }) => `${t(SCOPE[m.scope]![0], SCOPE[m.scope]![1])}${m.target ? ` · ${m.target}` : ''}` },
    { id: 'text', header: t('内容', 'Text'), cell: ({ row }) => <div style={{ whiteSpace: 'pre-wrap', maxWidth: 420 }}>{row.original.text}</div> },
    { id: 'attachments', header: t('附件', 'Attachments'), cell: ({ row }) => <div className="muted" style={{ whiteSpace: 'pre-wrap' }}>{row.original.attachmentLines || '—'}</div> },
    { id: 'sent', header: t('已发送', 'Sent'), meta: { className: 'num' }, cell: ({ row }) => f.number(row.original.sent) },
    { id: 'remove', header: '', cell: ({ row }) => <RowAction intent="remove" id={row.original.id}>{t('停用', 'Remove')}</RowAction> },
  ];
  return (
    <div data-testid="welcome-messages">
      <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => r.id} empty={t('还没有欢迎语：先设置一条默认欢迎语。', 'No welcome message yet: start with a default.')} />
    </div>
  );
}

export function ReportTable({ rows }: { rows: WelcomeReportRow[] }) {
  const t = useT();
  const f = useFormat();
  const n = (key: 'added' | 'welcomed' | 'first_purchase_30d', zh: string, en: string, testId: string): ColumnDef<WelcomeReportRow, unknown> => ({
    id: key,
    header: t(zh, en),
    meta: { className: 'num' },
    cell: ({ row }) => <span data-testid={testId}>{f.number(row.original[key])}</span>,
  });
  const columns: ColumnDef<WelcomeReportRow, unknown>[] = [
    { id: 'channel', header: t('渠道码', 'Channel code'), cell: ({ row: { original: r } }) => (<>{r.channel} <code className="muted">{r.state}</code></>) },
    n('added', '添加客户', 'Added', 'added'),
    n('welcomed', '已发欢迎语', 'Welcomed', 'welcomed'),
    n('first_purchase_30d', '30 天内购买', 'Bought within 30 days', 'first-purchase'),
    { id: 'rate', header: t('30 天转化率', '30-day conversion'), meta: { className: 'num' }, cell: ({ row: { original: r } }) => (r.added > 0 ? f.percent(r.first_purchase_30d / r.added) : '—') },
  ];
  return (
    <div data-testid="welcome-report">
      <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => r.channel_id} rowProps={(r) => ({ 'data-channel': r.state })} />
    </div>
  );
}

export interface SendJson {
  id: number;
  received_at: string;
  customer: string | null;
  external_userid: string;
  clerk: string | null;
  channel: string | null;
  status: string;
  text: string | null;
  error: string | null;
}

export function SendsTable({ rows }: { rows: SendJson[] }) {
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<SendJson, unknown>[] = [
    { id: 'received_at', header: t('时间', 'Time'), cell: ({ row }) => f.dateTime(row.original.received_at) },
    { id: 'customer', header: t('客户', 'Customer'), cell: ({ row: { original: s } }) => s.customer ?? <code>{s.external_userid.slice(0, 10)}…</code> },
    { id: 'clerk', header: t('导购', 'Clerk'), cell: ({ row }) => row.original.clerk ?? '—' },
    { id: 'channel', header: t('渠道码', 'Channel'), cell: ({ row }) => row.original.channel ?? '—' },
    {
      id: 'status',
      header: t('结果', 'Result'),
      cell: ({ row: { original: s } }) => <span className={`badge ${STATUS[s.status]?.[2] ?? ''}`}>{t(STATUS[s.status]?.[0] ?? s.status, STATUS[s.status]?.[1] ?? s.status)}</span>,
    },
    { id: 'text', header: t('内容', 'Text'), cell: ({ row: { original: s } }) => <div className="muted" style={{ whiteSpace: 'normal', maxWidth: 360 }}>{s.text ?? s.error ?? ''}</div> },
  ];
  return (
    <div data-testid="welcome-sends">
      <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => String(r.id)} />
    </div>
  );
}
