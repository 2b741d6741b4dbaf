/**
 * Guardrails a send must pass: the tenant's quiet hours (a send that falls inside waits for their end), Huike's
 * frequency cap across all campaigns (default at most 2 messages in 7 days, mass and 1:1 alike), and WeCom's own
 * receive cap, so that the recipients WeCom would skip with status 3 are known before the send. The caps are
 * counted in SQL over the customers' ledger of campaign messages (planning.repository.ts); the receive cap's
 * local calendar period comes from here.
 */
import type { QuietHours, ReceiveCapRule } from '../../app/lib/contracts/campaign';
import { addLocalDays, daysInMonth, parseClock, zonedInstant, zonedParts } from '../lib/zoned-time';

const minutes = (c: { hour: number; minute: number }) => c.hour * 60 + c.minute;

/** Whether a local time falls inside quiet hours ([start, end), wrapping past midnight when start > end). */
export function inQuietHours(at: Date, timeZone: string, q: QuietHours): boolean {
  const z = zonedParts(at, timeZone);
  const now = z.hour * 60 + z.minute;
  const start = minutes(parseClock(q.start));
  const end = minutes(parseClock(q.end));
  if (start === end) return false;
  return start < end ? now >= start && now < end : now >= start || now < end;
}

/** The instant a send planned for `at` may go: `at` itself, or the end of the quiet hours it falls in. */
export function releaseFromQuietHours(at: Date, timeZone: string, q: QuietHours | null): Date {
  if (!q || !inQuietHours(at, timeZone, q)) return at;
  const z = zonedParts(at, timeZone);
  const end = parseClock(q.end);
  const today = { year: z.year, month: z.month, day: z.day };
  const endToday = zonedInstant({ ...today, ...end }, timeZone);
  return endToday.getTime() > at.getTime() ? endToday : zonedInstant({ ...addLocalDays(today, 1), ...end }, timeZone);
}

/** How many mass messages WeCom's cap allows in the local period containing the local day `z`. */
function allowedIn(z: { year: number; month: number }, rule: ReceiveCapRule): number {
  return rule === 'day_1' ? 1 : rule === 'month_days' ? daysInMonth(z.year, z.month) : 7;
}

/**
 * WeCom's receive-cap period as instants (for the ledger query): [from, to) of the local day, ISO week (from Monday) or
 * month containing `at`, and how many mass messages WeCom allows in it.
 */
export function receiveCapWindow(at: Date, timeZone: string, rule: ReceiveCapRule): { from: Date; to: Date; allowed: number } {
  const z = zonedParts(at, timeZone);
  const midnight = (d: { year: number; month: number; day: number }) => zonedInstant({ ...d, hour: 0, minute: 0 }, timeZone);
  const allowed = allowedIn(z, rule);
  if (rule === 'day_1') return { from: midnight(z), to: midnight(addLocalDays(z, 1)), allowed };
  if (rule === 'week_7') {
    const monday = addLocalDays(z, 1 - z.weekday);
    return { from: midnight(monday), to: midnight(addLocalDays(monday, 7)), allowed };
  }
  const first = { year: z.year, month: z.month, day: 1 };
  const next = z.month === 12 ? { year: z.year + 1, month: 1, day: 1 } : { year: z.year, month: z.month + 1, day: 1 };
  return { from: midnight(first), to: midnight(next), allowed };
}
