/** A CSV export button for a plain table. */
import { downloadCsv, type CsvColumn, type CsvValue } from '~/lib/csv';
import { useT } from '~/lib/i18n';

export function CsvButton({ fileName, columns, rows }: { fileName: string; columns: CsvColumn[]; rows: Record<string, CsvValue>[] }) {
  const t = useT();
  return (
    <button type="button" className="link-button" onClick={() => downloadCsv(fileName, columns, rows)} disabled={rows.length === 0}>
      {t('导出 CSV', 'Export CSV')}
    </button>
  );
}
