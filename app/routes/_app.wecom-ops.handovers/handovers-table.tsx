/** The handovers with their outcome, and one handover's customers (the history that stays with them). */
import { Link } from '@remix-run/react';
import type { ColumnDef } from '@tanstack/react-table';
import { DataTable } from '~/components/data-table';
import type { HandoverReport, HandoverStatus } from '~/lib/contracts/wecom-ops';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';

const STATUS: Record<HandoverStatus, [string, string, string]> = {
  collecting: ['读取待分配客户', 'collecting', 'warn'],
  transferring: ['转接中', 'transferring', 'warn'],
  waiting: ['等待接替', 'waiting for takeover', 'warn'],
  done: ['已完成', 'done', 'good'],
  failed: ['失败', 'failed', 'bad'],
};
const CUSTOMER_STATUS: Record<string, [string, string]> = {
  pending: ['待转接', 'not sent yet'],
  waiting: ['等待接替', 'waiting'],
  kept: ['已接替', 'kept'],
  refused: ['客户拒绝', 'refused'],
  limit_reached: ['接替导购客户已满', 'takeover clerk at the limit'],
  failed: ['转接失败', 'failed'],
  skipped: ['未转接', 'skipped'],
};
const REASON: Record<string, [string, string]> = {
  protection_period: ['90 天保护期内', 'inside the 90-day protection period'],
  transfer_limit: ['在职继承已达 2 次', 'already transferred twice on the job'],
  in_progress: ['另一转接进行中', 'another transfer is in progress'],
};

export type HandoverJson = HandoverReport<string>;

export function HandoversTable({ rows }: { rows: HandoverJson[] }) {
  const t = useT();
  const f = useFormat();
  const pct = (n: number, d: number) => (d > 0 ? f.percent(n / d) : '—');
  const num = (key: keyof HandoverJson, zh: string, en: string, testId?: string): ColumnDef<HandoverJson, unknown> => ({
    id: key,
    header: t(zh, en),
    meta: { className: 'num' },
    cell: ({ row }) => <span data-testid={testId}>{f.number(row.original[key] as number)}</span>,
  });
  const columns: ColumnDef<HandoverJson, unknown>[] = [
    { id: 'created_at', header: t('时间', 'Started'), cell: ({ row }) => (<>{f.dateTime(row.original.created_at)}<div className="muted">{row.original.created_by_label}</div></>) },
    { id: 'kind', header: t('类型', 'Kind'), cell: ({ row }) => (row.original.kind === 'resigned' ? t('离职继承', 'Resigned') : t('在职继承', 'On the job')) },
    { id: 'clerks', header: t('原导购 → 接替导购', 'From → to'), cell: ({ row }) => (<>{row.original.from_clerk} → <strong>{row.original.to_clerk}</strong></>) },
    {
      id: 'status',
      header: t('状态', 'Status'),
      cell: ({ row }) => {
        const s = STATUS[row.original.status];
        return (<><span className={`badge ${s?.[2] ?? ''}`}>{t(s?.[0] ?? row.original.status, s?.[1] ?? row.original.status)}</span>{row.original.error ? <div className="muted">{row.original.error}</div> : null}</>);
      },
    },
    num('customers', '客户', 'Customers'),
    num('kept', '已接替', 'Kept', 'kept'),
    num('refused', '拒绝', 'Refused', 'refused'),
    num('waiting', '等待中', 'Waiting'),
    num('limit_reached', '达上限', 'Limit reached'),
    num('skipped', '跳过', 'Skipped'),
    { id: 'repurchase', header: t('复购：前 90 天 → 后 90 天', 'Bought: 90 d before → after'), meta: { className: 'num' }, cell: ({ row }) => `${pct(row.original.bought_before, row.original.kept)} → ${pct(row.original.bought_after, row.original.kept)}` },
    { id: 'detail', header: '', cell: ({ row }) => (<Link to={`?handover=${row.original.id}`} data-testid="handover-detail-link">{t('客户明细', 'Customers')}</Link>) },
  ];
  return (
    <div data-testid="handovers">
      <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => r.id} rowProps={() => ({ 'data-testid': 'handover-row' })} empty={t('还没有转接记录。', 'No handovers yet.')} />
    </div>
  );
}

export interface HandoverCustomerJson {
  external_userid: string;
  customer_id: string | null;
  name: string | null;
  status: string;
  reason: string | null;
  errcode: number | null;
  takeover_at: string | null;
  orders: number;
}

export function HandoverCustomersTable({ rows, handoverId }: { rows: HandoverCustomerJson[]; handoverId: string | null }) {
  const t = useT();
  const f = useFormat();
  const columns: ColumnDef<HandoverCustomerJson, unknown>[] = [
    {
      id: 'customer',
      header: t('客户', 'Customer'),
      cell: ({ row: { original: c } }) => (c.customer_id ? <Link to={`/customers/${c.customer_id}`}>{c.name ?? c.external_userid.slice(0, 10)}</Link> : <code>{c.external_userid.slice(0, 10)}…</code>),
    },
    {
      id: 'status',
      header: t('结果', 'Outcome'),
      cell: ({ row: { original: c } }) => (
        <>
          {t(CUSTOMER_STATUS[c.status]?.[0] ?? c.status, CUSTOMER_STATUS[c.status]?.[1] ?? c.status)}
          {c.reason ? <span className="muted"> · {t(REASON[c.reason]?.[0] ?? c.reason, REASON[c.reason]?.[1] ?? c.reason)}</span> : null}
          {c.errcode ? <span className="muted"> · {c.errcode}</span> : null}
        </>
      ),
    },
    { id: 'takeover_at', header: t('接替时间', 'Taken over'), cell: ({ row }) => (row.original.takeover_at ? f.dateTime(row.original.takeover_at) : '—') },
    { id: 'orders', header: t('历史订单', 'Orders'), meta: { className: 'num' }, cell: ({ row }) => f.number(row.original.orders) },
  ];
  return (
    <>
      <h2>{t('转接客户明细', 'Customers of this handover')}</h2>
      <div data-testid="handover-customers" data-handover={handoverId ?? undefined}>
        <DataTable columns={columns} data={rows} total={rows.length} paged={false} rowKey={(r) => r.external_userid} rowProps={(r) => ({ 'data-status': r.status })} />
      </div>
    </>
  );
}
