/** CSV for the chart/table exports (client-safe): RFC 4180 quoting, CRLF line ends, a BOM so Excel reads UTF-8. */
export interface CsvColumn {
  key: string;
  label: string;
}

export type CsvValue = string | number | boolean | null | undefined;

function field(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // Guard against formula injection in spreadsheet apps.
  const safe = /^[=+\-@]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(columns: readonly CsvColumn[], rows: readonly Record<string, CsvValue>[]): string {
  return [columns.map((c) => field(c.label)).join(','), ...rows.map((r) => columns.map((c) => field(r[c.key])).join(','))].join('\r\n') + '\r\n';
}

/** Starts a download of the CSV in the browser. */
export function downloadCsv(fileName: string, columns: readonly CsvColumn[], rows: readonly Record<string, CsvValue>[]): void {
  const blob = new Blob(['\uFEFF' + toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName.endsWith('.csv') ? fileName : `${fileName}.csv`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
