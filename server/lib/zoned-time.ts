/**
 * Wall-clock time in a tenant's IANA zone, without a library: the parts of an instant in a zone, and the instant
 * of a local date and time (daylight-saving gaps move forward by the gap, repeated hours take the first).
 */

export interface ZonedParts {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday … 7 = Sunday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  return f;
}

export function zonedParts(instant: Date, timeZone: string): ZonedParts {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) p[part.type] = part.value;
  return { year: +p.year!, month: +p.month!, day: +p.day!, hour: +p.hour! % 24, minute: +p.minute!, second: +p.second!, weekday: WEEKDAYS[p.weekday!]! };
}

/** The zone's offset from UTC at an instant, in milliseconds (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(instant: Date, timeZone: string): number {
  const z = zonedParts(instant, timeZone);
  const asUtc = Date.UTC(z.year, z.month - 1, z.day, z.hour, z.minute, z.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant at which the zone's clocks show this local date and time. In a spring-forward gap (02:30 that never
 * happens) it is the instant the clocks jump past it, shifted by the gap (03:30); in a repeated hour, the first.
 */
export function zonedInstant(local: { year: number; month: number; day: number; hour: number; minute: number }, timeZone: string): Date {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  const before = zoneOffsetMs(new Date(wall - 36e5 * 24), timeZone);
  const after = zoneOffsetMs(new Date(wall + 36e5 * 24), timeZone);
  // Try the earlier offset first (a repeated hour takes the first occurrence), then the later one.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    const candidate = new Date(wall - offset);
    const z = zonedParts(candidate, timeZone);
    if (z.hour === local.hour && z.minute === local.minute && z.day === local.day) return candidate;
  }
  // A gap: the local time does not exist; keep the wall-clock distance with the offset from before the jump.
  return new Date(wall - before);
}

/** Days in a month of a year (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The local calendar date a number of days after a local date (months and years roll over). */
export function addLocalDays(d: { year: number; month: number; day: number }, days: number): { year: number; month: number; day: number } {
  const t = new Date(Date.UTC(d.year, d.month - 1, d.day + days));
  return { year: t.getUTCFullYear(), month: t.getUTCMonth() + 1, day: t.getUTCDate() };
}

/** `HH:MM` → minutes after midnight. */
export function parseClock(hhmm: string): { hour: number; minute: number } {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${hhmm}`);
  return { hour: +m[1]!, minute: +m[2]! };
}
