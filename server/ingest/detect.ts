/** Encoding, delimiter and format detection for uploaded order files. Pure; unit-tested. */

export type FileEncoding = 'utf8' | 'gb18030' | 'utf16le';
export type EncodingOption = 'auto' | 'utf8' | 'gb18030' | 'gbk' | 'utf16le';
export type Delimiter = ',' | ';' | '\t' | '|';
export const DELIMITERS: Delimiter[] = [',', ';', '\t', '|'];

export interface EncodingGuess {
  encoding: FileEncoding;
  /** Bytes of byte-order mark to skip. */
  bom: number;
}

/**
 * UTF-8 BOM → utf8; UTF-16LE BOM (Excel's "Unicode text") → utf16le; otherwise a sample that is valid UTF-8 is
 * UTF-8 and anything else is read as GB18030 (a superset of GBK/GB2312, what Chinese Excel and POS exports use).
 */
export function detectEncoding(sample: Uint8Array): EncodingGuess {
  if (sample.length >= 3 && sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf) return { encoding: 'utf8', bom: 3 };
  if (sample.length >= 2 && sample[0] === 0xff && sample[1] === 0xfe) return { encoding: 'utf16le', bom: 2 };
  return { encoding: isValidUtf8(sample, true) ? 'utf8' : 'gb18030', bom: 0 };
}

/** Strict UTF-8 validation; with `truncated`, an incomplete sequence at the very end (a cut sample) is allowed. */
export function isValidUtf8(b: Uint8Array, truncated = false): boolean {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return false;
    // the sequence runs past the end of a cut sample
    if (i + need >= n) return truncated && allContinuation(b, i + 1, n);
    let cp = c & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    for (let k = 1; k <= need; k++) {
      const x = b[i + k]!;
      if ((x & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (x & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

function allContinuation(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if ((b[i]! & 0xc0) !== 0x80) return false;
  return true;
}

export function resolveEncoding(option: EncodingOption | undefined, sample: Uint8Array): EncodingGuess {
  const guess = detectEncoding(sample);
  if (!option || option === 'auto') return guess;
  const encoding: FileEncoding = option === 'gbk' ? 'gb18030' : option;
  return { encoding, bom: guess.encoding === encoding ? guess.bom : 0 };
}

/** Counts a delimiter outside double quotes. */
function countOutsideQuotes(line: string, d: string): number {
  let n = 0;
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') inQ = !inQ;
    else if (!inQ && ch === d) n++;
  }
  return n;
}

/**
 * The delimiter that splits the first lines into the same (non-zero) number of fields most consistently;
 * ties go to the more fields, then to the comma. A single-column file is read as comma-separated.
 */
export function detectDelimiter(text: string): Delimiter {
  const lines = text
    .split(/\r?\n/)
    .slice(0, 30)
    .filter((l) => l.trim() !== '');
  // the last sampled line may be cut off
  if (lines.length > 2) lines.pop();
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    const head = counts[0] ?? 0;
    if (head === 0) continue;
    const consistent = counts.filter((c) => c === head).length / counts.length;
    const score = consistent * 1000 + Math.min(head, 100);
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

export type FileFormat = 'csv' | 'xlsx';

/** Format and compression from the file name (and the zip magic number when the name says nothing). */
export function detectFormat(fileName: string, head?: Uint8Array): { format: FileFormat; compression: 'gzip' | null } {
  const lower = fileName.toLowerCase();
  const gz = lower.endsWith('.gz') || (head !== undefined && head[0] === 0x1f && head[1] === 0x8b);
  const base = lower.replace(/\.gz$/, '');
  if (!gz && (base.endsWith('.xlsx') || base.endsWith('.xlsm') || (head !== undefined && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04))) return { format: 'xlsx', compression: null };
  return { format: 'csv', compression: gz ? 'gzip' : null };
}
