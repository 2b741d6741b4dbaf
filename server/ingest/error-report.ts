/**
 * The import's error report: a CSV (UTF-8 with BOM for Excel) of every rejected line in the file's line order —
 * line number, the file's own column name, reason code, bilingual message, then the original row under the file's
 * own headers. The read phase writes the lines rejected row by row; the report phase merges in the lines of orders
 * the SQL checks rejected (unknown stores, lines that disagree …), still in line order. The result page shows the
 * first rejected lines from the same file.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import { csvLine } from '../../app/lib/csv';
import type { Services } from '../services';
import { resolveColumns, type OrderField, type OrderMapping } from './mapping';
import { openRowSource, type FileShape, type RowSource, type SourceRow } from './reader';
import { reasonMessage } from './validate';

export const REPORT_COLUMNS = ['行号 line', '列 column', '原因 reason', '说明 message'] as const;

const REPORT_SHAPE: FileShape = { format: 'csv', compression: null, encoding: 'utf8', delimiter: ',' };

export function errorReportPath(services: Services, tenantId: string, importId: string): string {
  return path.join(services.config.DATA_DIR, 'imports', tenantId, `${importId}.errors.csv`);
}

/** The report's first line: BOM, the fixed columns, then the file's own headers. */
export function reportHead(fileHeader: readonly string[]): string {
  return '\ufeff' + csvLine([...REPORT_COLUMNS, ...fileHeader]);
}

/**
 * Names the merge's reject columns (field ids such as `paid_at`, or `customer` for the identities) by the file's
 * own headers, e.g. 支付时间 or 会员号 / 手机号.
 */
export function fileColumnNamer(mapping: OrderMapping, header: readonly string[]): (field: string | null) => string {
  const idx = resolveColumns(mapping, header);
  const name = (f: OrderField): string | null => (idx[f] === undefined ? null : header[idx[f]!]!);
  const identities = (['external_userid', 'unionid', 'member_no', 'mobile', 'openid'] as const).map(name).filter((n): n is string => n !== null);
  return (field) => {
    if (field === null) return '';
    if (field === 'customer') return identities.join(' / ');
    if (field === 'amount') return name('amount') ?? [name('quantity'), name('unit_price')].filter((n) => n !== null).join(' / ');
    return name(field as OrderField) ?? field;
  };
}

async function* rowsOf(src: RowSource): AsyncGenerator<SourceRow, void, undefined> {
  for await (const batch of src.batches) yield* batch;
}

export interface SqlRejectGroup {
  reason: string;
  column: string | null;
  /** Source line numbers, ascending. */
  lines: number[];
}

/**
 * Merges the lines of orders the SQL checks rejected into the report, keeping the file's line order. The report's
 * first `partBytes` bytes are the read phase's part; the merged report is written beside it (`.tmp`) and only
 * renamed over it by `commitMergedReport` after the caller has checkpointed, so a crash at any point redoes the
 * merge from the same part. Returns the merged report's size.
 */
export async function mergeRejectedOrders(
  errPath: string,
  partBytes: number,
  source: { path: string; shape: FileShape },
  groups: SqlRejectGroup[],
  columnName: (field: string | null) => string,
): Promise<number> {
  if (existsSync(errPath)) truncateSync(errPath, partBytes);
  const wanted = new Map<number, { reason: string; column: string }[]>();
  for (const g of groups) for (const l of g.lines) wanted.set(l, [...(wanted.get(l) ?? []), { reason: g.reason, column: columnName(g.column) }]);
  const tmp = `${errPath}.tmp`;
  const fd = openSync(tmp, 'w');
  const file = await openRowSource(source.path, source.shape);
  const part = await openRowSource(errPath, REPORT_SHAPE);
  let bytes = 0;
  let buf = reportHead(file.header);
  const flush = (force: boolean) => {
    if (!buf || (!force && buf.length < 1_048_576)) return;
    bytes += writeSync(fd, buf);
    buf = '';
  };
  try {
    const fromPart = rowsOf(part);
    let next = await fromPart.next();
    let left = wanted.size;
    for await (const r of rowsOf(file)) {
      if (left === 0) break;
      const rejects = wanted.get(r.line);
      if (!rejects) continue;
      left--;
      while (!next.done && Number(next.value.values[0]) < r.line) {
        buf += csvLine(next.value.values);
        flush(false);
        next = await fromPart.next();
      }
      for (const x of rejects) {
        // an unknown store or clerk: the message names the value, e.g. 门店不存在 / unknown store code: "S999"
        const at = x.reason === 'unknown_store' || x.reason === 'unknown_clerk' ? file.header.indexOf(x.column) : -1;
        const detail = at >= 0 && r.values[at] ? JSON.stringify(r.values[at]!.trim()) : undefined;
        buf += csvLine([r.line, x.column, x.reason, reasonMessage(x.reason, detail), ...r.values]);
      }
      flush(false);
    }
    while (!next.done) {
      buf += csvLine(next.value.values);
      flush(false);
      next = await fromPart.next();
    }
    flush(true);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    await file.close();
    await part.close();
  }
  return bytes;
}

/** Puts a merged report in place (idempotent: nothing to do when it already is). */
export function commitMergedReport(errPath: string): void {
  const tmp = `${errPath}.tmp`;
  if (existsSync(tmp)) renameSync(tmp, errPath);
}

export interface RejectedLine {
  line: number;
  column: string;
  reason: string;
  message: string;
  values: string[];
}

/** The first rejected lines of a report (in the file's line order) and the file's headers, for the result page. */
export async function readRejectedLines(errPath: string | null, limit: number): Promise<{ header: string[]; rows: RejectedLine[] }> {
  if (!errPath || !existsSync(errPath) || statSync(errPath).size === 0) return { header: [], rows: [] };
  const src = await openRowSource(errPath, REPORT_SHAPE, { batchSize: limit });
  const rows: RejectedLine[] = [];
  try {
    for await (const r of rowsOf(src)) {
      const [line, column, reason, message, ...values] = r.values;
      rows.push({ line: Number(line), column: column ?? '', reason: reason ?? '', message: message ?? '', values });
      if (rows.length >= limit) break;
    }
  } finally {
    await src.close();
  }
  return { header: src.header.slice(REPORT_COLUMNS.length), rows };
}
