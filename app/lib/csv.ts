/**
 * The one CSV writer of the app (client-safe: imports nothing, so the browser's chart/table exports and the
 * server's files — the import error report, the demo and benchmark order files — share it): RFC 4180 quoting,
 * CRLF line ends, and a guard against spreadsheet formula injection. A text cell that a spreadsheet would run as
 * a formula (it starts with = + - @, a tab or a carriage return) is written with a leading apostrophe, so Excel
 * and WPS show it as text; plain numbers (-3, +1.5) are not formulas and stay as they are. Downloads add a BOM so
 * Excel reads UTF-8.
 */
export interface CsvColumn {
  key: string;
  label: string;
}

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field: formula-guarded, quoted when needed (delimiters, quotes, line breaks, edge whitespace); a NUL
 * (which spreadsheet apps choke on) is written as U+FFFD. */
export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (s.indexOf('\u0000') >= 0) s = s.replace(/\u0000/g, '\ufffd');
  const safe = typeof v === 'string' && FORMULA_START.test(s) && !PLAIN_NUMBER.test(s) ? `'${s}` : s;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One CSV record with its CRLF line end. */
export function csvLine(values: readonly CsvValue[]): string {
  let out = '';
  for (let i = 0; i < values.length; i++) out += (i ? ',' : '') + csvField(values[i]);
  return out + '\r\n';
}

export function toCsv(columns: readonly CsvColumn[], rows: readonly Record<string, CsvValue>[]): string {
  return csvLine(columns.map((c) => c.label)) + rows.map((r) => csvLine(columns.map((c) => r[c.key]))).join('');
}

/**
 * A CSV download written as its rows arrive (BOM, header, then each chunk's records): for files too large to build
 * in memory. The reader pulls, so rows are read no faster than they are sent; cancelling stops the source, and so
 * does a reader that has not pulled for `stallMs` (a client that stopped reading but keeps its connection open must
 * not hold the source — a database cursor and its transaction — for hours).
 */
export function csvStream<R>(columns: readonly CsvColumn[], chunks: AsyncIterable<R[]>, toRecord: (row: R) => Record<string, CsvValue>, stallMs = 60_000): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const source = chunks[Symbol.asyncIterator]();
  let headed = false;
  let stall: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(stall);
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      stop();
      if (!headed) {
        headed = true;
        controller.enqueue(encoder.encode('\uFEFF' + csvLine(columns.map((c) => c.label))));
      } else {
        const next = await source.next();
        if (next.done) return controller.close();
        let text = '';
        for (const row of next.value) {
          const r = toRecord(row);
          text += csvLine(columns.map((c) => r[c.key]));
        }
        controller.enqueue(encoder.encode(text));
      }
      stall = setTimeout(() => {
        controller.error(new Error(`CSV download stalled: nothing read for ${stallMs / 1000} s`));
        void source.return?.();
      }, stallMs);
    },
    async cancel() {
      stop();
      await source.return?.();
    },
  });
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
