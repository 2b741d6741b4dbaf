import { describe, expect, it } from 'vitest';
import { campaignSchedule } from '../../../app/lib/contracts/campaign';
import { nextRunAt, upcomingRuns } from '../../../server/campaigns/schedule';
import { zonedInstant } from '../../../server/lib/zoned-time';

const SH = 'Asia/Shanghai';
const NY = 'America/New_York';
const iso = (d: Date | null) => d?.toISOString() ?? null;
const parse = (s: unknown) => campaignSchedule.parse(s);

describe('one-off campaigns', () => {
  it('run at their time, or now, and never again', () => {
    const now = new Date('2026-12-07T02:00:00Z');
    expect(iso(nextRunAt(parse({ kind: 'once', at: '2026-12-08T10:00:00+08:00' }), now, SH))).toBe('2026-12-08T02:00:00.000Z');
    expect(iso(nextRunAt(parse({ kind: 'once', at: null }), now, SH))).toBe(now.toISOString());
    expect(nextRunAt(parse({ kind: 'once', at: null }), now, SH, now)).toBeNull();
  });
});

describe('recurring campaigns in Asia/Shanghai', () => {
  it('daily at 09:30 local: tomorrow when today’s time has passed', () => {
    // 2026-12-07 10:00 in Shanghai
    const runs = upcomingRuns(parse({ kind: 'recurring', frequency: 'daily', time: '09:30' }), new Date('2026-12-07T02:00:00Z'), SH, 2);
    expect(runs.map(iso)).toEqual(['2026-12-08T01:30:00.000Z', '2026-12-09T01:30:00.000Z']);
  });

  it('weekly on Monday and Thursday at 20:00, within its first and last day', () => {
    // 2026-12-07 is a Monday; at 10:00 local the 20:00 run of today is still ahead.
    const s = parse({ kind: 'recurring', frequency: 'weekly', weekdays: [1, 4], time: '20:00', ends_on: '2026-12-14' });
    const runs = upcomingRuns(s, new Date('2026-12-07T02:00:00Z'), SH, 10);
    expect(runs.map(iso)).toEqual(['2026-12-07T12:00:00.000Z', '2026-12-10T12:00:00.000Z', '2026-12-14T12:00:00.000Z']);
  });

  it('monthly on the 31st runs on the last day of shorter months', () => {
    const s = parse({ kind: 'recurring', frequency: 'monthly', month_day: 31, time: '10:00' });
    const runs = upcomingRuns(s, new Date('2027-01-01T00:00:00Z'), SH, 3);
    expect(runs.map(iso)).toEqual(['2027-01-31T02:00:00.000Z', '2027-02-28T02:00:00.000Z', '2027-03-31T02:00:00.000Z']);
  });

  it('a weekly schedule without weekdays, or ending before it starts, is refused with a message', () => {
    const r = campaignSchedule.safeParse({ kind: 'recurring', frequency: 'weekly', time: '09:00' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('星期');
    expect(campaignSchedule.safeParse({ kind: 'recurring', frequency: 'daily', time: '25:00' }).success).toBe(false);
    expect(campaignSchedule.safeParse({ kind: 'recurring', frequency: 'daily', time: '09:00', starts_on: '2027-01-02', ends_on: '2027-01-01' }).success).toBe(false);
  });
});

describe('a zone with daylight saving (America/New_York)', () => {
  it('a daily 02:30 run on the spring-forward day goes at 03:30 EDT, then back to 02:30', () => {
    // 2027-03-14: clocks jump from 02:00 EST to 03:00 EDT; 02:30 does not exist that day.
    const runs = upcomingRuns(parse({ kind: 'recurring', frequency: 'daily', time: '02:30' }), new Date('2027-03-13T12:00:00Z'), NY, 3);
    expect(runs.map(iso)).toEqual(['2027-03-14T07:30:00.000Z', '2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
  });

  it('a daily 01:30 run on the fall-back day goes once, at the first 01:30 (EDT)', () => {
    // 2027-11-07: 01:00–02:00 happens twice (EDT, then EST).
    const runs = upcomingRuns(parse({ kind: 'recurring', frequency: 'daily', time: '01:30' }), new Date('2027-11-06T12:00:00Z'), NY, 2);
    expect(runs.map(iso)).toEqual(['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z']);
  });

  it('local wall times map to the right instants on either side of a change', () => {
    expect(zonedInstant({ year: 2027, month: 3, day: 13, hour: 12, minute: 0 }, NY).toISOString()).toBe('2027-03-13T17:00:00.000Z');
    expect(zonedInstant({ year: 2027, month: 3, day: 14, hour: 12, minute: 0 }, NY).toISOString()).toBe('2027-03-14T16:00:00.000Z');
  });
});

describe('triggered campaigns', () => {
  it('are evaluated daily at their local time, and take a re-entry period', () => {
    const s = parse({ kind: 'triggered', trigger: { type: 'days_after_last_purchase', days: 30 }, reentry_days: 60, time: '10:00' });
    expect(iso(nextRunAt(s, new Date('2026-12-07T03:00:00Z'), SH))).toBe('2026-12-08T02:00:00.000Z');
    const once = parse({ kind: 'triggered', trigger: { type: 'birthday' } });
    expect(once.kind === 'triggered' && once.reentry_days).toBeNull();
  });
});
