/** Step 2: the first rows of the uploaded file as Huike read them (format, encoding, delimiter). */
import type { SerializeFrom } from '@remix-run/node';
import { useT } from '~/lib/i18n';
import type { loader } from './route';

type Draft = NonNullable<SerializeFrom<typeof loader>['draft']>;

export function DraftPreview({ draft: d }: { draft: Draft }) {
  const t = useT();
  const delimiterName = d.delimiter === '\t' ? t('制表符', 'tab') : d.delimiter === ';' ? t('分号', 'semicolon') : d.delimiter === '|' ? t('竖线', 'pipe') : t('逗号', 'comma');
  return (
    <div className="card">
      <h2>{t('2. 预览', '2. Preview')}: {d.fileName}</h2>
      <p className="muted">
        {d.format === 'xlsx' ? 'Excel (XLSX)' : `CSV · ${d.encoding === 'gb18030' ? 'GBK/GB18030' : d.encoding === 'utf16le' ? 'UTF-16' : 'UTF-8'} · ${delimiterName}`} ·{' '}
        {t(`${d.header.length} 列`, `${d.header.length} columns`)}
      </p>
      <div className="data-table">
        <table>
          <thead>
            <tr>
              {d.header.map((h, i) => (
                <th key={i}>{h}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {d.preview.map((r, i) => (
              <tr key={i}>
                {d.header.map((_, j) => (
                  <td key={j}>{r[j] ?? ''}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
