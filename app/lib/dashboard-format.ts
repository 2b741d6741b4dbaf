/** Formatting helpers shared by the dashboard routes (client-safe). */
import type { CsvValue } from './csv';
import { numberFormat } from './format';

export interface ChangeLike {
  value: number | null;
  previous: number | null;
  delta: number | null;
  ratio: number | null;
}

/** Relative change of a count or amount: "+12.3%". */
export function pctChange(c: ChangeLike): { text: string; direction: 'up' | 'down' | 'flat' } | null {
  if (c.ratio === null || c.previous === null) return null;
  const r = c.ratio;
  const direction = Math.abs(r) < 0.0005 ? 'flat' : r > 0 ? 'up' : 'down';
  return { text: `${r > 0 ? '+' : ''}${(r * 100).toFixed(1)}%`, direction };
}

/** Change of a rate in percentage points: "+1.2 pp". */
export function ppChange(c: ChangeLike, unit: string): { text: string; direction: 'up' | 'down' | 'flat' } | null {
  if (c.delta === null) return null;
  const d = c.delta * 100;
  const direction = Math.abs(d) < 0.05 ? 'flat' : d > 0 ? 'up' : 'down';
  return { text: `${d > 0 ? '+' : ''}${d.toFixed(1)} ${unit}`, direction };
}

export function pct(v: number | null | undefined, digits = 1): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

export function yuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  return `¥${numberFormat('zh-CN', { maximumFractionDigits: 0 }).format(fen / 100)}`;
}

/** Compact money for axes: ¥1.2万 / ¥3.4亿 (zh) or ¥1.2K / ¥3.4M (en). */
export function yuanShort(fen: number, locale: string): string {
  const y = fen / 100;
  const a = Math.abs(y);
  if (locale === 'en') {
    if (a >= 1e6) return `¥${(y / 1e6).toFixed(1)}M`;
    if (a >= 1e3) return `¥${(y / 1e3).toFixed(1)}K`;
    return `¥${y.toFixed(0)}`;
  }
  if (a >= 1e8) return `¥${(y / 1e8).toFixed(2)}亿`;
  if (a >= 1e4) return `¥${(y / 1e4).toFixed(1)}万`;
  return `¥${y.toFixed(0)}`;
}

export function num(v: number | null | undefined, digits = 0): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : numberFormat('zh-CN', { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}

/** Rates rounded for CSV (4 decimals) and money in yuan with 2 decimals. */
export function csvRate(v: number | null | undefined): CsvValue {
  return v === null || v === undefined ? null : Math.round(v * 10000) / 10000;
}
export function csvYuan(fen: number | null | undefined): CsvValue {
  return fen === null || fen === undefined ? null : Math.round(fen) / 100;
}

/** Short axis label of a date: MM-DD, or YYYY-MM for months. */
export function shortDay(d: string): string {
  return d.length === 7 ? d : d.slice(5);
}

/** Server messages are written "中文 / English": show the half of the current language. */
export function bilingual(text: string, t: (zh: string, en: string) => string): string {
  const i = text.indexOf(' / ');
  return i < 0 ? text : t(text.slice(0, i), text.slice(i + 3));
}
