import { describe, expect, it } from 'vitest';
import { CsvSplitter, MAX_RECORD_CHARS, RecordTooLongError } from '../../../server/ingest/csv';
import { checkZipDirectory, XLSX_LIMITS, type ZipEntry } from '../../../server/ingest/xlsx-guard';

/** Pushes `chunks` of `piece` until the splitter refuses; returns how many characters it had been given. */
function feedUntilRefused(first: string, piece: string, chunks: number): { given: number; error: unknown } {
  const s = new CsvSplitter(',', () => undefined);
  let given = 0;
  try {
    s.push(first);
    given += first.length;
    for (let i = 0; i < chunks; i++) {
      s.push(piece);
      given += piece.length;
    }
    s.end();
  } catch (e) {
    return { given, error: e };
  }
  return { given, error: null };
}

describe('CSV record limit', () => {
  const chunk = 'x'.repeat(64 * 1024);
  it('refuses a line without line breaks as soon as it passes the limit, naming the line', () => {
    const r = feedUntilRefused('a,b\n', chunk, 100); // 6.4 MB offered
    expect(r.error).toBeInstanceOf(RecordTooLongError);
    expect((r.error as RecordTooLongError).line).toBe(2);
    expect((r.error as Error).message).toContain('Line 2 is longer than 1024K characters');
    expect(r.given).toBeLessThanOrEqual(MAX_RECORD_CHARS + chunk.length + 4);
  });
  it('refuses an unclosed quote that swallows the rest of the file the same way', () => {
    const r = feedUntilRefused('a,b\n1,2\n"open,', 'y\n'.repeat(32 * 1024), 100);
    expect((r.error as RecordTooLongError).line).toBe(3);
    expect(r.given).toBeLessThanOrEqual(MAX_RECORD_CHARS + 2 * 64 * 1024);
  });
  it('accepts long but legal records and many short ones', () => {
    const rows: number[] = [];
    const s = new CsvSplitter(',', (_v, line) => rows.push(line));
    s.push('a,b\n' + 'z'.repeat(MAX_RECORD_CHARS - 10) + ',1\n');
    for (let i = 0; i < 50; i++) s.push('1,2\n'.repeat(10_000));
    s.end();
    expect(rows.length).toBe(2 + 500_000);
  });
});

describe('XLSX directory limits', () => {
  const entry = (name: string, size: number, extra: Partial<ZipEntry> = {}): ZipEntry => ({ name, size, compressedSize: 1000, method: 8, encrypted: false, localHeaderOffset: 0, ...extra });
  it('refuses oversized sheets, shared strings, totals, zip64 sizes and encrypted entries', () => {
    expect(() => checkZipDirectory([entry('xl/worksheets/sheet1.xml', 4_000_000_000)])).toThrow(/A worksheet unpacks to 3815 MB/);
    expect(() => checkZipDirectory([entry('xl/sharedStrings.xml', 300 * 1024 ** 2)])).toThrow(/shared strings unpack to 300 MB/);
    expect(() => checkZipDirectory([entry('xl/worksheets/sheet1.xml', 900 * 1024 ** 2), entry('xl/worksheets/sheet2.xml', 900 * 1024 ** 2)])).toThrow(/The XLSX file unpacks to 1800 MB/);
    expect(() => checkZipDirectory([entry('xl/worksheets/sheet1.xml', 0xffffffff)])).toThrow(/too large/);
    expect(() => checkZipDirectory([entry('xl/workbook.xml', 10, { encrypted: true })])).toThrow(/encrypted/);
    expect(() => checkZipDirectory([entry('xl/worksheets/sheet1.xml', XLSX_LIMITS.sheetBytes), entry('xl/sharedStrings.xml', 1000)])).not.toThrow();
  });
});

describe('NUL characters', () => {
  it('are flagged on the records that hold them, quoted or not, across chunks', () => {
    const rows: [number, boolean][] = [];
    const s = new CsvSplitter(',', (_v, line, nul) => rows.push([line, nul]));
    s.push('a,b\n1,2\n3,x\u0000y\n"q\u0000');
    s.push('",5\n6,7\n');
    s.end();
    expect(rows).toEqual([
      [1, false],
      [2, false],
      [3, true],
      [4, true],
      [5, false],
    ]);
  });
});
