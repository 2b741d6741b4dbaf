/**
 * A chart with its data: every chart can switch to a table of the same rows and export them as CSV. The chart is
 * drawn client-side in a box of reserved height.
 */
import { useState, type ReactNode } from 'react';
import { downloadCsv, type CsvColumn, type CsvValue } from '~/lib/csv';
import { useT } from '~/lib/i18n';
import { ClientOnly } from './client-only';

export interface ChartData {
  fileName: string;
  columns: CsvColumn[];
  rows: Record<string, CsvValue>[];
  /** Formats a cell for the table view (the CSV keeps raw values). */
  format?: (key: string, value: CsvValue) => string;
}

export function ChartCard({
  title,
  subtitle,
  height = 280,
  data,
  children,
  actions,
  id,
  empty,
}: {
  title: string;
  subtitle?: ReactNode;
  height?: number;
  data: ChartData;
  children: () => ReactNode;
  actions?: ReactNode;
  id?: string;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: string | null;
}) {
  const t = useT();
  const [view, setView] = useState<'chart' | 'table'>('chart');
  return (
    <section className="card chart-card" data-chart={id ?? data.fileName}>
      <header className="chart-head">
        <div>
          <h2>{title}</h2>
          {subtitle ? <p className="muted chart-sub">{subtitle}</p> : null}
        </div>
        <div className="chart-tools">
          {actions}
          <button type="button" className="link-button" aria-pressed={view === 'table'} onClick={() => setView(view === 'chart' ? 'table' : 'chart')}>
            {view === 'chart' ? t('表格', 'Table') : t('图表', 'Chart')}
          </button>
          <button type="button" className="link-button" onClick={() => downloadCsv(data.fileName, data.columns, data.rows)} disabled={data.rows.length === 0}>
            {t('导出 CSV', 'Export CSV')}
          </button>
        </div>
      </header>
      {view === 'table' ? (
        <div className="chart-table" style={{ maxHeight: Math.max(height, 240) }}>
          <table>
            <thead>
              <tr>
                {data.columns.map((c) => (
                  <th key={c.key}>{c.label}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.rows.map((r, i) => (
                <tr key={i}>
                  {data.columns.map((c) => (
                    <td key={c.key}>{data.format ? data.format(c.key, r[c.key]) : (r[c.key] ?? '—')}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : empty ? (
        <div className="chart-empty muted" style={{ height }}>
          {empty}
        </div>
      ) : (
        <ClientOnly height={height} label={title}>
          {children}
        </ClientOnly>
      )}
    </section>
  );
}
