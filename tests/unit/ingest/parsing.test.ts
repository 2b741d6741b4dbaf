import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { hashMobile, mobileHashKey, mobileIdentity } from '../../../server/customers/mobile-identity';
import { csvLine } from '../../../app/lib/csv';
import { CsvSplitter } from '../../../server/ingest/csv';
import { detectDelimiter, detectEncoding, detectFormat, isValidUtf8 } from '../../../server/ingest/detect';
import { maskMobile, normalizeMobile } from '../../../server/tenancy/mobile';
import { lineAmountFen, normalizeChannel, normalizeMemberNo, parseDateTime, parseScaled } from '../../../server/ingest/values';

const split = (text: string, d = ',', pieces = 1) => {
  const rows: [number, string[]][] = [];
  const s = new CsvSplitter(d, (v, line) => rows.push([line, v]));
  const step = Math.max(1, Math.ceil(text.length / pieces));
  for (let i = 0; i < text.length; i += step) s.push(text.slice(i, i + step));
  s.end();
  return rows;
};

describe('encoding detection', () => {
  it('reads plain UTF-8 (also when the sample cuts a character in half)', () => {
    const b = Buffer.from('门店,金额\nS1,12.5\n上海店', 'utf8');
    expect(detectEncoding(b)).toEqual({ encoding: 'utf8', bom: 0 });
    expect(detectEncoding(b.subarray(0, b.length - 1))).toEqual({ encoding: 'utf8', bom: 0 });
  });
  it('recognises the UTF-8 BOM and the UTF-16LE BOM of Excel "Unicode text"', () => {
    expect(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b')]))).toEqual({ encoding: 'utf8', bom: 3 });
    expect(detectEncoding(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode('a\tb', 'utf-16le')]))).toEqual({ encoding: 'utf16le', bom: 2 });
  });
  it('reads GBK-encoded Chinese as GB18030', () => {
    const gbk = iconv.encode('订单号,门店名称,金额\nA1,上海万达广场店,99.00\n', 'gbk');
    expect(isValidUtf8(gbk)).toBe(false);
    expect(detectEncoding(gbk)).toEqual({ encoding: 'gb18030', bom: 0 });
    expect(iconv.decode(gbk, 'gb18030')).toContain('上海万达广场店');
  });
});

describe('delimiter and format detection', () => {
  it.each([
    [',', 'a,b,c\n1,2,3\n4,5,6\n'],
    [';', 'a;b;c\n1,5;2;3\n4;5;6\n'],
    ['\t', 'a\tb\tc\n1\t2\t3\n'],
    ['|', 'a|b|c\n1|2|3\n'],
  ])('detects %j', (d, text) => expect(detectDelimiter(text)).toBe(d));
  it('ignores delimiters inside quotes', () => {
    expect(detectDelimiter('name;amount\n"Smith, John";12\n"Lee, A";3\n')).toBe(';');
  });
  it('tells XLSX and gzip from the name or magic bytes', () => {
    expect(detectFormat('orders.xlsx')).toEqual({ format: 'xlsx', compression: null });
    expect(detectFormat('orders.csv.gz')).toEqual({ format: 'csv', compression: 'gzip' });
    expect(detectFormat('upload.bin', Buffer.from([0x50, 0x4b, 0x03, 0x04]))).toEqual({ format: 'xlsx', compression: null });
    expect(detectFormat('orders.txt')).toEqual({ format: 'csv', compression: null });
  });
});

describe('CSV splitting', () => {
  it('handles quotes, doubled quotes, CRLF and blank lines with physical line numbers', () => {
    const text = 'a,b\r\n"x, y","he said ""hi"""\r\n\r\n"multi\nline",z\r\nlast,5" pipe\r\n';
    for (const pieces of [1, 3, text.length]) {
      expect(split(text, ',', pieces)).toEqual([
        [1, ['a', 'b']],
        [2, ['x, y', 'he said "hi"']],
        [4, ['multi\nline', 'z']],
        [6, ['last', '5" pipe']],
      ]);
    }
  });
  it('keeps a final line without newline and writes fields back safely', () => {
    expect(split('a;b\n1;2', ';')).toEqual([
      [1, ['a', 'b']],
      [2, ['1', '2']],
    ]);
    expect(csvLine(['a,b', 'q"t', 3, null])).toBe('"a,b","q""t",3,\r\n');
  });
});

describe('values', () => {
  it('parses timestamps in the usual export formats, local or with offset', () => {
    expect(parseDateTime('2024-03-05 14:30:05')?.text).toBe('2024-03-05 14:30:05');
    expect(parseDateTime('2024/3/5 9:05')?.text).toBe('2024-03-05 09:05:00');
    expect(parseDateTime('2024年3月5日 14:30')?.text).toBe('2024-03-05 14:30:00');
    expect(parseDateTime('2024-03-05')?.text).toBe('2024-03-05 00:00:00');
    expect(parseDateTime('20240305143005')?.text).toBe('2024-03-05 14:30:05');
    expect(parseDateTime('2024-03-05T14:30:00+08:00')?.text).toBe('2024-03-05 06:30:00+00:00');
    expect(parseDateTime('2024-03-05T06:30:00Z')?.text).toBe('2024-03-05 06:30:00+00:00');
    expect(parseDateTime('45356.5')?.text).toBe('2024-03-05 12:00:00');
  });
  it('refuses impossible dates and garbage', () => {
    for (const s of ['2023-02-29 10:00:00', '2024-13-01', '2024-04-31', '2024-03-05 24:00', 'yesterday', '', '1899-01-01']) expect(parseDateTime(s), s).toBeNull();
  });
  it('parses money exactly, rounding half away from zero to the fen', () => {
    expect(parseScaled('12.5', 4)).toBe(125000);
    expect(parseScaled('¥1,234.50', 4)).toBe(12345000);
    expect(parseScaled('-0.835', 4)).toBe(-8350);
    expect(parseScaled('(3.20)', 2)).toBe(-320);
    expect(parseScaled('abc', 4)).toBeNull();
    expect(parseScaled('1.2.3', 4)).toBeNull();
    expect(lineAmountFen(3000, 8350)).toBe(251); // 3 × 0.835 = 2.505 → 2.51
    expect(lineAmountFen(-3000, 8350)).toBe(-251);
    expect(lineAmountFen(6000, 25500)).toBe(1530); // 6 × 2.55
  });
  it('normalises member numbers and channels', () => {
    expect(normalizeMemberNo(' 17850.0 ')).toBe('17850');
    expect(normalizeMemberNo('007')).toBe('007');
    expect(normalizeMemberNo('VIP.0')).toBe('VIP.0');
    expect(normalizeChannel('小程序', 'pos')).toBe('mini_program');
    expect(normalizeChannel('天猫旗舰店', 'pos')).toBe('ecommerce');
    expect(normalizeChannel('美团', 'pos')).toBe('group_buy');
    expect(normalizeChannel('', 'ecommerce')).toBe('ecommerce');
    expect(normalizeChannel('fax', 'pos')).toBe('other');
  });
});

describe('mobile identities', () => {
  const key = mobileHashKey(Buffer.alloc(32, 1).toString('base64'));
  it('normalises +86, spaces and dashes and masks for display', () => {
    expect(normalizeMobile('+86 138-0013-8000')).toBe('13800138000');
    expect(normalizeMobile('0086 13800138000')).toBe('13800138000');
    expect(normalizeMobile('8613800138000')).toBe('13800138000');
    expect(normalizeMobile('12345')).toBeNull();
    expect(maskMobile('13800138000')).toBe('138****8000');
  });
  it('hashes with a key: same number same value, another key another value, never the clear number', () => {
    const a = mobileIdentity(key, '+86 138 0013 8000');
    const b = mobileIdentity(key, '13800138000');
    expect(a).toEqual(b);
    expect(a?.masked).toBe('138****8000');
    expect(a?.hash).not.toContain('13800138000');
    expect(hashMobile(mobileHashKey(Buffer.alloc(32, 2).toString('base64')), '13800138000')).not.toBe(a?.hash);
    expect(mobileIdentity(key, 'n/a')).toBeNull();
  });
});
