/**
 * When a campaign runs, in the tenant's zone. A one-off runs at its time (or now); a recurring campaign at its
 * local time on every day, chosen weekdays or a day of the month (a shorter month: its last day), between its
 * first and last day; a triggered campaign evaluates its entries daily at its local time.
 */
import type { CampaignSchedule, RecurringSchedule } from '../../app/lib/contracts/campaign';
import { addLocalDays, daysInMonth, parseClock, zonedInstant, zonedParts } from '../lib/zoned-time';

type LocalDay = { year: number; month: number; day: number };

const dayKey = (d: LocalDay) => `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

function weekdayOf(d: LocalDay): number {
  const w = new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
  return w === 0 ? 7 : w;
}

function recursOn(s: RecurringSchedule, d: LocalDay): boolean {
  const key = dayKey(d);
  if (s.starts_on && key < s.starts_on) return false;
  if (s.ends_on && key > s.ends_on) return false;
  if (s.frequency === 'daily') return true;
  if (s.frequency === 'weekly') return (s.weekdays ?? []).includes(weekdayOf(d));
  const want = Math.min(s.month_day ?? 1, daysInMonth(d.year, d.month));
  return d.day === want;
}

/** The first local occurrence of `time` on a day matching `matches`, strictly after `after`; null past 400 days. */
function nextDaily(after: Date, timeZone: string, time: string, matches: (d: LocalDay) => boolean, lastDay?: string): Date | null {
  const clock = parseClock(time);
  const start = zonedParts(after, timeZone);
  for (let i = 0; i <= 400; i++) {
    const d = addLocalDays(start, i);
    if (lastDay && dayKey(d) > lastDay) return null;
    if (!matches(d)) continue;
    const at = zonedInstant({ ...d, ...clock }, timeZone);
    if (at.getTime() > after.getTime()) return at;
  }
  return null;
}

/**
 * The next run strictly after `after` (for a one-off: its time, or `after` itself when it is "now"; null once it
 * has run). `lastRunAt` is the previous run of this campaign, if any.
 */
export function nextRunAt(schedule: CampaignSchedule, after: Date, timeZone: string, lastRunAt: Date | null = null): Date | null {
  switch (schedule.kind) {
    case 'once':
      if (lastRunAt) return null;
      return schedule.at ? new Date(schedule.at) : after;
    case 'recurring':
      return nextDaily(after, timeZone, schedule.time, (d) => recursOn(schedule, d), schedule.ends_on);
    case 'triggered':
      return nextDaily(after, timeZone, schedule.time, () => true);
  }
}

/** The next `count` runs after `after`, for the editor's preview and the calendar. */
export function upcomingRuns(schedule: CampaignSchedule, after: Date, timeZone: string, count: number): Date[] {
  const out: Date[] = [];
  let cursor = after;
  let last: Date | null = null;
  while (out.length < count) {
    const next = nextRunAt(schedule, cursor, timeZone, last);
    if (!next) break;
    out.push(next);
    last = next;
    cursor = next;
  }
  return out;
}
