/**
 * Streaming row sources for order files: CSV/TSV (optionally gzip-compressed) in UTF-8, UTF-8 with BOM, GB18030
 * (GBK) or UTF-16LE, and XLSX through exceljs' streaming WorkbookReader. Rows arrive in batches with their line
 * numbers; memory stays flat whatever the file size (one read buffer plus one batch).
 */
import { createReadStream, promises as fsp, type ReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import iconv from 'iconv-lite';
import { ValidationError } from '../lib/errors';
import { CsvSplitter, MAX_RECORD_CHARS, RecordTooLongError } from './csv';
import { detectDelimiter, detectFormat, resolveEncoding, type Delimiter, type EncodingOption, type FileEncoding, type FileFormat } from './detect';
import { fromWallClock } from './values';
import { checkXlsxFile, checkZipDirectory, readZipDirectory } from './xlsx-guard';

export interface SourceRow {
  line: number;
  values: string[];
  /** Set when a value holds a NUL character (which PostgreSQL text cannot store). */
  nul?: true;
}

export interface FileShape {
  format: FileFormat;
  compression: 'gzip' | null;
  encoding: FileEncoding | null;
  delimiter: Delimiter | null;
}

export interface RowSource {
  header: string[];
  /** Data rows after the header, in batches. */
  batches: AsyncGenerator<SourceRow[], void, undefined>;
  /** Bytes of the file read so far (compressed bytes for .gz), for progress. */
  bytesRead(): number;
  close(): Promise<void>;
}

export class FileReadError extends ValidationError {}

const SAMPLE_BYTES = 64 * 1024;
/** Columns a header may have (an order export has a few dozen). */
export const MAX_COLUMNS = 1000;

/** Refuses a header wider than MAX_COLUMNS (closing the file first). */
function checkHeaderWidth(header: readonly string[], file: { destroy(): void }): void {
  if (header.length <= MAX_COLUMNS) return;
  file.destroy();
  throw new FileReadError(`表头有 ${header.length} 列，超过上限 ${MAX_COLUMNS} / The header has ${header.length} columns, over the limit of ${MAX_COLUMNS}`);
}

async function readHead(path: string, bytes: number, gzip: boolean): Promise<Buffer> {
  const stream: Readable = gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path, { end: bytes - 1 });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const c of stream) {
      const b = c as Buffer;
      chunks.push(b);
      total += b.length;
      if (total >= bytes) break;
    }
  } catch (e) {
    throw new FileReadError(`无法读取文件 / Cannot read the file: ${(e as Error).message}`);
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

/** Detects format, compression, encoding and delimiter from the file name and its first 64 KB. */
export async function detectFileShape(path: string, fileName: string, encodingOption: EncodingOption = 'auto', delimiterOption?: Delimiter): Promise<FileShape> {
  let stat;
  try {
    stat = await fsp.stat(path);
  } catch {
    throw new FileReadError(`文件不存在 / File not found: ${fileName}`);
  }
  if (!stat.isFile()) throw new FileReadError(`不是文件 / Not a file: ${fileName}`);
  if (stat.size === 0) throw new FileReadError(`文件为空 / The file is empty: ${fileName}`);
  const head = await readHead(path, 8, false);
  const { format, compression } = detectFormat(fileName, head);
  if (format === 'xlsx') {
    await checkXlsxFile(path);
    return { format, compression: null, encoding: null, delimiter: null };
  }
  const sample = await readHead(path, SAMPLE_BYTES, compression === 'gzip');
  if (sample.includes(0) && !(sample[0] === 0xff && sample[1] === 0xfe) && encodingOption !== 'utf16le') {
    throw new FileReadError(`不是文本或 Excel 文件 / Not a CSV/text or XLSX file: ${fileName}`);
  }
  const enc = resolveEncoding(encodingOption, sample);
  const text = decodeAll(sample.subarray(enc.bom), enc.encoding);
  return { format, compression, encoding: enc.encoding, delimiter: delimiterOption ?? detectDelimiter(text) };
}

function decodeAll(b: Buffer, enc: FileEncoding): string {
  if (enc === 'utf8') return new StringDecoder('utf8').write(b);
  return iconv.decode(b, enc === 'gb18030' ? 'gb18030' : 'utf-16le');
}

interface Decoder {
  write(b: Buffer): string;
  end(): string;
}
function makeDecoder(enc: FileEncoding): Decoder {
  if (enc === 'utf8') {
    const d = new StringDecoder('utf8');
    return { write: (b) => d.write(b), end: () => d.end() };
  }
  const d = iconv.getDecoder(enc === 'gb18030' ? 'gb18030' : 'utf-16le');
  return { write: (b) => d.write(b), end: () => d.end() ?? '' };
}

/** Opens the file and reads its header row. Throws a FileReadError for unreadable or empty files. */
export async function openRowSource(path: string, shape: FileShape, opts: { batchSize?: number } = {}): Promise<RowSource> {
  return shape.format === 'xlsx' ? openXlsx(path, opts.batchSize ?? 2000) : openCsv(path, shape, opts.batchSize ?? 2000);
}

async function openCsv(path: string, shape: FileShape, _batchSize: number): Promise<RowSource> {
  // 64 KB reads: ~600 lines of a batch alive at once (256 KB reads: 15–20 MB more at the 1M-line file's peak)
  const file = createReadStream(path, { highWaterMark: 1 << 16 });
  const bytesRead = countBytes(file);
  const input: Readable = shape.compression === 'gzip' ? file.pipe(createGunzip({ chunkSize: 1 << 16 })) : file;
  const decoder = makeDecoder(shape.encoding ?? 'utf8');
  let pending: SourceRow[] = [];
  const splitter = new CsvSplitter(shape.delimiter ?? ',', (values, line, nul) => {
    pending.push(nul ? { line, values, nul } : { line, values });
  });
  let first = true;
  const iterator = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  async function fill(): Promise<boolean> {
    const r = await iterator.next().catch((e: unknown) => {
      throw new FileReadError(`读取文件出错 / Error reading the file: ${(e as Error).message}`);
    });
    if (r.done) {
      splitter.push(decoder.end());
      splitter.end();
      return false;
    }
    let text = decoder.write(r.value);
    if (first) {
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    splitter.push(text);
    return true;
  }

  // header: the first non-empty row
  let more = true;
  try {
    while (pending.length === 0 && more) more = await fill();
  } catch (e) {
    file.destroy();
    throw e;
  }
  const headerRow = pending.shift();
  if (!headerRow) {
    file.destroy();
    throw new FileReadError('文件没有表头 / The file has no header row');
  }
  const header = headerRow.values.map((h) => h.trim());
  checkHeaderWidth(header, file);

  async function* batches(): AsyncGenerator<SourceRow[], void, undefined> {
    // the rows read with the header first, then one fill at a time
    for (;;) {
      if (pending.length) {
        const b = pending;
        pending = [];
        yield b;
      }
      if (!more) return;
      more = await fill();
    }
  }
  return fileRowSource(file, header, batches(), bytesRead);
}

/** Counts the bytes read from `file` as they flow (the compressed bytes of a .gz), for progress. */
function countBytes(file: ReadStream): () => number {
  let bytes = 0;
  file.on('data', (c) => {
    bytes += (c as Buffer).length;
  });
  return () => bytes;
}

/** A RowSource over an open file: the file is closed when the batches end, fail or are returned early, or on close(). */
function fileRowSource(file: ReadStream, header: string[], rows: AsyncGenerator<SourceRow[], void, undefined>, bytesRead: () => number): RowSource {
  async function* batches(): AsyncGenerator<SourceRow[], void, undefined> {
    try {
      yield* rows;
    } finally {
      file.destroy();
    }
  }
  return {
    header,
    batches: batches(),
    bytesRead,
    close: async () => {
      file.destroy();
    },
  };
}

/** A spreadsheet cell as text: dates as wall-clock timestamps, rich text joined, formulas by their result. */
export function cellToString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 1e6) / 1e6);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) {
    const p = fromWallClock(v);
    return p ? p.text : '';
  }
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((r) => r.text).join('');
    if ('result' in o) return cellToString(o.result);
    if (typeof o.text === 'string') return o.text;
    if ('error' in o) return '';
  }
  return String(v);
}

async function openXlsx(path: string, batchSize: number): Promise<RowSource> {
  // the cheap half of the bomb check (sizes the zip declares) on every open; registration also verified them
  checkZipDirectory(await readZipDirectory(path));
  // Loaded on first use (before the file starts flowing): exceljs and its dependencies are a third of the CLI's
  // start-up (`huike help`).
  const { default: ExcelJS } = await import('exceljs');
  const file = createReadStream(path, { highWaterMark: 1 << 20 });
  const bytesRead = countBytes(file);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(file, { sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', worksheets: 'emit', entries: 'emit' });
  const rowsOf = async function* (): AsyncGenerator<XRow, void, undefined> {
    for await (const sheet of reader) {
      for await (const row of sheet as unknown as AsyncIterable<XRow>) yield row;
      return; // first worksheet only
    }
  };
  const rows = rowsOf();
  const header = await readXlsxHeader(rows, file);
  return fileRowSource(file, header, xlsxBatches(rows, header.length, batchSize), bytesRead);
}

/** A worksheet row as exceljs streams it (`values` is 1-based). */
type XRow = { number: number; values: unknown };

/** A row's cells as trimmed text, at least `width` of them; refuses a row over MAX_RECORD_CHARS. */
function xlsxValues(r: XRow, width: number): string[] {
  const vals = Array.isArray(r.values) ? (r.values as unknown[]) : [];
  const out = new Array<string>(Math.max(width, vals.length - 1));
  let chars = 0;
  for (let i = 0; i < out.length; i++) chars += (out[i] = cellToString(vals[i + 1]).trim()).length;
  if (chars > MAX_RECORD_CHARS) throw new RecordTooLongError(r.number, MAX_RECORD_CHARS);
  return out;
}

function hasNul(values: string[]): boolean {
  for (const v of values) if (v.indexOf('\u0000') >= 0) return true;
  return false;
}

/** The header: the first non-empty row, without its trailing empty cells. Closes the file when there is none. */
async function readXlsxHeader(rows: AsyncGenerator<XRow, void, undefined>, file: ReadStream): Promise<string[]> {
  let header: string[] | null = null;
  try {
    for (;;) {
      const r = await rows.next();
      if (r.done) break;
      const vals = xlsxValues(r.value, 0);
      if (vals.some((v) => v !== '')) {
        header = vals;
        break;
      }
    }
  } catch (e) {
    file.destroy();
    throw new FileReadError(`无法读取 Excel 文件 / Cannot read the XLSX file: ${(e as Error).message}`);
  }
  if (!header) {
    file.destroy();
    throw new FileReadError('工作表没有表头 / The first worksheet has no header row');
  }
  // trailing empty header cells are not columns
  while (header.length && header[header.length - 1] === '') header.pop();
  checkHeaderWidth(header, file);
  return header;
}

/** The data rows after the header, in batches of `batchSize`; empty rows are skipped. */
async function* xlsxBatches(rows: AsyncGenerator<XRow, void, undefined>, width: number, batchSize: number): AsyncGenerator<SourceRow[], void, undefined> {
  let batch: SourceRow[] = [];
  for (;;) {
    let r: IteratorResult<XRow, void>;
    try {
      r = await rows.next();
    } catch (e) {
      throw new FileReadError(`读取 Excel 文件出错 / Error reading the XLSX file: ${(e as Error).message}`);
    }
    if (r.done) break;
    let values = xlsxValues(r.value, width);
    if (values.every((v) => v === '')) continue;
    // cells beyond the header that are empty are not extra columns
    if (values.length > width && values.slice(width).every((v) => v === '')) values = values.slice(0, width);
    batch.push(hasNul(values) ? { line: r.value.number, values, nul: true } : { line: r.value.number, values });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

export interface FilePreview extends FileShape {
  header: string[];
  rows: string[][];
}

/** Header and first rows, for the mapping form and the CLI's checks. */
export async function previewFile(path: string, fileName: string, opts: { encoding?: EncodingOption; delimiter?: Delimiter; rows?: number } = {}): Promise<FilePreview> {
  const shape = await detectFileShape(path, fileName, opts.encoding ?? 'auto', opts.delimiter);
  const src = await openRowSource(path, shape, { batchSize: opts.rows ?? 20 });
  const rows: string[][] = [];
  try {
    for await (const batch of src.batches) {
      for (const r of batch) {
        rows.push(r.values);
        if (rows.length >= (opts.rows ?? 20)) break;
      }
      if (rows.length >= (opts.rows ?? 20)) break;
    }
  } finally {
    await src.close();
  }
  return { ...shape, header: src.header, rows };
}
