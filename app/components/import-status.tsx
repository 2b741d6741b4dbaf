import { useT } from '~/lib/i18n';

/** The status of an import as a coloured badge (history table and progress page). */
export function StatusBadge({ status, phase }: { status: string; phase?: string | null }) {
  const t = useT();
  const label: Record<string, [string, string]> = {
    uploaded: ['待映射', 'Needs mapping'],
    queued: ['排队中', 'Queued'],
    running: [phase === 'merging' ? '合并中' : phase === 'reporting' ? '生成报告' : '导入中', phase === 'merging' ? 'Merging' : phase === 'reporting' ? 'Reporting' : 'Running'],
    done: ['已完成', 'Done'],
    failed: ['失败', 'Failed'],
    cancelled: ['已取消', 'Cancelled'],
  };
  const cls = status === 'done' ? 'badge good' : status === 'failed' ? 'badge bad' : status === 'cancelled' ? 'badge' : 'badge warn';
  const [zh, en] = label[status] ?? [status, status];
  return <span className={cls}>{t(zh, en)}</span>;
}
