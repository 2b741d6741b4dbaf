import { describe, expect, it } from 'vitest';
import { DEFAULT_QUIET_HOURS } from '../../../app/lib/contracts/campaign';
import { inQuietHours, receiveCapWindow, releaseFromQuietHours } from '../../../server/campaigns/guardrails';

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

describe('WeCom’s receive cap, counted in the corp’s calendar (the window the ledger query counts in)', () => {
  const inWindow = (t: Date, w: { from: Date; to: Date }) => t >= w.from && t < w.to;
  it('1 per day: a message earlier today counts; one late yesterday (the same UTC day) does not', () => {
    const w = receiveCapWindow(sh('2026-12-07T10:00:00'), SH, 'day_1');
    expect(w.allowed).toBe(1);
    expect(inWindow(sh('2026-12-07T09:10:00'), w)).toBe(true);
    expect(inWindow(sh('2026-12-06T23:30:00'), w)).toBe(false);
  });

  it('7 per week counts from Monday; per month allows as many as the month has days (28 in February 2027)', () => {
    const monday = sh('2026-12-07T08:00:00');
    expect(inWindow(monday, receiveCapWindow(sh('2026-12-13T10:00:00'), SH, 'week_7'))).toBe(true);
    expect(inWindow(monday, receiveCapWindow(sh('2026-12-14T10:00:00'), SH, 'week_7'))).toBe(false);
    const feb = receiveCapWindow(sh('2027-02-28T12:00:00'), SH, 'month_days');
    expect(feb.allowed).toBe(28);
    expect(inWindow(sh('2027-02-01T08:00:00'), feb)).toBe(true);
    expect(inWindow(sh('2027-02-28T08:00:00'), receiveCapWindow(sh('2027-03-01T12:00:00'), SH, 'month_days'))).toBe(false);
  });
});
