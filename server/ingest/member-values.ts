/**
 * Parsing of the values found in member exports (POS / member systems): birthdays with or without a year, dates,
 * gender, points and the marketing opt-out flag. Pure; unit-tested. Each parser returns `undefined` for an empty
 * cell (the field is left as it is) and `null` for a value it cannot read (the row is rejected).
 */

const pad = (n: number) => String(n).padStart(2, '0');
const daysIn = (m: number, y?: number) =>
  [31, y === undefined || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

export interface Birthday {
  year: number | null;
  month: number;
  day: number;
}

const FULL = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00(?:\.0+)?)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const MONTH_DAY = /^(?:--)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/;
const COMPACT_MD = /^(\d{2})(\d{2})$/;

/**
 * `YYYY-MM-DD` (also `/`, `.`, 年月日, `YYYYMMDD`, a spreadsheet date at midnight) or a birthday without its year:
 * `MM-DD`, `MM/DD`, `M月D日`, `--MM-DD`, `MMDD`. The year must lie between 1900 and `maxYear`; 02-29 without a
 * year is a valid birthday.
 */
export function parseBirthday(raw: string, maxYear = new Date().getUTCFullYear()): Birthday | null | undefined {
  const s = raw.trim();
  if (!s) return undefined;
  let m = FULL.exec(s) ?? COMPACT.exec(s);
  if (m) {
    const [y, mo, d] = [+m[1]!, +m[2]!, +m[3]!];
    if (y < 1900 || y > maxYear || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y)) return null;
    return { year: y, month: mo, day: d };
  }
  m = MONTH_DAY.exec(s) ?? COMPACT_MD.exec(s);
  if (m) {
    const [mo, d] = [+m[1]!, +m[2]!];
    if (mo < 1 || mo > 12 || d < 1 || d > daysIn(mo)) return null;
    return { year: null, month: mo, day: d };
  }
  return null;
}

/** A calendar date (`YYYY-MM-DD`, `/`, `.`, 年月日, `YYYYMMDD`, a spreadsheet date at midnight) as `YYYY-MM-DD`. */
export function parseDate(raw: string, minYear = 1900, maxYear = 2100): string | null | undefined {
  const s = raw.trim();
  if (!s) return undefined;
  const m = FULL.exec(s) ?? COMPACT.exec(s);
  if (!m) return null;
  const [y, mo, d] = [+m[1]!, +m[2]!, +m[3]!];
  if (y < minYear || y > maxYear || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y)) return null;
  return `${y}-${pad(mo)}-${pad(d)}`;
}

const MALE = new Set(['男', 'm', 'male', '1', '先生']);
const FEMALE = new Set(['女', 'f', 'female', '2', '女士']);
const UNKNOWN = new Set(['未知', '保密', 'u', 'unknown', '0', '-']);

/** WeCom's convention: 1 male, 2 female, 0 unknown. */
export function parseGender(raw: string): 0 | 1 | 2 | null | undefined {
  const s = raw.trim().toLowerCase();
  if (!s) return undefined;
  if (MALE.has(s)) return 1;
  if (FEMALE.has(s)) return 2;
  if (UNKNOWN.has(s)) return 0;
  return null;
}

const YES = new Set(['是', 'y', 'yes', 'true', '1', '退订', '已退订', '拒收', '不接收', 'opt-out', 'opted out', 'x']);
const NO = new Set(['否', 'n', 'no', 'false', '0', '订阅', '接收', '未退订']);

/** Opted out of marketing: 是/否, Y/N, yes/no, true/false, 1/0, 退订/订阅. */
export function parseOptOut(raw: string): boolean | null | undefined {
  const s = raw.trim().toLowerCase();
  if (!s) return undefined;
  if (YES.has(s)) return true;
  if (NO.has(s)) return false;
  return null;
}

export const MAX_POINTS = 2_000_000_000;

/** Whole points, 0 ≤ p ≤ 2e9; thousands separators and a spreadsheet `.0` are accepted. */
export function parsePoints(raw: string): number | null | undefined {
  const s = raw.trim().replace(/[,，\s]/g, '');
  if (!s) return undefined;
  const m = /^(\d+)(?:\.0+)?$/.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  return n <= MAX_POINTS ? n : null;
}
