/** Progress of the user's "all matching customers" bulk tag actions. */
import { useT } from '~/lib/i18n';
import { useRevalidateWhile } from '~/lib/use-revalidate-while';
import type { CustomersData } from './route';

const ACTION_LABELS: Record<string, [string, string]> = { tag_add: ['批量打标签', 'Add tag'], tag_remove: ['批量移除标签', 'Remove tag'] };

/** Progress of the user's "all matching customers" actions; the list re-reads it while one is running. */
export function ListActions({ actions }: { actions: CustomersData['listActions'] }) {
  const t = useT();
  useRevalidateWhile(actions.some((a) => a.status === 'queued' || a.status === 'running'));
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
