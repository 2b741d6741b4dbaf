import { describe, expect, it } from 'vitest';
import { DEFAULT_FREQUENCY_CAP, DEFAULT_QUIET_HOURS } from '../../../app/lib/contracts/campaign';
import { inQuietHours, releaseFromQuietHours, withinFrequencyCap, withinReceiveCap } from '../../../server/campaigns/guardrails';

const SH = 'Asia/Shanghai';
// Shanghai local time → instant (UTC+8, no daylight saving).
const sh = (local: string) => new Date(`${local}+08:00`);

describe('quiet hours (default 21:00–09:00 in the tenant’s zone)', () => {
  it('a send at 22:00 waits until 09:00 the next morning; at 03:00 until 09:00 the same day', () => {
    expect(releaseFromQuietHours(sh('2026-12-07T22:00:00'), SH, DEFAULT_QUIET_HOURS).toISOString()).toBe(sh('2026-12-08T09:00:00').toISOString());
    expect(releaseFromQuietHours(sh('2026-12-08T03:00:00'), SH, DEFAULT_QUIET_HOURS).toISOString()).toBe(sh('2026-12-08T09:00:00').toISOString());
  });

  it('outside quiet hours, or with quiet hours off, a send goes when planned', () => {
    const at = sh('2026-12-07T10:15:00');
    expect(releaseFromQuietHours(at, SH, DEFAULT_QUIET_HOURS)).toBe(at);
    expect(releaseFromQuietHours(sh('2026-12-07T23:00:00'), SH, null).toISOString()).toBe(sh('2026-12-07T23:00:00').toISOString());
  });

  it('the start is inside and the end is outside; a window within one day works too', () => {
    expect(inQuietHours(sh('2026-12-07T21:00:00'), SH, DEFAULT_QUIET_HOURS)).toBe(true);
    expect(inQuietHours(sh('2026-12-07T08:59:00'), SH, DEFAULT_QUIET_HOURS)).toBe(true);
    expect(inQuietHours(sh('2026-12-07T09:00:00'), SH, DEFAULT_QUIET_HOURS)).toBe(false);
    const lunch = { start: '12:00', end: '14:00' };
    expect(inQuietHours(sh('2026-12-07T13:00:00'), SH, lunch)).toBe(true);
    expect(inQuietHours(sh('2026-12-07T15:00:00'), SH, lunch)).toBe(false);
    expect(releaseFromQuietHours(sh('2026-12-07T13:00:00'), SH, lunch).toISOString()).toBe(sh('2026-12-07T14:00:00').toISOString());
  });
});

describe('Huike’s frequency cap across campaigns (default 2 in 7 days)', () => {
  const at = sh('2026-12-07T10:00:00');
  const daysBefore = (n: number) => new Date(at.getTime() - n * 86_400_000);
  it('two messages in the last 7 days block a third; one of them 8 days back does not', () => {
    expect(withinFrequencyCap([daysBefore(6), daysBefore(1)], at, DEFAULT_FREQUENCY_CAP)).toBe(false);
    expect(withinFrequencyCap([daysBefore(8), daysBefore(1)], at, DEFAULT_FREQUENCY_CAP)).toBe(true);
    expect(withinFrequencyCap([], at, { max: 1, days: 1 })).toBe(true);
  });
});

describe('WeCom’s receive cap, counted in the corp’s calendar', () => {
  it('1 per day: a message earlier today blocks; one late yesterday (the same UTC day) does not', () => {
    const at = sh('2026-12-07T10:00:00');
    expect(withinReceiveCap([sh('2026-12-07T09:10:00')], at, SH, 'day_1')).toBe(false);
    expect(withinReceiveCap([sh('2026-12-06T23:30:00')], at, SH, 'day_1')).toBe(true);
  });

  it('7 per week counts from Monday; per month allows as many as the month has days (28 in February 2027)', () => {
    const sunday = sh('2026-12-13T10:00:00');
    const week = Array.from({ length: 7 }, (_, i) => sh(`2026-12-${String(7 + i).padStart(2, '0')}T08:00:00`)).slice(0, 7);
    expect(withinReceiveCap(week.slice(0, 6), sunday, SH, 'week_7')).toBe(true);
    expect(withinReceiveCap(week, sunday, SH, 'week_7')).toBe(false);
    expect(withinReceiveCap(week, sh('2026-12-14T10:00:00'), SH, 'week_7')).toBe(true);
    const feb = Array.from({ length: 28 }, (_, i) => sh(`2027-02-${String(i + 1).padStart(2, '0')}T08:00:00`));
    expect(withinReceiveCap(feb.slice(0, 27), sh('2027-02-28T12:00:00'), SH, 'month_days')).toBe(true);
    expect(withinReceiveCap(feb, sh('2027-02-28T12:00:00'), SH, 'month_days')).toBe(false);
    expect(withinReceiveCap(feb, sh('2027-03-01T12:00:00'), SH, 'month_days')).toBe(true);
  });
});
