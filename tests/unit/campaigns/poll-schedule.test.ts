import { describe, expect, it } from 'vitest';
import { nextPollAt, retryPollAt } from '../../../server/campaigns/poll-schedule';

const created = new Date('2026-12-07T02:00:00Z');
const at = (iso: string) => new Date(iso);
const open = { createdAt: created, confirmed: false, cancelled: false };

describe('send-result poll schedule', () => {
  it('polls every 30 minutes in the first 24 hours after the task was created', () => {
    expect(nextPollAt(open, created)).toEqual(at('2026-12-07T02:30:00Z'));
    expect(nextPollAt(open, at('2026-12-07T13:10:00Z'))).toEqual(at('2026-12-07T13:40:00Z'));
    expect(nextPollAt(open, at('2026-12-08T01:59:00Z'))).toEqual(at('2026-12-08T02:29:00Z'));
  });

  it('then daily, with the last poll on day 7 itself, then never', () => {
    expect(nextPollAt(open, at('2026-12-08T02:00:00Z'))).toEqual(at('2026-12-09T02:00:00Z'));
    expect(nextPollAt(open, at('2026-12-12T02:05:00Z'))).toEqual(at('2026-12-13T02:05:00Z'));
    // Less than a day before the end: the next poll is the end of day 7, not a day later.
    expect(nextPollAt(open, at('2026-12-13T20:00:00Z'))).toEqual(at('2026-12-14T02:00:00Z'));
    expect(nextPollAt(open, at('2026-12-14T02:00:00Z'))).toBeNull();
    expect(nextPollAt(open, at('2026-12-20T00:00:00Z'))).toBeNull();
  });

  it('stops once the clerk confirmed (results are final) or the task was cancelled', () => {
    expect(nextPollAt({ ...open, confirmed: true }, at('2026-12-07T03:00:00Z'))).toBeNull();
    expect(nextPollAt({ ...open, cancelled: true }, at('2026-12-07T03:00:00Z'))).toBeNull();
  });

  it('a refused poll is retried after 5, 10, 20 … minutes, never more than 6 hours later', () => {
    const now = at('2026-12-07T04:00:00Z');
    const delays = [1, 2, 3, 4, 5, 6, 7, 8, 20, 100].map((n) => (retryPollAt(now, n).getTime() - now.getTime()) / 60_000);
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 360, 360, 360]);
    expect(retryPollAt(now, 0)).toEqual(at('2026-12-07T04:05:00Z'));
  });
});
