import { IMPORT_STATUS_LABELS, type ImportStatusId } from '~/lib/contracts/imports';
import { useT } from '~/lib/i18n';

/** The status of an import as a coloured badge (history table and progress page). */
export function StatusBadge({ status, phase }: { status: string; phase?: string | null }) {
  const t = useT();
  const running: [string, string] = [phase === 'merging' ? '合并中' : phase === 'reporting' ? '生成报告' : '导入中', phase === 'merging' ? 'Merging' : phase === 'reporting' ? 'Reporting' : 'Running'];
  const cls = status === 'done' ? 'badge good' : status === 'failed' ? 'badge bad' : status === 'cancelled' ? 'badge' : 'badge warn';
  const [zh, en] = status === 'running' ? running : (IMPORT_STATUS_LABELS[status as ImportStatusId] ?? [status, status]);
  return <span className={cls}>{t(zh, en)}</span>;
}
