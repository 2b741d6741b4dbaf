/** The month grid of the campaign calendar (client-safe, pure): weeks from Monday, days outside the month marked. */
import { dateFormat } from '../format';

export interface GridDay {
  day: string;
  inMonth: boolean;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** `month` is YYYY-MM; returns 4–6 weeks of 7 local days, Monday first. */
export function monthGrid(month: string): GridDay[][] {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const first = new Date(Date.UTC(y, m - 1, 1));
  const start = new Date(first.getTime() - ((first.getUTCDay() + 6) % 7) * 86_400_000);
  const weeks: GridDay[][] = [];
  for (let cursor = start; ; ) {
    const week: GridDay[] = [];
    for (let i = 0; i < 7; i++, cursor = new Date(cursor.getTime() + 86_400_000)) week.push({ day: iso(cursor), inMonth: cursor.getUTCMonth() === m - 1 });
    weeks.push(week);
    if (cursor.getUTCMonth() !== m - 1) break;
  }
  return weeks;
}

export function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The local month (YYYY-MM) of an instant in a time zone. */
export function monthOf(at: Date, timeZone: string): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).format(at).slice(0, 7);
}

/** The local day (YYYY-MM-DD) of an instant in a time zone. */
export function dayOf(at: Date, timeZone: string): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
