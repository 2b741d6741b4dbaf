/**
 * Parsing of the values found in order exports: timestamps (with or without offset), money in yuan or fen,
 * quantities, channels and member numbers. Pure; unit-tested. Money is integer arithmetic on decimal strings,
 * never floats: a unit price is kept to 1/10,000 yuan, a quantity to 1/1,000, a line amount is rounded half away
 * from zero to the fen.
 */
import type { OrderChannel } from '../../db/schema/ingest';

// ------------------------------------------------------------------------------------------ timestamps

export interface ParsedTime {
  /** Canonical text PostgreSQL casts to timestamptz: local wall time (read in the tenant's zone) or UTC (+00:00). */
  text: string;
  /** Milliseconds since epoch if the wall time were UTC; for range checks. */
  approxMs: number;
}

const ISO_LIKE = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:(?:[ T]+|日)(\d{1,2})[:时](\d{1,2})(?:[:分](\d{1,2})(?:\.(\d{1,6}))?秒?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[ T]?(\d{2})(\d{2})(\d{2})?)?$/;
const EXCEL_SERIAL = /^\d{5}(?:\.\d+)?$/;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const daysIn = (y: number, m: number) => [31, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;

function build(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string, offset: string | undefined): ParsedTime | null {
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const ms = frac ? Number((frac + '000').slice(0, 3)) : 0;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (offset === undefined) {
    return { text: `${y}-${pad(mo)}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(s)}${frac ? '.' + frac : ''}`, approxMs: wall };
  }
  let offMin = 0;
  if (offset.toUpperCase() !== 'Z') {
    const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(offset);
    if (!m) return null;
    offMin = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
    if (Math.abs(offMin) > 14 * 60) return null;
  }
  const utc = new Date(wall - offMin * 60_000);
  const text = `${utc.getUTCFullYear()}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())} ${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}${frac ? '.' + frac : ''}+00:00`;
  return { text, approxMs: utc.getTime() };
}

/**
 * Accepts `2024-03-05 14:30[:05[.123]]` (also `/`, `.`, `T`, 年月日), an optional offset (`Z`, `+08:00`, `+0800`),
 * `20240305[143005]`, and Excel serial day numbers. Date-only values mean midnight. Null when not a valid time.
 */
export function parseDateTime(raw: string): ParsedTime | null {
  const s = raw.trim();
  if (!s) return null;
  const fast = s.length === 19 ? parseCanonical(s) : undefined;
  if (fast !== undefined) return fast;
  let m = ISO_LIKE.exec(s);
  if (m) return build(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), m[7] ?? '', m[8]);
  m = COMPACT.exec(s);
  if (m) return build(+m[1]!, +m[2]!, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), '', undefined);
  if (EXCEL_SERIAL.test(s)) return fromExcelSerial(Number(s));
  return null;
}

const d2 = (s: string, i: number) => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
/** Fast path for `YYYY-MM-DD HH:MM:SS`; undefined when the text has another shape. */
function parseCanonical(s: string): ParsedTime | null | undefined {
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  for (const i of DIGIT_POS) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const y = d2(s, 0) * 100 + d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (y < 1990 || y > 2100 || mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59) return null;
  return { text: s, approxMs: Date.UTC(y, mo - 1, d, h, mi, sec) };
}
const DIGIT_POS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** Excel's 1900 date system (with its phantom 1900-02-29): serial 25569 = 1970-01-01. Rounded to the second. */
export function fromExcelSerial(serial: number): ParsedTime | null {
  if (!(serial > 32874 && serial < 73051)) return null; // 1990 .. 2100
  const ms = Math.round((serial - 25569) * 86400) * 1000;
  return fromWallClock(new Date(ms));
}

/** A Date whose UTC fields hold a wall-clock time (how spreadsheet readers return date cells). */
export function fromWallClock(d: Date): ParsedTime | null {
  const t = Math.round(d.getTime() / 1000) * 1000;
  const r = new Date(t);
  return build(r.getUTCFullYear(), r.getUTCMonth() + 1, r.getUTCDate(), r.getUTCHours(), r.getUTCMinutes(), r.getUTCSeconds(), '', undefined);
}

/** Paid times later than this many ms after now (any zone) are refused as future. */
export const FUTURE_TOLERANCE_MS = 36 * 3600_000;

// ----------------------------------------------------------------------------------------------- numbers

const CURRENCY = /[¥￥$£€,\s]|元|RMB|CNY/gi;
const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * A decimal string as an integer scaled by 10^scale (rounded half away from zero beyond it), or null.
 * Accepts currency signs, thousands separators and a trailing minus or accounting parentheses.
 */
export function parseScaled(raw: string, scale: number): number | null {
  const fast = parsePlainDecimal(raw, scale);
  if (fast !== undefined) return fast;
  let s = raw.trim();
  if (!s) return null;
  let neg = false;
  if (s.startsWith('(') && s.endsWith(')')) {
    neg = true;
    s = s.slice(1, -1);
  }
  if (s.endsWith('-') && s.length > 1) {
    neg = !neg;
    s = s.slice(0, -1);
  }
  s = s.replace(CURRENCY, '');
  const m = DECIMAL.exec(s);
  if (!m) return null;
  const int = m[2] ?? '';
  const frac = m[3] ?? '';
  if (int === '' && frac === '') return null;
  if (int.replace(/^0+/, '').length > 11) return null;
  const keep = frac.slice(0, scale).padEnd(scale, '0');
  let v = Number(int || '0') * 10 ** scale + Number(keep || '0');
  const rest = frac.slice(scale);
  if (rest && rest.charCodeAt(0) >= 53) v += 1; // '5'..'9' rounds away from zero
  if (m[1] === '-') neg = !neg;
  return neg ? -v : v;
}

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000];
/** Fast path for `-123.45`-shaped text within the scale; undefined for anything else. */
function parsePlainDecimal(s: string, scale: number): number | null | undefined {
  const n = s.length;
  if (n === 0 || n > 15) return undefined;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  let int = 0;
  let digits = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) break;
    if (c < 48 || c > 57) return undefined;
    int = int * 10 + (c - 48);
    digits++;
  }
  let frac = 0;
  let fd = 0;
  if (i < n) {
    for (i++; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57 || fd >= scale) return undefined;
      frac = frac * 10 + (c - 48);
      fd++;
    }
  }
  if (digits === 0 && fd === 0) return undefined;
  const v = int * POW10[scale]! + frac * POW10[scale - fd]!;
  return neg ? -v : v;
}

/** Scale of prices (yuan × 10^4 = fen × 100) and quantities (× 10^3). */
export const QTY_SCALE = 3;

/** Line amount in fen from a scaled quantity (×10^3) and a scaled unit price (yuan ×10^4), half away from zero. */
export function lineAmountFen(qtyScaled: number, priceScaled: number): number {
  const p = qtyScaled * priceScaled; // yuan × 10^7 = fen × 10^5
  if (Number.isSafeInteger(p)) return roundDiv(p, 100_000);
  const big = BigInt(qtyScaled) * BigInt(priceScaled);
  const q = big / 100_000n;
  const r = big % 100_000n;
  const abs = r < 0n ? -r : r;
  return Number(abs * 2n >= 100_000n ? q + (big < 0n ? -1n : 1n) : q);
}

function roundDiv(v: number, d: number): number {
  const q = Math.trunc(v / d);
  const r = v - q * d;
  return Math.abs(r) * 2 >= d ? q + Math.sign(v) : q;
}

/** Fen (×10^2 scale of a yuan×10^4 price) as a decimal string for numeric columns. */
export function scaledToString(v: number, scale: number): string {
  const d0 = POW10[scale] ?? 10 ** scale;
  if (v % d0 === 0) return String(v / d0);
  const neg = v < 0;
  const a = Math.abs(v);
  const d = 10 ** scale;
  const int = Math.floor(a / d);
  const frac = String(a - int * d).padStart(scale, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? '.' + frac : ''}`;
}

// ------------------------------------------------------------------------------------- identities etc.

/**
 * Member numbers are trimmed, and a trailing `.0…` after digits — a spreadsheet float artefact such as the UCI
 * file's `17850.0` — is dropped, so `17850.0` and `17850` are one member. Leading zeros and letters are kept.
 */
export function normalizeMemberNo(raw: string): string {
  const s = raw.trim();
  const m = /^(\d+)\.0+$/.exec(s);
  return m ? m[1]! : s;
}

export const CHANNELS: readonly OrderChannel[] = ['pos', 'mini_program', 'ecommerce', 'group_buy', 'other'];

const CHANNEL_WORDS: [OrderChannel, string[]][] = [
  ['pos', ['pos', '门店', '线下', '收银', '到店', 'store', 'offline', 'in-store', 'instore', 'shop']],
  ['mini_program', ['mini_program', 'miniprogram', 'mini-program', 'mini program', '小程序', '微信小程序', 'weapp', '微商城', 'wechat']],
  ['ecommerce', ['ecommerce', 'e-commerce', 'online', '电商', '网店', '天猫', '淘宝', '京东', '抖音', '拼多多', '有赞', 'tmall', 'taobao', 'jd']],
  ['group_buy', ['group_buy', 'groupbuy', 'group-buy', '团购', '美团', '大众点评', '社区团购', 'meituan']],
  ['other', ['other', '其他', '其它']],
];
const CHANNEL_MAP = new Map<string, OrderChannel>(CHANNEL_WORDS.flatMap(([c, words]) => words.map((w) => [w, c] as [string, OrderChannel])));

/** Maps a channel value from a file to the five channels; unknown non-empty values are `other`. */
export function normalizeChannel(raw: string, fallback: OrderChannel): OrderChannel {
  const s = raw.trim().toLowerCase();
  if (!s) return fallback;
  const direct = CHANNEL_MAP.get(s);
  if (direct) return direct;
  for (const [w, c] of CHANNEL_MAP) if (w.length >= 2 && /[\u4e00-\u9fff]/.test(w) && s.includes(w)) return c;
  return 'other';
}
