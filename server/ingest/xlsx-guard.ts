/**
 * Limits for XLSX files, checked before exceljs reads a byte of XML (an XLSX is a zip: a few MB can hold a sheet
 * of many GB). Two checks, both linear:
 * - the zip's central directory (a few KB at the end of the file) names every entry with its compressed and
 *   declared uncompressed size: a sheet, the shared strings or the whole workbook above the limits, an encrypted
 *   entry, or an entry that is not deflate/stored is refused at once;
 * - declared sizes can lie, so on registration every entry is inflated once into a counter that stops as soon as
 *   the entry produces more than it declared (so at most the declared total is ever inflated).
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { createInflateRaw } from 'node:zlib';
import { ValidationError } from '../lib/errors';

export interface XlsxLimits {
  /** Declared uncompressed bytes of any one worksheet XML. */
  sheetBytes: number;
  /** Declared uncompressed bytes of xl/sharedStrings.xml (exceljs keeps the strings in memory). */
  sharedStringsBytes: number;
  /** Declared uncompressed bytes of all entries together. */
  totalBytes: number;
  /** Entries in the zip. */
  entries: number;
}

export const XLSX_LIMITS: XlsxLimits = { sheetBytes: 1024 ** 3, sharedStringsBytes: 256 * 1024 ** 2, totalBytes: 1.5 * 1024 ** 3, entries: 10_000 };

export class XlsxRefusedError extends ValidationError {}

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;
const U32_MAX = 0xffffffff;
const mb = (n: number) => `${Math.round(n / 1024 ** 2)} MB`;
const refuse = (zh: string, en: string) => new XlsxRefusedError(`${zh} / ${en}`);

/** Reads the zip's central directory (refusing malformed, zip64 and oversized directories). */
export async function readZipDirectory(path: string, limits: XlsxLimits = XLSX_LIMITS): Promise<ZipEntry[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 22 + 0xffff);
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let at = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) throw refuse('不是有效的 XLSX 文件', 'Not a valid XLSX file (no zip directory)');
    const count = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) throw refuse('Excel 文件过大（ZIP64）', 'The XLSX file is too large (zip64); save it as CSV');
    // a workbook's directory is a few KB (46 bytes and a name per entry): a huge one is not read into memory
    if (count > limits.entries || cdOffset + cdSize > size || cdSize > 32 * 1024 ** 2) throw refuse('不是有效的 XLSX 文件', 'Not a valid XLSX file (zip directory)');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    const entries: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CDH) throw refuse('不是有效的 XLSX 文件', 'Not a valid XLSX file (zip entry)');
      const nameLen = cd.readUInt16LE(p + 28);
      entries.push({
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
        method: cd.readUInt16LE(p + 10),
        encrypted: (cd.readUInt16LE(p + 8) & 1) === 1,
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localHeaderOffset: cd.readUInt32LE(p + 42),
      });
      p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
    }
    return entries;
  } finally {
    await fh.close();
  }
}

/** Refuses a workbook whose directory declares more than the limits allow. Pure. */
export function checkZipDirectory(entries: readonly ZipEntry[], limits: XlsxLimits = XLSX_LIMITS): void {
  let total = 0;
  for (const e of entries) {
    if (e.encrypted) throw refuse('Excel 文件已加密', 'The XLSX file is encrypted; save it without a password');
    if (e.method !== 0 && e.method !== 8) throw refuse('不支持的 XLSX 压缩方式', `Unsupported compression in the XLSX file (${e.name})`);
    if (e.size === U32_MAX || e.compressedSize === U32_MAX) throw refuse('Excel 文件过大', `The XLSX file is too large (${e.name}); save it as CSV`);
    total += e.size;
    if (/^xl\/worksheets\/[^/]+\.xml$/.test(e.name) && e.size > limits.sheetBytes) {
      throw refuse(`工作表解压后 ${mb(e.size)}，超过上限 ${mb(limits.sheetBytes)}，请另存为 CSV`, `A worksheet unpacks to ${mb(e.size)}, over the ${mb(limits.sheetBytes)} limit; save it as CSV`);
    }
    if (e.name === 'xl/sharedStrings.xml' && e.size > limits.sharedStringsBytes) {
      throw refuse(`共享字符串解压后 ${mb(e.size)}，超过上限 ${mb(limits.sharedStringsBytes)}，请另存为 CSV`, `The shared strings unpack to ${mb(e.size)}, over the ${mb(limits.sharedStringsBytes)} limit; save it as CSV`);
    }
  }
  if (total > limits.totalBytes) throw refuse(`Excel 文件解压后 ${mb(total)}，超过上限 ${mb(limits.totalBytes)}，请另存为 CSV`, `The XLSX file unpacks to ${mb(total)}, over the ${mb(limits.totalBytes)} limit; save it as CSV`);
}

/** Inflates every entry once into a counter, refusing an entry that produces more than its declared size. */
export async function verifyZipSizes(path: string, entries: readonly ZipEntry[]): Promise<void> {
  const fh = await open(path, 'r');
  const starts: number[] = [];
  try {
    const h = Buffer.alloc(30);
    for (const e of entries) {
      await fh.read(h, 0, 30, e.localHeaderOffset);
      if (h.readUInt32LE(0) !== LFH) throw refuse('不是有效的 XLSX 文件', 'Not a valid XLSX file (zip entry)');
      starts.push(e.localHeaderOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28));
    }
  } finally {
    await fh.close();
  }
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.compressedSize === 0) continue;
    const raw = createReadStream(path, { start: starts[i], end: starts[i]! + e.compressedSize - 1 });
    if (e.method === 0) {
      if (e.compressedSize !== e.size) throw refuse('不是有效的 XLSX 文件', `Not a valid XLSX file (${e.name})`);
      raw.destroy();
      continue;
    }
    await inflateAtMost(raw, e);
  }
}

function inflateAtMost(raw: ReturnType<typeof createReadStream>, e: ZipEntry): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const inflate = createInflateRaw();
    let produced = 0;
    const stop = (err: Error | null) => {
      raw.destroy();
      inflate.destroy();
      if (err) reject(err);
      else resolve();
    };
    inflate.on('data', (c: Buffer) => {
      produced += c.length;
      if (produced > e.size) stop(refuse('Excel 文件解压后比它声明的大（疑似压缩炸弹）', `The XLSX file unpacks to more than it declares (${e.name}); refused`));
    });
    inflate.on('end', () => stop(null));
    inflate.on('error', () => stop(refuse('不是有效的 XLSX 文件', `Not a valid XLSX file (${e.name} is corrupt)`)));
    raw.on('error', (err) => stop(err));
    raw.pipe(inflate);
  });
}

/** Both checks, for a file being registered. */
export async function checkXlsxFile(path: string, limits: XlsxLimits = XLSX_LIMITS): Promise<void> {
  const entries = await readZipDirectory(path, limits);
  checkZipDirectory(entries, limits);
  await verifyZipSizes(path, entries);
}
