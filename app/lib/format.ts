/** Formatting for display: money from integer fen, numbers, percentages and times in the tenant's zone. */
import { useRootData } from './i18n';

// Intl formatters are costly to construct (tens of µs each) and a list page formats hundreds of cells: one per
// locale and options, kept for the life of the process (the keys are few: locales × zones × styles).
const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();

export function numberFormat(locale: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, options)));
  return f;
}

export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

export function formatMoney(fen: number | null | undefined, currency = 'CNY', locale = 'zh-CN'): string {
  if (fen === null || fen === undefined) return '—';
  return numberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(fen / 100);
}

export function formatMoneyShort(fen: number, locale = 'zh-CN'): string {
  const yuan = fen / 100;
  if (locale === 'zh-CN') {
    if (Math.abs(yuan) >= 1e8) return `¥${(yuan / 1e8).toFixed(2)}亿`;
    if (Math.abs(yuan) >= 1e4) return `¥${(yuan / 1e4).toFixed(1)}万`;
  } else if (Math.abs(yuan) >= 1e6) return `¥${(yuan / 1e6).toFixed(2)}M`;
  else if (Math.abs(yuan) >= 1e3) return `¥${(yuan / 1e3).toFixed(1)}K`;
  return `¥${yuan.toFixed(0)}`;
}

export function formatNumber(n: number | null | undefined, locale = 'zh-CN', digits = 0): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return numberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(n);
}

export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '—';
  return `${(ratio * 100).toFixed(digits)}%`;
}

export function formatDateTime(value: string | Date | null | undefined, timeZone: string, locale = 'zh-CN'): string {
  if (!value) return '—';
  const d = typeof value === 'string' ? new Date(value) : value;
  return dateFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
}

export function formatDate(value: string | Date | null | undefined, timeZone: string, locale = 'zh-CN'): string {
  if (!value) return '—';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const d = typeof value === 'string' ? new Date(value) : value;
  return dateFormat(locale, { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

export function useFormat() {
  const { locale, timezone, currency } = useRootData();
  return {
    money: (fen: number | null | undefined) => formatMoney(fen, currency, locale),
    moneyShort: (fen: number) => formatMoneyShort(fen, locale),
    number: (n: number | null | undefined, digits = 0) => formatNumber(n, locale, digits),
    percent: formatPercent,
    dateTime: (v: string | Date | null | undefined) => formatDateTime(v, timezone, locale),
    date: (v: string | Date | null | undefined) => formatDate(v, timezone, locale),
    timezone,
    locale,
  };
}
