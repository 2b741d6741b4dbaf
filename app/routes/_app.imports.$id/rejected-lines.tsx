/** The first rejected lines of a finished import with their reasons (the error report has them all). */
import type { SerializeFrom } from '@remix-run/node';
import { useFormat } from '~/lib/format';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Rejected = NonNullable<SerializeFrom<typeof loader>['rejected']>;

/** The first rejected lines with their reasons, in the file's line order, the row under the file's own headers. */
export function RejectedLines({ rejected, total }: { rejected: Rejected; total: number }) {
  const t = useT();
  const f = useFormat();
  const shown = rejected.rows.length;
  return (
    <div className="card">
      <h2>{t('被拒绝的行', 'Rejected rows')}</h2>
      <p className="muted">
        {shown < total
          ? t(`前 ${shown} 行（共 ${f.number(total)} 行，完整列表见错误报告）`, `The first ${shown} of ${f.number(total)} (the error report lists them all)`)
          : t(`共 ${shown} 行`, `${shown} in all`)}
      </p>
      <div className="data-table">
        <table aria-label={t('被拒绝的行', 'Rejected rows')}>
          <thead>
            <tr>
              <th>{t('行号', 'Line')}</th>
              <th>{t('列', 'Column')}</th>
              <th>{t('原因', 'Reason')}</th>
              {rejected.header.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rejected.rows.map((r) => (
              <tr key={`${r.line}:${r.reason}`} data-line={r.line}>
                <td>{r.line}</td>
                <td>{r.column || '—'}</td>
                <td>{r.message}</td>
                {rejected.header.map((_, i) => (
                  <td key={i}>{r.values[i] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
